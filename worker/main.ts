/**
 * `npm start`: the main job.
 * - TEMPORAL_ADDRESS unset (the default): the embedded Temporal dev server (SQLite in .temporal/, so tasks
 *   survive a restart) with its Web UI, the simulated example site (MaaS emulator, ipmi_sim and Redfish BMCs,
 *   Promenade, nodes that run their boot actions), the worker, and then the example site is deployed end to
 *   end: prepare_site, prepare_nodes, deploy_nodes. `--no-demo` starts everything but deploys nothing.
 * - TEMPORAL_ADDRESS set: only the worker, against that server and the drivers configured in the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Command } from 'commander';
import { DrydockClient } from '../client/drydockClient';
import { codecConfigFromEnv, createCodec, CODEC_OFF_WARNING } from '../common/codec';
import { temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { jsonLogger } from '../common/logger';
import { orchestratorSettingsFromEnv } from '../common/orchestratorConfig';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign } from '../design';
import { DEMO_DURATIONS } from '../emulators/maas';
import { startSimulatedSite } from '../emulators/site/simulatedSite';
import { codecServerConfigFromEnv, startCodecServer, type CodecServer } from './codecServer';
import { runDemo } from './demo';
import { startDevServer } from './devServer';
import { configuredSecrets, createDrydockWorker, designCredentials, installWorkerRuntime, runWorker } from './worker';

const STATE_DIR = path.resolve(process.env.DRYDOCK_STATE_DIR ?? path.join(PROJECT_ROOT, '.temporal'));
const DEMO_SITE = path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml');

interface MainOptions {
  demo: boolean;
  site: string;
}

async function main(): Promise<void> {
  const o = new Command()
    .name('npm start --')
    .description('Drydock on Temporal: embedded Temporal server, simulated site, worker, and a deployment of the example site')
    .option('--no-demo', 'start the server, the simulated site and the worker, but deploy nothing')
    .option('--site <file>', 'site design the simulator builds and the demo deploys', DEMO_SITE)
    .parse()
    .opts<MainOptions>();
  const cfg = temporalConfigFromEnv();
  if (cfg.address) {
    await runWorker(cfg);
    return;
  }
  await runEmbedded(cfg, o);
}

async function runEmbedded(cfg: TemporalConfig, o: MainOptions): Promise<void> {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const logFile = path.join(STATE_DIR, 'drydock.log');
  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  // Masked in every log line: the design's BMC passwords and the simulated site's keys, once known.
  const secrets: string[] = [];
  const logger = jsonLogger({ base: { component: 'worker' }, secrets: () => secrets, write: (l) => logStream.write(l + '\n') });
  const { metricsUrl } = installWorkerRuntime(logger);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };

  try {
    const siteRef = `file://${path.resolve(o.site)}`;
    const loaded = await loadDesign(siteRef);
    if (!loaded.design || loaded.status.status !== 'Success') {
      const errors = loaded.status.details.messageList.filter((m) => m.error).map((m) => `  ${m.message}`);
      throw new Error(`site design ${siteRef} does not validate:\n${errors.join('\n')}`);
    }

    secrets.push(...designCredentials(loaded.design));
    const codec = createCodec(codecConfigFromEnv());
    let codecServer: CodecServer | undefined;
    if (codec) {
      codecServer = await startCodecServer({ codec, ...codecServerConfigFromEnv(), logger });
      stops.push(() => codecServer!.stop());
    } else {
      console.log(`drydock: ${CODEC_OFF_WARNING}`);
    }

    console.log(`drydock: starting the embedded Temporal dev server (state in ${path.relative(process.cwd(), path.join(STATE_DIR, 'temporal.db'))})`);
    const server = await startDevServer({
      port: Number(process.env.DRYDOCK_EMBEDDED_PORT ?? 7233),
      uiPort: Number(process.env.DRYDOCK_EMBEDDED_UI_PORT ?? 8233),
      dbFile: path.join(STATE_DIR, 'temporal.db'),
      logFile: path.join(STATE_DIR, 'temporal.log'),
      uiCodecEndpoint: codecServer?.url,
    });
    stops.push(() => server.stop());

    console.log(`drydock: starting the simulated site "${loaded.design.site}" (${loaded.design.baremetal_nodes.length} nodes)`);
    const clientConnection = await Connection.connect({ address: server.address });
    stops.push(() => clientConnection.close());
    const site = await startSimulatedSite({
      design: loaded.design,
      connection: clientConnection,
      namespace: cfg.namespace,
      durations: DEMO_DURATIONS,
      powerTransitionMs: 1000,
      logger,
    });
    stops.push(() => site.stop());
    secrets.push(...configuredSecrets(site.drivers));

    const connection = await NativeConnection.connect({ address: server.address });
    stops.push(() => connection.close());
    // Drydock polls every 10 s; the simulated site answers in seconds, so the demo polls faster unless told.
    const settings = orchestratorSettingsFromEnv({ DRYDOCK_POLL_INTERVAL: '2', ...process.env });
    const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue, logger, drivers: site.drivers, settings });
    const running = worker.run();

    const ui = server.uiUrl && `${server.uiUrl}/namespaces/${cfg.namespace}`;
    console.log(
      [
        '',
        'Drydock on Temporal is running.',
        `  Web UI:            ${ui ? `${ui}/workflows` : '(none)'}`,
        `  Temporal frontend: ${server.address} (embedded dev server)`,
        `  Worker:            task queue "${cfg.taskQueue}", namespace "${cfg.namespace}"; logs in ${path.relative(process.cwd(), logFile)}`,
        `  Simulated MaaS:    ${site.sim.maas.url}`,
        codecServer ? `  Codec server:      ${codecServer.url} (the Web UI decodes encrypted payloads through it)` : '',
        metricsUrl ? `  Metrics:           ${metricsUrl}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );

    let stopping = false;
    const shutdown = new Promise<void>((resolve) => {
      const stop = () => {
        stopping = true;
        console.log('\ndrydock: stopping');
        worker.shutdown();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

    if (o.demo) {
      const client = await DrydockClient.connect({ ...cfg, address: server.address });
      stops.push(() => client.close());
      console.log(`\nDeploying the site design ${siteRef} on the simulated site:`);
      const demo = runDemo({ client, designRef: siteRef, uiNamespaceUrl: ui, out: process.stdout }).catch((e) => {
        if (!stopping) console.error(`drydock: the demo deployment stopped: ${e instanceof Error ? e.message : e}`);
      });
      await Promise.race([demo, shutdown]);
    }
    console.log(
      [
        '',
        'Next, in another terminal:',
        `  npx drydock task list`,
        `  npx drydock task show <task id>`,
        `  npx drydock task create destroy_nodes --design-ref ${siteRef} --wait`,
        `  npx drydock task create deploy_nodes --design-ref ${siteRef} -n n01,n02 --wait`,
        '',
        'Ctrl-C stops the worker, the simulated site and the embedded server; tasks are kept for the next start.',
      ].join('\n'),
    );
    await running;
  } finally {
    await stopAll();
    logStream.end();
  }
}

main().catch((e) => {
  console.error(`drydock: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
