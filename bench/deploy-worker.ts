/**
 * The deploy benchmark's worker process (bench/deploy.ts forks it, so its memory is measured alone):
 * `project` is the Drydock worker as createDrydockWorker builds it, on the site's drivers; `baseline` a worker
 * with SDK defaults for the bare Temporal baseline (bench/baseline/). Both load a workflow bundle the parent
 * built, so the bundler's memory is not the worker's. Tells its parent `ready` once polling; `stop` (or
 * SIGTERM) shuts it down.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DriverConfig } from '../common/driverConfig';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { workerLogger } from '../worker/secrets';
import { installWorkerRuntime } from '../worker/telemetry';
import { createDrydockWorker } from '../worker/worker';
import * as baselineActivities from './baseline/activities';

export interface WorkerProcessInput {
  mode: 'project' | 'baseline';
  address: string;
  namespace: string;
  taskQueue: string;
  bundlePath: string;
  drivers?: DriverConfig;
  settings?: OrchestratorSettings;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessInput;
  let worker: Worker;
  let connection: NativeConnection;
  if (input.mode === 'project') {
    const logger = workerLogger(input.drivers!);
    installWorkerRuntime(logger);
    connection = await NativeConnection.connect({ address: input.address });
    worker = await createDrydockWorker({
      connection,
      namespace: input.namespace,
      taskQueue: input.taskQueue,
      settings: input.settings,
      drivers: input.drivers,
      logger,
      dataConverter: {},
      workflowBundle: { codePath: input.bundlePath },
    });
  } else {
    connection = await NativeConnection.connect({ address: input.address });
    worker = await Worker.create({
      connection,
      namespace: input.namespace,
      taskQueue: input.taskQueue,
      workflowBundle: { codePath: input.bundlePath },
      activities: baselineActivities,
    });
  }
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  process.on('SIGTERM', stop);
  process.on('message', (m: { type: string }) => m.type === 'stop' && stop());
  process.on('disconnect', stop);
  const running = worker.run();
  process.send!({ type: 'ready' });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((e) => {
  process.send?.({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
