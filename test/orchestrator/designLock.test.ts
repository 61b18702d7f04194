import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { designLockWorkflowId } from '../../workflows/designLock';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { cliEnvFor, drydockStdout } from '../harness/cli';

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
});
