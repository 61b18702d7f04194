import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startSimulatedSite, type SimulatedSite } from '../../worker/simulatedSite';
import { batchesOf } from '../../workflows/nodeAction';
import type { Task } from '../../workflows/task';
import { demoSiteNamed } from '../harness/ownSite';
import { demoDesign } from '../harness/site';
import { countsOf } from '../harness/site';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EventType = temporal.api.enums.v1.EventType;

/**
 * Issue 14: a task over more nodes than DRYDOCK_NODE_BATCH_SIZE runs its nodes through batch workflows, so
 * its own history grows per batch, not per node. Here the example site's nodes in batches of at most 3: the task
 * starts only batches, each batch one workflow per node, and `task show` still follows each node's step.
 */
describe('node actions in batches', () => {
  const own = demoSiteNamed('demo-batches');
  let connection: Connection;
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  const settings = fastSettings({ node_batch_size: 3, max_parallel_nodes: 4 });

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    site = await startSimulatedSite({ design: await demoDesign(own.ref), connection });
    env = await startTestWorker('batches', { drivers: site.drivers, settings });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
    await connection?.close();
    own.remove();
  });

  async function childTypes(workflowId: string): Promise<string[]> {
    const { events = [] } = await env.client.client.workflow.getHandle(workflowId).fetchHistory();
    return (events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
      .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType!.name!);
  }

  test('prepare_nodes and deploy_nodes: batches of 3 nodes, each node once, live steps through the batch', async () => {
    const nodes = site.sim.nodes.map((n) => n.name);
    expect(nodes.length).toBeGreaterThan(3);
    // Batches of at most 3 nodes, as many as keep the 4 parallel slots busy (batchesOf).
    const batches = batchesOf(nodes, settings).length;
    expect(batches).toBeGreaterThan(1);
    await env.run(async () => {
      const ps = await env.client.createTask('prepare_site', { designRef: own.ref });
      expect((await env.client.waitTask(ps.taskId, undefined, 200)).result.status).toBe('success');

      for (const action of ['prepare_nodes', 'deploy_nodes'] as const) {
        const { taskId, workflowId } = await env.client.createTask(action, { designRef: own.ref });
        // While it runs, some node is seen past 'queued' through its batch (DrydockClient.getTask).
        const seenSteps = new Set<string>();
        const task: Task = await env.client.waitTask(taskId, (t) => Object.values(t.nodes).forEach((n) => n.result === 'incomplete' && seenSteps.add(n.step)), 100);
        expect(task.result.status).toBe('success');
        expect([...task.result.successes].sort()).toEqual([...nodes].sort());
        expect([...seenSteps].filter((s) => s !== 'queued' && s !== 'starting').length).toBeGreaterThan(0);

        const types = await childTypes(workflowId);
        expect(types).toEqual(Array(batches).fill('nodeBatch'));
        // Each node's entry names its own workflow, a child of a batch.
        const batchIds = task.subtask_id_list;
        expect(batchIds).toHaveLength(batches);
        const grandchildren = (await Promise.all(batchIds.map(childTypes))).flat();
        expect(grandchildren).toEqual(Array(nodes.length).fill(action === 'prepare_nodes' ? 'prepareNode' : 'deployNode'));
        for (const n of nodes) expect(task.nodes[n]).toMatchObject({ result: 'success', workflowId: expect.stringContaining(`-${n}-`) });
      }
    });
    expect(Object.values(countsOf(site.sim, 'deploy'))).toEqual(Array(site.sim.nodes.length).fill(1));
  });

  test('terminated: nodes not yet started are reported so, the batches end', async () => {
    const r = await env.run(async () => {
      const { taskId } = await env.client.createTask('destroy_nodes', { designRef: own.ref });
      for (const end = Date.now() + 30_000; Date.now() < end; await sleep(100)) {
        const t = await env.client.getTask(taskId);
        if (Object.values(t.nodes).some((n) => n.step !== 'queued' && n.step !== 'starting')) break;
      }
      await env.client.terminateTask(taskId);
      return env.client.waitTask(taskId, undefined, 200);
    });
    expect(r.status).toBe('terminated');
    const notStarted = Object.entries(r.nodes).filter(([, n]) => n.message === 'Not started: action terminated.');
    expect(notStarted.length).toBeGreaterThan(0);
    expect(Object.values(r.nodes).every((n) => n.result !== 'incomplete')).toBe(true);
  });
});
