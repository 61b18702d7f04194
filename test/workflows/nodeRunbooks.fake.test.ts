/**
 * The node runbooks (workflows/node: prepareNode, deployNode, destroyNode under their parents prepare_nodes,
 * deploy_nodes, destroy_nodes) on the test server with fake activities: an in-memory MaaS scripted per test
 * (test/harness/fakeSite.ts). These are the branches the simulated site reaches only slowly or by luck: a
 * deployment resumed, failed and retried, boot actions that never report, releases that keep failing, a peer
 * outage ridden out or not, a terminate in the middle of a step.
 */
import { silentLogger } from '../../common/logger';
import { STATUS_NAMES, NodeStatus } from '../../common/maasStatus';
import { installRuntime } from '../../worker/telemetry';
import { recordHistory } from '../../scripts/record-history';
import { FakeSite, FakeSiteWorker, type FakeRun } from '../harness/fakeSite';
import type { NodeOutcome } from '../../workflows/node/nodeRun';
import type { Task } from '../../workflows/task';

const S = STATUS_NAMES;
const READY = S[NodeStatus.READY];
const DEPLOYING = S[NodeStatus.DEPLOYING];
const DEPLOYED = S[NodeStatus.DEPLOYED];
const BROKEN = S[NodeStatus.BROKEN];
const COMMISSIONING = S[NodeStatus.COMMISSIONING];
const FAILED_DEPLOYMENT = S[NodeStatus.FAILED_DEPLOYMENT];
const FAILED_COMMISSIONING = S[NodeStatus.FAILED_COMMISSIONING];
const RELEASING_FAILED = S[NodeStatus.FAILED_RELEASING];

/** deploy_node's last step, config_port_production: no network driver is enabled in this project. */
const NO_NETWORK_DRIVER = 'No network driver enabled: switch port left in its provisioning configuration.';
const CONFIGURED = ['Interfaces configured (fake MaaS)', 'Storage configured (fake MaaS)', 'Platform configured (fake MaaS)'];

let worker: FakeSiteWorker;

// Each test has a site of its own (design, task, machines), so they run side by side on the one worker;
// the root beforeAll has run before jest starts concurrent tests.
beforeAll(async () => {
  // The SDK's runtime logs every failed activity; here the failures are the point.
  try {
    installRuntime({ logger: silentLogger });
  } catch {
    // a runtime is already installed in this jest worker
  }
  worker = await FakeSiteWorker.start();
});
afterAll(async () => worker?.close());

const text = (o: NodeOutcome) => o.messages.map((m) => m.message);
const errors = (o: NodeOutcome) => o.messages.filter((m) => m.error).map((m) => m.message);

/** Runs the action to its end: the parent's task and the node's child outcome. */
async function finish(run: FakeRun, node = 'n01'): Promise<{ task: Task; outcome: NodeOutcome }> {
  const task = await run.result();
  return { task, outcome: await run.outcome(node) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 25))) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('deploy_nodes', () => {
  test.concurrent('a node already Deploying is waited for, not deployed again, and its boot actions are left to the task that started it', async () => {
    const site = new FakeSite({ n01: { status: DEPLOYING, ends: DEPLOYED, polls: 2 } });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task).toMatchObject({ status: 'complete', result: { status: 'success', successes: ['n01'], failures: [] } });
    expect(task.nodes.n01).toMatchObject({ step: 'done', result: 'success' });
    expect(site.sequence('n01')).toEqual(['findMachine', 'machineStatus']);
    expect(site.count('machineStatus')).toBe(2);
    expect(site.count('startDeploy') + site.count('applyNetworking') + site.count('startRelease') + site.count('renderBootActions')).toBe(0);
    expect(text(outcome)).toEqual([
      'Node already being deployed',
      'Node deployed',
      'Deployment was started before this task: its boot actions report to the task that started it',
      NO_NETWORK_DRIVER,
    ]);
  });

  test.concurrent("a deployment that fails once is released and deployed again; the second deployment's boot action reports", async () => {
    const site = new FakeSite({
      n01: { status: READY, deploys: [FAILED_DEPLOYMENT, DEPLOYED], releases: [READY], bootActions: [{ name: 'hello', signaling: true, report: 'success' }] },
    });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(site.count('startDeploy')).toBe(2);
    expect(site.count('startRelease')).toBe(1);
    expect(site.sequence('n01')).toEqual([
      // The boot actions are rendered once, before the first deployment; both deployments use the same ids.
      'findMachine',
      'applyNetworking',
      'applyStorage',
      'applyPlatform',
      'renderBootActions',
      'startDeploy',
      'machineStatus',
      'startRelease',
      'machineStatus',
      'applyNetworking',
      'applyStorage',
      'applyPlatform',
      'startDeploy',
      'machineStatus',
    ]);
    expect(text(outcome)).toEqual([
      ...CONFIGURED,
      'deploy_node: deployment failed: MaaS status Failed deployment (attempt 1 of 4)',
      'Releasing the machine (MaaS status Failed deployment) before deploying it again',
      'Retrying deployment (attempt 2 of 4)',
      ...CONFIGURED,
      'Node deployed',
      'hello succeeded on n01',
      'Boot action hello completed with status success',
      NO_NETWORK_DRIVER,
    ]);
    expect(errors(outcome)).toEqual(['deploy_node: deployment failed: MaaS status Failed deployment (attempt 1 of 4)']);
  });

  test.concurrent('a deployment that fails every time is tried 1 + step_max_retries times, then the node fails naming the attempts', async () => {
    const site = new FakeSite({ n01: { status: READY, deploys: [FAILED_DEPLOYMENT, FAILED_DEPLOYMENT], releases: [READY] } }, { step_max_retries: 1 });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task).toMatchObject({ status: 'complete', result: { status: 'failure', successes: [], failures: ['n01'] } });
    expect(task.nodes.n01).toMatchObject({ step: 'deploy_node', result: 'failure', message: 'deploy_node: deployment failed: MaaS status Failed deployment (2 attempts)' });
    expect(site.count('startDeploy')).toBe(2);
    expect(site.count('startRelease')).toBe(1);
    expect(site.count('nodeBootActions')).toBe(0);
    expect(errors(outcome)).toEqual([
      'deploy_node: deployment failed: MaaS status Failed deployment (attempt 1 of 2)',
      'deploy_node: deployment failed: MaaS status Failed deployment (2 attempts)',
    ]);
    expect(text(outcome).filter((m) => m.startsWith('Retrying'))).toEqual(['Retrying deployment (attempt 2 of 2)']);
    // The parent's task carries the node's errors, as Drydock's task messages do.
    expect(task.result.details.messageList.filter((m) => m.error && m.context === 'n01').map((m) => m.message)).toEqual(errors(outcome));
  });

  test.concurrent('a signaling boot action that never reports fails the node after bootaction_final_status', async () => {
    const site = new FakeSite(
      {
        n01: {
          status: READY,
          deploys: [DEPLOYED],
          bootActions: [
            { name: 'certs', signaling: true, report: 'success' },
            { name: 'hello', signaling: true, report: 'never' },
            { name: 'motd', signaling: false, report: 'never' },
          ],
        },
      },
      { timeouts: { bootaction_final_status: 0.01 } },
    );
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task.result).toMatchObject({ status: 'failure', failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({ step: 'bootaction_report', result: 'failure' });
    expect(site.count('startDeploy')).toBe(1);
    // A report's details are task messages as soon as it arrives: here it is sent during the (local) status
    // read that sees Deployed, so it reaches the workflow in the next workflow task, after "Node deployed".
    expect(text(outcome).slice(CONFIGURED.length)).toEqual([
      'Node deployed',
      'certs succeeded on n01',
      'Boot action certs completed with status success',
      'Boot action hello timed out.',
      'bootaction_report: 1 boot action(s) did not succeed in time',
    ]);
    expect(errors(outcome)).toEqual(['Boot action hello timed out.', 'bootaction_report: 1 boot action(s) did not succeed in time']);
  });

  test.concurrent("a signaling boot action that reports failure fails the node, with the node's own details", async () => {
    const site = new FakeSite({ n01: { status: READY, deploys: [DEPLOYED], bootActions: [{ name: 'hello', signaling: true, report: 'failure' }] } });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task.nodes.n01).toMatchObject({ step: 'bootaction_report', result: 'failure', message: 'bootaction_report: 1 boot action(s) did not succeed' });
    expect(errors(outcome)).toEqual(['hello failed on n01', 'Boot action hello completed with status failure', 'bootaction_report: 1 boot action(s) did not succeed']);
  });

  test.concurrent('a node still commissioning is waited for, then deployed', async () => {
    const site = new FakeSite({ n01: { status: COMMISSIONING, ends: READY, deploys: [DEPLOYED] } });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(site.sequence('n01')).toEqual(['findMachine', 'machineStatus', 'applyNetworking', 'applyStorage', 'applyPlatform', 'renderBootActions', 'startDeploy', 'machineStatus']);
    expect(site.count('startCommission')).toBe(0);
    expect(text(outcome)).toEqual(['Node is being commissioned (MaaS status Commissioning); deploying once it is Ready', ...CONFIGURED, 'Node deployed', NO_NETWORK_DRIVER]);
  });

  test.concurrent('an outage while a deployment is under way is waited out without deploying again', async () => {
    const site = new FakeSite({ n01: { status: READY, deploys: [DEPLOYED] } });
    site.outages.push({ activity: 'machineStatus', status: 500, while: () => site.count('machineStatus') <= 1 });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(site.count('startDeploy')).toBe(1);
    expect(site.count('machineStatus')).toBe(2);
    expect(text(outcome).slice(CONFIGURED.length)).toEqual([
      'deploy_node: MaaS unavailable (HTTP 500): machineStatus node n01 at http://maas.fake:5240/MAAS: MAAS Error: 500 - Internal Server Error',
      'deploy_node: peer answered again after 1 failed attempt(s)',
      'Node deployed',
      NO_NETWORK_DRIVER,
    ]);
  });

  test.concurrent('a release before redeploying that keeps failing is retried, then the node fails', async () => {
    const site = new FakeSite({ n01: { status: FAILED_DEPLOYMENT, releases: [RELEASING_FAILED, RELEASING_FAILED] } }, { step_max_retries: 1 });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    expect(task.nodes.n01).toMatchObject({ step: 'apply_node_networking', result: 'failure' });
    expect(site.count('startRelease')).toBe(2);
    expect(site.count('startDeploy') + site.count('applyNetworking')).toBe(0);
    expect(text(outcome)).toEqual([
      'Releasing the machine (MaaS status Failed deployment) before deploying it again',
      'apply_node_networking: release failed: MaaS status Releasing failed (attempt 1 of 2)',
      'Releasing the machine (MaaS status Releasing failed) before deploying it again (attempt 2 of 2)',
      'apply_node_networking: release failed: MaaS status Releasing failed (attempt 2 of 2)',
      'apply_node_networking: release failed: MaaS status Releasing failed (2 attempts)',
    ]);
  });

  test.concurrent('a Broken machine fails at once with what the operator must do in MaaS', async () => {
    const site = new FakeSite({ n01: { status: BROKEN } });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    const why = 'identify_node: cannot act on the machine in MaaS status Broken: MaaS has it marked Broken: fix the machine, mark it fixed in MaaS, then retry';
    expect(task.result).toMatchObject({ status: 'failure', failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({ step: 'identify_node', result: 'failure', message: why });
    expect(site.sequence('n01')).toEqual(['findMachine']);
    expect(errors(outcome)).toEqual([why]);
  });

  test.concurrent("a MaaS outage shorter than the window: the node's progress says so, the step goes on when MaaS answers", async () => {
    let seen: string | undefined;
    const site = new FakeSite({ n01: { status: DEPLOYED } }, { transient_retry_minutes: 0.5 });
    site.outages.push({ activity: 'findMachine', status: 500, while: () => seen === undefined });
    const run = await worker.run('deploy_nodes', site);
    // The parent's task shows the child's progress line while the outage lasts.
    seen = await until('the outage progress line', async () => (await run.task()).nodes.n01?.message);
    const { task, outcome } = await finish(run);

    // The window is 30 s; the line was read during one of the first waits.
    expect(seen).toMatch(/^MaaS unavailable \(HTTP 500\), retrying, (2\d|30) s left$/);
    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    const failed = site.count('findMachine') - 1;
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(text(outcome)).toEqual([
      'identify_node: MaaS unavailable (HTTP 500): findMachine node n01 at http://maas.fake:5240/MAAS: MAAS Error: 500 - Internal Server Error',
      `identify_node: peer answered again after ${failed} failed attempt(s)`,
      'Node already deployed, skipping deployment',
      NO_NETWORK_DRIVER,
    ]);
  });

  test.concurrent('a MaaS outage longer than the window fails the node naming the peer, the window and the attempts', async () => {
    // A 0.6 s window: the first failure waits it out whole (the backoff starts at 1 s), the second ends it.
    const site = new FakeSite({ n01: { status: READY } }, { transient_retry_minutes: 0.01 });
    site.outages.push({ activity: 'findMachine', status: 503, while: () => true });
    const { task, outcome } = await finish(await worker.run('deploy_nodes', site));

    const why =
      'identify_node: MaaS unavailable for 0.01 min (HTTP 503, 2 attempts): ' + 'findMachine node n01 at http://maas.fake:5240/MAAS: MAAS Error: 503 - Service Unavailable';
    expect(site.count('findMachine')).toBe(2);
    expect(task.result).toMatchObject({ status: 'failure', failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({ step: 'identify_node', result: 'failure', message: why });
    expect(site.sequence('n01')).toEqual(['findMachine']);
    expect(errors(outcome)).toEqual([why]);
  });

  test.concurrent('terminating the task while a step waits on MaaS cancels that call and ends the task terminated', async () => {
    const site = new FakeSite({ n01: { status: READY, deploys: [DEPLOYED] } });
    site.hang.add('applyStorage');
    const run = await worker.run('deploy_nodes', site);
    await site.called('applyStorage');
    // `drydock task terminate` cancels the task's workflow.
    await run.handle.cancel();
    const { task, outcome } = await finish(run);

    expect(task.status).toBe('terminated');
    expect(task.terminate).toBe(true);
    expect(task.result).toMatchObject({ status: 'failure', failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({ step: 'apply_node_storage', result: 'failure', message: 'Action terminated during step apply_node_storage.' });
    expect(task.result.details.messageList.map((m) => m.message)).toContain('Action terminated.');
    expect(outcome).toMatchObject({ result: 'failure', step: 'apply_node_storage' });
    expect(errors(outcome)).toEqual(['Action terminated during step apply_node_storage.']);
    expect(site.count('startDeploy') + site.count('applyPlatform')).toBe(0);
    // The cancellation reached the call to the peer, not only the workflow.
    await until('the hanging call to see its cancellation', () => (site.cancelled.includes('applyStorage') ? true : undefined), 5_000);
  });

  test.concurrent('a node another task is working on is refused without a call to it; the other node is deployed', async () => {
    const site = new FakeSite({ n01: { status: READY }, n02: { status: DEPLOYED } });
    site.busy = [{ node: 'n01', taskId: 'other-task', workflowId: 'fake-destroy_node-n01-other-task', action: 'destroy_node' }];
    const run = await worker.run('deploy_nodes', site);
    const task = await run.result();

    expect(task.result).toMatchObject({ status: 'partial_success', successes: ['n02'], failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({
      step: 'queued',
      result: 'failure',
      message: 'Node n01 is busy in task other-task (destroy_node fake-destroy_node-n01-other-task); not started: retry once that task has ended.',
    });
    expect(site.sequence('n01')).toEqual([]);
    expect(site.count('busyNodes')).toBe(1);
    expect(task.subtask_id_list).toEqual([`fake-deploy_node-n02-${site.taskId}`]);
  });
});

describe('destroy_nodes', () => {
  test.concurrent('a release that keeps failing is retried step_max_retries times, then the node fails naming the attempts', async () => {
    const site = new FakeSite({ n01: { status: DEPLOYED, releases: [RELEASING_FAILED, RELEASING_FAILED] } }, { step_max_retries: 1 });
    const { task, outcome } = await finish(await worker.run('destroy_nodes', site));

    expect(task.result).toMatchObject({ status: 'failure', failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({ step: 'destroy_node', result: 'failure', message: 'destroy_node: release failed: MaaS status Releasing failed (2 attempts)' });
    expect(site.count('startRelease')).toBe(2);
    expect(text(outcome)).toEqual([
      'destroy_node: release failed: MaaS status Releasing failed (attempt 1 of 2)',
      'Retrying release (attempt 2 of 2)',
      'destroy_node: release failed: MaaS status Releasing failed (attempt 2 of 2)',
      'destroy_node: release failed: MaaS status Releasing failed (2 attempts)',
    ]);
    // A machine that could not be released stays in MaaS (Drydock deletes it anyway).
    expect(site.count('deleteMachine')).toBe(0);
  });

  test.concurrent('a release that fails once is retried and the node ends Ready', async () => {
    const site = new FakeSite({ n01: { status: DEPLOYED, releases: [RELEASING_FAILED, READY] } });
    const { task, outcome } = await finish(await worker.run('destroy_nodes', site));

    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(site.count('startRelease')).toBe(2);
    expect(text(outcome)).toEqual([
      'destroy_node: release failed: MaaS status Releasing failed (attempt 1 of 4)',
      'Retrying release (attempt 2 of 4)',
      'Node released and disks erased, MaaS status Ready',
      'Machine sys1 deleted from MaaS; the node enlists again when it next PXE boots',
    ]);
    expect(site.sequence('n01').slice(-1)).toEqual(['deleteMachine']);
    expect(site.machine('n01').status).toBeUndefined();
  });

  test.concurrent('a machine that cannot be released has its storage reset, then is deleted, as Drydock does', async () => {
    const site = new FakeSite({ n01: { status: FAILED_COMMISSIONING } });
    const { task, outcome } = await finish(await worker.run('destroy_nodes', site));

    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(site.sequence('n01')).toEqual(['findMachine', 'resetStorage', 'deleteMachine']);
    expect(text(outcome)).toEqual([
      'Storage configuration reset (MaaS status Failed commissioning)',
      'Machine sys1 deleted from MaaS; the node enlists again when it next PXE boots',
    ]);
  });

  test.concurrent('after a destroy, prepare_nodes finds the node only once it has PXE booted and enlisted again, and commissions it', async () => {
    const site = new FakeSite({ n01: { status: READY, commissions: [READY] } });
    expect((await finish(await worker.run('destroy_nodes', site))).task.result.status).toBe('success');
    expect(site.machine('n01').status).toBeUndefined();
    const again = new FakeSite({ n01: { commissions: [READY] } });
    const { task } = await finish(await worker.run('prepare_nodes', again));
    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(again.sequence('n01')).toEqual(['findMachine', 'setPxeBoot', 'powerCycle', 'findMachine', 'updateIdentity', 'startCommission', 'machineStatus', 'introspectNode']);
  });
});

describe('prepare_nodes', () => {
  test.concurrent('an unknown node is PXE booted and power-cycled until it enlists; commissioning that fails once is retried', async () => {
    const site = new FakeSite({ n01: { enlistsAfter: 2, commissions: [FAILED_COMMISSIONING, READY] } });
    const { task, outcome } = await finish(await worker.run('prepare_nodes', site));

    expect(task.result).toMatchObject({ status: 'success', successes: ['n01'] });
    expect(site.sequence('n01')).toEqual([
      'findMachine',
      'setPxeBoot',
      'powerCycle',
      'findMachine',
      'updateIdentity',
      'startCommission',
      'machineStatus',
      'startCommission',
      'machineStatus',
      'introspectNode',
    ]);
    // The machine enlists by the second lookup after the power cycle.
    expect(site.count('findMachine')).toBe(3);
    expect(site.count('startCommission')).toBe(2);
    expect(text(outcome)).toEqual([
      'configure_hardware: commissioning failed: MaaS status Failed commissioning (attempt 1 of 4)',
      'Retrying commissioning (attempt 2 of 4)',
      'Node commissioned, MaaS status Ready',
      'Hardware matches the hardware profile (1 commissioning results): nic_pxe=eno1',
    ]);
  });

  test.concurrent('a machine whose hardware does not fit the hardware profile fails at introspection with what was found', async () => {
    const problem = 'hardware profile HPGen9v3: alias pxe_nic01 (pci 0000:81:00.0) not found on n01; found eno1 0000:01:00.0';
    const site = new FakeSite({ n01: { status: READY, hardwareProblems: [problem] } });
    const { task } = await finish(await worker.run('prepare_nodes', site));
    expect(task.result).toMatchObject({ status: 'failure', failures: ['n01'] });
    expect(task.nodes.n01).toMatchObject({ step: 'introspect_node', result: 'failure', message: `introspect_node: ${problem}` });
  });
});

describe('a task of many nodes', () => {
  test.concurrent("stays within the server's payload limit: late nodes keep step and result, left-out messages are counted", async () => {
    // A server whose payload limit is 16 KiB (task_result_limit_bytes, the smallest allowed): 30 nodes pass a
    // third of it as a 10,000-node task passes a third of the default 2 MiB. Every tenth node's boot action fails.
    const names = Array.from({ length: 30 }, (_, i) => `n${String(i + 1).padStart(3, '0')}`);
    const fails = (i: number) => i % 10 === 9;
    const site = new FakeSite(
      Object.fromEntries(
        names.map((n, i) => [
          n,
          { status: READY, deploys: [DEPLOYED], bootActions: [{ name: 'hello', signaling: true, report: fails(i) ? ('failure' as const) : ('success' as const) }] },
        ]),
      ),
      { node_batch_size: 10, max_parallel_nodes: 15, task_result_limit_bytes: 16_384 },
    );
    const run = await worker.run('deploy_nodes', site);
    const task = await run.result();

    const failed = names.filter((_, i) => fails(i));
    expect(task.result).toMatchObject({ status: 'partial_success', failures: expect.arrayContaining(failed) });
    expect([task.result.successes.length, task.result.failures.length]).toEqual([27, 3]);
    expect(Buffer.byteLength(JSON.stringify(task))).toBeLessThan(16_384 / 2);
    // Every node has its entry; those that ended after the task passed the bound keep their step and result only.
    expect(Object.keys(task.nodes).sort()).toEqual(names);
    const compact = Object.values(task.nodes).filter((n) => Object.keys(n).sort().join() === 'result,step');
    expect(compact.length).toBeGreaterThan(10);
    for (const n of failed) expect(task.nodes[n].result).toBe('failure');
    const summary = task.result.details.messageList.at(-1)!;
    expect(summary).toMatchObject({ context_type: 'task', error: false });
    const [, left] = /^(\d+) node messages \(\d+ of them errors\) are not in this task/.exec(summary.message) ?? [];
    expect(Number(left)).toBeGreaterThan(0);
    // What the task leaves out, the node's own workflow keeps.
    const last = names.at(-1)!;
    expect(text(await run.outcome(last)).length).toBeGreaterThan(2);
    if (process.env.DRYDOCK_RECORD_BOUNDED_HISTORY) await recordHistory(worker.client, run.handle.workflowId, 'deploy_nodes-bounded-result-fakesite');
  });
});
