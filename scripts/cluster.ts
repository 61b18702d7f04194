/**
 * `npm run cluster`: the production shape on this machine, for a human: PostgreSQL, the Temporal server (not the dev
 * server) with its schema set up, the `default` namespace and Drydock's search attributes — what
 * docker-compose.temporal.yml describes and test/cluster/cluster.test.ts deploys the simulated site through. Prints
 * how to point the worker and the CLI at it; Ctrl-C stops everything and removes its data. `--demo` also runs the
 * simulated example site and a worker against it, so `drydock task create …` deploys through the cluster.
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { temporalConfigFromEnv } from '../common/config';
import { silentLogger } from '../common/logger';
import { tcpPortOpen } from '../common/ports';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign } from '../design';
import { DEMO_DURATIONS } from '../emulators/maas';
import { startSimulatedSite, type SimulatedSite } from '../worker/simulatedSite';
import { createDrydockWorker } from '../worker/worker';
import { startTemporalCluster, temporalClusterUnavailable, type TemporalCluster } from '../test/cluster/temporalCluster';

const DEMO_SITE_PATH = path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml');

/** The simulated example site and a worker polling the CLI's task queue, both against the cluster. */
async function startDemo(cluster: TemporalCluster, taskQueue: string): Promise<() => Promise<void>> {
  const loaded = await loadDesign(`file://${DEMO_SITE_PATH}`);
  if (!loaded.design) throw new Error(`${DEMO_SITE_PATH} does not load`);
  // The SDK's INFO lines (one per worker state change) would bury the instructions.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await Connection.connect({ address: cluster.address });
  let site: SimulatedSite | undefined;
  let native: NativeConnection | undefined;
  try {
    site = await startSimulatedSite({ design: loaded.design, connection, namespace: cluster.namespace, durations: DEMO_DURATIONS, logger: silentLogger });
    native = await NativeConnection.connect({ address: cluster.address });
    const worker = await createDrydockWorker({ connection: native, namespace: cluster.namespace, taskQueue, drivers: site.drivers, logger: silentLogger });
    const running = worker.run().catch((e) => console.error(`cluster: the worker stopped: ${e instanceof Error ? e.message : e}`));
    const s = site;
    const n = native;
    return async () => {
      // A terminal's Ctrl-C reaches the worker's own SIGINT handler too, which may have begun the shutdown already.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await n.close();
      await s.stop();
      await connection.close();
    };
  } catch (e) {
    await native?.close();
    await site?.stop();
    await connection.close();
    throw e;
  }
}

async function main(): Promise<number> {
  const o = new Command()
    .name('npm run cluster --')
    .description('A Temporal server on PostgreSQL on this machine, with the default namespace and Drydock search attributes')
    .option('--port <n>', 'frontend gRPC port (default 7233, or a free port when 7233 is taken)')
    .option('--demo', 'also run the simulated example site and a worker against the cluster')
    .parse()
    .opts<{ port?: string; demo?: boolean }>();
  const unavailable = temporalClusterUnavailable();
  if (unavailable) {
    console.error(`cluster: cannot start: ${unavailable}`);
    return 1;
  }
  let frontendPort: number | undefined;
  if (o.port !== undefined) {
    frontendPort = Number(o.port);
    if (!Number.isInteger(frontendPort) || frontendPort < 1 || frontendPort > 65535) {
      console.error(`cluster: --port must be a TCP port number, got "${o.port}"`);
      return 2;
    }
  } else if (!(await tcpPortOpen('127.0.0.1', 7233))) {
    frontendPort = 7233;
  }
  const cluster = await startTemporalCluster({ frontendPort, durable: true, logLevel: 'warn', onStep: (s) => console.log(`cluster: ${s}`) });
  let stopDemo: (() => Promise<void>) | undefined;
  try {
    const taskQueue = temporalConfigFromEnv().taskQueue;
    if (o.demo) {
      console.log(`cluster: starting the simulated example site and a worker on task queue ${taskQueue}`);
      stopDemo = await startDemo(cluster, taskQueue);
    }
    const pg = cluster.postgres;
    const env = `TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}`;
    const site = path.relative(process.cwd(), DEMO_SITE_PATH);
    console.log(
      [
        '',
        `Temporal server:  ${cluster.address} (namespace ${cluster.namespace}; server pid ${cluster.serverPid()})`,
        `PostgreSQL:       ${pg.host}:${pg.port}, databases temporal and temporal_visibility, user ${pg.user} password ${pg.password}`,
        `Data and logs:    ${pg.dir} (removed when this stops)`,
        ...(o.demo ? [`Worker:           task queue ${taskQueue}, against the simulated site of ${site}`] : []),
        '',
        o.demo ? 'Drive it with the CLI:' : 'Point the worker and the CLI at it:',
        ...(o.demo ? [] : [`  ${env} MAAS_API_URL=… MAAS_API_KEY=… npm run worker`, '  (or `npm run cluster -- --demo`: the simulated example site and a worker too)']),
        `  ${env} npx drydock task create prepare_site -d ${site} --wait`,
        `  ${env} npx drydock task create prepare_nodes -d ${site} -n n01,n02,n03 --wait`,
        `  ${env} npx drydock task create deploy_nodes -d ${site} -n n01,n02,n03 --wait`,
        `  ${env} npx drydock task list`,
        '',
        'Ctrl-C stops it.',
      ].join('\n'),
    );
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(`cluster: stopping ${stopDemo ? 'the worker, the simulated site, ' : ''}the Temporal server and PostgreSQL`);
  try {
    await stopDemo?.();
  } finally {
    await cluster.stop();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`cluster: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
