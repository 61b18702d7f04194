import { parseApiKey, oauthPlaintextHeader } from '../../drivers/maas/oauth';
import type { Task } from '../../workflows/task';
import { demoSiteNamed, type OwnSite } from '../harness/ownSite';
import { countsOf, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';

/**
 * The seven-action lifecycle on the simulated 10-node example site: real Temporal server, real ipmi_sim and
 * Redfish BMCs at the design's OOB addresses, the MaaS emulator over HTTP.
 *
 * Each test starts from a known state, checked against the emulators: the tests of a fresh site first check
 * that nothing is enlisted and no network template exists (they change neither), and each later test has a
 * beforeEach that brings the site to the stage it needs, running whatever actions are still missing. A
 * failing test is then reported alone, not as the first of a chain. One site serves them all: a second
 * simulated site would cost its start-up time for no other gain.
 */

interface SiteUnderTest {
  own: OwnSite;
  site: SimulatedSite;
  env: TestWorkerEnv;
  /** Runs an action on the whole site and waits for its task. */
  run(action: Parameters<TestWorkerEnv['client']['createTask']>[0]): Promise<Task>;
}

/** The simulated example site and a worker driving it, started before this file's tests and stopped after. */
function siteUnderTest(name: string): SiteUnderTest {
  const s = { own: demoSiteNamed(`demo-${name}`) } as SiteUnderTest;
  beforeAll(async () => {
    s.site = await startSimulatedSite({ designRef: s.own.ref });
    s.env = await startTestWorker(name, { drivers: s.site.drivers, settings: fastSettings({ max_parallel_nodes: 5 }) });
    s.run = (action) =>
      s.env.run(async () => {
        const { taskId } = await s.env.client.createTask(action, { designRef: s.own.ref });
        return s.env.client.waitTask(taskId, undefined, 200);
      });
  });
  afterAll(async () => {
    await s.env?.close();
    await s.site?.stop();
    s.own.remove();
  });
  return s;
}

/** The error messages of a task, to show why it did not succeed. */
const errorsOf = (task: Task) => task.result.details.messageList.filter((m) => m.error).map((m) => `${m.context}: ${m.message}`);

/** MaaS fabric names, through the MaaS API as any client sees them. */
async function fabricNames(site: SimulatedSite): Promise<string[]> {
  const res = await fetch(`${site.sim.maas.url}/api/2.0/fabrics/`, { headers: { Authorization: oauthPlaintextHeader(parseApiKey(site.sim.maas.apiKey)) } });
  if (!res.ok) throw new Error(`GET fabrics/: HTTP ${res.status}`);
  return ((await res.json()) as { name: string }[]).map((f) => f.name);
}

const statuses = (site: SimulatedSite) => site.sim.maas.machines().map((m) => m.status_name);
const allIn = (site: SimulatedSite, status: string) => site.sim.maas.machines().length === site.sim.nodes.length && statuses(site).every((x) => x === status);

const s = siteUnderTest('lifecycle');

describe('a fresh site', () => {
  // None of these tests changes the site: each starts with nothing enlisted and no network template.
  beforeEach(async () => {
    expect(s.site.sim.maas.machines()).toEqual([]);
    expect(await fabricNames(s.site)).not.toContain('data');
  });

  test('verify_site: MaaS reachable with boot images and a rack controller, every BMC answers', async () => {
    const task = await s.run('verify_site');
    expect(errorsOf(task)).toEqual([]);
    expect(task.result.status).toBe('success');
    expect([...task.result.successes].sort()).toEqual(s.site.sim.nodes.map((n) => n.name).sort());
    const text = task.result.details.messageList.map((m) => m.message).join('\n');
    expect(text).toMatch(/rack controller/i);
    expect(text).toMatch(/boot (image|resource)/i);
  });

  test('verify_nodes: each BMC interrogated (IPMI and Redfish), one child per node', async () => {
    const task = await s.run('verify_nodes');
    expect(task.result.failures).toEqual([]);
    expect(task.result.status).toBe('success');
    expect([...task.subtask_id_list].sort()).toEqual(s.site.sim.nodes.map((n) => `${s.own.name}-verify_node-${n.name}-${task.task_id}`).sort());
  });

  test('deploy_nodes before prepare_site fails each node clearly, naming the missing fabric', async () => {
    const task = await s.run('deploy_nodes');
    expect(task.result.status).toBe('failure');
    expect(task.result.failures).toHaveLength(10);
    expect(task.result.details.messageList.find((m) => m.error)?.message).toMatch(/fabric .* not found in MaaS|not found in MaaS; run prepare_nodes first/);
  });
});

describe('from prepare_site to destroy_nodes', () => {
  /** The stages of a site's life, in order: the action that reaches each, and how the emulators show it (or a later one). */
  const STAGES = [
    { name: 'site prepared', action: 'prepare_site', reached: async () => (await fabricNames(s.site)).includes('data') },
    { name: 'nodes prepared', action: 'prepare_nodes', reached: async () => allIn(s.site, 'Ready') || allIn(s.site, 'Deployed') },
    { name: 'deployed', action: 'deploy_nodes', reached: async () => allIn(s.site, 'Deployed') },
  ] as const;
  type Stage = (typeof STAGES)[number]['name'];

  /** Brings the site to `stage`: each earlier stage's action runs unless the emulators show it done. */
  async function reach(stage: Stage): Promise<void> {
    for (const st of STAGES.slice(0, STAGES.findIndex((x) => x.name === stage) + 1)) {
      if (await st.reached()) continue;
      const task = await s.run(st.action);
      if (task.result.status !== 'success' || !(await st.reached())) {
        throw new Error(
          `could not bring the site to "${st.name}": ${st.action} ended ${task.result.status}, machines ${statuses(s.site).join(',') || 'none'}; ${errorsOf(task).join('; ')}`,
        );
      }
    }
  }

  test('prepare_site: network template, credentials and provisioner configuration', async () => {
    const task = await s.run('prepare_site');
    expect(errorsOf(task)).toEqual([]);
    expect(task.result.status).toBe('success');
    expect(task.subtask_id_list.map((id) => id.split('/').pop())).toEqual(['create_network_template', 'configure_user_credentials', 'configure_node_provisioner']);
    expect(await fabricNames(s.site)).toEqual(expect.arrayContaining(['oob', 'pxe', 'data']));
  });

  describe('on a prepared site', () => {
    beforeEach(() => reach('site prepared'));

    test('prepare_nodes: PXE boot, power cycle, enlist, identify and commission all 10 nodes', async () => {
      const before = countsOf(s.site.sim, 'commission');
      const task = await s.run('prepare_nodes');
      expect(task.result.failures).toEqual([]);
      expect(task.result.status).toBe('success');
      expect(task.result.successes).toHaveLength(10);
      expect(task.subtask_id_list).toHaveLength(10);
      expect(task.subtask_id_list[0]).toMatch(new RegExp(`^${s.own.name}-prepare_node-n\\d\\d-`));
      expect(statuses(s.site)).toEqual(Array(10).fill('Ready'));
      // Each node commissioned once by this task (none was enlisted before it).
      expect(Object.values(before)).toEqual(Array(10).fill(0));
      expect(Object.values(countsOf(s.site.sim, 'commission'))).toEqual(Array(10).fill(1));
    });
  });

  describe('on prepared nodes', () => {
    beforeEach(() => reach('nodes prepared'));

    test('deploy_nodes: every node Deployed and its boot action reported', async () => {
      const task = await s.run('deploy_nodes');
      expect(errorsOf(task)).toEqual([]);
      expect(task.result.status).toBe('success');
      expect(statuses(s.site)).toEqual(Array(10).fill('Deployed'));
      expect(Object.values(countsOf(s.site.sim, 'deploy'))).toEqual(Array(10).fill(1));
      expect(Object.values(task.nodes).every((n) => n.step === 'done' && n.result === 'success')).toBe(true);
    });
  });

  describe('on a deployed site', () => {
    beforeEach(() => reach('deployed'));

    test('deploy_nodes again: nothing is redeployed', async () => {
      const before = countsOf(s.site.sim, 'deploy');
      const task = await s.run('deploy_nodes');
      expect(task.result.status).toBe('success');
      expect(countsOf(s.site.sim, 'deploy')).toEqual(before);
    });

    test("relabel_nodes: each node's owner_data become its Kubernetes labels through Promenade", async () => {
      const task = await s.run('relabel_nodes');
      expect(task.result.status).toBe('success');
      for (const n of s.site.design.baremetal_nodes) {
        expect(s.site.sim.promenade.labels(n.name)).toEqual(n.owner_data ?? {});
      }
      expect(Object.values(s.site.sim.promenade.counters().relabel)).toEqual(Array(10).fill(1));
    });

    // Last: destroying the machines ends the "deployed" stage (a test after it would prepare them again first).
    test('destroy_nodes: every node released with a disk erase, then deleted from MaaS as Drydock does', async () => {
      const before = countsOf(s.site.sim, 'release');
      const task = await s.run('destroy_nodes');
      expect(task.result.status).toBe('success');
      expect(statuses(s.site)).toEqual([]);
      expect(Object.values(countsOf(s.site.sim, 'release'))).toEqual(Object.values(before).map((c) => c + 1));
      expect(Object.values(countsOf(s.site.sim, 'delete'))).toEqual(Array(10).fill(1));
    });
  });
});
