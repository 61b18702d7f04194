import { PassThrough } from 'node:stream';
import { countNodes, createProgressReporter, formatCounts, formatElapsed, formatSteps, nodeState, whereStopped } from '../../client/progress';
import type { NodeProgress, ResultStatus, Task, TaskStatus } from '../../workflows/task';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');

function task(nodes: Record<string, NodeProgress>, status: TaskStatus = 'running', result: ResultStatus = 'incomplete', action = 'deploy_nodes'): Task {
  return {
    kind: 'Task',
    apiVersion: 'v1',
    task_id: 't1',
    action,
    parent_task_id: null,
    design_ref: 'file:///site.yaml',
    status,
    result: {
      kind: 'Status',
      apiVersion: 'v1.0',
      metadata: {},
      message: null,
      reason: null,
      status: result,
      successes: [],
      failures: [],
      links: [],
      details: { errorCount: 0, messageList: [] },
    },
    node_filter: null,
    subtask_id_list: [],
    created: new Date(T0).toISOString(),
    created_by: null,
    updated: new Date(T0).toISOString(),
    terminated: null,
    terminated_by: null,
    terminate: false,
    retry: 0,
    workflow_id: `${action}-t1`,
    nodes,
  };
}

const run = (step: string): NodeProgress => ({ step, result: 'incomplete' });
const ok: NodeProgress = { step: 'done', result: 'success' };
const bad = (message?: string): NodeProgress => ({ step: 'deploy', result: 'failure', message });

function capture() {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  (stream as unknown as PassThrough).on('data', (d: Buffer) => (out += d.toString()));
  return { stream, text: () => out };
}

describe('counts', () => {
  test('node states, done/total and in-flight steps', () => {
    const t = task({
      n05: run('deploy'),
      n01: run('deploy'),
      n02: run('commission'),
      n03: ok,
      n04: ok,
      n06: bad(),
      n07: { step: 'queued', result: 'incomplete' },
      n08: { step: 'deploy', result: 'partial_success' },
    });
    const c = countNodes(t);
    expect(c).toEqual({
      total: 8,
      done: 4,
      byState: { running: 3, pending: 1, success: 2, partial_success: 1, failure: 1 },
      steps: [
        { step: 'deploy', nodes: ['n01', 'n05'] },
        { step: 'commission', nodes: ['n02'] },
      ],
    });
    expect(formatCounts(c)).toBe('running 3 · pending 1 · success 2 · partial_success 1 · failure 1');
    expect(formatSteps(c)).toBe('deploy: n01 n05 · commission: n02');
    expect(formatSteps(c, 28)).toBe('deploy: n01 … (3 in flight)');
  });

  test('no nodes (validate_design): zero counts and nothing in flight', () => {
    const c = countNodes(task({}, 'running', 'incomplete', 'validate_design'));
    expect(c.total).toBe(0);
    expect(formatCounts(c)).toBe('');
    expect(formatSteps(c)).toBe('');
  });

  test('nodeState and elapsed formatting', () => {
    expect(nodeState({ step: 'pending', result: 'incomplete' })).toBe('pending');
    expect(nodeState({ step: 'power_on', result: 'incomplete' })).toBe('running');
    expect(nodeState({ step: 'deploy', result: 'failure' })).toBe('failure');
    expect([formatElapsed(0), formatElapsed(59_999), formatElapsed(61_000), formatElapsed(3_725_000)]).toEqual(['0s', '59s', '1m01s', '1h02m05s']);
  });
});

describe('non-TTY output', () => {
  test('timestamped plain lines, only when something changed, and a final line', () => {
    const { stream, text } = capture();
    let clock = T0;
    const r = createProgressReporter({ stream, isTTY: false, now: () => clock });
    clock += 2_000;
    r.update(task({ n01: run('commission'), n02: run('commission'), n03: { step: 'queued', result: 'incomplete' } }));
    clock += 1_000;
    // Same state again (e.g. another poll): no line.
    r.update(task({ n01: run('commission'), n02: run('commission'), n03: { step: 'queued', result: 'incomplete' } }));
    clock += 60_000;
    r.update(task({ n01: run('deploy'), n02: ok, n03: run('commission') }));
    clock += 30_000;
    const final = task({ n01: bad('BMC unreachable'), n02: ok, n03: ok }, 'complete', 'partial_success');
    final.terminated = new Date(clock).toISOString();
    r.done(final);
    expect(text().split('\n')).toEqual([
      '2026-01-01T10:00:02.000Z deploy_nodes running · 0/3 nodes · running 2 · pending 1 · commission: n01 n02 (+2s)',
      '2026-01-01T10:01:03.000Z deploy_nodes running · 1/3 nodes · running 2 · success 1 · deploy: n01 · commission: n03 (+1m03s)',
      '2026-01-01T10:01:33.000Z deploy_nodes complete: partial_success · 3/3 nodes · success 2 · failure 1 (+1m33s)',
      '2026-01-01T10:01:33.000Z node n01 failure at deploy: BMC unreachable',
      '',
    ]);
    expect(text()).not.toMatch(/\x1b\[/); // no escape codes in a log
  });

  test('a node failure names its step once, even when the message starts with it', () => {
    expect(whereStopped({ step: 'identify_node', message: 'identify_node: create domain at http://maas/MAAS: 400' })).toBe(
      'at identify_node: create domain at http://maas/MAAS: 400',
    );
    expect(whereStopped({ step: 'deploy_node', message: 'Action terminated during step deploy_node.' })).toBe('at deploy_node: Action terminated during step deploy_node.');
    expect(whereStopped({ step: 'queued' })).toBe('at queued');
  });

  test('a task without nodes prints its status only', () => {
    const { stream, text } = capture();
    const r = createProgressReporter({ stream, isTTY: false, now: () => T0 + 5_000 });
    r.update(task({}, 'running', 'incomplete', 'validate_design'));
    r.done(task({}, 'complete', 'success', 'validate_design'));
    expect(text()).toBe('2026-01-01T10:00:05.000Z validate_design running (+5s)\n2026-01-01T10:00:05.000Z validate_design complete: success (+0s)\n');
  });

  test('isTTY defaults to the stream: a pipe gets plain lines', () => {
    const { stream, text } = capture();
    createProgressReporter({ stream, now: () => T0 }).update(task({ n01: ok }));
    expect(text()).toMatch(/^2026-01-01T10:00:00.000Z deploy_nodes running · 1\/1 nodes · success 1/);
  });
});

describe('TTY output', () => {
  function tty(columns = 120) {
    const c = capture();
    Object.assign(c.stream, { isTTY: true, columns });
    return c;
  }
  const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

  // The bar redraws on its own timer (4 per second).
  const frame = () => new Promise((r) => setTimeout(r, 300));

  test('a bar with counts and elapsed time, failed nodes printed above it, a summary line at the end', async () => {
    const { stream, text } = tty();
    let clock = T0 + 3_000;
    const r = createProgressReporter({ stream, color: false, now: () => clock });
    r.update(task({ n01: run('deploy_node'), n02: run('deploy_node'), n03: { step: 'queued', result: 'incomplete' } }));
    await frame();
    // The provisional result of a running task (success as soon as one node succeeded) is not shown.
    clock += 5_000;
    r.update(task({ n01: ok, n02: bad('MaaS status Failed deployment'), n03: run('deploy_node') }, 'running', 'success'));
    await frame();
    expect(plain(text())).toContain('deploy_nodes running ████████████████░░░░░░░░ 2/3 nodes  running 1 · success 1 · failure 1  8s');
    clock += 5_000;
    const final = task({ n01: ok, n02: bad('MaaS status Failed deployment'), n03: ok }, 'complete', 'partial_success');
    final.terminated = new Date(clock).toISOString();
    r.done(final);
    const out = plain(text());
    expect(text()).toMatch(/\x1b\[/); // drawn in place with escape codes
    expect(out).toContain('deploy_nodes running ░░░░░░░░░░░░░░░░░░░░░░░░ 0/3 nodes  running 2 · pending 1  3s');
    expect(out).toContain('  deploy_node: n01 n02');
    expect(out).not.toContain('running: success');
    expect(out).toContain('✖ n02 failure at deploy: MaaS status Failed deployment\n');
    expect(out.endsWith('! deploy_nodes complete: partial_success 3/3 nodes  success 2 · failure 1  13s\n')).toBe(true);
    expect(out.match(/✖ n02/g)).toHaveLength(1);
    // The cursor is shown again.
    expect(text()).toContain('\x1b[?25h');
  });

  test('stop() clears the bar and restores the cursor without a summary', () => {
    const { stream, text } = tty();
    const r = createProgressReporter({ stream, color: false, now: () => T0 });
    r.update(task({ n01: run('deploy_node') }));
    r.stop();
    expect(text()).toContain('\x1b[?25h');
    expect(plain(text())).not.toMatch(/[✔✖!] deploy_nodes/);
  });
});
