import { ALL_STATUS_NAMES } from '../../common/maasStatus';
import { cliEnvFor, drydockStdout } from '../harness/cli';
import { demoSiteNamed } from '../harness/ownSite';
import { countsOf, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import type { Task } from '../../workflows/task';

const filter = (nodes: string[]) => ({ filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: nodes }] });

/**
 * Failure semantics on the simulated site: a failed deployment is retried by `drydock task retry` and only
 * the failed node is deployed again; every node action resumes from whatever MaaS status a node is in.
 */
describe('resume from any MaaS status', () => {
  const own = demoSiteNamed('demo-resume');
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  const nodes = () => site.sim.nodes.map((n) => n.name);
  // One worker polls for the whole file (its tests run one after the other on one site): no worker start per task.
  let stopWorker = () => {};
  let worker: Promise<void> = Promise.resolve();
  const run = async (action: string, nodeNames: string[]): Promise<Task> => {
    const { taskId } = await env.client.createTask(action as never, { designRef: own.ref, nodeFilter: filter(nodeNames) });
    const stopped = worker.then(() => Promise.reject(new Error('the worker stopped')));
    return Promise.race([env.client.waitTask(taskId, undefined, 200), stopped]);
  };

  beforeAll(async () => {
    // Transitions take a moment, so that a node placed mid-transition is still in it when the runbook looks.
    site = await startSimulatedSite({ designRef: own.ref, durations: { commissioning: 1500, testing: 300, deploying: 1500, releasing: 800, diskErasing: 800 } });
    env = await startTestWorker('resume', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 10 }) });
    // Tasks are created once it polls (a query before a task's first workflow task can fail to replay it).
    await new Promise<void>((polling, failed) => {
      worker = env.run(() => {
        polling();
        return new Promise<void>((r) => (stopWorker = r));
      });
      worker.catch(failed);
    });
    expect((await run('prepare_site', [])).result.status).toBe('success');
  });
  afterAll(async () => {
    stopWorker();
    await worker;
    await env?.close();
    await site?.stop();
    own.remove();
  });

  test('a failed deployment: partial_success naming the node; task retry deploys only that node again', async () => {
    const three = ['n01', 'n02', 'n03'];
    expect((await run('prepare_nodes', three)).result.status).toBe('success');
    site.sim.maas.setFault({ failDeployment: ['n02'] });
    const first = await run('deploy_nodes', three);
    expect(first.result.status).toBe('partial_success');
    expect(first.result.failures).toEqual(['n02']);
    expect(first.nodes.n02.message).toMatch(/deployment failed: MaaS status Failed deployment \(4 attempts\)/);
    // Drydock's DeployNode retry: 1 + 3 deployments of n02, each released before the next.
    const afterFirst = countsOf(site.sim, 'deploy');
    expect([afterFirst.n01, afterFirst.n02, afterFirst.n03]).toEqual([1, 4, 1]);
    expect(site.sim.maas.machine('n02')?.status_name).toBe('Failed deployment');

    site.sim.maas.clearFaults();
    const out = JSON.parse(await drydockStdout(['task', 'retry', first.task_id, '--wait', '--output', 'json'], cliEnvFor(env)));
    expect(out).toMatchObject({ task_id: first.task_id, retry: 1, result: { status: 'success' } });
    const afterRetry = countsOf(site.sim, 'deploy');
    expect([afterRetry.n01, afterRetry.n02, afterRetry.n03]).toEqual([afterFirst.n01, afterFirst.n02 + 1, afterFirst.n03]);
    expect(countsOf(site.sim, 'release').n02).toBe(4);
    for (const n of three) expect(site.sim.maas.machine(n)?.status_name).toBe('Deployed');
  });

  /**
   * Every status × action: each round places up to ten nodes in ten statuses and runs the action on them.
   * `ok` is the MaaS status the node must end in; `fails` the message of a node the runbook must refuse.
   */
  type Expect = { ok: string[] } | { fails: RegExp } | { deleted: true };
  const operator = /cannot act on the machine in MaaS status .*: .*(then retry|remove it from the design)/;
  const EXPECTED: Record<string, (status: string) => Expect> = {
    prepare_nodes: (s) =>
      ['New', 'Failed commissioning', 'Failed testing', 'Commissioning', 'Testing'].includes(s)
        ? { ok: ['Ready'] }
        : ['Ready', 'Allocated', 'Deployed', 'Failed deployment', 'Releasing failed', 'Failed disk erasing'].includes(s)
          ? { ok: [s] }
          : s === 'Deploying'
            ? { ok: ['Deploying', 'Deployed'] }
            : ['Releasing', 'Disk erasing'].includes(s)
              ? { ok: [s, 'Ready'] }
              : { fails: operator },
    deploy_nodes: (s) =>
      ['New', 'Failed commissioning', 'Failed testing'].includes(s)
        ? { fails: /not commissioned \(MaaS status .*\): run prepare_nodes first/ }
        : [
              'Ready',
              'Allocated',
              'Deploying',
              'Deployed',
              'Failed deployment',
              'Releasing',
              'Disk erasing',
              'Releasing failed',
              'Failed disk erasing',
              'Commissioning',
              'Testing',
            ].includes(s)
          ? { ok: ['Deployed'] }
          : { fails: operator },
    // Drydock's DestroyNode: released (or its storage reset), then deleted from MaaS, whatever the status.
    destroy_nodes: () => ({ deleted: true }),
  };

  test.each(Object.keys(EXPECTED))('%s from every MaaS status', async (action) => {
    // Every node enlisted and commissioned, whatever an earlier test left it in.
    for (const n of nodes()) if (site.sim.maas.machine(n)) site.sim.maas.placeMachine(n, 'Ready');
    expect((await run('prepare_nodes', nodes())).result.status).toBe('success');
    const statuses = [...ALL_STATUS_NAMES];
    const problems: string[] = [];
    for (let i = 0; i < statuses.length; i += 10) {
      const round = statuses.slice(i, i + 10);
      const placed = round.map((s, j) => ({ node: nodes()[j], status: s }));
      // Nodes a destroy deleted from MaaS enlist and commission again first.
      const gone = placed.map((p) => p.node).filter((n) => !site.sim.maas.machine(n));
      if (gone.length) expect((await run('prepare_nodes', gone)).result.status).toBe('success');
      for (const p of placed) site.sim.maas.placeMachine(p.node, p.status);
      const task = await run(
        action,
        placed.map((p) => p.node),
      );
      for (const p of placed) {
        const want = EXPECTED[action](p.status);
        const got = task.nodes[p.node];
        const now = site.sim.maas.machine(p.node)?.status_name;
        if ('deleted' in want) {
          if (got?.result !== 'success' || now !== undefined) problems.push(`${p.status}: ${got?.result} (${got?.message}), now ${now ?? 'deleted'}`);
        } else if ('ok' in want) {
          if (got?.result !== 'success' || !want.ok.includes(now ?? '')) problems.push(`${p.status}: ${got?.result} (${got?.message}), now ${now}`);
        } else if (got?.result !== 'failure' || !want.fails.test(got.message ?? '')) {
          problems.push(`${p.status}: ${got?.result} (${got?.message}), expected a failure matching ${want.fails}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('one task per node: a second task refuses a node the first is deploying, naming it', async () => {
    expect((await run('prepare_nodes', ['n04', 'n05'])).result.status).toBe('success');
    site.sim.maas.placeMachine('n04', 'Ready');
    site.sim.maas.placeMachine('n05', 'Ready');
    site.sim.maas.setFault({ hang: ['n04'] });
    const deploysBefore = countsOf(site.sim, 'deploy').n04;
    try {
      const a = await env.client.createTask('deploy_nodes', { designRef: own.ref, nodeFilter: filter(['n04']) });
      for (let i = 0; i < 200 && (await env.client.getTask(a.taskId)).nodes.n04?.step !== 'deploy_node'; i++) await new Promise((r) => setTimeout(r, 100));
      const b = await env.client.createTask('deploy_nodes', { designRef: own.ref, nodeFilter: filter(['n04', 'n05']) });
      const second = await env.client.waitTask(b.taskId, undefined, 200);
      expect(second.result.status).toBe('partial_success');
      expect(second.result.failures).toEqual(['n04']);
      expect(second.nodes.n04.message).toContain(`busy in task ${a.taskId}`);
      expect(second.nodes.n05.result).toBe('success');
      await env.client.terminateTask(a.taskId);
      expect((await env.client.waitTask(a.taskId, undefined, 200)).status).toBe('terminated');
    } finally {
      site.sim.maas.clearFaults();
    }
    expect(countsOf(site.sim, 'deploy').n04).toBe(deploysBefore + 1);
  });
});
