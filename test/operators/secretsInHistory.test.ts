/**
 * Secrets by reference, checked where an operator would find them: on the Temporal server.
 *
 * With the payload codec OFF (so nothing hides behind encryption), the example site goes through
 * prepare_site, prepare_nodes and deploy_nodes on the simulator; on a second site two BMCs refuse the
 * design's password (one IPMI, one Redfish) and MaaS fails one deployment. Then every workflow those
 * workers ran (parents, one child per node, the design lock) is exported with the real
 * `temporal workflow show --output json` and its listing entry (search attributes, memo) is read with
 * `temporal workflow list --output json`: none holds a BMC password of the design, the MaaS API key or any
 * part of it, the boot action secret, a node's boot action key or a secret written into a boot action asset
 * (which the node's files tarball does hold), in clear, base64 or base64url. The worker's and the Temporal
 * runtime's log lines are checked the same way.
 *
 * Controls: the same export finds the failure messages of the failed nodes (so failures were scanned), and
 * finds each kind of secret when a workflow does carry it (input, search attribute, memo).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { memoryLogger } from '../../common/logger';
import { DrydockDesignRef } from '../../common/searchAttributes';
import { temporalCliPath } from '../../common/temporalCli';
import type { Task } from '../../workflows/task';
import { installRuntime } from '../../worker/telemetry';
import { formatFinding, scanHistoriesForSecrets, scanHistoryJson, type Finding } from '../../scripts/scan-histories';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { withSiteName } from '../harness/ownSite';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';

const exec = promisify(execFile);
const runtimeLogs = memoryLogger();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-secrets-'));
const DEMO_YAML = fs.readFileSync(DEMO_SITE_PATH, 'utf8');

/** The BMC password (`oob.credential`) of every node of a design, by node name. */
function bmcPasswords(yamlText: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const doc of YAML.parseAllDocuments(yamlText)) {
    const d = doc.toJS() as { schema?: string; metadata?: { name: string }; data?: { oob?: { credential?: string } } } | null;
    if (d?.schema?.startsWith('drydock/BaremetalNode/') && d.data?.oob?.credential) out[d.metadata!.name] = d.data.oob.credential;
  }
  return out;
}

/** The example site under another site name (each test site has its own design lock), BMC passwords changed as given. */
function writeDesign(file: string, site: string, passwords: Record<string, string> = {}, motd?: string): string {
  let text = withSiteName(DEMO_YAML, site);
  for (const [node, pw] of Object.entries(passwords)) text = text.replace(`credential: ${bmcPasswords(DEMO_YAML)[node]}\n`, `credential: ${pw}\n`);
  if (motd) {
    const line = '        Deployed by Drydock on Temporal: {{ node.hostname }}.{{ node.domain }}\n';
    if (!text.includes(line)) throw new Error('the example site has no motd asset');
    text = text.replace(line, `${line}        ${motd}\n`);
  }
  const p = path.join(dir, file);
  fs.writeFileSync(p, text);
  return `file://${p}`;
}

/** Every secret a site puts in the worker's hands, named for the report (the value is never printed). */
function siteSecrets(site: SimulatedSite): Record<string, string> {
  const [consumerKey, tokenKey, tokenSecret] = site.drivers.maasApiKey!.split(':');
  const out: Record<string, string> = {
    'MaaS API key': site.drivers.maasApiKey!,
    'MaaS consumer key': consumerKey,
    'MaaS token key': tokenKey,
    'MaaS token secret': tokenSecret,
    'boot action secret': site.drivers.bootActionSecret!,
  };
  if (site.drivers.promenadeToken) out['Promenade token'] = site.drivers.promenadeToken;
  // Each deployed node's boot action key (an HMAC of its deploy's id), as MaaS received it in the user data.
  for (const [hostname, key] of nodeKeys(site)) out[`boot action key of ${hostname} (${key.slice(0, 6)}…)`] = key;
  return out;
}

/** Each deployed node's boot action key, from the commands of its user data that fetch its tarballs. */
function nodeKeys(site: SimulatedSite): [string, string][] {
  const out: [string, string][] = [];
  for (const d of site.sim.maas.deployments()) {
    const raw = d.userData ?? '';
    const text = raw.startsWith('#cloud-config') ? raw : Buffer.from(raw, 'base64').toString('utf8');
    const runcmd = ((YAML.parse(text) as { runcmd?: string[][] } | null)?.runcmd ?? []).flat();
    for (const arg of runcmd) {
      const key = /X-Bootaction-Key:\s*([0-9a-f]{64})\b/.exec(arg)?.[1];
      if (key && !out.some(([, k]) => k === key)) out.push([d.hostname, key]);
    }
  }
  return out;
}

interface SiteRun {
  siteName: string;
  site: SimulatedSite;
  env: TestWorkerEnv;
  workerLogs: ReturnType<typeof memoryLogger>;
  siteLogs: ReturnType<typeof memoryLogger>;
  tasks: Task[];
}

async function startSite(label: string, simDesignRef: string, siteName: string): Promise<SiteRun> {
  const workerLogs = memoryLogger();
  const siteLogs = memoryLogger();
  const site = await startSimulatedSite({ designRef: simDesignRef, logger: siteLogs });
  // Codec off whatever the environment says: the claim is that secrets never reach the history at all.
  const env = await startTestWorker(`secrets-${label}`, { drivers: site.drivers, logger: workerLogs, settings: fastSettings({ max_parallel_nodes: 10 }), dataConverter: {} });
  return { siteName, site, env, workerLogs, siteLogs, tasks: [] };
}

async function runAction(r: SiteRun, action: 'prepare_site' | 'prepare_nodes' | 'deploy_nodes', designRef: string): Promise<Task> {
  const task = await r.env.run(async () => {
    const { taskId } = await r.env.client.createTask(action, { designRef });
    return r.env.client.waitTask(taskId, undefined, 200);
  });
  r.tasks.push(task);
  return task;
}

/** Exports every workflow of the site's task queue (and its design lock) and scans it. */
async function scanSite(r: SiteRun, secrets: string[]): Promise<{ findings: Finding[]; workflows: string[] }> {
  const workflows: string[] = [];
  const findings = await scanHistoriesForSecrets({
    temporalCli: temporalCliPath(),
    address: temporalAddress(),
    namespace: 'default',
    query: `TaskQueue = '${r.env.taskQueue}' OR WorkflowId = '${r.siteName}-design-lock'`,
    secrets,
    onList: (runs) => workflows.push(...runs.map((x) => x.workflowId)),
  });
  return { findings, workflows };
}

/**
 * The site's log lines to scan: all but the MaaS emulator's request log, which, like a real MaaS's access log,
 * shows the tag paths MaaS is asked for, and Drydock names a node's boot action tag `<node>__baid__<key>`. Those
 * lines may hold a key only there, and no other secret.
 */
function siteLines(r: SiteRun, secrets: Record<string, string>): string[] {
  const isRequestLog = (l: string) => l.includes('"msg":"MaaS emulator request"');
  for (const line of r.siteLogs.lines.filter(isRequestLog)) {
    const rest = line.replace(/__baid__[0-9a-f]{64}/g, '__baid__');
    for (const [name, value] of Object.entries(secrets)) if (rest.includes(value)) throw new Error(`${name} in the MaaS emulator's request log`);
  }
  return r.siteLogs.lines.filter((l) => !isRequestLog(l));
}

const named = (all: Record<string, string>) => (f: Finding) => `${Object.keys(all)[f.secretIndex]}: ${formatFinding(f)}`;

let ok: SiteRun | undefined;
let bad: SiteRun | undefined;
const suffix = randomUUID().slice(0, 6);
const okSite = `secok${suffix}`;
// Rendered into every node's /etc/motd: only the node may see it.
const assetSecret = `asset-secret-${randomUUID()}`;
const badSite = `secbad${suffix}`;
const designPasswords = bmcPasswords(DEMO_YAML);
// The BMCs of n03 (IPMI) and n08 (Redfish) on the second site expect these, not the design's.
const bmcSidePasswords = { n03: `bmc-side-n03-${suffix}`, n08: `bmc-side-n08-${suffix}` };

beforeAll(() => {
  installRuntime({ logger: runtimeLogs });
  expect(Object.keys(designPasswords)).toHaveLength(10);
});

afterAll(async () => {
  for (const r of [ok, bad]) {
    if (!r) continue;
    // The design lock is a workflow that runs until an unlock: end it, the test is over.
    await r.env.client.client.workflow
      .getHandle(`${r.siteName}-design-lock`)
      .terminate('test done')
      .catch(() => {});
    await r.env.close();
    await r.site.stop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a full prepare_site, prepare_nodes, deploy_nodes leaves no secret in any history, search attribute or log line', async () => {
  const ref = writeDesign('ok.yaml', okSite, {}, assetSecret);
  ok = await startSite('ok', ref, okSite);
  expect((await runAction(ok, 'prepare_site', ref)).result.status).toBe('success');
  const prepared = await runAction(ok, 'prepare_nodes', ref);
  expect(prepared.result.successes).toHaveLength(10);
  const deployed = await runAction(ok, 'deploy_nodes', ref);
  expect(deployed.result.failures).toEqual([]);
  expect(deployed.result.successes).toHaveLength(10);

  // A secret in a boot action asset (the motd) reaches the node: it is in the node's files tarball.
  const [host, key] = nodeKeys(ok.site)[0];
  const res = await fetch(`${ok.site.api.reportUrl}nodes/${host}/files`, { headers: { 'X-Bootaction-Key': key } });
  expect(res.status).toBe(200);
  expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString('latin1')).toContain(assetSecret);

  const secrets = {
    ...Object.fromEntries(Object.entries(designPasswords).map(([n, p]) => [`BMC password of ${n}`, p])),
    ...siteSecrets(ok.site),
    'secret in a boot action asset': assetSecret,
  };
  expect(Object.keys(secrets).filter((k) => k.startsWith('boot action key')).length).toBeGreaterThanOrEqual(10);
  const { findings, workflows } = await scanSite(ok, Object.values(secrets));
  expect(findings.map(named(secrets))).toEqual([]);
  // What was scanned: the three tasks, one child per node for each node action, the design lock.
  for (const id of [`prepare_site-${ok.tasks[0].task_id}`, `prepare_nodes-${prepared.task_id}`, `deploy_nodes-${deployed.task_id}`, `${okSite}-design-lock`]) {
    expect(workflows).toContain(id);
  }
  for (const n of Object.keys(designPasswords)) {
    expect(workflows).toContain(`${okSite}-prepare_node-${n}-${prepared.task_id}`);
    expect(workflows).toContain(`${okSite}-deploy_node-${n}-${deployed.task_id}`);
  }

  const logs = scanHistoryJson({ worker: ok.workerLogs.lines, runtime: runtimeLogs.lines, site: siteLines(ok, secrets) }, Object.values(secrets), {
    workflowId: 'logs',
    runId: '-',
  });
  expect(logs.map(named(secrets))).toEqual([]);
  expect(ok.workerLogs.lines.length + runtimeLogs.lines.length).toBeGreaterThan(0);
});

test('with nodes failing (BMCs refusing the password over IPMI and Redfish, a MaaS deployment failure) no secret appears either', async () => {
  const ref = writeDesign('bad.yaml', badSite);
  bad = await startSite('bad', writeDesign('bad-bmcs.yaml', badSite, bmcSidePasswords), badSite);
  expect((await runAction(bad, 'prepare_site', ref)).result.status).toBe('success');
  const prepared = await runAction(bad, 'prepare_nodes', ref);
  expect(prepared.result.status).toBe('partial_success');
  expect(prepared.result.failures.sort()).toEqual(['n03', 'n08']);
  bad.site.sim.maas.setFault({ failDeployment: ['n05'] });
  const deployed = await runAction(bad, 'deploy_nodes', ref);
  expect(deployed.result.status).toBe('partial_success');
  expect(deployed.result.failures.sort()).toEqual(['n03', 'n05', 'n08']);

  const failureTexts = (t: Task, node: string) => t.result.details.messageList.filter((m) => m.error && m.context === node).map((m) => m.message);
  const authFailures = [...failureTexts(prepared, 'n03'), ...failureTexts(prepared, 'n08')];
  expect(authFailures.join('\n')).toMatch(/auth|password|credential|401|unauthori[sz]ed/i);
  const deployFailure = failureTexts(deployed, 'n05')[0];
  expect(deployFailure).toMatch(/Failed deployment/);

  const secrets = {
    ...Object.fromEntries(Object.entries(designPasswords).map(([n, p]) => [`BMC password of ${n}`, p])),
    ...Object.fromEntries(Object.entries(bmcSidePasswords).map(([n, p]) => [`BMC-side password of ${n}`, p])),
    ...siteSecrets(bad.site),
  };
  // Positive control on the same export: the failure messages themselves are in the histories scanned.
  const markers = [...authFailures, deployFailure];
  const { findings, workflows } = await scanSite(bad, [...Object.values(secrets), ...markers]);
  const leaks = findings.filter((f) => f.secretIndex < Object.keys(secrets).length);
  expect(leaks.map(named(secrets))).toEqual([]);
  for (let i = 0; i < markers.length; i++) {
    expect(findings.some((f) => f.secretIndex === Object.keys(secrets).length + i && f.form === 'decoded-base64')).toBe(true);
  }
  expect(workflows).toContain(`${badSite}-prepare_node-n03-${prepared.task_id}`);
  expect(workflows).toContain(`${badSite}-deploy_node-n05-${deployed.task_id}`);

  const logs = scanHistoryJson({ worker: bad.workerLogs.lines, runtime: runtimeLogs.lines, site: siteLines(bad, secrets) }, Object.values(secrets), {
    workflowId: 'logs',
    runId: '-',
  });
  expect(logs.map(named(secrets))).toEqual([]);
  // The failures were logged (so the log check saw them).
  expect([...bad.workerLogs.lines, ...runtimeLogs.lines].some((l) => /n03|n08/.test(l) && /"level":"(warn|error)"/.test(l))).toBe(true);
});

test('control: the same export does find each kind of secret where a workflow carries it (input, search attribute, memo)', async () => {
  const site = ok ?? bad;
  if (!site) throw new Error('no site ran');
  const secrets = siteSecrets(site.site);
  const bmc = designPasswords.n01;
  const taskQueue = `secrets-control-${randomUUID().slice(0, 8)}`;
  const workflowId = `leaky-${randomUUID().slice(0, 8)}`;
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    const client = new Client({ connection });
    // Nobody polls this queue: the workflow sits there with what it was given.
    await client.workflow.start('deploy_nodes', {
      taskQueue,
      workflowId,
      args: [{ maas: { apiKey: secrets['MaaS API key'] } }],
      typedSearchAttributes: [{ key: DrydockDesignRef, value: `https://drydock:${bmc}@deckhand.example/site` }],
      memo: { bootActions: { secret: secrets['boot action secret'] } },
    });
    const all = [secrets['MaaS token secret'], bmc, secrets['boot action secret']];
    const { stdout } = await exec(temporalCliPath(), ['workflow', 'list', '--address', temporalAddress(), '-o', 'json', '--query', `WorkflowId = '${workflowId}'`]);
    expect(JSON.parse(stdout)).toHaveLength(1);
    const findings = await scanHistoriesForSecrets({
      temporalCli: temporalCliPath(),
      address: temporalAddress(),
      namespace: 'default',
      query: `TaskQueue = '${taskQueue}'`,
      secrets: all,
    });
    const where = (i: number) =>
      findings.filter((f) => f.secretIndex === i).map((f) => (f.path.split('.')[0] === 'listing' ? f.path.split('.').slice(0, 2).join('.') : f.path.replace(/\[\d+\]/g, '[]')));
    expect(where(0)).toContain('events[].workflowExecutionStartedEventAttributes.input.payloads[].data');
    expect(where(1)).toEqual(
      expect.arrayContaining(['listing.searchAttributes', 'events[].workflowExecutionStartedEventAttributes.searchAttributes.indexedFields.DrydockDesignRef.data']),
    );
    expect(where(2)).toEqual(expect.arrayContaining(['listing.memo']));
    await client.workflow.getHandle(workflowId).terminate('control done');
  } finally {
    await connection.close();
  }
});
