/**
 * The deploy benchmark's worker process (bench/deploy.ts forks it, so its memory is measured alone):
 * `project` is the Drydock worker as createDrydockWorker builds it, on the site's drivers; `baseline` a worker
 * with SDK defaults for the bare Temporal baseline (bench/baseline/). The project worker's modules are the compiled
 * ones (dist/) when the parent says so, as operators run them. Both load a workflow bundle the parent
 * built, so the bundler's memory is not the worker's. Tells its parent `ready` once polling; `stop` (or
 * SIGTERM) shuts it down.
 */
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DriverConfig } from '../common/driverConfig';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import type * as secrets from '../worker/secrets';
import type * as telemetry from '../worker/telemetry';
import type * as drydockWorker from '../worker/worker';
import * as baselineActivities from './baseline/activities';

export interface WorkerProcessInput {
  mode: 'project' | 'baseline';
  address: string;
  namespace: string;
  taskQueue: string;
  bundlePath: string;
  drivers?: DriverConfig;
  settings?: OrchestratorSettings;
  /** The compiled code (dist/) the project worker runs, as operators run it; else its TypeScript through tsx. */
  compiledRoot?: string;
}

/** A worker module, compiled when `compiledRoot` is given (then nothing of the TypeScript tree is loaded). */
function workerModule<T>(input: WorkerProcessInput, rel: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path chosen at run time
  return require(input.compiledRoot ? path.join(input.compiledRoot, `${rel}.js`) : path.join(__dirname, '..', rel)) as T;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessInput;
  let worker: Worker;
  let connection: NativeConnection;
  if (input.mode === 'project') {
    const { workerLogger } = workerModule<typeof secrets>(input, 'worker/secrets');
    const { installWorkerRuntime } = workerModule<typeof telemetry>(input, 'worker/telemetry');
    const { createDrydockWorker } = workerModule<typeof drydockWorker>(input, 'worker/worker');
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
      // BENCH_WORKER_OPTIONS='{"maxCachedWorkflows":100}': worker options to compare against the defaults.
      workerOptions: process.env.BENCH_WORKER_OPTIONS ? (JSON.parse(process.env.BENCH_WORKER_OPTIONS) as drydockWorker.DrydockWorkerOptions['workerOptions']) : undefined,
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
  // Where the peak's memory is (V8 heap of this thread, the workflow threads' are in rss), in the worker's log at exit.
  let peak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
  }, 500).unref();
  process.once('exit', () => {
    clearInterval(sampler);
    const mb = (n: number) => Math.round(n / 1048576);
    process.stderr.write(
      `worker memory at peak RSS (MB): rss ${mb(peak.rss)}, heapTotal ${mb(peak.heapTotal)}, heapUsed ${mb(peak.heapUsed)}, external ${mb(peak.external)}, arrayBuffers ${mb(peak.arrayBuffers)}\n`,
    );
  });
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
