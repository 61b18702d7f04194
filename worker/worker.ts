import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, HEARTBEAT_EVERY_MS, type ActivityDeps } from '../activities';
import { TemporalDesignLocks } from '../activities/designLocks';
import { TemporalNodeClaims } from '../activities/nodeClaims';
import { driverConfigFromEnv, type DriverConfig } from '../common/driverConfig';
import type { Logger } from '../common/logger';
import { orchestratorSettingsFromEnv, type OrchestratorSettings } from '../common/orchestratorConfig';
import { prebuiltWorkflowBundle } from './bundle';
import { bundleHasFailureConverter, dataConverterFromEnv } from './dataConverter';
import { defaultDeps } from './deps';
import { workerLogger } from './secrets';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface DrydockWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  settings?: OrchestratorSettings;
  logger?: Logger;
  /** Driver configuration; from the environment by default. */
  drivers?: DriverConfig;
  /** Overrides for activity dependencies. */
  deps?: Partial<ActivityDeps>;
  /**
   * A pre-built bundle (tests bundle once per run); otherwise the workflows are bundled at start. When the
   * data converter has a failure converter (the codec is on), the bundle must have been built with the same
   * one: `bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH })`.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Payload codec and failure converter. Default: from DRYDOCK_CODEC_KEY / _KEY_ID / _OLD_KEYS
   * (`createDataConverter(codecConfigFromEnv())`); without a key the SDK default, and a warning once.
   * `{}` is the SDK default whatever the environment says.
   */
  dataConverter?: DataConverter;
  maxConcurrentActivityTaskExecutions?: number;
  /** Other Worker.create options, over the ones chosen here (the deploy benchmark tries cache and concurrency settings). */
  workerOptions?: Partial<Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'reuseV8Context' | 'maxConcurrentActivityTaskExecutions'>>;
}

export async function createDrydockWorker(opts: DrydockWorkerOptions): Promise<Worker> {
  const drivers = opts.drivers ?? driverConfigFromEnv();
  const logger = opts.logger ?? workerLogger(drivers);
  const settings = opts.settings ?? orchestratorSettingsFromEnv();
  const dataConverter = opts.dataConverter ?? dataConverterFromEnv(logger);
  // Workflow code converts its own failures inside the sandbox, with the converter the bundle was built with:
  // a bundle without it would write workflow failure messages to the history in clear.
  // Compiled code (npm run build) brings its bundles; in development the workflows are bundled at start.
  const workflowBundle = opts.workflowBundle ?? prebuiltWorkflowBundle(dataConverter);
  if (workflowBundle && dataConverter?.failureConverterPath && !bundleHasFailureConverter(workflowBundle, dataConverter.failureConverterPath)) {
    throw new Error(
      'the workflow bundle was built without the failure converter the data converter uses: build it with ' +
        'bundleWorkflowCode({ workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH }) or let the worker bundle the workflows',
    );
  }
  const client = new Client({ connection: opts.connection, namespace: opts.namespace, dataConverter });
  const designLocks = new TemporalDesignLocks(client);
  const nodeClaims = new TemporalNodeClaims(client);
  const deps = { ...defaultDeps(settings, logger, drivers), designLocks, nodeClaims, ...opts.deps };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    dataConverter,
    activities: createActivities(deps),
    // Each node in flight runs one activity at a time: 50 is above max_parallel_nodes (16), so no node waits for a
    // slot, and bounds the MaaS and BMC calls one worker makes at once. Local activities keep the SDK's 100 slots,
    // the workflow cache its default (bench:deploy with maxCachedWorkflows 50 measured the same memory).
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
    // Each heartbeat goes out, and a cancellation comes back within a second (not 80% of the heartbeat timeout).
    maxHeartbeatThrottleInterval: HEARTBEAT_EVERY_MS,
    ...opts.workerOptions,
  });
}
