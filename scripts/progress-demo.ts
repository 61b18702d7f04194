/**
 * A throw-away site to watch `drydock task wait` against: a Temporal dev server (in memory), the 10-node
 * example site on the simulator with MaaS steps that take a few seconds, and a worker. Prints the
 * environment the CLI needs; Ctrl-C stops everything.
 *
 *   npx tsx scripts/progress-demo.ts [--fail-deploy n04] [--parallel 4]
 *   # in another terminal, with the printed TEMPORAL_ADDRESS / DRYDOCK_TASK_QUEUE:
 *   npx drydock task create prepare_site -d file://$PWD/examples/site/demo-site.yaml --wait
 *   npx drydock task create prepare_nodes -d file://$PWD/examples/site/demo-site.yaml --wait
 *   npx drydock task create deploy_nodes -d file://$PWD/examples/site/demo-site.yaml --wait
 */
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { jsonLogger } from '../common/logger';
import { orchestratorSettingsSchema } from '../common/orchestratorConfig';
import { loadDesign } from '../design';
import { DEMO_DURATIONS } from '../emulators/maas';
import { startSimulatedSite } from '../emulators/site/simulatedSite';
import { startDevServer } from '../worker/devServer';
import { createDrydockWorker, installWorkerRuntime } from '../worker/worker';

const DEMO_SITE = `file://${path.resolve(__dirname, '../examples/site/demo-site.yaml')}`;

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const failDeploy = arg('--fail-deploy');
  const logger = jsonLogger({ level: 'warn', base: { component: 'progress-demo' } });
  installWorkerRuntime(logger);
  const server = await startDevServer({ uiPort: 0, logFile: path.join(os.tmpdir(), 'drydock-progress-demo-temporal.log') });
  const loaded = await loadDesign(DEMO_SITE);
  if (!loaded.design) throw new Error('the example site does not load');
  const clientConn = await Connection.connect({ address: server.address });
  // Step durations spread a little so the nodes do not all move in lock step.
  const site = await startSimulatedSite({
    design: loaded.design,
    connection: clientConn,
    logger,
    durations: { ...DEMO_DURATIONS, commissioning: 4000, testing: 1000, deploying: 6000 },
  });
  if (failDeploy) site.sim.maas.setFault({ failDeployment: [failDeploy] });
  const connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'drydock';
  const worker = await createDrydockWorker({
    connection,
    namespace: 'default',
    taskQueue,
    drivers: site.drivers,
    settings: orchestratorSettingsSchema.parse({ poll_interval: 1, max_parallel_nodes: arg('--parallel') }),
    logger,
  });
  process.stdout.write(
    `ready\nexport TEMPORAL_ADDRESS=${server.address} DRYDOCK_TASK_QUEUE=${taskQueue}\n` +
      `Web UI: ${server.uiUrl}/namespaces/default/workflows\ndesign: ${DEMO_SITE}\n`,
  );
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await site.stop();
    await clientConn.close();
    await server.stop();
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`progress-demo: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
