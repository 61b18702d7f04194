/**
 * The boot action API as a node and Drydock's API docs see it, with plain HTTP requests against a real deploy on
 * the simulated site: the units and files tarballs (401 without the node's key, 403 with another, 404 for a node
 * without a boot action context, the members' names, modes and owners as `tar -tzvf` lists them, the
 * Content-Disposition), then status reports (400 for a body outside the schema, 404 for an unknown id, 409 for a
 * second final status) whose details become task messages. And a boot action that cannot be rendered (a template
 * error) fails its node naming it, while the other nodes deploy.
 *
 * The example site is copied under a site name of its own; its demo-report boot action is made non-signaling here
 * and a signaling `api-probe` boot action whose unit never reports is added, so the statuses are the test's own
 * POSTs whatever the simulated nodes run.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { bootActionId } from '../../common/bootActionKeys';
import { silentLogger } from '../../common/logger';
import { MaasClient } from '../../drivers/maas';
import { nodeFilterFromNames, type Task } from '../../workflows/task';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { withSiteName } from '../harness/ownSite';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-bootaction-api-'));
const suffix = randomUUID().slice(0, 6);

const PROBE = `---
schema: 'drydock/BootAction/v1'
metadata:
  schema: 'metadata/Document/v1'
  name: api-probe
  storagePolicy: 'cleartext'
  labels:
    application: 'drydock'
data:
  signaling: true
  assets:
    - path: /etc/systemd/system/api-probe.service
      type: unit
      permissions: '600'
      data: |
        [Service]
        Type=oneshot
        ExecStart=/bin/true
    - path: /opt/api-probe/report-to
      type: file
      data: "{{ action.report_url }}{{ action.action_id }} {{ action.action_key }}"
      data_pipeline:
        - utf8_decode
        - template
`;

/** The example site as `site`, demo-report not signaling, plus `extra` documents. */
function writeDesign(file: string, site: string, extra: string): string {
  let text = withSiteName(fs.readFileSync(DEMO_SITE_PATH, 'utf8'), site);
  const marker = "  # The unit's own script reports this boot action's status, with the values of its template context.\n  signaling: true\n";
  if (!text.includes(marker)) throw new Error('the example site has no signaling demo-report boot action');
  text = text.replace(marker, '  signaling: false\n');
  text = text.replace(/\n\.\.\.\s*$/, `\n${extra}...\n`);
  const p = path.join(dir, file);
  fs.writeFileSync(p, text);
  return `file://${p}`;
}

let site: SimulatedSite | undefined;
let env: TestWorkerEnv | undefined;

afterAll(async () => {
  // The design locks are workflows that run until an unlock: end them, the tests are over.
  for (const unlock of locks) await unlock();
  await env?.close();
  await site?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** prepare_site (MaaS fabrics, VLANs, subnets; it locks the site's design) and prepare_nodes on `nodes`. */
async function prepare(e: TestWorkerEnv, ref: string, siteName: string, nodes: string[]): Promise<void> {
  const site = await e.client.waitTask((await e.client.createTask('prepare_site', { designRef: ref })).taskId, undefined, 200);
  expect(site.result.status).toBe('success');
  locks.push(() =>
    e.client.client.workflow
      .getHandle(`${siteName}-design-lock`)
      .terminate('test done')
      .catch(() => undefined),
  );
  const prepared = await e.client.waitTask((await e.client.createTask('prepare_nodes', { designRef: ref, nodeFilter: nodeFilterFromNames(nodes) })).taskId, undefined, 200);
  expect(prepared.result.successes.sort()).toEqual(nodes);
}
const locks: (() => Promise<unknown>)[] = [];

/** The node's key as MaaS was given it in the user data of its deployment. */
function keyOf(s: SimulatedSite, node: string): string {
  const d = s.sim.maas.deployments().find((x) => x.hostname === node && x.userData);
  if (!d) throw new Error(`no deployment of ${node} in MaaS`);
  const raw = d.userData!;
  const text = raw.startsWith('#cloud-config') ? raw : Buffer.from(raw, 'base64').toString('utf8');
  const script = (YAML.parse(text.slice(text.indexOf('\n') + 1)) as { runcmd: string[][] }).runcmd[0][2];
  return /X-Bootaction-Key: ([0-9a-f]{64})/.exec(script)![1];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 200))) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

test('units and files tarballs, then status reports, through plain HTTP against a deploy waiting for its boot actions', async () => {
  const siteName = `baapi${suffix}`;
  const ref = writeDesign('api.yaml', siteName, PROBE);
  site = await startSimulatedSite({ designRef: ref });
  env = await startTestWorker('bootaction-api', {
    drivers: site.drivers,
    settings: fastSettings({ timeouts: { ...fastSettings().timeouts, bootaction_final_status: 3 } }),
  });
  const s = site;
  const e = env;
  const api = `${s.api.reportUrl}`;
  const nodes = ['n01', 'n07'];

  await e.run(async () => {
    await prepare(e, ref, siteName, nodes);
    const { taskId } = await e.client.createTask('deploy_nodes', { designRef: ref, nodeFilter: nodeFilterFromNames(nodes) });
    const waiting = await until('both nodes waiting for their boot actions', async () => {
      const t = await e.client.getTask(taskId);
      return nodes.every((n) => t.nodes[n]?.step === 'bootaction_report') ? t : undefined;
    });
    const workflowOf = (n: string) => waiting.nodes[n]!.workflowId!;
    const key = keyOf(s, 'n01');

    // The MaaS tag that tells the node its key (Drydock's <node>__baid__<key>).
    const maas = new MaasClient({ apiUrl: s.drivers.maasApiUrl!, apiKey: s.drivers.maasApiKey!, retries: 0 }, silentLogger);
    expect((await maas.region.tags()).map((t) => t.name)).toEqual(expect.arrayContaining([`n01__baid__${key}`, `n07__baid__${keyOf(s, 'n07')}`]));

    // The tarballs: no key, another node's key, a node without a context.
    const units = `${api}nodes/n01/units`;
    expect((await fetch(units)).status).toBe(401);
    expect((await fetch(units, { headers: { 'X-Bootaction-Key': keyOf(s, 'n07') } })).status).toBe(403);
    expect((await fetch(units, { headers: { 'X-Bootaction-Key': 'ab'.repeat(32) } })).status).toBe(403);
    expect((await fetch(`${api}nodes/nosuchnode${suffix}/units`, { headers: { 'X-Bootaction-Key': key } })).status).toBe(404);

    const tarballs: Record<string, string> = {};
    for (const type of ['units', 'files']) {
      const res = await fetch(`${api}nodes/n01/${type}`, { headers: { 'X-Bootaction-Key': key } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/gzip');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="n01-${type === 'units' ? 'unit' : 'file'}.tar.gz"`);
      const file = path.join(dir, `n01-${type}.tar.gz`);
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      tarballs[type] = file;
    }
    // `tar -tzvf --numeric-owner`: mode, uid/gid, size, date, name (leading slash kept, as Drydock's tarbuilder).
    const listing = (file: string) =>
      execFileSync('tar', ['--numeric-owner', '-tzvf', file], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/))
        .map((f) => ({ mode: f[0], owner: f[1], name: f[5] }));
    expect(listing(tarballs.units)).toEqual([
      { mode: '-rw-r--r--', owner: '0/0', name: '/etc/systemd/system/drydock-demo-report.service' },
      { mode: '-rw-------', owner: '0/0', name: '/etc/systemd/system/api-probe.service' },
    ]);
    expect(listing(tarballs.files)).toEqual([
      { mode: '-rw-r--r--', owner: '0/0', name: '/etc/motd' },
      { mode: '-rwxr-xr-x', owner: '0/0', name: '/opt/drydock/demo-report.sh' },
      // No permissions in the design: Drydock's 0o600.
      { mode: '-rw-------', owner: '0/0', name: '/opt/api-probe/report-to' },
    ]);
    const root = path.join(dir, 'n01-root');
    fs.mkdirSync(root);
    execFileSync('tar', ['-xzf', tarballs.files, '-C', root]);
    // Jinja2 drops the template's trailing newline (keep_trailing_newline is off in Drydock's environment).
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('Deployed by Drydock on Temporal: n01.demo.example.com');
    // The asset's own template context: where to report, its id, the node's key.
    const [reportTo, renderedKey] = fs.readFileSync(path.join(root, 'opt/api-probe/report-to'), 'utf8').split(' ');
    expect(renderedKey).toBe(key);
    const actionId = bootActionId(workflowOf('n01'), 'api-probe');
    expect(reportTo).toBe(`${api}${actionId}`);

    // Reports.
    const post = (url: string, body: unknown, k: string | null = key) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(k ? { 'X-Bootaction-Key': k } : {}) }, body: JSON.stringify(body) });
    const ok = { status: 'Success', details: [{ message: `api-probe ran on n01 ${suffix}`, error: false }] };
    expect((await post(`${api}${bootActionId(workflowOf('n01'), 'no-such-action')}`, ok)).status).toBe(404);
    expect((await post(`${api}not-an-action-id`, ok)).status).toBe(404);
    expect((await post(reportTo, ok, null)).status).toBe(401);
    expect((await post(reportTo, ok, keyOf(s, 'n07'))).status).toBe(403);
    expect((await post(reportTo, { ...ok, extra: 1 })).status).toBe(400);
    expect((await post(reportTo, { status: 'done' })).status).toBe(400);
    expect((await post(reportTo, { details: [{ message: 'no error field' }] })).status).toBe(400);
    // Details alone: recorded, the action stays incomplete.
    expect((await post(reportTo, { details: [{ message: `api-probe started on n01 ${suffix}`, error: false }] })).status).toBe(200);
    const first = await post(reportTo, ok);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ node_name: 'n01', action_id: actionId, action_name: 'api-probe', action_status: 'success' });
    const again = await post(reportTo, { status: 'failure' });
    expect(again.status).toBe(409);

    const n07Key = keyOf(s, 'n07');
    const n07Failure = await post(
      `${api}${bootActionId(workflowOf('n07'), 'api-probe')}`,
      { status: 'failure', details: [{ message: `api-probe failed on n07 ${suffix}`, error: true }] },
      n07Key,
    );
    expect(n07Failure.status).toBe(200);

    const task: Task = await e.client.waitTask(taskId, undefined, 200);
    expect(task.result.successes).toEqual(['n01']);
    expect(task.result.failures).toEqual(['n07']);
    // The node's own task (its deploy_node child, Queries → task): the details with context bootaction, the action id.
    const childTask = (n: string) => e.client.client.workflow.getHandle(workflowOf(n)).query<Task>('task');
    const n01Messages = (await childTask('n01')).result.details.messageList;
    expect(n01Messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: `api-probe started on n01 ${suffix}`, error: false, context_type: 'bootaction', context: actionId }),
        expect.objectContaining({ message: `api-probe ran on n01 ${suffix}`, error: false, context_type: 'bootaction', context: actionId }),
        expect.objectContaining({ message: 'Boot action api-probe completed with status success', error: false, context_type: 'node', context: 'n01' }),
      ]),
    );
    // The 409 was a refusal: the second status never reached the task.
    expect(n01Messages.filter((m) => m.context === actionId)).toHaveLength(2);
    expect(n01Messages.some((m) => /status failure/.test(m.message))).toBe(false);
    const n07ActionId = bootActionId(workflowOf('n07'), 'api-probe');
    expect((await childTask('n07')).result.details.messageList).toEqual(
      expect.arrayContaining([expect.objectContaining({ message: `api-probe failed on n07 ${suffix}`, error: true, context_type: 'bootaction', context: n07ActionId })]),
    );
    // The deploy_nodes task carries the failed node's errors.
    expect(task.result.details.messageList.filter((m) => m.error).map((m) => m.message)).toEqual([
      `api-probe failed on n07 ${suffix}`,
      'Boot action api-probe completed with status failure',
      'bootaction_report: 1 boot action(s) did not succeed',
    ]);

    // After the deploy the node still fetches its assets from its latest deploy.
    expect((await fetch(units, { headers: { 'X-Bootaction-Key': key } })).status).toBe(200);
    // A report after the task has ended has nowhere to go.
    expect((await post(`${api}${n07ActionId}`, ok, n07Key)).status).toBe(409);
  });
}, 300_000);

test('a boot action targeting n02 with a template error fails n02 naming it and the error; n01 deploys', async () => {
  const broken = PROBE.replace('name: api-probe', 'name: broken-n02')
    .replace(
      '  signaling: true\n',
      "  signaling: false\n  node_filter:\n    filter_set_type: 'union'\n    filter_set:\n      - filter_type: 'union'\n        node_names:\n          - n02\n",
    )
    .replace('{{ action.action_key }}"', '{{ node.hostname | no_such_filter }}"');
  const siteName = `babad${suffix}`;
  const ref = writeDesign('broken.yaml', siteName, broken.replace(/api-probe/g, 'broken-n02'));
  const s = await startSimulatedSite({ designRef: ref });
  const e = await startTestWorker('bootaction-render', { drivers: s.drivers, settings: fastSettings() });
  try {
    await e.run(async () => {
      const nodes = ['n01', 'n02'];
      await prepare(e, ref, siteName, nodes);
      const task = await e.client.waitTask((await e.client.createTask('deploy_nodes', { designRef: ref, nodeFilter: nodeFilterFromNames(nodes) })).taskId, undefined, 200);
      expect(task.result.status).toBe('partial_success');
      expect(task.result.successes).toEqual(['n01']);
      expect(task.result.failures).toEqual(['n02']);
      const n02 = task.result.details.messageList.filter((m) => m.error && m.context === 'n02').map((m) => m.message);
      expect(n02.join('\n')).toMatch(/deploy_node: Boot action broken-n02, asset \/opt\/broken-n02\/report-to: .*no_such_filter/);
      expect(task.result.details.messageList.some((m) => /success/.test(m.message) && m.context === 'n02')).toBe(false);
      // MaaS was never asked to deploy n02.
      expect(s.sim.maas.deployments().filter((d) => d.hostname === 'n02' && d.userData)).toEqual([]);
    });
  } finally {
    for (const unlock of locks.splice(0)) await unlock();
    await e.close();
    await s.stop();
  }
}, 300_000);
