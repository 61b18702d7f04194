import { DrydockNodes } from '../../common/searchAttributes';
import type { NodeFilterSet, Task } from '../../workflows/task';
import { describeDrydock, sampleRef } from '../design/drydockData';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import { cliEnvFor, drydockStdout } from '../harness/cli';
const FULLSITE = sampleRef('deckhand_fullsite.yaml');

const intersection = (f: Record<string, unknown>): NodeFilterSet => ({ filter_set_type: 'intersection', filter_set: [{ filter_type: 'intersection', ...f }] }) as NodeFilterSet;

/**
 * Drydock's node filter cases (validation-cases.md rows 106-111) through a real action: the task's target
 * nodes (its per-node results and the DrydockNodes search attribute) are exactly Drydock's node set.
 */
describeDrydock("node filters select Drydock's node set in an action", () => {
  let env: TestWorkerEnv;
  beforeAll(async () => {
    env = await startTestWorker('filter', { settings: fastSettings({ noop_wait: 0 }) });
  });
  afterAll(() => env?.close());

  async function targets(designRef: string, nodeFilter: NodeFilterSet | null): Promise<{ task: Task; searchAttr: string[] }> {
    return env.run(async () => {
      const { taskId, workflowId } = await env.client.createTask('noop', { designRef, nodeFilter });
      const task = await env.client.waitTask(taskId, undefined, 100);
      const d = await env.client.client.workflow.getHandle(workflowId).describe();
      return { task, searchAttr: d.typedSearchAttributes.get(DrydockNodes) ?? [] };
    });
  }

  test.each([
    ['106/107 by node name', intersection({ node_names: ['compute01'] }), ['compute01']],
    ["108 by rack name, matched on the node's rack", intersection({ rack_names: ['rack2', 'rack3'] }), ['compute01', 'compute02']],
    ['109 by a tag inherited from the host profile', intersection({ node_tags: ['test'] }), ['compute01', 'compute02', 'controller01']],
    ['110 by a label (owner_data)', intersection({ node_labels: { foo: 'baz' } }), ['compute02']],
  ])('%s', async (_name, filter, expected) => {
    const { task, searchAttr } = await targets(FULLSITE, filter);
    expect(task.result.status).toBe('success');
    expect([...task.result.successes].sort()).toEqual(expected);
    expect([...searchAttr].sort()).toEqual(expected);
  });

  test('no filter: every node of the site', async () => {
    const { task } = await targets(FULLSITE, null);
    expect([...task.result.successes].sort()).toEqual(['compute01', 'compute02', 'controller01']);
  });

  test('111 a design without nodes: no targets, nothing to do', async () => {
    const { task, searchAttr } = await targets(sampleRef('deckhand_fullsite_no_nodes.yaml'), null);
    expect(task.result.successes).toEqual([]);
    expect(searchAttr).toEqual([]);
  });

  test('the CLI builds the same filter from -r', async () => {
    const stdout = await env.run(() => drydockStdout(['task', 'create', 'noop', '--design-ref', FULLSITE, '-r', 'rack2,rack3', '--wait', '--output', 'json'], cliEnvFor(env)));
    const task = JSON.parse(stdout) as Task;
    expect([...task.result.successes].sort()).toEqual(['compute01', 'compute02']);
  });
});
