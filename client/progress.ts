/**
 * Live progress of a Drydock task for people at a terminal (`drydock task wait`, `create --wait`).
 *
 * On a TTY: a progress bar (nodes done / nodes in scope), per-node state counts, elapsed time, and
 * a second line with the step each in-flight node is on; failed nodes are printed above the bar as
 * they happen. Otherwise (a pipe, a CI log): one timestamped plain line whenever something changed.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import pc from 'picocolors';
import type { NodeProgress, ResultStatus, Task } from '../workflows/task';

/** Where a node stands, for display: a finished node shows its result. */
export type NodeState = 'pending' | 'running' | Exclude<ResultStatus, 'incomplete'>;

/** Order of the counts in every line. */
export const STATE_ORDER: readonly NodeState[] = ['running', 'pending', 'success', 'partial_success', 'failure'];

/** Steps that mean "not started yet" (workflows may park a node there before its child starts). */
const PENDING_STEPS = new Set(['', 'pending', 'queued', 'waiting', 'requested']);

export function nodeState(p: NodeProgress): NodeState {
  if (p.result !== 'incomplete') return p.result;
  return PENDING_STEPS.has(p.step) ? 'pending' : 'running';
}

export interface NodeCounts {
  total: number;
  /** Nodes with a final result. */
  done: number;
  byState: Record<NodeState, number>;
  /** In-flight nodes grouped by their current step, steps in first-seen order, names sorted. */
  steps: { step: string; nodes: string[] }[];
}

export function countNodes(task: Task): NodeCounts {
  const byState: Record<NodeState, number> = { running: 0, pending: 0, success: 0, partial_success: 0, failure: 0 };
  const steps = new Map<string, string[]>();
  const nodes = Object.entries(task.nodes ?? {});
  for (const [name, p] of nodes) {
    const s = nodeState(p);
    byState[s] += 1;
    if (s === 'running') steps.set(p.step, [...(steps.get(p.step) ?? []), name]);
  }
  const done = byState.success + byState.partial_success + byState.failure;
  return {
    total: nodes.length,
    done,
    byState,
    steps: [...steps].map(([step, names]) => ({ step, nodes: names.sort() })),
  };
}

type Colors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold'>;
const plainColors: Colors = pc.createColors(false);

const STATE_COLOR: Record<NodeState, keyof Colors> = {
  running: 'cyan',
  pending: 'dim',
  success: 'green',
  partial_success: 'yellow',
  failure: 'red',
};

/** `running 4 · success 5 · failure 1`: states with no node are left out. */
export function formatCounts(c: NodeCounts, colors: Colors = plainColors): string {
  return STATE_ORDER.filter((s) => c.byState[s] > 0)
    .map((s) => colors[STATE_COLOR[s]](`${s} ${c.byState[s]}`))
    .join(' · ');
}

/** `deploy: n01 n02 · commission: n07`, cut to `width` characters with a count of what was left out. */
export function formatSteps(c: NodeCounts, width = Infinity): string {
  const full = c.steps.map((s) => `${s.step}: ${s.nodes.join(' ')}`).join(' · ');
  if (full.length <= width) return full;
  const inFlight = c.byState.running;
  const suffix = ` … (${inFlight} in flight)`;
  return full.slice(0, Math.max(0, width - suffix.length)).trimEnd() + suffix;
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function elapsedMs(task: Task, now: number): number {
  const start = Date.parse(task.created);
  if (Number.isNaN(start)) return 0;
  const end = task.status === 'complete' || task.status === 'terminated' ? Date.parse(task.terminated ?? task.updated) : now;
  return (Number.isNaN(end) ? now : end) - start;
}

/**
 * The task's state in words: `running`, or `complete: partial_success`. The result of a task still
 * running is provisional (the first node to succeed makes it `success`): it is not shown.
 */
function taskState(task: Task): string {
  const ended = task.status === 'complete' || task.status === 'terminated';
  return !ended || task.result.status === 'incomplete' ? task.status : `${task.status}: ${task.result.status}`;
}

export interface ProgressReporter {
  update(task: Task): void;
  /** The task ended: the bar gives way to a summary line. */
  done(task: Task): void;
  /** Stops following without a summary (Ctrl-C): the bar is cleared and the cursor restored. */
  stop(): void;
}

export interface ProgressReporterOptions {
  stream: NodeJS.WriteStream;
  /** Defaults to `stream.isTTY`. */
  isTTY?: boolean;
  /** Clock, for tests. */
  now?: () => number;
  /** Colours on a TTY; default on unless NO_COLOR is set. */
  color?: boolean;
}

export function createProgressReporter(opts: ProgressReporterOptions): ProgressReporter {
  const isTTY = opts.isTTY ?? opts.stream.isTTY === true;
  const now = opts.now ?? Date.now;
  return isTTY ? ttyReporter(opts.stream, now, opts.color ?? !('NO_COLOR' in process.env)) : lineReporter(opts.stream, now);
}

/** Plain lines: `<ISO time> <action> <state> <done>/<total> nodes · <counts> · <steps> (+elapsed)`, only on change. */
function lineReporter(stream: NodeJS.WritableStream, now: () => number): ProgressReporter {
  let last = '';
  const line = (task: Task) => {
    const c = countNodes(task);
    const parts = [`${task.action} ${taskState(task)}`];
    if (c.total > 0) parts.push(`${c.done}/${c.total} nodes`);
    const counts = formatCounts(c);
    if (counts) parts.push(counts);
    const steps = formatSteps(c, 200);
    if (steps) parts.push(steps);
    return parts.join(' · ');
  };
  const reported = new Set<string>();
  const write = (task: Task) => {
    const ts = new Date(now()).toISOString();
    const text = line(task);
    if (text !== last) {
      last = text;
      stream.write(`${ts} ${text} (+${formatElapsed(elapsedMs(task, now()))})\n`);
    }
    // Each node that fails gets a line of its own, once, with its message.
    for (const [name, p] of Object.entries(task.nodes ?? {})) {
      const s = nodeState(p);
      if ((s === 'failure' || s === 'partial_success') && !reported.has(name)) {
        reported.add(name);
        stream.write(`${ts} node ${name} ${s} ${whereStopped(p)}\n`);
      }
    }
  };
  return { update: write, done: write, stop: () => {} };
}

function ttyReporter(stream: NodeJS.WriteStream, now: () => number, color: boolean): ProgressReporter {
  const colors: Colors = pc.createColors(color);
  let task: Task | undefined;
  let multi: MultiBar | undefined;
  let bar: SingleBar | undefined;
  let stepsLine: SingleBar | undefined;
  const reported = new Set<string>();
  const width = () => Math.max(40, (stream.columns || 100) - 1);

  const start = (t: Task) => {
    multi = new MultiBar({
      stream,
      hideCursor: true,
      clearOnComplete: true,
      linewrap: false,
      fps: 4,
      // Only when forced onto a stream that is no terminal (tests); a real TTY redraws in place.
      noTTYOutput: !stream.isTTY,
      barsize: 24,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      format: () => barLine(),
    });
    const c = countNodes(t);
    bar = multi.create(Math.max(c.total, 1), c.done, {}, { format: () => barLine() });
    stepsLine = multi.create(1, 0, {}, { format: () => stepsText() });
  };

  const barLine = (): string => (task ? barText(task, colors, now()) : '');

  const stepsText = (): string => {
    if (!task) return '';
    const s = formatSteps(countNodes(task), width() - 2);
    return s ? colors.dim(`  ${s}`) : '';
  };

  const logFinished = (t: Task) => {
    for (const line of newFailureLines(t, reported, colors)) {
      if (multi) multi.log(line + '\n');
      else stream.write(line + '\n');
    }
  };

  return {
    update(t) {
      task = t;
      if (!multi) start(t);
      const c = countNodes(t);
      bar!.setTotal(Math.max(c.total, 1));
      bar!.update(c.done);
      stepsLine!.update(0);
      logFinished(t);
    },
    stop() {
      multi?.stop();
      multi = undefined;
    },
    done(t) {
      task = t;
      logFinished(t);
      // Lines logged since the last redraw wait in the bar's buffer: draw once more so they are printed.
      multi?.update();
      multi?.stop();
      multi = undefined;
      stream.write(`${finalLine(t, colors, now())}\n`);
    },
  };
}

/** The live bar: action, state, bar, node counts, elapsed time. */
function barText(task: Task, colors: Colors, nowMs: number): string {
  const c = countNodes(task);
  const size = 24;
  const filled = c.total ? Math.round((c.done / c.total) * size) : task.status === 'complete' ? size : 0;
  const head = `${colors.bold(task.action)} ${taskState(task)}`;
  const progress = c.total ? ` ${colors.green('█'.repeat(filled))}${colors.dim('░'.repeat(size - filled))} ${c.done}/${c.total} nodes` : '';
  const counts = formatCounts(c, colors);
  return `${head}${progress}${counts ? `  ${counts}` : ''}  ${colors.dim(formatElapsed(elapsedMs(task, nowMs)))}`;
}

/** The line left on the terminal when the task ends: a mark for its result, node counts, elapsed time. */
function finalLine(t: Task, colors: Colors, nowMs: number): string {
  const c = countNodes(t);
  const mark = t.result.status === 'success' ? colors.green('✔') : t.result.status === 'partial_success' ? colors.yellow('!') : colors.red('✖');
  const nodes = c.total ? ` ${c.done}/${c.total} nodes` : '';
  const counts = formatCounts(c, colors);
  return `${mark} ${colors.bold(t.action)} ${taskState(t)}${nodes}${counts ? `  ${counts}` : ''}  ${colors.dim(formatElapsed(elapsedMs(t, nowMs)))}`;
}

/** A line for each node that failed since the last call (`reported` remembers them). */
function newFailureLines(t: Task, reported: Set<string>, colors: Colors): string[] {
  const lines: string[] = [];
  for (const [name, p] of Object.entries(t.nodes ?? {})) {
    const s = nodeState(p);
    if ((s === 'failure' || s === 'partial_success') && !reported.has(name)) {
      reported.add(name);
      lines.push(`${s === 'failure' ? colors.red('✖') : colors.yellow('!')} ${name} ${s} ${whereStopped(p)}`);
    }
  }
  return lines;
}

/** "at <step>: <message>", the message's own "<step>: " prefix dropped so the step is not said twice. */
export function whereStopped(p: { step: string; message?: string | null }): string {
  if (!p.message) return `at ${p.step}`;
  const message = p.message.startsWith(`${p.step}: `) ? p.message.slice(p.step.length + 2) : p.message;
  return `at ${p.step}: ${message}`;
}
