import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemporalDesignLocks } from '../../activities/designLocks';
import { parseApiKey, oauthPlaintextHeader } from '../../drivers/maas/oauth';
import { taskWorkflowId, type Action, type Task } from '../../workflows/task';
import { recordHistory } from '../../scripts/record-history';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';

/**
 * Shipyard's update_site on a locked site: a new design revision is validated and verified, its prepare_site
 * takes the site's design lock over (no task runs on the site), and prepare_nodes and deploy_nodes then run on
 * it; the previous revision is refused from then on, naming the lock. A takeover while a task runs on the site
 * is refused, naming that task. The example site under a name of its own, on nodes n01 (IPMI) and n07 (Redfish).
 */
const SITE = 'updsite';
const NEW_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRevisionTwoOperatorKeyForUpdateSite ops@drydock';
const nodeFilter = { filter_set_type: 'intersection' as const, filter_set: [{ filter_type: 'union' as const, node_names: ['n01', 'n07'] }] };
const SEQUENCE: Action[] = ['validate_design', 'verify_site', 'prepare_site', 'prepare_nodes', 'deploy_nodes'];

describe('update_site: two design revisions on one site', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-update-site-'));
  const rev1Text = fs.readFileSync(DEMO_SITE_PATH, 'utf8').replace(/^(  name: )demo$/m, `$1${SITE}`);
  // Revision 2 adds an operator's SSH key to the Region: prepare_site's configure_user_credentials installs it.
  const rev2Text = rev1Text.replace(/^( {2}authorized_keys:\n(?: {4}- .*\n)+)/m, `$1    - '${NEW_KEY}'\n`);
  const rev1 = `file://${path.join(dir, 'rev1.yaml')}`;
  const rev2 = `file://${path.join(dir, 'rev2.yaml')}`;
  fs.writeFileSync(new URL(rev1), rev1Text);
  fs.writeFileSync(new URL(rev2), rev2Text);
  let site: SimulatedSite;
  let env: TestWorkerEnv;

  beforeAll(async () => {
    site = await startSimulatedSite({ designRef: rev1 });
    // noop waits long enough to be the task running on the site while a takeover is attempted.
    env = await startTestWorker('update-site', { drivers: site.drivers, settings: fastSettings({ noop_wait: 15 }) });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (action: Action, designRef: string) =>
    env.run(async () =>
      env.client.waitTask((await env.client.createTask(action, { designRef, nodeFilter: action === 'validate_design' ? null : nodeFilter })).taskId, undefined, 200),
    );
  const errorsOf = (t: Task) => t.result.details.messageList.filter((m) => m.error).map((m) => m.message);
  const messagesOf = (t: Task) => t.result.details.messageList.map((m) => m.message);

  async function sshKeys(): Promise<string[]> {
    const res = await fetch(`${site.sim.maas.url}/api/2.0/account/prefs/sshkeys/`, { headers: { Authorization: oauthPlaintextHeader(parseApiKey(site.sim.maas.apiKey)) } });
    return ((await res.json()) as { key: string }[]).map((k) => k.key);
  }

  test('the revisions differ', () => {
    expect(rev2Text).not.toEqual(rev1Text);
    expect(rev2Text).toContain(NEW_KEY);
  });

  test('revision 1: validate_design, verify_site, prepare_site, prepare_nodes, deploy_nodes; prepare_site locks it', async () => {
    for (const action of SEQUENCE) {
      const task = await run(action, rev1);
      expect({ action, errors: errorsOf(task), status: task.result.status }).toEqual({ action, errors: [], status: 'success' });
      if (action === 'prepare_site') expect(await env.client.siteLock(SITE)).toMatchObject({ designRef: rev1, taskId: task.task_id });
    }
    expect(await sshKeys()).not.toContain(NEW_KEY);
  });

  test('a node action on revision 2 before its prepare_site is refused, naming the lock', async () => {
    const lock = await env.client.siteLock(SITE);
    const task = await run('deploy_nodes', rev2);
    expect(task.result.status).toBe('failure');
    expect(errorsOf(task)).toEqual([
      expect.stringMatching(
        new RegExp(`^site ${SITE}: its design is locked by prepare_site task ${lock!.taskId} .*Use the locked design, or unlock it first: drydock site unlock ${SITE}$`),
      ),
    ]);
    expect(task.subtask_id_list).toEqual([]);
  });

  test('a takeover while a task runs on the site is refused, naming that task; the lock stays', async () => {
    const before = await env.client.siteLock(SITE);
    await env.run(async () => {
      const { taskId: noopId } = await env.client.createTask('noop', { designRef: rev1, nodeFilter });
      // The noop is listed on the site once it resolved its targets (visibility lags a moment).
      const locks = new TemporalDesignLocks(env.client.client);
      for (const end = Date.now() + 10_000; !(await locks.runningTasks(SITE, 'none')).some((t) => t.taskId === noopId); await new Promise((r) => setTimeout(r, 200))) {
        if (Date.now() > end) throw new Error('the noop task never showed as running on the site');
      }
      const refused = await env.client.waitTask((await env.client.createTask('prepare_site', { designRef: rev2, nodeFilter })).taskId, undefined, 200);
      expect(refused.result.status).toBe('failure');
      expect(errorsOf(refused)).toEqual([
        expect.stringMatching(new RegExp(`^site ${SITE}: .* task ${noopId} \\(noop\\) is running on it; .*retry once task ${noopId} has ended$`)),
      ]);
      expect((await env.client.waitTask(noopId, undefined, 200)).result.status).toBe('success');
    });
    expect(await env.client.siteLock(SITE)).toEqual(before);
  }, 60_000);

  test('revision 2: the same sequence; prepare_site takes the lock over, the new key is installed', async () => {
    const previous = await env.client.siteLock(SITE);
    for (const action of SEQUENCE) {
      const task = await run(action, rev2);
      expect({ action, errors: errorsOf(task), status: task.result.status }).toEqual({ action, errors: [], status: 'success' });
      if (action === 'prepare_site') {
        // The takeover's history for the replay test, recorded on request (DRYDOCK_RECORD_TAKEOVER_HISTORY=1).
        if (process.env.DRYDOCK_RECORD_TAKEOVER_HISTORY) await recordHistory(env.client.client, taskWorkflowId('prepare_site', task.task_id), 'prepare_site-lock-takeover-updsite');
        expect(messagesOf(task)).toContainEqual(`Site design lock of task ${previous!.taskId} (content ${previous!.contentHash.slice(0, 12)}) released for the new design`);
        expect(await env.client.siteLock(SITE)).toMatchObject({ designRef: rev2, taskId: task.task_id });
      }
    }
    expect(await sshKeys()).toContain(NEW_KEY);
    const deployed = site.sim.maas
      .machines()
      .filter((m) => m.status_name === 'Deployed')
      .map((m) => m.hostname)
      .sort();
    expect(deployed).toEqual(['n01', 'n07']);
  });

  test('revision 1 is now the unlocked one: a node action on it is refused, naming the lock of revision 2', async () => {
    const lock = await env.client.siteLock(SITE);
    expect(lock?.designRef).toBe(rev2);
    const task = await run('prepare_nodes', rev1);
    expect(task.result.status).toBe('failure');
    expect(errorsOf(task)).toEqual([
      expect.stringMatching(new RegExp(`^site ${SITE}: its design is locked by prepare_site task ${lock!.taskId} \\(${rev2.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, `)),
    ]);
  });
});
