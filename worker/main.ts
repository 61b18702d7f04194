/**
 * `npm start`: the main job.
 * - TEMPORAL_ADDRESS unset (the default): starts the embedded Temporal dev server (SQLite in .temporal/, so
 *   tasks survive a restart) with its Web UI, then the worker.
 * - TEMPORAL_ADDRESS set: starts only the worker against that server.
 */
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { temporalConfigFromEnv } from '../common/config';
import { jsonLogger } from '../common/logger';
import { PROJECT_ROOT } from '../common/temporalCli';
import { startDevServer, type DevServer } from './devServer';
import { createDrydockWorker } from './worker';

const STATE_DIR = path.join(PROJECT_ROOT, '.temporal');
const DEMO_SITE = path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml');

async function main(): Promise<void> {
  const cfg = temporalConfigFromEnv();
  let server: DevServer | undefined;
  let address = cfg.address;
  if (!address) {
    console.log('drydock: starting the embedded Temporal dev server (state in .temporal/temporal.db)');
    server = await startDevServer({
      port: Number(process.env.DRYDOCK_EMBEDDED_PORT ?? 7233),
      uiPort: Number(process.env.DRYDOCK_EMBEDDED_UI_PORT ?? 8233),
      dbFile: path.join(STATE_DIR, 'temporal.db'),
      logFile: path.join(STATE_DIR, 'temporal.log'),
    });
    address = server.address;
  }

  const connection = await NativeConnection.connect({ address });
  const logger = jsonLogger({ base: { component: 'worker' } });
  const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue, logger });

  const stop = () => {
    console.log('\ndrydock: stopping');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const env = cfg.address ? `TEMPORAL_ADDRESS=${cfg.address} ` : '';
  console.log(
    [
      '',
      'Drydock on Temporal is running.',
      `  Temporal frontend: ${address}${server ? ' (embedded dev server)' : ''}`,
      server?.uiUrl ? `  Web UI:            ${server.uiUrl}/namespaces/${cfg.namespace}/workflows` : '',
      `  Worker:            task queue "${cfg.taskQueue}", namespace "${cfg.namespace}"`,
      '',
      'Next, in another terminal:',
      `  ${env}npx drydock task create noop --design-ref file://${DEMO_SITE} --wait`,
      `  ${env}npx drydock task list`,
      '',
      'Ctrl-C stops the worker and the embedded server; tasks are kept for the next start.',
    ]
      .filter((l) => l !== '')
      .join('\n'),
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await server?.stop();
  }
}

main().catch((e) => {
  console.error(`drydock: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
