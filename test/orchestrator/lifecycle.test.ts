import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import { countsOf, DEMO_SITE, startSimulatedSite, type SimulatedSite } from '../harness/site';

/**
 * The seven-action lifecycle on the simulated 10-node example site: real Temporal server, real ipmi_sim and
 * Redfish BMCs at the design's OOB addresses, the MaaS emulator over HTTP.
 */
describe('node actions on the simulated example site', () => {
  let site: SimulatedSite;
  let env: TestWorkerEnv;

  beforeAll(async () => {
    site = await startSimulatedSite();
    env = await startTestWorker('lifecycle', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 5 }) });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
  });

  const run = (action: Parameters<TestWorkerEnv['client']['createTask']>[0]) =>
    env.run(async () => {
      const { taskId } = await env.client.createTask(action, { designRef: DEMO_SITE });
      return env.client.waitTask(taskId, undefined, 200);
    });

  test('verify_site: MaaS reachable with boot images and a rack controller, every BMC answers', async () => {
    const task = await run('verify_site');
    if (task.result.status !== 'success') console.log(JSON.stringify(task.result.details.messageList, null, 1));
    expect(task.result.status).toBe('success');
    expect(task.result.successes.sort()).toEqual(site.sim.nodes.map((n) => n.name).sort());
    const text = task.result.details.messageList.map((m) => m.message).join('\n');
    expect(text).toMatch(/rack controller/i);
    expect(text).toMatch(/boot (image|resource)/i);
  });

  test('verify_nodes: each BMC interrogated (IPMI and Redfish), one child per node', async () => {
    const task = await run('verify_nodes');
    expect(task.result.failures).toEqual([]);
    expect(task.result.status).toBe('success');
    expect(task.subtask_id_list.map((id) => id.split('-').slice(0, 3).join('-')).sort()).toEqual(
      site.sim.nodes.map((n) => `demo-verify_node-${n.name}`).sort(),
    );
  });

  test('deploy_nodes before prepare_site fails each node clearly, naming the missing fabric', async () => {
    const task = await run('deploy_nodes');
    expect(task.result.status).toBe('failure');
    expect(task.result.failures).toHaveLength(10);
    expect(task.result.details.messageList.find((m) => m.error)?.message).toMatch(/fabric .* not found in MaaS|not found in MaaS; run prepare_nodes first/);
  });

  test('prepare_site: network template, credentials and provisioner configuration', async () => {
    const task = await run('prepare_site');
    if (task.result.status !== 'success') console.log(JSON.stringify(task.result.details.messageList, null, 1));
    expect(task.result.status).toBe('success');
    expect(task.subtask_id_list.map((s) => s.split('/').pop())).toEqual(['create_network_template', 'configure_user_credentials', 'configure_node_provisioner']);
  });

  test('prepare_nodes: PXE boot, power cycle, enlist, identify and commission all 10 nodes', async () => {
    const task = await run('prepare_nodes');
    expect(task.result.failures).toEqual([]);
    expect(task.result.status).toBe('success');
    expect(task.result.successes).toHaveLength(10);
    expect(task.subtask_id_list).toHaveLength(10);
    expect(task.subtask_id_list[0]).toMatch(/^demo-prepare_node-n\d\d-/);
    for (const m of site.sim.maas.machines()) expect(m.status_name).toBe('Ready');
    expect(Object.values(countsOf(site.sim, 'commission'))).toEqual(Array(10).fill(1));
  });

  test('deploy_nodes: every node Deployed and its boot action reported', async () => {
    const task = await run('deploy_nodes');
    if (task.result.failures.length) console.log(JSON.stringify(task.result.details.messageList.filter((m) => m.error).slice(0, 6), null, 1));
    expect(task.result.failures).toEqual([]);
    expect(task.result.status).toBe('success');
    for (const m of site.sim.maas.machines()) expect(m.status_name).toBe('Deployed');
    expect(Object.values(countsOf(site.sim, 'deploy'))).toEqual(Array(10).fill(1));
    expect(Object.values(task.nodes).every((n) => n.step === 'done' && n.result === 'success')).toBe(true);
  });

  test('deploy_nodes again: nothing is redeployed', async () => {
    const task = await run('deploy_nodes');
    expect(task.result.status).toBe('success');
    expect(Object.values(countsOf(site.sim, 'deploy'))).toEqual(Array(10).fill(1));
  });

  test('relabel_nodes: each node\'s owner_data become its Kubernetes labels through Promenade', async () => {
    const task = await run('relabel_nodes');
    expect(task.result.status).toBe('success');
    for (const n of site.design.baremetal_nodes) {
      expect(site.sim.promenade.labels(n.name)).toEqual(n.owner_data ?? {});
    }
    expect(Object.values(site.sim.promenade.counters().relabel)).toEqual(Array(10).fill(1));
  });

  test('destroy_nodes: every node released back to Ready', async () => {
    const task = await run('destroy_nodes');
    expect(task.result.status).toBe('success');
    for (const m of site.sim.maas.machines()) expect(m.status_name).toBe('Ready');
    expect(Object.values(countsOf(site.sim, 'release'))).toEqual(Array(10).fill(1));
  });
});
