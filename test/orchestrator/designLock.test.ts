import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { designLockWorkflowId } from '../../workflows/designLock';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { cliEnvFor, drydockStdout } from '../harness/cli';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { recordHistory } from '../../scripts/record-history';
import { formatFinding, scanHistoryJson } from '../../scripts/scan-histories';
import { configuredSecrets, designCredentials } from '../../worker/secrets';
import { taskWorkflowId, type Task } from '../../workflows/task';

/**
 * PrepareSite locks the site design: later actions refuse a design with other content until an explicit
 * unlock. The example site under another site name, so other suites' `demo` locks do not interfere.
 */
describe('site design lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-lock-'));
  const original = fs.readFileSync(DEMO_SITE_PATH, 'utf8').replace(/^(  name: )demo$/m, '$1locktest');
  const lockedRef = `file://${path.join(dir, 'site.yaml')}`;
  const changedRef = `file://${path.join(dir, 'site-changed.yaml')}`;
  fs.writeFileSync(new URL(lockedRef), original);
  // The same site with n01 on another management address: other content, so another content hash.
  fs.writeFileSync(new URL(changedRef), original.replace('address: 10.23.1.11\n', 'address: 10.23.1.111\n'));
  let site: SimulatedSite;
  let env: TestWorkerEnv;

  beforeAll(async () => {
    site = await startSimulatedSite({ designRef: lockedRef, enlistment: 'enlisted' });
    env = await startTestWorker('lock', { drivers: site.drivers, settings: fastSettings() });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const drydock = (...args: string[]) => drydockStdout(args, cliEnvFor(env));

  const run = (action: 'prepare_site' | 'verify_nodes', designRef: string) =>
    env.run(async () => env.client.waitTask((await env.client.createTask(action, { designRef })).taskId, undefined, 200));

  test('the changed design really differs', () => {
    expect(fs.readFileSync(new URL(changedRef), 'utf8')).not.toEqual(original);
  });

  test('prepare_site locks the design; the lock is a running workflow with the task and content hash', async () => {
    const task = await run('prepare_site', lockedRef);
    expect(task.result.status).toBe('success');
    expect(task.result.details.messageList.map((m) => m.message)).toContainEqual(
      expect.stringMatching(/^Site design locked \(content [0-9a-f]{12}\); unlock with: drydock site unlock locktest$/),
    );
    const lock = await env.client.siteLock('locktest');
    expect(lock).toMatchObject({ site: 'locktest', designRef: lockedRef, taskId: task.task_id });
    const d = await env.client.client.workflow.getHandle(designLockWorkflowId('locktest')).describe();
    expect(d.status.name).toBe('RUNNING');
  });

  test('an action with a changed design is refused, naming the lock and how to unlock', async () => {
    const task = await run('verify_nodes', changedRef);
    expect(task.result.status).toBe('failure');
    const lock = await env.client.siteLock('locktest');
    expect(task.result.details.messageList.find((m) => m.error)?.message).toMatch(
      new RegExp(
        `^site locktest: its design is locked by prepare_site task ${lock!.taskId} .*has different content .*Use the locked design, or unlock it first: drydock site unlock locktest$`,
      ),
    );
    expect(task.subtask_id_list).toEqual([]);
  });

  test('the locked design is still accepted, and prepare_site again keeps the lock', async () => {
    expect((await run('verify_nodes', lockedRef)).result.status).toBe('success');
    const again = await run('prepare_site', lockedRef);
    expect(again.result.status).toBe('success');
    expect(again.result.details.messageList.map((m) => m.message)).toContainEqual(expect.stringMatching(/^Site design already locked by task /));
  });

  test('after an unlock the changed design is accepted', async () => {
    const shown = JSON.parse(await drydock('site', 'show', 'locktest', '--output', 'json'));
    expect(shown.lock).toMatchObject({ site: 'locktest', designRef: lockedRef });
    const released = JSON.parse(await env.run(() => drydock('site', 'unlock', 'locktest', '--reason', 'design change', '--output', 'json')));
    expect(released.released).toMatchObject({ site: 'locktest', taskId: shown.lock.taskId });
    expect(await env.client.siteLock('locktest')).toBeUndefined();
    expect(await drydock('site', 'show', 'locktest')).toBe('Site locktest: design not locked\n');
    expect((await run('verify_nodes', changedRef)).result.status).toBe('success');
    await expect(env.client.unlockSite('locktest')).rejects.toThrow('site locktest has no design lock');
  });

  /**
   * Two prepare_site tasks started together on the unlocked site: both resolve their targets before either locks
   * (MaaS slowed, so their steps outlast the start of the other), and the second to lock finds the lock taken.
   * As two suites on one site name did: each had a MaaS of its own, so here MaaS already holds the network
   * template (prepared above) and only the lock is contended.
   */
  async function prepareTogether(refs: [string, string]) {
    if (await env.client.siteLock('locktest')) await env.run(() => env.client.unlockSite('locktest'));
    site.sim.maas.setFault({ latencyMs: 150 });
    try {
      return await env.run(async () => {
        const started = await Promise.all(refs.map((designRef) => env.client.createTask('prepare_site', { designRef })));
        return Promise.all(started.map((s) => env.client.waitTask(s.taskId, undefined, 200)));
      });
    } finally {
      site.sim.maas.clearFaults();
    }
  }
  const messagesOf = (t: Task) => t.result.details.messageList.map((m) => m.message);
  const errorsOf = (t: Task) => t.result.details.messageList.filter((m) => m.error).map((m) => m.message);

  /** Records a history into test/histories/, refusing one that holds the site's secrets. */
  async function recordScanned(workflowId: string, name: string): Promise<void> {
    const history = JSON.parse(historyToJSON(await env.client.client.workflow.getHandle(workflowId).fetchHistory()));
    const findings = scanHistoryJson(history, [...configuredSecrets(site.drivers), ...designCredentials(site.design)], { workflowId, runId: '' });
    if (findings.length) throw new Error(`refusing to record ${workflowId}: ${findings.map(formatFinding).join('; ')}`);
    await recordHistory(env.client.client, workflowId, name);
  }

  test('two prepare_site of the same design at once both succeed: the lock the other took holds this very design', async () => {
    const tasks = await prepareTogether([lockedRef, lockedRef]);
    const lock = await env.client.siteLock('locktest');
    expect(tasks.map((t) => [t.result.status, errorsOf(t)])).toEqual([
      ['success', []],
      ['success', []],
    ]);
    const first = tasks.find((t) => t.task_id === lock!.taskId)!;
    const second = tasks.find((t) => t !== first)!;
    expect(messagesOf(first)).toContainEqual(expect.stringMatching(/^Site design locked \(content [0-9a-f]{12}\); unlock with: drydock site unlock locktest$/));
    expect(messagesOf(second)).toContainEqual(
      `Site design locked meanwhile by task ${first.task_id} with this same content (${lock!.contentHash.slice(0, 12)}); unlock with: drydock site unlock locktest`,
    );
    // This path's history for the replay test, recorded on request (DRYDOCK_RECORD_SAME_DESIGN_HISTORY=1).
    if (process.env.DRYDOCK_RECORD_SAME_DESIGN_HISTORY) await recordScanned(taskWorkflowId('prepare_site', second.task_id), 'prepare_site-same-design-locked-meanwhile-locktest');
    await env.run(() => env.client.unlockSite('locktest'));
  });

  test('two prepare_site of different designs at once: the second to lock is refused, naming the lock', async () => {
    const tasks = await prepareTogether([lockedRef, changedRef]);
    const lock = await env.client.siteLock('locktest');
    const winner = tasks.find((t) => t.task_id === lock!.taskId)!;
    const loser = tasks.find((t) => t !== winner)!;
    expect(winner.result.status).toBe('success');
    expect(loser.result.status).toBe('partial_success');
    expect(errorsOf(loser)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Site design was locked meanwhile by task ${winner.task_id} \\(.*, content ${lock!.contentHash.slice(0, 12)}\\), whose content differs from this task's \\([0-9a-f]{12}\\); unlock with: drydock site unlock locktest$`,
        ),
      ),
    ]);
    await env.run(() => env.client.unlockSite('locktest'));
  });
});
