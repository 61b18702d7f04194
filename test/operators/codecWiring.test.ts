/**
 * The data converter reaches every place Drydock writes payloads: the worker (createDrydockWorker), the
 * client and the `drydock` CLI (DrydockClient.connect) and the boot action API's signals, all from
 * DRYDOCK_CODEC_KEY by default; runWorker's Runtime carries the metrics setting.
 *
 * The Runtime is installed first (before any NativeConnection in this file's module registry).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { CODEC_OFF_WARNING, createDataConverter, ENCODING_ENCRYPTED, FAILURE_CONVERTER_PATH } from '../../common/codec';
import { memoryLogger } from '../../common/logger';
import { freeTcpPort } from '../../common/ports';
import { temporalCliPath } from '../../common/temporalCli';
import { startSimulatedSite } from '../harness/site';
import { createDrydockWorker, WORKFLOWS_PATH } from '../../worker/worker';
import { bundleHasFailureConverter } from '../../worker/dataConverter';
import { installWorkerRuntime } from '../../worker/telemetry';
import { startTestWorker, temporalAddress } from '../harness/temporal';
import { runDrydock } from '../harness/cli';
import { DEMO_SITE, DEMO_SITE_PATH } from '../harness/demoSite';
import { silentSdkLogger } from '../harness/logging';

const exec = promisify(execFile);
const runtimeLogs = memoryLogger();
const savedEnv = { ...process.env };
let metricsUrl: string | undefined;
let plainBundle: WorkflowBundle;
let encryptedBundle: WorkflowBundle;

beforeAll(async () => {
  process.env.DRYDOCK_METRICS_PORT = String(await freeTcpPort());
  metricsUrl = installWorkerRuntime(runtimeLogs).metricsUrl;
  [plainBundle, encryptedBundle] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silentSdkLogger }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: silentSdkLogger }),
  ]);
});

afterEach(() => {
  for (const k of ['DRYDOCK_CODEC_KEY', 'DRYDOCK_CODEC_KEY_ID', 'DRYDOCK_CODEC_OLD_KEYS']) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

/**
 * `<encoding> <path>` for every payload in a `temporal workflow show -o json` history, except search
 * attributes (indexed by the server, never seen by a codec: their own test checks they hold no secret).
 */
function payloadEncodings(history: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const enc = (o.metadata as Record<string, string> | undefined)?.encoding;
      if (typeof enc === 'string' && 'data' in o) out.push(`${Buffer.from(enc, 'base64').toString('utf8')} ${at}`);
      for (const [k, x] of Object.entries(o)) if (k !== 'searchAttributes') visit(x, `${at}.${k}`);
    }
  };
  visit(history, '');
  return out;
}

async function showHistory(workflowId: string): Promise<unknown> {
  const { stdout } = await exec(temporalCliPath(), ['workflow', 'show', '-w', workflowId, '--address', temporalAddress(), '-o', 'json'], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

test('runWorker installs the Runtime with DRYDOCK_METRICS_PORT; a second install keeps the first and says so', async () => {
  expect(metricsUrl).toBe(`http://127.0.0.1:${process.env.DRYDOCK_METRICS_PORT}/metrics`);
  expect((await fetch(metricsUrl!)).status).toBe(200);
  expect(installWorkerRuntime(runtimeLogs)).toEqual({});
  expect(runtimeLogs.lines.some((l) => l.includes('DRYDOCK_METRICS_PORT not applied'))).toBe(true);
});

test('a pre-built bundle is checked for the failure converter an encrypting data converter needs', async () => {
  expect(bundleHasFailureConverter(plainBundle)).toBe(false);
  expect(bundleHasFailureConverter(encryptedBundle)).toBe(true);
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  try {
    const { dataConverter } = createDataConverter({ current: { id: 'k1', key: randomBytes(32) }, old: [] });
    await expect(
      createDrydockWorker({ connection, namespace: 'default', taskQueue: `unused-${randomUUID()}`, workflowBundle: plainBundle, dataConverter, logger: memoryLogger() }),
    ).rejects.toThrow(/workflow bundle was built without the failure converter/);
  } finally {
    await connection.close();
  }
});

test('without DRYDOCK_CODEC_KEY the worker runs unencrypted and warns once per process', async () => {
  delete process.env.DRYDOCK_CODEC_KEY;
  const logs = memoryLogger();
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  try {
    for (let i = 0; i < 2; i++) {
      const w = await createDrydockWorker({ connection, namespace: 'default', taskQueue: `unused-${randomUUID()}`, workflowBundle: plainBundle, logger: logs });
      await w.runUntil(Promise.resolve());
    }
  } finally {
    await connection.close();
  }
  const warnings = logs.lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.msg === CODEC_OFF_WARNING);
  expect(warnings).toEqual([expect.objectContaining({ level: 'warn' })]);
});

test('with DRYDOCK_CODEC_KEY, the worker, DrydockClient and the drydock CLI encrypt every payload; without the key the CLI says so', async () => {
  const key = randomBytes(32).toString('base64');
  process.env.DRYDOCK_CODEC_KEY = key;
  process.env.DRYDOCK_CODEC_KEY_ID = 'wiring-k1';
  // No dataConverter given anywhere: both sides take it from the environment.
  const env = await startTestWorker('codec-env', { workflowBundle: encryptedBundle });
  const cliEnv = { TEMPORAL_ADDRESS: temporalAddress(), DRYDOCK_TASK_QUEUE: env.taskQueue, DRYDOCK_CODEC_KEY: key, DRYDOCK_CODEC_KEY_ID: 'wiring-k1' };
  try {
    await env.run(async () => {
      const created = await runDrydock(['task', 'create', 'noop', '-d', DEMO_SITE, '-n', 'n01,n07', '--wait', '-o', 'json'], cliEnv);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const task = JSON.parse(created.stdout) as { task_id: string; workflow_id: string; result: { status: string; successes: string[] } };
      expect(task.result).toEqual(expect.objectContaining({ status: 'success', successes: ['n01', 'n07'] }));

      // DrydockClient reads the result with the same key.
      expect((await env.client.getTask(task.task_id)).design_ref).toBe(DEMO_SITE);

      const history = await showHistory(task.workflow_id);
      const encodings = payloadEncodings(history);
      expect(encodings.length).toBeGreaterThan(3);
      // Core's own local-activity marker metadata (seq, attempt, activity id and type, times) is never a
      // codec's to encode; the activity's result beside it is.
      const coreMarker = /\.markerRecordedEventAttributes\.details\.data\.payloads\[0\]$/;
      expect(encodings.filter((e) => !e.startsWith(`${ENCODING_ENCRYPTED} `) && !coreMarker.test(e))).toEqual([]);
      expect(encodings.filter((e) => /markerRecordedEventAttributes\.details\.result/.test(e)).length).toBeGreaterThan(0);
      expect(JSON.stringify(history)).not.toContain(Buffer.from(DEMO_SITE).toString('base64').slice(4, 40));

      // Without the key the CLI cannot read the task: one line naming the variable, exit 1.
      const noKey = await runDrydock(['task', 'show', task.task_id], { ...cliEnv, DRYDOCK_CODEC_KEY: '', DRYDOCK_CODEC_KEY_ID: '' });
      expect(noKey.code).toBe(1);
      expect(noKey.stderr.trim().split('\n')).toHaveLength(1);
      expect(noKey.stderr).toMatch(/encrypted.*DRYDOCK_CODEC_KEY/);
    });
  } finally {
    await env.close();
  }
});

test('with DRYDOCK_CODEC_KEY, a boot action report reaches the deploy workflow as an encrypted signal', async () => {
  process.env.DRYDOCK_CODEC_KEY = randomBytes(32).toString('base64');
  const { dataConverter } = createDataConverter({ current: { id: 'k1', key: Buffer.from(process.env.DRYDOCK_CODEC_KEY, 'base64') }, old: [] });
  // A site of its own name: prepare_site locks the site's design with an encrypted memo, which the other tests'
  // workers (no codec) could not read.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-site-'));
  const designRef = `file://${path.join(dir, 'site.yaml')}`;
  fs.writeFileSync(
    new URL(designRef),
    fs
      .readFileSync(DEMO_SITE_PATH, 'utf8')
      .replace(/^  name: demo$/m, '  name: demo-codec')
      .replace(/^(\s+)site: demo$/m, '$1site: demo-codec'),
  );
  // The site's boot action API takes its data converter from DRYDOCK_CODEC_KEY, as the worker's.
  const site = await startSimulatedSite({ designRef });
  const env = await startTestWorker('codec-report', { drivers: site.drivers, dataConverter, workflowBundle: encryptedBundle });
  const nodeFilter = { filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: ['n01'] }] };
  try {
    const deploy = await env.run(async () => {
      for (const action of ['prepare_site', 'prepare_nodes', 'deploy_nodes'] as const) {
        const { taskId } = await env.client.createTask(action, { designRef, nodeFilter: action === 'prepare_site' ? null : nodeFilter });
        const t = await env.client.waitTask(taskId, undefined, 200);
        expect({ action, result: t.result.status }).toEqual({ action, result: 'success' });
        if (action === 'deploy_nodes') return t;
      }
      throw new Error('unreachable');
    });
    // The demo-report unit on n01 POSTed its own status; the API passed it on as a signal, encrypted.
    const child = deploy.nodes.n01.workflowId!;
    const history = (await showHistory(child)) as { events: { eventType: string; workflowExecutionSignaledEventAttributes?: unknown }[] };
    const signaled = history.events.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    expect(signaled.length).toBeGreaterThan(0);
    for (const e of signaled) expect(payloadEncodings(e.workflowExecutionSignaledEventAttributes)).toEqual([`${ENCODING_ENCRYPTED} .input.payloads[0]`]);
    expect(JSON.stringify(signaled)).not.toContain('/etc/motd names');
    // The client with the key reads the report back.
    const connection = await Connection.connect({ address: temporalAddress() });
    const events = await new Client({ connection, dataConverter }).workflow
      .getHandle(child)
      .fetchHistory()
      .finally(() => connection.close());
    const inputs = events.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).map((e) => e.workflowExecutionSignaledEventAttributes!.input!.payloads!);
    const decoded = await Promise.all(inputs.map(async (p) => Buffer.from((await dataConverter!.payloadCodecs![0].decode(p))[0].data!).toString()));
    expect(decoded.join('\n')).toContain('/etc/motd names n01');
  } finally {
    await env.run(() => env.client.unlockSite('demo-codec', { by: 'codecWiring test' })).catch(() => undefined);
    await env.close();
    await site.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
