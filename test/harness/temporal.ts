import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DrydockClient } from '../../client/drydockClient';
import { silentLogger } from '../../common/logger';
import { orchestratorSettingsSchema, type OrchestratorSettings } from '../../common/orchestratorConfig';
import { createDrydockWorker, type DrydockWorkerOptions } from '../../worker/worker';
import { installQuietRuntime } from './quietRuntime';

export function temporalAddress(): string {
  const a = process.env.DRYDOCK_TEST_TEMPORAL_ADDRESS;
  if (!a) throw new Error('the test Temporal server is not running (jest globalSetup did not run)');
  return a;
}

/** Settings small enough for tests; Drydock's names, minutes for timeouts. */
export function fastSettings(overrides: Partial<OrchestratorSettings> = {}): OrchestratorSettings {
  return orchestratorSettingsSchema.parse({
    poll_interval: 0.2,
    noop_wait: 0.5,
    timeouts: { identify_node: 1, configure_hardware: 1, deploy_node: 1, bootaction_final_status: 0.5, destroy_node: 1 },
    ...overrides,
  });
}

export interface TestWorkerEnv {
  taskQueue: string;
  client: DrydockClient;
  connection: NativeConnection;
  /** Runs `fn` while a fresh worker polls the task queue, then shuts that worker down. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A worker and a client on a task queue of their own, against the run's shared server. */
export async function startTestWorker(name: string, opts: Partial<Omit<DrydockWorkerOptions, 'connection' | 'namespace' | 'taskQueue'>> = {}): Promise<TestWorkerEnv> {
  const taskQueue = `test-${name}-${randomUUID().slice(0, 8)}`;
  const address = temporalAddress();
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address });
  const newWorker = (): Promise<Worker> =>
    createDrydockWorker({
      connection,
      namespace: 'default',
      taskQueue,
      settings: opts.settings ?? fastSettings(),
      logger: opts.logger ?? silentLogger,
      workflowBundle: { codePath: process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE! },
      ...opts,
    });
  const client = await DrydockClient.connect({ address, namespace: 'default', taskQueue, connectTimeout: 5 }, { dataConverter: opts.dataConverter });
  return {
    taskQueue,
    client,
    connection,
    run: async (fn) => (await newWorker()).runUntil(fn),
    close: async () => {
      await client.close();
      await connection.close();
    },
  };
}

/** Waits, at most `maxMs`, until the workflow has an activity of this type pending: the moment to act mid-step. */
export async function untilActivityPending(env: TestWorkerEnv, workflowId: string, activityType: string, maxMs = 10_000): Promise<void> {
  const handle = env.client.client.workflow.getHandle(workflowId);
  for (const end = Date.now() + maxMs; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    try {
      if ((await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === activityType)) return;
    } catch (e) {
      // A child workflow its parent has not started yet.
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
  }
}
