/**
 * TaskRecorder against Drydock's task rules (objects/task.py): Result.success/failure, align_result as the
 * node actions apply it, retry_task, terminate_task, status messages and the to_dict shape.
 * Pure: no Temporal server; the clock is passed in, as workflow code passes its own.
 */
import { nodeFilterFromNames, TaskRecorder, taskSizeLimits, type ActionInput, type ResultStatus, type TaskSizeLimits } from '../../workflows/task';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
/** The recorders' clock: what `at` last set. */
let now = new Date(T0);
const clock = () => now;
/** The instant `s` seconds after T0, which becomes the clock's time. */
const at = (s: number) => (now = new Date(T0 + s * 1000));
const input = (over: Partial<ActionInput> = {}): ActionInput => ({ taskId: 'task-1', designRef: 'file:///site.yaml', nodeFilter: null, ...over });
const recorder = (over: Partial<ActionInput> = {}) => new TaskRecorder('deploy_nodes', input(over), 'deploy_nodes-task-1', (at(0), clock));

/** A recorder whose result status is `s`, reached through success()/failure() only. */
function withStatus(s: ResultStatus): TaskRecorder {
  const t = recorder();
  if (s === 'success' || s === 'partial_success') {
    at(1);
    t.success();
  }
  if (s === 'failure' || s === 'partial_success') {
    at(1);
    t.failure();
  }
  expect(t.result).toBe(s);
  return t;
}

describe("result status: Drydock's Result.success(focus) / failure(focus)", () => {
  test('a new task is requested with an incomplete result, no entities, no messages', () => {
    const t = recorder().snapshot();
    expect(t.status).toBe('requested');
    expect(t.result).toMatchObject({ status: 'incomplete', successes: [], failures: [], message: null, reason: null, details: { errorCount: 0, messageList: [] } });
  });

  // success: failure or partial_success → partial_success, else success. failure: success or partial_success → partial_success, else failure.
  test.each<[ResultStatus, 'success' | 'failure', ResultStatus]>([
    ['incomplete', 'success', 'success'],
    ['incomplete', 'failure', 'failure'],
    ['success', 'success', 'success'],
    ['success', 'failure', 'partial_success'],
    ['failure', 'failure', 'failure'],
    ['failure', 'success', 'partial_success'],
    ['partial_success', 'success', 'partial_success'],
    ['partial_success', 'failure', 'partial_success'],
  ])('%s, then %s() → %s', (from, call, to) => {
    const t = withStatus(from);
    at(2);
    t[call]('n01');
    expect(t.result).toBe(to);
  });

  test('the status change does not depend on whether a focus is given', () => {
    for (const from of ['incomplete', 'success', 'failure', 'partial_success'] as const) {
      for (const call of ['success', 'failure'] as const) {
        const withFocus = withStatus(from);
        const without = withStatus(from);
        at(2);
        withFocus[call]('n01');
        at(2);
        without[call]();
        expect(without.result).toBe(withFocus.result);
      }
    }
  });

  test('no focus: the status moves but no entity is recorded', () => {
    const t = recorder();
    at(1);
    t.success();
    at(2);
    t.failure();
    expect(t.result).toBe('partial_success');
    expect(t.successes).toEqual([]);
    expect(t.failures).toEqual([]);
  });

  test('successes and failures are de-duplicated and keep insertion order', () => {
    const t = recorder();
    for (const n of ['n03', 'n01', 'n03', 'n02', 'n01']) {
      at(1);
      t.success(n);
    }
    for (const n of ['n09', 'n07', 'n09']) {
      at(2);
      t.failure(n);
    }
    expect(t.successes).toEqual(['n03', 'n01', 'n02']);
    expect(t.failures).toEqual(['n09', 'n07']);
  });

  test('one entity may be in both lists: success does not remove an earlier failure', () => {
    const t = recorder();
    at(1);
    t.failure('n01');
    at(2);
    t.success('n01');
    expect(t.failures).toEqual(['n01']);
    expect(t.successes).toEqual(['n01']);
    expect(t.result).toBe('partial_success');
  });

  test("result message and reason, as Drydock's 'No NodeDriver enabled.' / 'Bad Configuration.'", () => {
    const t = recorder();
    t.setResultMessage('No NodeDriver enabled.', 'Bad Configuration.');
    expect(t.snapshot().result).toMatchObject({ message: 'No NodeDriver enabled.', reason: 'Bad Configuration.' });
    t.setResultMessage('No nodes in scope.');
    expect(t.snapshot().result).toMatchObject({ message: 'No nodes in scope.', reason: null });
  });
});

/**
 * align_result: a subtask whose result is success counts as success(), one whose result is failure as
 * failure(); a task without subtasks is success. A node action applies this per node child, in whatever
 * order the children finish, so the aggregate must not depend on that order.
 */
describe("aggregating subtask results as Drydock's align_result", () => {
  const aggregate = (outcomes: [string, 'success' | 'failure'][]) => {
    const t = recorder();
    if (outcomes.length === 0) {
      at(1);
      t.success();
    }
    outcomes.forEach(([node, r], i) => (at(1 + i), t[r](node)));
    return t;
  };

  test('no subtasks ("No nodes in scope"): success with no entities', () => {
    const t = aggregate([]);
    expect(t.result).toBe('success');
    expect(t.successes).toEqual([]);
  });

  test.each<{ label: string; outcomes: [string, 'success' | 'failure'][]; expected: ResultStatus }>([
    {
      label: 'every node succeeded',
      outcomes: [
        ['n01', 'success'],
        ['n02', 'success'],
        ['n03', 'success'],
      ],
      expected: 'success',
    },
    {
      label: 'every node failed',
      outcomes: [
        ['n01', 'failure'],
        ['n02', 'failure'],
        ['n03', 'failure'],
      ],
      expected: 'failure',
    },
    {
      label: 'some nodes failed',
      outcomes: [
        ['n01', 'success'],
        ['n02', 'failure'],
        ['n03', 'success'],
      ],
      expected: 'partial_success',
    },
    {
      label: 'one of ten failed',
      outcomes: [...Array.from({ length: 9 }, (_, i) => [`n0${i + 1}`, 'success'] as [string, 'success']), ['n10', 'failure']],
      expected: 'partial_success',
    },
  ])('$label → $expected, whatever order the nodes finish in', ({ outcomes, expected }) => {
    for (const order of [outcomes, [...outcomes].reverse(), [...outcomes.slice(1), outcomes[0]]]) {
      const t = aggregate(order);
      expect(t.result).toBe(expected);
      expect([...t.successes].sort()).toEqual(
        outcomes
          .filter(([, r]) => r === 'success')
          .map(([n]) => n)
          .sort(),
      );
      expect([...t.failures].sort()).toEqual(
        outcomes
          .filter(([, r]) => r === 'failure')
          .map(([n]) => n)
          .sort(),
      );
    }
  });
});

describe("retry: Drydock's retry_task", () => {
  const previous = { taskId: 'task-1', retry: 0, successes: ['n01', 'n02'] };

  test('each retry of the same task counts one more attempt', () => {
    expect(recorder().snapshot().retry).toBe(0);
    expect(recorder({ retryOf: previous }).snapshot().retry).toBe(1);
    expect(recorder({ retryOf: { ...previous, retry: 2 } }).snapshot().retry).toBe(3);
  });

  test("the previous attempt's failures are not carried: align_result counts only this attempt's", () => {
    const t = recorder({ retryOf: previous, nodeFilter: nodeFilterFromNames(['n03']) });
    expect(t.failures).toEqual([]);
  });

  test('with earlier successes the status is reset to success, the successes kept; a node failing again makes it partial_success', () => {
    const t = recorder({ retryOf: previous });
    // The node action replays the earlier successes on the new attempt's task.
    for (const n of previous.successes) {
      at(1);
      t.success(n);
    }
    expect(t.result).toBe('success');
    expect(t.successes).toEqual(['n01', 'n02']);
    at(2);
    t.failure('n03');
    expect(t.result).toBe('partial_success');
  });

  test('without earlier successes the status is reset to incomplete', () => {
    const t = recorder({ retryOf: { ...previous, successes: [] } });
    expect(t.result).toBe('incomplete');
    at(1);
    t.success('n03');
    expect(t.result).toBe('success');
  });

  // Drydock's retry_task adds "Retrying task for failed entities." to the task before it runs again; here
  // neither the recorder nor the node action adds it (the node action adds only the driver's message
  // "Retrying task <id> on previous failed entities.").
  test.failing("a retry's task carries retry_task's message 'Retrying task for failed entities.'", () => {
    const t = recorder({ retryOf: previous });
    expect(t.snapshot().result.details.messageList.map((m) => m.message)).toContain('Retrying task for failed entities.');
  });
});

describe("messages: Drydock's add_status_msg", () => {
  test('a message keeps text, error flag, context and the time it was added; only errors count', () => {
    const t = recorder();
    at(5);
    t.addMessage('No nodes in scope, no work to do.');
    at(6);
    t.addMessage('Error deploying node n03.', { error: true, ctxType: 'node', ctx: 'n03' });
    at(7);
    t.addMessage('Collected subtask x', { ctxType: 'task', ctx: 'task-1' });
    at(8);
    t.addMessage('BMC refused the password.', { error: true, ctxType: 'node', ctx: 'n07' });
    const { details } = t.snapshot().result;
    expect(details.errorCount).toBe(2);
    expect(details.messageList.map((m) => [m.message, m.error, m.context_type, m.context, m.ts])).toEqual([
      ['No nodes in scope, no work to do.', false, 'NA', 'NA', at(5).toISOString()],
      ['Error deploying node n03.', true, 'node', 'n03', at(6).toISOString()],
      ['Collected subtask x', false, 'task', 'task-1', at(7).toISOString()],
      ['BMC refused the password.', true, 'node', 'n07', at(8).toISOString()],
    ]);
  });

  test('messages do not change the result status', () => {
    const t = recorder();
    at(1);
    t.addMessage('boom', { error: true });
    expect(t.result).toBe('incomplete');
  });

  test('extra keyword fields travel with the message', () => {
    const t = recorder();
    at(1);
    t.addMessage('Boot action reported.', { ctxType: 'bootaction', ctx: 'a1', extra: { status: 'success' } });
    expect(t.snapshot().result.details.messageList[0].extra).toEqual({ status: 'success' });
  });

  // Drydock's TaskStatusMessage.to_dict always has the six keys {message, error, context_type, context, ts,
  // extra}, `extra` being {} without keyword fields; the recorder leaves `extra` out then.
  test.failing("every message has Drydock's six keys, extra {} when none was given", () => {
    const t = recorder();
    at(1);
    t.addMessage('Noop action.');
    expect(t.snapshot().result.details.messageList[0]).toEqual({ message: 'Noop action.', error: false, context_type: 'NA', context: 'NA', ts: at(1).toISOString(), extra: {} });
  });

  test('registering a subtask lists it and tells so in an info message on the parent task', () => {
    const t = recorder();
    at(3);
    t.registerSubtask('demo-deploy_node-n01-task-1', 'deploy_node');
    at(4);
    t.registerSubtask('demo-deploy_node-n02-task-1', 'deploy_node');
    const s = t.snapshot();
    expect(s.subtask_id_list).toEqual(['demo-deploy_node-n01-task-1', 'demo-deploy_node-n02-task-1']);
    expect(s.result.details.messageList[0]).toMatchObject({
      message: 'Started subtask demo-deploy_node-n01-task-1 for action deploy_node',
      error: false,
      context_type: 'task',
      context: 'task-1',
    });
    expect(s.result.details.errorCount).toBe(0);
  });
});

describe("status and termination: Drydock's set_status and terminate_task", () => {
  test('status changes and every recorded change move `updated`; `created` stays', () => {
    const t = recorder();
    at(1);
    t.setStatus('running');
    expect(t.status).toBe('running');
    expect(t.snapshot().updated).toBe(at(1).toISOString());
    at(4);
    t.failure('n02');
    expect(t.snapshot().updated).toBe(at(4).toISOString());
    at(6);
    t.addMessage('x');
    at(9);
    t.setNode('n01', { step: 'deploy', result: 'incomplete' });
    at(10);
    t.setStatus('complete');
    expect(t.snapshot()).toMatchObject({ status: 'complete', created: at(0).toISOString(), updated: at(10).toISOString() });
  });

  test('terminate sets the flag, the time and who; the status becomes terminated; the result is left to the action', () => {
    const t = recorder();
    at(1);
    t.setStatus('running');
    at(2);
    t.success('n01');
    at(3);
    t.markTerminated('operator');
    const s = t.snapshot();
    expect(s).toMatchObject({ terminate: true, terminated: at(3).toISOString(), terminated_by: 'operator', status: 'terminated', updated: at(3).toISOString() });
    expect(s.result.status).toBe('success');
  });

  test('before any terminate the fields are unset', () => {
    expect(recorder().snapshot()).toMatchObject({ terminate: false, terminated: null, terminated_by: null });
  });
});

describe("the snapshot: Drydock's Task.to_dict", () => {
  test("Drydock's keys (plus the workflow and per-node progress), and the result in the Status shape", () => {
    const t = new TaskRecorder(
      'prepare_nodes',
      input({ createdBy: 'shipyard', parentTaskId: 'parent-1', nodeFilter: nodeFilterFromNames(['n01']) }),
      'prepare_nodes-task-1',
      (at(0), clock),
    );
    at(1);
    t.setNode('n01', { step: 'commission', result: 'incomplete', workflowId: 'demo-prepare_node-n01-task-1' });
    const s = t.snapshot();
    expect(Object.keys(s).sort()).toEqual(
      [
        'kind',
        'apiVersion',
        'task_id',
        'action',
        'parent_task_id',
        'design_ref',
        'status',
        'result',
        'node_filter',
        'subtask_id_list',
        'created',
        'created_by',
        'updated',
        'terminated',
        'terminated_by',
        'terminate',
        'retry',
        'workflow_id',
        'nodes',
      ].sort(),
    );
    expect(s).toMatchObject({
      kind: 'Task',
      apiVersion: 'v1',
      task_id: 'task-1',
      action: 'prepare_nodes',
      parent_task_id: 'parent-1',
      design_ref: 'file:///site.yaml',
      node_filter: { filter_set_type: 'intersection', filter_set: [{ filter_type: 'union', node_names: ['n01'] }] },
      created_by: 'shipyard',
      workflow_id: 'prepare_nodes-task-1',
      nodes: { n01: { step: 'commission', result: 'incomplete', workflowId: 'demo-prepare_node-n01-task-1' } },
    });
    expect(Object.keys(s.result).sort()).toEqual(['kind', 'apiVersion', 'metadata', 'message', 'reason', 'status', 'successes', 'failures', 'links', 'details'].sort());
    expect(s.result).toMatchObject({ kind: 'Status', apiVersion: 'v1.0', metadata: {}, links: [] });
    expect(Object.keys(s.result.details).sort()).toEqual(['errorCount', 'messageList']);
  });

  test('a top-level task has no parent and no creator unless given', () => {
    expect(recorder().snapshot()).toMatchObject({ parent_task_id: null, created_by: null, node_filter: null });
  });

  test('a snapshot is a copy: changing it or the task afterwards does not reach the other', () => {
    const t = recorder();
    at(1);
    t.success('n01');
    const s = t.snapshot();
    s.result.successes.push('n99');
    s.nodes.n05 = { step: 'x', result: 'failure' };
    expect(t.successes).toEqual(['n01']);
    expect(t.snapshot().nodes).toEqual({});
    at(2);
    t.failure('n02');
    expect(s.result.failures).toEqual([]);
    expect(s.result.status).toBe('success');
  });

  test('it survives a JSON round trip unchanged, as a query result must', () => {
    const t = recorder();
    at(1);
    t.addMessage('m', { error: true, ctxType: 'node', ctx: 'n01', extra: { k: 1 } });
    at(1);
    t.failure('n01');
    const s = t.snapshot();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

test("nodeFilterFromNames is Drydock's create_nodefilter_from_nodelist, on a copy of the list", () => {
  const names = ['n01', 'n07'];
  const f = nodeFilterFromNames(names);
  expect(f).toEqual({ filter_set_type: 'intersection', filter_set: [{ filter_type: 'union', node_names: ['n01', 'n07'] }] });
  names.push('n09');
  expect(f.filter_set[0].node_names).toEqual(['n01', 'n07']);
});

describe("a task of many nodes stays within Temporal's payload limit", () => {
  /** Temporal's default blob size limit (limit.blobSize.error): a larger result fails the workflow task. */
  const TEMPORAL_BLOB_LIMIT = 2 * 1024 * 1024;
  const TASK = '6f1c2a34-8b7e-4d51-9a0f-2c3d4e5f6a7b';
  const name = (i: number) => `n${String(i).padStart(5, '0')}`;

  /**
   * A batched deploy_nodes as runNodeAction records it: batches registered, every node queued in its batch, then
   * each node's outcome (its workflow, last message, the messages the parent keeps) and its success or failure.
   */
  function deploy(nodes: number, outcome: (i: number) => 'success' | 'failure', limits?: Partial<TaskSizeLimits>) {
    let asked = 0;
    const t = new TaskRecorder('deploy_nodes', { ...input(), taskId: TASK }, `deploy_nodes-${TASK}`, (at(0), clock));
    // As beginAction does with the default task_result_limit_bytes.
    t.limitSize({ ...taskSizeLimits(TEMPORAL_BLOB_LIMIT, () => (asked++, true)), ...limits });
    const batches = Math.ceil(nodes / 100);
    for (let b = 0; b < batches; b++) {
      const batch = `site-a-deploy_node-batch${b}-${TASK}`;
      t.registerSubtask(batch, 'deploy_node_batch');
      for (let i = b * 100; i < Math.min(nodes, (b + 1) * 100); i++) t.setNode(name(i), { step: 'queued', result: 'incomplete', workflowId: batch });
    }
    for (let i = 0; i < nodes; i++) {
      const n = name(i);
      const workflowId = `site-a-deploy_node-${n}-${TASK}`;
      if (outcome(i) === 'success') {
        t.setNode(n, { step: 'done', result: 'success', workflowId, message: 'Boot action site-a-report completed with status success' });
        t.addMessage('Boot action site-a-report completed with status success', { ctxType: 'node', ctx: n });
        t.success(n);
      } else {
        const why = `deploy_node: MaaS could not deploy ${n}: machine status Failed deployment (curtin: storage layout failed on /dev/sda: partition 2 exceeds the disk)`;
        t.setNode(n, { step: 'deploy_node', result: 'failure', workflowId, message: why });
        t.addMessage(`Node ${n} was not deployed after 3 attempts`, { error: true, ctxType: 'node', ctx: n });
        t.addMessage(why, { error: true, ctxType: 'node', ctx: n });
        t.failure(n);
      }
    }
    return { t, asked: () => asked, bytes: () => Buffer.byteLength(JSON.stringify(t.snapshot())) };
  }

  test('10,000 nodes that all deploy: every node and result kept, node messages left out and counted', () => {
    const { t, asked, bytes } = deploy(10_000, () => 'success');
    const s = t.snapshot();
    expect(bytes()).toBeLessThan(TEMPORAL_BLOB_LIMIT / 2);
    expect([s.result.status, s.result.successes.length, Object.keys(s.nodes).length]).toEqual(['success', 10_000, 10_000]);
    // 10,000 queued nodes, each naming its batch, pass the limit before the first node ends.
    expect(Object.values(s.nodes).every((n) => n.step === 'done' && n.result === 'success' && Object.keys(n).length === 2)).toBe(true);
    const kept = s.result.details.messageList.filter((m) => m.context_type === 'node').length;
    expect(s.result.details.messageList.at(-1)!.message).toBe(
      `${10_000 - kept} node messages (0 of them errors) are not in this task, to keep it within Temporal's payload limit; ` +
        `each node's own workflow has them (<site>-<node action>-<node>-<task id>, e.g. in the Web UI).`,
    );
    expect(asked()).toBe(1);
  });

  test('10,000 nodes that all fail: errors kept up to the limit, every failure and error counted', () => {
    const { t, bytes } = deploy(10_000, () => 'failure');
    const s = t.snapshot();
    expect(bytes()).toBeLessThan(TEMPORAL_BLOB_LIMIT * 0.75);
    expect([s.result.status, s.result.failures.length, s.result.details.errorCount]).toEqual(['failure', 10_000, 20_000]);
    const errors = s.result.details.messageList.filter((m) => m.error).length;
    expect(errors).toBeGreaterThan(1_000);
    expect(s.result.details.messageList.at(-1)!.message).toMatch(new RegExp(`^${20_000 - errors} node messages \\(${20_000 - errors} of them errors\\)`));
    expect(s.nodes[name(9_999)]).toEqual({ step: 'deploy_node', result: 'failure' });
  });

  test('a node still in flight keeps its workflow id, so clients follow it there', () => {
    const { t } = deploy(10_000, () => 'success');
    t.setNode(name(5), { step: 'deploy_node', result: 'incomplete', workflowId: 'w-5', message: 'deploying' });
    expect(t.snapshot().nodes[name(5)]).toEqual({ step: 'deploy_node', result: 'incomplete', workflowId: 'w-5', message: 'deploying' });
  });

  test('1,000 nodes, mixed: below the limit the task is exactly what it was without one', () => {
    const outcome = (i: number) => (i % 7 === 0 ? 'failure' : 'success');
    const { t, asked } = deploy(1_000, outcome);
    const { t: unbounded } = deploy(1_000, outcome, { compactAboveBytes: Infinity, dropAboveBytes: Infinity });
    expect(t.snapshot()).toEqual(unbounded.snapshot());
    expect(asked()).toBe(0);
  });

  test('a workflow replaying a history from before the limit (patched() false) records everything, as it did', () => {
    let asked = 0;
    const { t } = deploy(3_000, () => 'success', { mayCompact: () => (asked++, false) });
    const s = t.snapshot();
    expect(s.result.details.messageList.filter((m) => m.context_type === 'node').length).toBe(3_000);
    expect(s.nodes[name(2_999)]).toMatchObject({ workflowId: expect.any(String), message: expect.any(String) });
    // Asked once: patched() gives one answer for the whole run.
    expect(asked).toBe(1);
  });
});
