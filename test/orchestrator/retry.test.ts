import { fastSettings, startTestWorker, untilActivityPending, type TestWorkerEnv } from '../harness/temporal';
import { demoSiteNamed } from '../harness/ownSite';
import { countsOf, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { cliEnvFor, drydockStdout } from '../harness/cli';

/**
 * Retry from the failed step and clean termination, on the simulated 10-node example site.
 */
describe('task retry and terminate', () => {
  const own = demoSiteNamed('demo-retry');
  let site: SimulatedSite;
  let env: TestWorkerEnv;

  beforeAll(async () => {
    // Deployments take a minute here so that the terminate test catches nodes mid-deploy.
    site = await startSimulatedSite({ designRef: own.ref, durations: { deploying: 60_000 } });
    env = await startTestWorker('retry', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 5 }) });
    await env.run(async () => {
      const { taskId } = await env.client.createTask('prepare_site', { designRef: own.ref });
      expect((await env.client.waitTask(taskId, undefined, 200)).result.status).toBe('success');
    });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
    own.remove();
  });

  test('prepare_nodes with one node failing commissioning: partial_success naming it; retry commissions only that node', async () => {
    site.sim.maas.setFault({ failCommissioning: ['n04'] });
    const first = await env.run(async () => {
      const { taskId } = await env.client.createTask('prepare_nodes', { designRef: own.ref });
      return env.client.waitTask(taskId, undefined, 200);
    });
    expect(first.result.status).toBe('partial_success');
    expect(first.result.failures).toEqual(['n04']);
    expect(first.result.successes).toHaveLength(9);
    const error = first.result.details.messageList.find((m) => m.error);
    expect(error).toMatchObject({ context_type: 'node', context: 'n04' });
    expect(error?.message).toMatch(/configure_hardware: commissioning failed: MaaS status Failed commissioning/);
    expect(first.nodes.n04).toMatchObject({ step: 'configure_hardware', result: 'failure' });
    // Drydock's ConfigureHardware retry: the failing node was commissioned 1 + step_max_retries (3) times.
    const afterFirst = countsOf(site.sim, 'commission');
    expect(afterFirst).toEqual({ ...Object.fromEntries(site.sim.nodes.map((n) => [n.name, 1])), n04: 4 });
    // Each failed attempt is in the node's messages.
    expect(first.result.details.messageList.filter((m) => m.context === 'n04' && m.error && /commissioning failed/.test(m.message))).toHaveLength(4);

    site.sim.maas.clearFaults();
    const retried = await env.run(async () => {
      const out = JSON.parse(await drydockStdout(['task', 'retry', first.task_id, '--output', 'json'], cliEnvFor(env)));
      expect(out).toMatchObject({ taskId: first.task_id, nodes: ['n04'] });
      return env.client.waitTask(first.task_id, undefined, 200);
    });
    expect(retried.task_id).toBe(first.task_id);
    expect(retried.retry).toBe(1);
    expect(retried.result.status).toBe('success');
    expect(retried.result.successes.sort()).toEqual(site.sim.nodes.map((n) => n.name).sort());
    expect(retried.subtask_id_list).toEqual([expect.stringMatching(new RegExp(`^${own.name}-prepare_node-n04-.*-r1$`))]);

    const afterRetry = countsOf(site.sim, 'commission');
    expect(afterRetry.n04).toBe(5);
    for (const n of Object.keys(afterRetry).filter((x) => x !== 'n04')) expect(afterRetry[n]).toBe(afterFirst[n]);
    for (const m of site.sim.maas.machines()) expect(m.status_name).toBe('Ready');

    // Nothing left to retry is an error for the user, not a new run.
    await expect(env.client.retryTask(first.task_id)).rejects.toThrow(/no failed nodes to retry/);
  });

  test('terminate during deploy_nodes: task terminated, each node says where it stopped, nothing deployed after', async () => {
    const task = await env.run(async () => {
      const { taskId } = await env.client.createTask('deploy_nodes', { designRef: own.ref });
      // Wait until nodes are in MaaS's Deploying state, then stop the task.
      for (let i = 0; i < 200; i++) {
        const t = await env.client.getTask(taskId).catch(() => undefined);
        if (t && Object.values(t.nodes).filter((n) => n.step === 'deploy_node').length >= 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await env.client.terminateTask(taskId);
      return env.client.waitTask(taskId, undefined, 200);
    });
    expect(task.status).toBe('terminated');
    expect(task.result.status).toBe('failure');
    expect(task.result.failures.sort()).toEqual(site.sim.nodes.map((n) => n.name).sort());
    const stopped = Object.values(task.nodes);
    // Nodes that had started record the step they stopped in; the others were never started.
    expect(stopped.some((n) => n.step === 'deploy_node' && /terminated during step deploy_node/.test(n.message ?? ''))).toBe(true);
    expect(stopped.filter((n) => !/terminated/.test(n.message ?? ''))).toEqual([]);
    expect(Object.values(countsOf(site.sim, 'deploy')).every((c) => c <= 1)).toBe(true);
    await expect(env.client.terminateTask(task.task_id)).rejects.toThrow(/not running/);
  });

  test('terminate during prepare_site: the task keeps its messages, the step in flight says it stopped, later steps never start', async () => {
    // Slow MaaS answers hold the network template step long enough to terminate it.
    site.sim.maas.setFault({ latencyMs: 1000 });
    try {
      const task = await env.run(async () => {
        const { taskId, workflowId } = await env.client.createTask('prepare_site', { designRef: own.ref });
        await untilActivityPending(env, workflowId, 'createNetworkTemplate');
        await env.client.terminateTask(taskId);
        return env.client.waitTask(taskId, undefined, 200);
      });
      expect(task.status).toBe('terminated');
      expect(task.result.status).toBe('failure');
      const messages = task.result.details.messageList.map((m) => m.message);
      expect(messages).toContain('create_network_template: stopped, action terminated');
      expect(messages).toContain('Action terminated.');
      expect(task.subtask_id_list.map((id) => id.split('/')[1])).toEqual(['create_network_template']);
    } finally {
      site.sim.maas.clearFaults();
    }
  });
});
