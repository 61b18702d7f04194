import { Connection } from '@temporalio/client';
import { startSimulatedSite, type SimulatedSite } from '../../worker/simulatedSite';
import type { NodeFilterSet, Task } from '../../workflows/task';
import { demoSiteNamed } from '../harness/ownSite';
import { demoDesign } from '../harness/site';
import { fastSettings, startTestWorker, temporalAddress, untilActivityPending, type TestWorkerEnv } from '../harness/temporal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BOUND_MS = 5000;

/**
 * Issue 11: `drydock task terminate` during power_cycle_node stops that activity's BMC traffic within 5 s.
 * n07's BMC is the Redfish emulator, whose request counter is the witness. Its power changes take ten minutes
 * here and the driver polls every 100 ms, so a power cycle that ignored the cancellation would keep asking.
 */
describe('terminate during power_cycle_node', () => {
  const own = demoSiteNamed('demo-terminate-power');
  let connection: Connection;
  let site: SimulatedSite;
  let env: TestWorkerEnv;

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    site = await startSimulatedSite({ design: await demoDesign(own.ref), connection, powerTransitionMs: 600_000 });
    env = await startTestWorker('terminate-power', {
      drivers: { ...site.drivers, powerStateChangeMaxRetries: 6000, powerStateChangeRetryInterval: 0.1 },
      settings: fastSettings(),
    });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
    await connection?.close();
    own.remove();
  });

  test('no BMC request from the power cycle more than 5 s after the terminate; the task ends terminated', async () => {
    const bmc = site.sim.bmcs.get('n07');
    if (bmc?.type !== 'redfish') throw new Error('n07 should have a Redfish BMC in the example site');
    const requests = () => bmc.emulator.counters().requests;
    const nodeFilter = { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: ['n07'] }] } as NodeFilterSet;

    const run = await env.run(async () => {
      const { taskId } = await env.client.createTask('prepare_nodes', { designRef: own.ref, nodeFilter });
      const child = await nodeWorkflowId(env, taskId, 'n07');
      await untilActivityPending(env, child, 'powerCycle', 30_000);
      const beforeTerminate = requests();
      await sleep(500);
      const pollingRate = requests() - beforeTerminate; // requests in the half second before the terminate

      // The time of the counter's last change, sampled every 10 ms from the terminate on.
      let count = requests();
      let lastChange = 0;
      const watch = setInterval(() => {
        const c = requests();
        if (c !== count) [count, lastChange] = [c, Date.now()];
      }, 10);
      const terminatedAt = Date.now();
      try {
        await env.client.terminateTask(taskId);
        const task = await env.client.waitTask(taskId, undefined, 200);
        // The worker keeps running: a cycle still polling would show past the bound.
        await sleep(terminatedAt + BOUND_MS + 3000 - Date.now());
        return { task, pollingRate, delayMs: lastChange ? lastChange - terminatedAt : 0 };
      } finally {
        clearInterval(watch);
      }
    });

    console.log(`terminate during power_cycle_node: last BMC request ${run.delayMs} ms after the terminate (polling ${run.pollingRate * 2} requests/s before it)`);
    expect(run.pollingRate).toBeGreaterThan(5); // the witness was busy: the cycle was polling when terminated
    expect(run.delayMs).toBeLessThan(BOUND_MS);
    expect(run.task.status).toBe('terminated');
    expect(run.task.result.status).toBe('failure');
    expect(run.task.nodes.n07).toMatchObject({ step: 'power_cycle_node', result: 'failure' });
    expect(run.task.nodes.n07.message).toMatch(/terminated during step power_cycle_node/);
    expect(bmc.emulator.counters().activeSessions).toBe(0);
  });
});

/** The child workflow of `node` once the task has started it. */
async function nodeWorkflowId(env: TestWorkerEnv, taskId: string, node: string): Promise<string> {
  for (const end = Date.now() + 30_000; Date.now() < end; await sleep(50)) {
    const t: Task | undefined = await env.client.getTask(taskId).catch(() => undefined);
    const id = t?.nodes[node]?.workflowId;
    if (id) return id;
  }
  throw new Error(`task ${taskId} started no workflow for ${node} within 30 s`);
}
