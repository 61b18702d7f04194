/**
 * Drydock's API v1.0 on the worker's HTTP server, driven over plain HTTP as Shipyard and Drydock's own client drive
 * it, against a real worker and the simulated site: versions and health, a task created over HTTP (with Drydock's
 * context headers) that the project's CLI lists, its subtasks, layers and build data, the node list from MaaS, node
 * filters, design validation, task retention; then the `drydock node list`, `node builddata` and `task builddata`
 * commands against the same API. Bad input on every endpoint gets Drydock's status and error body and starts nothing.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { silentLogger } from '../../common/logger';
import { MemoryBuildDataStore } from '../../drivers/buildData';
import type { Task } from '../../workflows/task';
import { startSimulatedSite, type SimulatedSite } from '../../worker/simulatedSite';
import { cliEnvFor, drydockStdout } from '../harness/cli';
import { DEMO_SITE_PATH, demoDesign } from '../harness/site';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-api-'));
const siteName = `api${randomUUID().slice(0, 6)}`;
const marker = randomUUID();

/** The example site under a site name of its own (its design lock and node claims are this file's). */
function writeDesign(): string {
  const text = fs
    .readFileSync(DEMO_SITE_PATH, 'utf8')
    .replace(/(schema: 'drydock\/Region\/v1'\nmetadata:\n {2}schema: 'metadata\/Document\/v1'\n {2}name: )demo\n/, `$1${siteName}\n`);
  if (!text.includes(`name: ${siteName}\n`)) throw new Error('the example site has no Region document named demo');
  const p = path.join(dir, 'site.yaml');
  fs.writeFileSync(p, text);
  return `file://${p}`;
}

let designRef: string;
let connection: Connection;
let site: SimulatedSite;
let env: TestWorkerEnv;
let base: string;
const buildData = new MemoryBuildDataStore();

beforeAll(async () => {
  designRef = writeDesign();
  connection = await Connection.connect({ address: temporalAddress() });
  // The site's API needs the worker's task queue and the worker the site's drivers: the worker is made at each
  // env.run() from these options, so they are completed once the site is up.
  const workerOptions: Parameters<typeof startTestWorker>[1] = { deps: { buildData }, settings: fastSettings() };
  env = await startTestWorker('api', workerOptions);
  site = await startSimulatedSite({ design: await demoDesign(designRef), connection, logger: silentLogger, api: { taskQueue: env.taskQueue, buildData } });
  workerOptions.drivers = site.drivers;
  base = site.api.url;
});

afterAll(async () => {
  await env.client.client.workflow
    .getHandle(`${siteName}-design-lock`)
    .terminate('test done')
    .catch(() => undefined);
  await env?.close();
  await site?.stop();
  await connection?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Res {
  status: number;
  headers: Headers;
  json: any;
}

async function call(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const raw = typeof body === 'string' || body instanceof Uint8Array;
  const res = await fetch(`${base}${p}`, {
    method,
    headers: body === undefined || raw ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** Workflows of any kind on this test's task queue (visibility: given a moment to catch up). */
async function workflowCount(): Promise<number> {
  await new Promise((r) => setTimeout(r, 1500));
  return (await env.client.client.workflow.count(`TaskQueue = '${env.taskQueue}'`)).count;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 300))) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

const errorBody = (message: string | RegExp) => ({ type: 'error', message: typeof message === 'string' ? message : expect.stringMatching(message), retry: false });

test('versions, health and extended health; unknown paths and methods; every response names its request', async () => {
  const v = await call('GET', '/versions');
  expect(v).toMatchObject({ status: 200, json: { 'v1.0': { path: '/api/v1.0', status: 'stable' } } });
  expect(v.headers.get('x-drydock-req')).toMatch(/^[0-9a-f-]{36}$/);

  const h = await fetch(`${base}/api/v1.0/health`);
  expect(h.status).toBe(204);
  expect(await h.text()).toBe('');
  const x = await call('GET', '/api/v1.0/health/extended');
  expect(x.status).toBe(200);
  expect(x.json).toMatchObject({ kind: 'Status', apiVersion: 'v1.0', status: 'Success', message: '', reason: 'HealthCheck', code: 200, details: { errorCount: 0 } });
  // Temporal and the MaaS checks of ValidateNodeServices, each a SimpleMessage.
  expect(x.json.details.messageList.map((m: { message: string }) => m.message)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^Temporal: /), expect.stringMatching(/MaaS|maas|image|rack/i)]),
  );

  expect(await call('GET', '/api/v1.0/nothing')).toMatchObject({ status: 404, json: errorBody(/Not found/) });
  const m = await call('PUT', '/api/v1.0/tasks');
  expect(m).toMatchObject({ status: 405, json: errorBody(/Method PUT not allowed/) });
  expect(m.headers.get('allow')).toBe('POST, GET, DELETE');
});

test('bad input on every endpoint: Drydock status codes and error body, and nothing started', async () => {
  const before = await workflowCount();
  const json = { 'content-type': 'application/json' };
  const cases: [string, string, unknown, Record<string, string>, number, string | RegExp][] = [
    ['POST', '/api/v1.0/tasks', 'action=deploy_nodes', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'Requires application/json payload'],
    ['POST', '/api/v1.0/tasks', '{"action": "deploy_nodes",', json, 400, /Invalid JSON in body/],
    ['POST', '/api/v1.0/tasks', '', json, 400, /Invalid JSON in body: empty body/],
    ['POST', '/api/v1.0/tasks', '[1, 2]', json, 400, /expected a JSON object/],
    ['POST', '/api/v1.0/tasks', { design_ref: designRef }, {}, 400, 'Task creation requires fields design_ref, action'],
    ['POST', '/api/v1.0/tasks', { action: 'deploy_nodes' }, {}, 400, 'Task creation requires fields design_ref, action'],
    ['POST', '/api/v1.0/tasks', { action: 'explode_nodes', design_ref: designRef }, {}, 400, 'Unsupported action explode_nodes'],
    // Drydock's API has no noop action.
    ['POST', '/api/v1.0/tasks', { action: 'noop', design_ref: designRef }, {}, 400, 'Unsupported action noop'],
    ['POST', '/api/v1.0/tasks', { action: 'deploy_nodes', design_ref: 42 }, {}, 400, /Invalid design_ref 42/],
    [
      'POST',
      '/api/v1.0/tasks',
      { action: 'deploy_nodes', design_ref: designRef, node_filter: { filter_set_type: 'some', filter_set: [] } },
      {},
      400,
      /Invalid node_filter: node_filter.filter_set_type/,
    ],
    [
      'POST',
      '/api/v1.0/tasks',
      { action: 'deploy_nodes', design_ref: designRef, node_filter: { filter_set_type: 'union', filter_set: [{ node_names: 'n01' }] } },
      {},
      400,
      /node_filter.filter_set.0.node_names/,
    ],
    ['POST', '/api/v1.0/tasks', { action: 'deploy_nodes', design_ref: designRef, pad: 'x'.repeat(2 << 20) }, {}, 413, /Request body larger than/],
    ['POST', '/api/v1.0/nodefilter', 'design_ref=x', { 'content-type': 'text/plain' }, 400, 'Requires application/json payload'],
    ['POST', '/api/v1.0/nodefilter', '{]', json, 400, /Invalid JSON in body/],
    ['POST', '/api/v1.0/nodefilter', { node_filter: null }, {}, 400, 'Missing input required value: design_ref'],
    ['POST', '/api/v1.0/nodefilter', { design_ref: designRef, node_filter: { filter_set_type: 'union', filter_set: [{ filter_type: 'xor' }] } }, {}, 400, /filter_type/],
    ['POST', '/api/v1.0/nodefilter', { design_ref: `file://${dir}/missing.yaml` }, {}, 400, /Unable to render effective site design/],
    ['POST', '/api/v1.0/validatedesign', { rel: 'design', type: 'application/x-yaml' }, {}, 400, /design reference is required/],
    ['POST', '/api/v1.0/validatedesign', 'not json', json, 400, /Invalid JSON in body/],
    ['POST', '/api/v1.0/validatedesign', { href: designRef }, { 'content-type': 'application/x-yaml' }, 400, 'Requires application/json payload'],
    ['GET', `/api/v1.0/tasks/${randomUUID()}`, undefined, {}, 404, /^Task .* not found$/],
    ['GET', `/api/v1.0/tasks/${randomUUID()}?layers=two`, undefined, {}, 400, /layers must be an integer/],
    ['GET', `/api/v1.0/tasks/${randomUUID()}?subtaskerrors=maybe`, undefined, {}, 400, /subtaskerrors must be true or false/],
    ['GET', `/api/v1.0/tasks/${randomUUID()}/builddata`, undefined, {}, 404, 'No build data found'],
    ['DELETE', '/api/v1.0/tasks?days=-1', undefined, {}, 400, /days must be an integer ≥ 0/],
    ['DELETE', '/api/v1.0/tasks?days=ten', undefined, {}, 400, /days must be an integer/],
    ['GET', '/api/v1.0/nodes/n01/builddata?latest=yes', undefined, {}, 400, /latest must be true or false/],
    ['GET', '/api/v1.0/nodes/nobody/builddata', undefined, {}, 404, 'No build data found'],
    ['POST', '/api/v1.0/bootactions/01ARZ3NDEKTSV4RRFFQ69G5FAV', { status: 'Success' }, {}, 404, /unknown boot action/],
  ];
  for (const [method, p, body, headers, status, message] of cases) {
    const r = await call(method, p, body, headers);
    expect({ method, p, status: r.status, json: r.json }).toEqual({ method, p, status, json: errorBody(message) });
  }
  expect(await workflowCount()).toBe(before);
});

test('a task created over HTTP runs on the worker, is listed by the project CLI, and shows subtasks, layers and build data', async () => {
  const created = await call(
    'POST',
    '/api/v1.0/tasks',
    // What Drydock's CLI sends for `task create -a prepare_nodes -n n01`: node_tags null (its inverted condition).
    {
      action: 'prepare_nodes',
      design_ref: designRef,
      node_filter: { filter_set_type: 'intersection', filter_set: [{ filter_type: 'union', node_names: ['n01'], rack_names: [], node_tags: null }] },
    },
    { 'X-Context-Marker': marker, 'X-End-User': 'shipyard-operator' },
  );
  expect(created.status).toBe(201);
  const id: string = created.json.task_id;
  expect(created.headers.get('location')).toBe(`/api/v1.0/tasks/${id}`);
  expect(created.json).toMatchObject({
    kind: 'Task',
    apiVersion: 'v1',
    action: 'prepare_nodes',
    status: 'queued',
    design_ref: designRef,
    subtask_id_list: [],
    result: { status: 'incomplete' },
  });

  const task = await env.run(() =>
    until('the task to complete', async () => {
      const r = await call('GET', `/api/v1.0/tasks/${id}`);
      expect(r.status).toBe(200);
      return r.json.status === 'complete' ? (r.json as Task) : undefined;
    }),
  );
  expect(task.result).toMatchObject({ status: 'success', successes: ['n01'], failures: [] });
  expect(task.subtask_id_list).toEqual([`${siteName}-prepare_node-n01-${id}`]);

  // The same task for the project's CLI (`drydock task list`), with Drydock's request context in its memo.
  const listed = JSON.parse(await drydockStdout(['task', 'list', '-o', 'json'], cliEnvFor(env))) as { task_id: string; action: string; result: string }[];
  expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ task_id: id, action: 'prepare_nodes', result: 'success' })]));
  const memo = (await env.client.client.workflow.getHandle(task.workflow_id).describe()).memo as { request_context: Record<string, unknown> };
  expect(memo.request_context).toMatchObject({ external_marker: marker, end_user: 'shipyard-operator' });

  // GET /tasks: every task of this worker's queue, in the task shape.
  const all = await call('GET', '/api/v1.0/tasks');
  expect(all.json).toEqual(expect.arrayContaining([expect.objectContaining({ task_id: id, status: 'complete', result: expect.objectContaining({ status: 'success' }) })]));

  // layers=-1: the task and its subtask by id; subtaskerrors: none had errors; builddata: what introspection kept.
  const sub = task.subtask_id_list[0];
  const layered = await call('GET', `/api/v1.0/tasks/${id}?layers=-1&subtaskerrors=true&builddata=true`);
  expect(layered.status).toBe(200);
  expect(layered.json.init_task_id).toBe(id);
  expect(layered.json[id]).toMatchObject({ task_id: id, subtask_errors: {} });
  expect(layered.json[sub]).toMatchObject({ task_id: sub, action: 'prepare_node', parent_task_id: id, status: 'complete', result: { status: 'success', successes: ['n01'] } });
  const generators = (layered.json[id].build_data as { generator: string }[]).map((b) => b.generator);
  expect(generators).toEqual(expect.arrayContaining(['lshw', expect.stringMatching(/^commission:/)]));
  expect((await call('GET', `/api/v1.0/tasks/${id}?layers=1`)).json).toEqual({ init_task_id: id, [id]: expect.objectContaining({ task_id: id }) });

  const bd = await call('GET', `/api/v1.0/tasks/${id}/builddata`);
  expect(bd.status).toBe(200);
  expect(bd.json[0]).toEqual({
    node_name: 'n01',
    task_id: id,
    collected_date: expect.any(String),
    generator: expect.any(String),
    data_format: expect.any(String),
    data_element: expect.any(String),
  });

  // GET /nodes: the machines MaaS knows, with Drydock's fields; n01 is commissioned (Ready) now.
  const nodes = await call('GET', '/api/v1.0/nodes');
  expect(nodes.status).toBe(200);
  const n01 = (nodes.json as Record<string, unknown>[]).find((n) => n.hostname === 'n01')!;
  const design = await demoDesign(designRef);
  expect(Object.keys(n01).sort()).toEqual(['boot_ip', 'boot_mac', 'cpu_count', 'hostname', 'memory', 'power_address', 'power_state', 'status_name']);
  expect(n01).toMatchObject({
    status_name: 'Ready',
    memory: expect.any(Number),
    cpu_count: expect.any(Number),
    power_state: expect.stringMatching(/^(on|off)$/),
    power_address: expect.any(String),
  });
  expect(n01.boot_mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);

  // Node builddata: latest = the newest record per generator; the lshw names the kernel's interfaces.
  const latest = await call('GET', '/api/v1.0/nodes/n01/builddata?latest=True');
  const lshw = (latest.json as { generator: string; data_element: string }[]).find((b) => b.generator === 'lshw')!;
  expect(lshw.data_element).toMatch(/<logicalname>(eno|enp|ens)\w+<\/logicalname>/);
  expect(new Set((latest.json as { generator: string }[]).map((b) => b.generator)).size).toBe(latest.json.length);

  // The CLI commands read the same API.
  const apiEnv = { ...cliEnvFor(env), DRYDOCK_API_URL: base };
  const cliNodes = JSON.parse(await drydockStdout(['node', 'list', '-o', 'json'], apiEnv));
  expect(cliNodes).toEqual(nodes.json);
  const table = await drydockStdout(['node', 'list'], apiEnv);
  expect(table.split('\n')[0]).toMatch(/^NODE NAME\s+STATUS\s+CPUS\s+MEMORY\s+PXE MAC\s+MGMT IP\s+IPMI IP\s+POWER STATE$/);
  expect(table).toMatch(/\nn01\s+Ready\s+/);
  expect(JSON.parse(await drydockStdout(['node', 'builddata', 'n01', '--latest', '-o', 'json'], apiEnv))).toEqual(latest.json);
  expect(JSON.parse(await drydockStdout(['task', 'builddata', id, '-o', 'json'], apiEnv))).toEqual(bd.json);
  expect(await drydockStdout(['task', 'builddata', '-t', id], apiEnv)).toMatch(/^--- n01 {2}\S+ {2}text\/\w+ {2}collected /);

  // POST /nodefilter: the design's nodes the filter selects.
  const filtered = await call('POST', '/api/v1.0/nodefilter', {
    design_ref: designRef,
    node_filter: { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: ['n02', 'n09'] }] },
  });
  expect(filtered).toMatchObject({ status: 200, json: ['n02', 'n09'] });
  expect((await call('POST', '/api/v1.0/nodefilter', { design_ref: designRef })).json).toHaveLength(design.baremetal_nodes.length);

  // Task retention: nothing is older than 90 days; with 0 days the closed task and its node workflow are deleted.
  expect((await call('DELETE', '/api/v1.0/tasks?days=90')).json).toMatchObject({ message: 'Tables purged successfully.', tasks_deleted: 0 });
  const purged = await call('DELETE', '/api/v1.0/tasks?days=0');
  expect(purged.json).toMatchObject({ message: 'Tables purged successfully.', tasks_deleted: 1 });
  expect(purged.json.detail).toMatch(/running tasks are kept/);
  // Temporal deletes asynchronously (its transfer queue, then visibility): seconds when idle, longer under load.
  await until('the deleted task to be gone', async () => ((await call('GET', `/api/v1.0/tasks/${id}`)).status === 404 ? true : undefined), 90_000);
}, 240_000);

test('POST /validatedesign: 200 with the Validation status for a valid design, 400 with it for an invalid one', async () => {
  const ok = await call('POST', '/api/v1.0/validatedesign', { rel: 'design', href: designRef, type: 'application/x-yaml' });
  expect(ok).toMatchObject({ status: 200, json: { kind: 'Status', apiVersion: 'v1.0', status: 'Success', code: 200 } });
  const badFile = path.join(dir, 'bad.yaml');
  fs.writeFileSync(badFile, fs.readFileSync(DEMO_SITE_PATH, 'utf8').replace(/cidr: '?(\d+\.\d+\.\d+\.\d+)\/(\d+)'?/, 'cidr: 999.1.1.1/40'));
  const bad = await call('POST', '/api/v1.0/validatedesign', { href: `file://${badFile}` });
  expect(bad).toMatchObject({ status: 400, json: { kind: 'Status', status: 'Failure', code: 400 } });
  expect(bad.json.details.errorCount).toBeGreaterThan(0);
});
