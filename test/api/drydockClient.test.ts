import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { KeystoneCredentials } from '../../common/keystone';
import { silentLogger } from '../../common/logger';
import { MemoryBuildDataStore } from '../../drivers/buildData';
import { keystoneAuthorizer } from '../../worker/api/auth';
import { startSimulatedSite, type SimulatedSite } from '../../worker/simulatedSite';
import { TOP_LEVEL_ACTIONS } from '../../workflows/task';
import { keystoneUnavailable, startKeystone, type KeystoneServer, keystoneTest } from '../harness/keystone';
import { DEMO_SITE_PATH, demoDesign } from '../harness/site';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';

/**
 * Drydock's own Python client and `drydock` CLI (../shared/drydock/client, read in place, see its NOTICE),
 * installed into a venv, against the worker's API behind a real Keystone: the CLI logs in with a Keystone
 * password (keystoneauth1 v3.Password) and finds the API in the token's catalog (`physicalprovisioner`, as
 * Drydock's CLI does without --url). Every action with `task create`, then `task show -t`, `task list`, `node
 * list`, `node builddata`, and DrydockClient.validate_design; `--block` as far as Drydock's CLI gets (its quirk).
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.DRYDOCK_SHARED_DIR ?? path.resolve(ROOT, '..', 'shared');
const CLIENT_DIR = path.join(SHARED, 'drydock', 'client');
const VENV = path.join(ROOT, '.tools', 'drydock-cli');
const PY = path.join(VENV, 'bin', 'python');

/** Why Drydock's client cannot run here, or undefined once its venv is ready. */
async function clientUnavailable(): Promise<string | undefined> {
  if (!fs.existsSync(path.join(CLIENT_DIR, 'drydock_provisioner', 'cli', 'commands.py'))) {
    return `Drydock's client not found at ${CLIENT_DIR} (the Drydock reference data folder is absent)`;
  }
  const keystone = await keystoneUnavailable();
  if (keystone) return keystone;
  try {
    if (!fs.existsSync(PY)) await run('python3', ['-m', 'venv', VENV]);
    // Already installed: pip answers from the venv, without the network.
    await run(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '-r', path.join(CLIENT_DIR, 'requirements.txt')], { timeout: 10 * 60_000 });
    return undefined;
  } catch (e) {
    return `the client's PyPI dependencies (${path.join(CLIENT_DIR, 'requirements.txt')}) could not be installed into ${VENV}: ${(e as Error).message.split('\n')[0]}`;
  }
}

const skip = clientUnavailable();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-pyclient-'));
const siteName = `pycli${randomUUID().slice(0, 6)}`;
const NODES = ['n01', 'n07'];

describe("Drydock's Python client and CLI against the API with Keystone", () => {
  let ks: KeystoneServer;
  let service: KeystoneCredentials;
  let connection: Connection;
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  let designRef: string;
  const buildData = new MemoryBuildDataStore();
  const created: Record<string, string> = {};

  beforeAll(async () => {
    const reason = await skip;
    if (reason) return console.warn(`Skipping Drydock's Python client tests: ${reason}`);
    const text = fs.readFileSync(DEMO_SITE_PATH, 'utf8').replace(/^(  name: )demo$/m, `$1${siteName}`);
    designRef = `file://${path.join(dir, 'site.yaml')}`;
    fs.writeFileSync(new URL(designRef), text);
    ks = await startKeystone();
    service = await ks.createUser({ name: 'drydock', password: 'drydock-cli-pass', project: 'service', roles: ['admin'] });
    connection = await Connection.connect({ address: temporalAddress() });
    const workerOptions: Parameters<typeof startTestWorker>[1] = { deps: { buildData }, settings: fastSettings() };
    env = await startTestWorker('pyclient', workerOptions);
    site = await startSimulatedSite({
      design: await demoDesign(designRef),
      connection,
      logger: silentLogger,
      api: { taskQueue: env.taskQueue, buildData, authorize: keystoneAuthorizer({ credentials: service }) },
    });
    workerOptions.drivers = site.drivers;
    // Drydock's service type in the catalog: the CLI finds the API there.
    await ks.addService('physicalprovisioner', 'drydock', `${site.api.url}/api/v1.0`);
  }, 600_000);

  afterAll(async () => {
    await env?.client.client.workflow
      .getHandle(`${siteName}-design-lock`)
      .terminate('test done')
      .catch(() => undefined);
    await env?.close();
    await site?.stop();
    await connection?.close();
    await ks?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const maybe = keystoneTest(skip);

  /** The `drydock` CLI with a Keystone password login from OS_* variables, as an operator runs it: its process. */
  function drydockProcess(args: string[], timeoutMs = 120_000) {
    return run(PY, ['-c', 'from drydock_provisioner.cli.commands import drydock; drydock()', ...args], {
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: CLIENT_DIR,
        OS_AUTH_URL: ks.url,
        OS_USERNAME: service.username,
        OS_PASSWORD: service.password,
        OS_PROJECT_NAME: service.projectName,
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_DOMAIN_NAME: 'Default',
      },
      timeout: timeoutMs,
    });
  }

  /** The output of a `drydock` CLI command. */
  async function drydock(...args: string[]): Promise<string> {
    return (await drydockProcess(args)).stdout;
  }

  maybe(
    'task create -a <action> -d <ref> for every action, task show -t: each task ends complete/success',
    async () => {
      // The order a site goes through them; destroy_nodes last (it deletes the machines node list shows). Drydock's
      // API takes every action but noop (an orchestrator-internal one: 400 "Unsupported action").
      const order = ['validate_design', 'verify_site', 'prepare_site', 'verify_nodes', 'prepare_nodes', 'deploy_nodes', 'relabel_nodes', 'destroy_nodes'];
      expect([...order, 'noop'].sort()).toEqual([...TOP_LEVEL_ACTIONS].sort());
      await env.run(async () => {
        for (const action of order) {
          const nodes = action === 'validate_design' ? [] : ['-n', NODES.join(',')];
          const queued = JSON.parse(await drydock('task', 'create', '-a', action, '-d', designRef, ...nodes));
          expect(queued).toMatchObject({ action, status: 'queued' });
          created[action] = queued.task_id;
          // What --block would do (see the next test): follow the task until it is complete, then show it.
          await env.client.waitTask(queued.task_id, undefined, 200);
          const task = JSON.parse(await drydock('task', 'show', '-t', queued.task_id));
          expect({ action, status: task.status, result: task.result?.status }).toEqual({ action, status: 'complete', result: 'success' });
          if (action === 'deploy_nodes') await nodeChecks();
        }
      });
    },
    600_000,
  );

  maybe(
    "task create --block keeps polling after the task completed: Drydock's CLI compares the status string with its TaskStatus enum",
    async () => {
      const before = new Set((JSON.parse(await drydock('task', 'list')) as { task_id: string }[]).map((t) => t.task_id));
      await env.run(async () => {
        // [quirk] TaskCreate.invoke loops `while task.get('status') not in [TaskStatus.Complete, …]` with an Enum:
        // no JSON answer can end it, against Drydock itself as here. The CLI is stopped once it has polled the
        // complete task a few times (60 s at most).
        const blocked = drydockProcess(['task', 'create', '-a', 'validate_design', '-d', designRef, '--block', '--poll-interval', '1'], 60_000);
        const exited = blocked.then(
          () => 'exited',
          () => 'exited',
        );
        const created = async () => (await env.client.listTasks({ taskQueue: env.taskQueue, action: 'validate_design' })).find((t) => !before.has(t.task_id));
        let task = await created();
        for (const end = Date.now() + 60_000; !task && Date.now() < end; task = await created()) await new Promise((r) => setTimeout(r, 200));
        expect(task).toBeDefined();
        expect((await env.client.waitTask(task!.task_id, undefined, 200)).status).toBe('complete');
        // Three of its 1 s polls after the task completed, the CLI is still polling.
        const still = await Promise.race([exited, new Promise((r) => setTimeout(() => r('polling'), 3000))]);
        expect(still).toBe('polling');
        blocked.child.kill('SIGTERM');
        await expect(blocked).rejects.toMatchObject({ killed: true, signal: 'SIGTERM' });
      });
      const tasks = JSON.parse(await drydock('task', 'list')) as { task_id: string; action: string; status: string; result: { status: string } }[];
      const blockedTask = tasks.filter((t) => !before.has(t.task_id));
      expect(blockedTask.map((t) => [t.action, t.status, t.result.status])).toEqual([['validate_design', 'complete', 'success']]);
    },
    120_000,
  );

  /** node list and node builddata while the nodes are deployed. */
  async function nodeChecks(): Promise<void> {
    const nodes = JSON.parse(await drydock('node', 'list', '-o', 'json')) as { hostname: string; status_name: string }[];
    expect(
      nodes
        .filter((n) => NODES.includes(n.hostname))
        .map((n) => [n.hostname, n.status_name])
        .sort(),
    ).toEqual(NODES.map((n) => [n, 'Deployed']));
    const bd = JSON.parse(await drydock('node', 'builddata', 'n01', '-o', 'json')) as { node_name: string; generator: string }[];
    expect(bd.length).toBeGreaterThan(0);
    expect(bd.every((b) => b.node_name === 'n01')).toBe(true);
  }

  maybe('task show -t and task list see the tasks the CLI created', async () => {
    expect(Object.keys(created)).toHaveLength(TOP_LEVEL_ACTIONS.length - 1);
    const shown = JSON.parse(await drydock('task', 'show', '-t', created.deploy_nodes));
    expect(shown).toMatchObject({ task_id: created.deploy_nodes, action: 'deploy_nodes', status: 'complete', result: { status: 'success' } });
    const listed = (JSON.parse(await drydock('task', 'list')) as { task_id: string }[]).map((t) => t.task_id);
    for (const id of Object.values(created)) expect(listed).toContain(id);
  });

  maybe("DrydockClient.validate_design with a Keystone session: 200 and Drydock's Validation body", async () => {
    const script = [
      'import json, sys',
      'from drydock_provisioner.drydock_client.session import DrydockSession, KeystoneClient',
      'from drydock_provisioner.drydock_client.client import DrydockClient',
      'from urllib.parse import urlparse',
      'ks = KeystoneClient.get_ks_session(auth_url=sys.argv[1], username=sys.argv[2], password=sys.argv[3], project_name="service", user_domain_name="Default", project_domain_name="Default")',
      'url = urlparse(KeystoneClient.get_endpoint("physicalprovisioner", ks_sess=ks))',
      'session = DrydockSession(scheme=url.scheme, host=url.hostname, port=url.port, auth_gen=lambda: list(ks.get_auth_headers().items()))',
      'print(json.dumps(DrydockClient(session).validate_design(sys.argv[4])))',
    ].join('\n');
    const { stdout } = await run(PY, ['-c', script, ks.url, service.username, service.password, designRef], {
      env: { PATH: process.env.PATH, PYTHONPATH: CLIENT_DIR },
      timeout: 120_000,
    });
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'Status', status: 'Success', code: 200 });
  });

  maybe('a wrong password: the CLI cannot log in to Keystone and says so', async () => {
    const fail = run(PY, ['-c', 'from drydock_provisioner.cli.commands import drydock; drydock()', 'task', 'list'], {
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: CLIENT_DIR,
        OS_AUTH_URL: ks.url,
        OS_USERNAME: 'drydock',
        OS_PASSWORD: 'wrong',
        OS_PROJECT_NAME: 'service',
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_DOMAIN_NAME: 'Default',
      },
    });
    await expect(fail).rejects.toMatchObject({ stderr: expect.stringContaining('Error: Unable to authenticate with Keystone') });
  });
});
