/**
 * Runtime.install works once per process (per jest module registry here) and must come before any
 * NativeConnection: this file installs it first and keeps everything else that touches the Runtime out.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { memoryLogger } from '../../common/logger';
import { orchestratorSettingsSchema } from '../../common/orchestratorConfig';
import { freeTcpPort } from '../../common/ports';
import { flattenSdkMeta, installRuntime, sdkLoggerAdapter, telemetryConfigFromEnv } from '../../worker/telemetry';

const logs = memoryLogger();
let metricsUrl: string;

beforeAll(async () => {
  const port = await freeTcpPort();
  const r = installRuntime({ metricsPort: port, logger: logs });
  metricsUrl = r.metricsUrl!;
  expect(metricsUrl).toBe(`http://127.0.0.1:${port}/metrics`);
});

async function poll<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const parsed = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

test('a real worker exposes Temporal metrics on /metrics and logs through our JSON logger with workflow/activity ids', async () => {
  const address = process.env.DRYDOCK_TEST_TEMPORAL_ADDRESS!;
  const taskQueue = `test-metrics-${randomUUID().slice(0, 8)}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE! },
    // Only what noop needs to start; its next activity is deliberately missing, so the activity fails and is logged.
    activities: { orchestratorSettings: async () => orchestratorSettingsSchema.parse({ poll_interval: 0.2, noop_wait: 0.5 }) },
  });
  const clientConn = await Connection.connect({ address });
  const client = new Client({ connection: clientConn });
  const workflowId = `noop-metrics-${randomUUID()}`;
  try {
    await worker.runUntil(async () => {
      const handle = await client.workflow.start('noop', {
        taskQueue,
        workflowId,
        args: [{ taskId: randomUUID(), designRef: 'file:///nonexistent.yaml', nodeFilter: null }],
      });
      const body = await poll('temporal_ metrics', async () => {
        const res = await fetch(metricsUrl);
        const text = await res.text();
        return res.status === 200 && /^temporal_workflow_task_execution_latency/m.test(text) ? text : undefined;
      });
      expect(body).toMatch(/^temporal_\w+/m);
      expect(body).toMatch(/task_queue="test-metrics-/);
      // Workflow and activity logs carry the SDK's ids as top-level JSON fields.
      await poll('workflow log with ids', async () => parsed().find((l) => l.workflowId === workflowId && l.runId === handle.firstExecutionRunId && l.workflowType === 'noop'));
      // resolveTargetNodes is not registered here: the SDK reports it with the activity's ids.
      const act = await poll('activity log with ids', async () =>
        parsed().find((l) => l.workflowId === workflowId && l.activityType === 'resolveTargetNodes' && l.level === 'error'),
      );
      expect(act).toEqual(expect.objectContaining({ activityId: expect.any(String), attempt: expect.any(Number), taskQueue }));
      // The Runtime is in use: a second install is refused with an explanation.
      expect(() => installRuntime({ logger: logs })).toThrow(/call installRuntime once, before any NativeConnection or Worker/);
      await handle.terminate('test done');
    });
  } finally {
    await clientConn.close();
    await connection.close();
  }
  const workerLine = parsed().find((l) => l.sdkComponent === 'worker' && l.taskQueue === taskQueue);
  expect(workerLine).toEqual(expect.objectContaining({ level: expect.any(String), msg: expect.any(String), ts: expect.any(String) }));
  // Debug lines never carry raw payloads (activation jobs, activity inputs) nor the task token.
  expect(parsed().some((l) => 'jobs' in l || 'start' in l || 'taskToken' in l)).toBe(false);
  expect(logs.lines.some((l) => l.includes('file:///nonexistent.yaml') || l.includes(Buffer.from('nonexistent').toString('base64')))).toBe(false);
});

test('adapter: levels and meta flattening', () => {
  const mem = memoryLogger();
  const sdk = sdkLoggerAdapter(mem);
  sdk.trace('t', { a: 1 });
  sdk.info('hello', { workflowId: 'w1', runId: 'r1', attempt: 2, isLocal: false, taskToken: 'xyz', nested: { k: 'v' }, err: new Error('boom'), [Symbol('ts')]: 5n });
  sdk.log('ERROR', 'bad');
  const [t, i, e] = mem.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(t).toMatchObject({ level: 'debug', msg: 't', a: 1 });
  expect(i).toMatchObject({ level: 'info', msg: 'hello', workflowId: 'w1', runId: 'r1', attempt: 2, isLocal: false, nested: '{"k":"v"}', err: 'boom' });
  expect(i).not.toHaveProperty('taskToken');
  expect(e).toMatchObject({ level: 'error', msg: 'bad' });
  expect(flattenSdkMeta({ big: 10n, when: new Date(0) })).toEqual({ big: '10', when: '1970-01-01T00:00:00.000Z' });
});

test('configuration from the environment', () => {
  expect(telemetryConfigFromEnv({})).toEqual({ metricsPort: undefined, metricsBind: '127.0.0.1' });
  expect(telemetryConfigFromEnv({ DRYDOCK_METRICS_PORT: '9464', DRYDOCK_METRICS_BIND: '0.0.0.0' })).toEqual({ metricsPort: 9464, metricsBind: '0.0.0.0' });
  expect(() => telemetryConfigFromEnv({ DRYDOCK_METRICS_PORT: 'x' })).toThrow(/^invalid configuration: DRYDOCK_METRICS_PORT:/);
});
