/**
 * Deploy benchmark: how long prepare_nodes + deploy_nodes take on an N-node site with zero-latency peers,
 * next to a bare Temporal program of the same shape on the same server, and what that costs the worker
 * (memory) and the server (history sizes).
 *
 *   npm run bench:deploy -- [--nodes N] [--parallel K] [--poll-interval S] [--max-minutes M]
 *                           [--server-config KEY=VALUE]... [--json] [--keep]
 *
 * - The site: examples/site/demo-site.yaml with N Redfish nodes (bench/deploy-design.ts), simulated in its
 *   own process (bench/deploy-site.ts): MaaS steps take no time, BMC power changes at once, nodes enlist
 *   when their BMC PXE boots them and boot once MaaS has deployed them (on the event), running their
 *   cloud-config in a sandbox, whose boot action scripts report; the boot action API runs there too.
 * - The embedded dev server (startDevServer, in memory, headless); the worker in another process
 *   (bench/deploy-worker.ts), running the compiled code (dist/, built first if not current), whose VmRSS is
 *   sampled from /proc every 200 ms while the actions run.
 * - prepare_site, then prepare_nodes and deploy_nodes through DrydockClient: project_s is the wall time of
 *   those two, from the start request to the workflow's result.
 * - Then the baseline (bench/baseline/): per action a parent with one child per node, as many children at once
 *   as DRYDOCK_MAX_PARALLEL_NODES, child i running as many no-op activities as the real child of node i
 *   ran (ActivityTaskScheduled and local activity markers in its history), on its own worker process with SDK defaults.
 *
 * Settings: DRYDOCK_MAX_PARALLEL_NODES as configured (default 16; --parallel overrides), DRYDOCK_POLL_INTERVAL
 * as configured, else POLL_INTERVAL_DEFAULT_S (--poll-interval overrides); every other DRYDOCK_* as
 * configured. The payload codec is off (the default without DRYDOCK_CODEC_KEY). The server runs with the
 * dev server's defaults, which are Temporal's production limits, unless --server-config sets a dynamic config
 * value (e.g. frontend.searchAttributesSizeOfValueLimit=16384); the output lists those.
 *
 * Diagnosis: the JSON also gives the MaaS requests per route and, per action, where a node workflow's time
 * went (activities by type, signal wait, timers). BENCH_CPU_PROF=<dir> writes V8 CPU profiles of the worker
 * and the site process; BENCH_WORKER_OPTIONS='{"maxCachedWorkflows":50}' runs the worker with those options.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DrydockClient } from '../client/drydockClient';
import type { DriverConfig } from '../common/driverConfig';
import { orchestratorSettingsFromEnv, type OrchestratorSettings } from '../common/orchestratorConfig';
import { startDevServer, type DevServer } from '../worker/devServer';
import { WORKFLOWS_PATH } from '../worker/worker';
import type { Action, Task } from '../workflows/task';
import type { BaselineInput } from './baseline/workflows';
import { scaledDemoSite } from './deploy-design';
import type { SiteMessage, SiteProcessInput } from './deploy-site';
import type { WorkerProcessInput } from './deploy-worker';
import { mapBounded } from '../common/bounded';

// scripts/ is plain Node (no types): whether dist/ is current, as `npm start` asks it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildState, DIST } = require('../scripts/buildState') as { buildState: () => 'current' | 'missing' | 'stale'; DIST: string };

/**
 * Drydock polls every 10 s; with peers that answer at once that would be all the benchmark measures, so it
 * polls every second unless DRYDOCK_POLL_INTERVAL or --poll-interval says otherwise.
 */
const POLL_INTERVAL_DEFAULT_S = 1;
const NAMESPACE = 'default';
const TASK_QUEUE = 'drydock-bench';
const BASELINE_QUEUE = 'drydock-bench-baseline';
const EventType = temporal.api.enums.v1.EventType;

interface Args {
  nodes: number;
  parallel?: number;
  pollInterval?: number;
  maxMinutes?: number;
  serverConfig: Record<string, string>;
  json: boolean;
  keep: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const a: Args = { nodes: 1000, serverConfig: {}, json: false, keep: false };
  const num = (i: number, name: string, int: boolean): number => {
    const v = Number(argv[i + 1]);
    if (argv[i + 1] === undefined || !Number.isFinite(v) || v <= 0 || (int && !Number.isInteger(v))) {
      throw new UsageError(`${name} needs a positive ${int ? 'integer' : 'number'}`);
    }
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    if (o === '--json') a.json = true;
    else if (o === '--keep') a.keep = true;
    else if (o === '--nodes') a.nodes = num(i++, o, true);
    else if (o === '--parallel') a.parallel = num(i++, o, true);
    else if (o === '--poll-interval') a.pollInterval = num(i++, o, false);
    else if (o === '--max-minutes') a.maxMinutes = num(i++, o, false);
    else if (o === '--server-config') {
      const m = /^([\w.]+)=(.+)$/.exec(argv[++i] ?? '');
      if (!m) throw new UsageError('--server-config needs KEY=VALUE, e.g. frontend.searchAttributesSizeOfValueLimit=16384');
      a.serverConfig[m[1]!] = m[2]!;
    } else throw new UsageError(`unknown option ${o}`);
  }
  return a;
}

const say = (line: string) => process.stderr.write(`bench:deploy: ${line}\n`);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A child process of this benchmark, talking over IPC. */
class Peer {
  private readonly waiters: ((m: { type: string }) => boolean)[] = [];
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: { type: string }) => {
      const i = this.waiters.findIndex((w) => w(m));
      if (i >= 0) this.waiters.splice(i, 1);
    });
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static start(name: string, file: string, env: Record<string, string>, logFile: string): Peer {
    const log = fs.openSync(logFile, 'a');
    // BENCH_CPU_PROF=<dir>: the worker (main and workflow threads) and the site process write V8 CPU profiles there on exit.
    const prof = process.env.BENCH_CPU_PROF && (name === 'worker' || name === 'site process') ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    const child = fork(file, [], { execArgv: ['--require', 'tsx/cjs', ...prof], env: { ...process.env, ...env }, stdio: ['ignore', log, log, 'ipc'] });
    fs.closeSync(log);
    return new Peer(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next message of that type; an `error` message or an exit first rejects. */
  next<T extends { type: string }>(type: string, timeoutMs = 300_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${type} within ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`${this.name} exited (${signal ?? code}) before ${type}`));
      this.child.once('exit', onExit);
      this.waiters.push((m) => {
        if (m.type !== type && m.type !== 'error') return false;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        if (m.type === 'error') reject(new Error(`${this.name}: ${(m as unknown as { message: string }).message}`));
        else resolve(m as T);
        return true;
      });
    });
  }

  send(m: { type: string }): void {
    if (this.child.connected) this.child.send(m);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.send({ type: 'stop' });
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** VmRSS of a process every `everyMs` while running; its peak in MiB. */
function rssSampler(pid: number, everyMs = 200) {
  let peakKb = 0;
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // the process has exited
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      read();
      return round(peakKb / 1024);
    },
  };
}

/** Seconds of CPU (user + system) a process and its ended children (the simulated nodes' sandboxes) have used. */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime and cstime: fields 14 to 17 of proc_pid_stat(5), in clock ticks.
    return fields.slice(11, 15).reduce((s, f) => s + Number(f), 0) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLK_TCK = 100;

/** CPU seconds of each process over a phase. */
function cpuMeter(pids: Record<string, number>) {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return {
    stop: (): Record<string, number> => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, round(cpuSeconds(pid) - start[k]!)])),
  };
}

interface ChildStats {
  workflowId: string;
  events: number;
  activities: number;
  localActivities: number;
  timers: number;
  /** Timers that fired (the workflow waited them out), and their durations: sleeping, not working. */
  timersFired: number;
  timerFiredSeconds: number;
  signals: number;
  /** Where the node workflow's time went: start to close, in activities (scheduled to closed, per type), waiting for a signal (timer started to signaled). */
  seconds: number;
  activitySeconds: Record<string, number>;
  signalWaitSeconds: number;
}

interface ActionRun {
  action: Action;
  seconds: number;
  task: Task;
  workflowId: string;
  parentEvents: number;
  parentBytes: number;
  children: ChildStats[];
  /** Batch workflows between the task and its node workflows (a task over DRYDOCK_NODE_BATCH_SIZE nodes). */
  batches: ChildStats[];
}

const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;

/** The child workflows a parent started, in start order. */
function startedChildren(events: temporal.api.history.v1.IHistoryEvent[]): { id: string; type: string }[] {
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
    .map((e) => ({
      id: e.childWorkflowExecutionStartedEventAttributes!.workflowExecution!.workflowId!,
      type: e.childWorkflowExecutionStartedEventAttributes!.workflowType!.name!,
    }));
}

/** The node workflows of a task: its children, or (a task in batches) its batches' children. */
async function nodeChildren(client: Client, events: temporal.api.history.v1.IHistoryEvent[]): Promise<{ nodes: string[]; batches: string[] }> {
  const direct = startedChildren(events);
  const batches = direct.filter((c) => c.type === 'nodeBatch').map((c) => c.id);
  const nodes = direct.filter((c) => c.type !== 'nodeBatch').map((c) => c.id);
  for (const b of batches) {
    const { events: be = [] } = await client.workflow.getHandle(b).fetchHistory();
    nodes.push(...startedChildren(be ?? []).map((c) => c.id));
  }
  return { nodes, batches };
}

async function childStats(client: Client, workflowId: string): Promise<ChildStats> {
  const { events = [] } = await client.workflow.getHandle(workflowId).fetchHistory();
  const s: ChildStats = {
    workflowId,
    events: events!.length,
    activities: 0,
    localActivities: 0,
    timers: 0,
    timersFired: 0,
    timerFiredSeconds: 0,
    signals: 0,
    seconds: 0,
    activitySeconds: {},
    signalWaitSeconds: 0,
  };
  const timerSeconds = new Map<string, number>();
  const at = (e: temporal.api.history.v1.IHistoryEvent) => seconds(e.eventTime);
  const scheduled = new Map<string, { type: string; at: number }>();
  let waitingSince: number | undefined;
  if (events!.length) s.seconds = at(events![events!.length - 1]!) - at(events![0]!);
  for (const e of events!) {
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    const from = closed && scheduled.get(String(closed.scheduledEventId));
    if (from) s.activitySeconds[from.type] = (s.activitySeconds[from.type] ?? 0) + at(e) - from.at;
    if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) waitingSince ??= at(e);
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && waitingSince !== undefined) {
      s.signalWaitSeconds += at(e) - waitingSince;
      waitingSince = undefined;
    }
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      s.activities++;
      scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes!.activityType!.name!, at: at(e) });
    } else if (e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity') s.localActivities++;
    else if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) {
      s.timers++;
      timerSeconds.set(e.timerStartedEventAttributes!.timerId!, seconds(e.timerStartedEventAttributes!.startToFireTimeout));
    } else if (e.eventType === EventType.EVENT_TYPE_TIMER_FIRED) {
      s.timersFired++;
      s.timerFiredSeconds += timerSeconds.get(e.timerFiredEventAttributes!.timerId!) ?? 0;
    } else if (e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED) s.signals++;
  }
  return s;
}

/**
 * The worker runs its compiled code, as `npm start` and the image run it (tsx would add its transpiler and the
 * sources' maps to the memory measured): dist/ is built first when it is not current. BENCH_WORKER_TSX=1 runs
 * the TypeScript instead.
 */
function compiledWorkerRoot(): string | undefined {
  if (process.env.BENCH_WORKER_TSX === '1') return undefined;
  if (buildState() !== 'current') {
    say('building dist/ (npm run build) for the worker');
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('npm run build failed: the worker runs compiled code (BENCH_WORKER_TSX=1 runs it through tsx)');
  }
  return DIST;
}

/** Runs one action to its end (or the deadline, then terminates it); wall time from start request to result. */
async function runAction(dd: DrydockClient, action: Action, designRef: string, deadline: number, withHistory: boolean): Promise<ActionRun & { timedOut: boolean }> {
  const t0 = performance.now();
  const { taskId, workflowId } = await dd.createTask(action, { designRef, createdBy: 'bench:deploy' });
  const handle = dd.client.workflow.getHandle(workflowId);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const progress = setInterval(() => {
    void dd.getTask(taskId).then(
      (t) =>
        say(
          `${action}: ${round((performance.now() - t0) / 1000, 0)} s, ${Object.values(t.nodes ?? {}).filter((n) => n.result !== 'incomplete').length} of ${Object.keys(t.nodes ?? {}).length} nodes done`,
        ),
      () => undefined,
    );
  }, 30_000);
  try {
    await Promise.race([
      handle.result().catch(() => undefined),
      new Promise<void>((r) => {
        timer = setTimeout(
          () => {
            timedOut = true;
            r();
          },
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]);
  } finally {
    clearInterval(progress);
    clearTimeout(timer);
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (timedOut) {
    say(`${action}: still running after the time limit; terminating it`);
    await dd.terminateTask(taskId).catch(() => undefined);
    await handle.result().catch(() => undefined);
  }
  const task = await dd.getTask(taskId);
  const d = await handle.describe();
  let children: ChildStats[] = [];
  let batches: ChildStats[] = [];
  if (withHistory) {
    const { events = [] } = await handle.fetchHistory();
    const found = await nodeChildren(dd.client, events ?? []);
    children = await mapBounded(found.nodes, 8, (id) => childStats(dd.client, id));
    batches = await mapBounded(found.batches, 8, (id) => childStats(dd.client, id));
  }
  return { action, seconds: elapsed, task, workflowId, parentEvents: d.historyLength, parentBytes: d.historySize ?? NaN, children, batches, timedOut };
}

async function runBaseline(client: Client, phase: string, input: BaselineInput): Promise<{ seconds: number; parentEvents: number; maxChildEvents: number }> {
  const workflowId = `baseline-${phase}-${Date.now()}`;
  const t0 = performance.now();
  const handle = await client.workflow.start('baselineParent', { taskQueue: BASELINE_QUEUE, workflowId, args: [input] });
  const done = (await handle.result()) as number;
  const secs = (performance.now() - t0) / 1000;
  if (done !== input.activities.length) throw new Error(`baseline ${phase}: ${done} of ${input.activities.length} children completed`);
  const d = await handle.describe();
  const lengths = await mapBounded(
    input.activities.map((_, i) => `${workflowId}-${i}`),
    8,
    async (id) => (await client.workflow.getHandle(id).describe()).historyLength,
  );
  return { seconds: secs, parentEvents: d.historyLength, maxChildEvents: Math.max(0, ...lengths) };
}

const quietBundler = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => say(m) };

async function bundle(workflowsPath: string, file: string): Promise<string> {
  const b = await bundleWorkflowCode({ workflowsPath, logger: quietBundler });
  fs.writeFileSync(file, b.code);
  return file;
}

/** The mean of each key over the records (a missing key counts 0). */
function meanPerKey(rs: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r)) sum[k] = (sum[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, round(v / Math.max(1, rs.length), 3)]));
}

function summarise(xs: number[]): { min: number; max: number; mean: number } {
  if (!xs.length) return { min: 0, max: 0, mean: 0 };
  return { min: Math.min(...xs), max: Math.max(...xs), mean: round(xs.reduce((a, b) => a + b, 0) / xs.length, 2) };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const settings: OrchestratorSettings = orchestratorSettingsFromEnv({
    ...process.env,
    DRYDOCK_POLL_INTERVAL: args.pollInterval !== undefined ? String(args.pollInterval) : process.env.DRYDOCK_POLL_INTERVAL || String(POLL_INTERVAL_DEFAULT_S),
    ...(args.parallel !== undefined ? { DRYDOCK_MAX_PARALLEL_NODES: String(args.parallel) } : {}),
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-bench-deploy-'));
  say(`${args.nodes} nodes, max_parallel_nodes ${settings.max_parallel_nodes}, poll_interval ${settings.poll_interval} s; files and logs in ${dir}`);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  let ok = false;
  try {
    const site = scaledDemoSite(args.nodes);
    const designFile = path.join(dir, `site-${args.nodes}.yaml`);
    fs.writeFileSync(designFile, site.text);
    const designRef = `file://${designFile}`;

    const [projectBundle, baselineBundle] = await Promise.all([
      bundle(WORKFLOWS_PATH, path.join(dir, 'workflows-bundle.js')),
      bundle(require.resolve('./baseline/workflows'), path.join(dir, 'baseline-bundle.js')),
    ]);

    const server: DevServer = await startDevServer({ uiPort: null, logFile: path.join(dir, 'temporal.log'), dynamicConfig: args.serverConfig });
    stops.push(() => server.stop());
    say(`Temporal dev server at ${server.address} (in memory, pid ${server.pid})`);

    const siteInput: SiteProcessInput = { designRef, temporalAddress: server.address, namespace: NAMESPACE };
    const sim = Peer.start('site process', path.join(__dirname, 'deploy-site.ts'), { BENCH_SITE: JSON.stringify(siteInput) }, path.join(dir, 'site.log'));
    stops.push(() => sim.stop());
    const ready = await sim.next<Extract<SiteMessage, { type: 'ready' }>>('ready', 600_000);
    say(`simulated site up: ${ready.bmcs} Redfish BMCs, MaaS, boot action API in ${round(ready.startMs / 1000)} s (pid ${sim.pid})`);
    const drivers: DriverConfig = ready.drivers;

    const workerInput: WorkerProcessInput = {
      mode: 'project',
      address: server.address,
      namespace: NAMESPACE,
      taskQueue: TASK_QUEUE,
      bundlePath: projectBundle,
      drivers,
      settings,
      compiledRoot: compiledWorkerRoot(),
    };
    const worker = Peer.start('worker', path.join(__dirname, 'deploy-worker.ts'), { BENCH_WORKER: JSON.stringify(workerInput) }, path.join(dir, 'worker.log'));
    stops.push(() => worker.stop());
    await worker.next('ready');
    say(`worker polling (pid ${worker.pid})`);

    const dd = await DrydockClient.connect({ address: server.address, namespace: NAMESPACE, taskQueue: TASK_QUEUE, connectTimeout: 10 }, { dataConverter: {} });
    stops.push(() => dd.close());

    const noDeadline = Date.now() + 24 * 3600_000;
    const siteRun = await runAction(dd, 'prepare_site', designRef, noDeadline, false);
    say(`prepare_site: ${siteRun.task.result.status} in ${round(siteRun.seconds)} s`);
    if (siteRun.task.result.status !== 'success') {
      throw new Error(
        `prepare_site ended ${siteRun.task.result.status}: ${JSON.stringify(siteRun.task.result.details.messageList.slice(0, 3))}; see ${path.join(dir, 'worker.log')}`,
      );
    }

    // The measured part: prepare_nodes then deploy_nodes.
    const deadline = args.maxMinutes ? Date.now() + args.maxMinutes * 60_000 : noDeadline;
    const rss = rssSampler(worker.pid);
    const cpu = cpuMeter({ worker: worker.pid, server: server.pid, site: sim.pid });
    sim.send({ type: 'counters' });
    const maasBefore = await sim.next<Extract<SiteMessage, { type: 'counters' }>>('counters');
    const runs: (ActionRun & { timedOut: boolean; cpu: Record<string, number> })[] = [];
    for (const action of ['prepare_nodes', 'deploy_nodes'] as const) {
      const actionCpu = cpuMeter({ worker: worker.pid, server: server.pid, site: sim.pid });
      const r = { ...(await runAction(dd, action, designRef, deadline, true)), cpu: actionCpu.stop() };
      runs.push(r);
      say(`${action}: ${r.task.status}/${r.task.result.status} in ${round(r.seconds)} s (${r.task.result.successes.length} succeeded, ${r.task.result.failures.length} failed)`);
      if (r.timedOut || r.task.result.status !== 'success') break;
    }
    const workerPeak = rss.stop();
    const projectCpu = cpu.stop();
    sim.send({ type: 'counters' });
    const maasAfter = await sim.next<Extract<SiteMessage, { type: 'counters' }>>('counters');
    const maasRequests = maasAfter.maasRequests - maasBefore.maasRequests;
    // Per route, ids and names folded (machines/:id/, tags/:name/), busiest first.
    const maasByRoute: Record<string, number> = {};
    for (const [path, n] of Object.entries(maasAfter.byRoute)) {
      const route = path
        .replace(/^(\w+ (?:machines|nodes|rackcontrollers))\/[^/?]+\//, '$1/:id/')
        .replace(/^(\w+ tags)\/[^/?]+\//, '$1/:name/')
        .replace(/\/\d+(\/|$)/g, '/:n$1');
      maasByRoute[route] = (maasByRoute[route] ?? 0) + n - (maasBefore.byRoute[path] ?? 0);
    }
    await worker.stop();

    const [prep, deploy] = runs;
    const complete = runs.length === 2 && runs.every((r) => !r.timedOut && r.task.result.status === 'success' && r.task.result.successes.length === args.nodes);
    const projectSeconds = runs.reduce((s, r) => s + r.seconds, 0);
    const allChildren = runs.flatMap((r) => r.children);

    // The baseline: the same shape on the same server, from the real children's activity counts.
    let baseline: { seconds: number; workerPeak: number; cpu: Record<string, number>; parentEvents: number; maxChildEvents: number } | undefined;
    if (complete) {
      const bInput: WorkerProcessInput = { mode: 'baseline', address: server.address, namespace: NAMESPACE, taskQueue: BASELINE_QUEUE, bundlePath: baselineBundle };
      const bWorker = Peer.start('baseline worker', path.join(__dirname, 'deploy-worker.ts'), { BENCH_WORKER: JSON.stringify(bInput) }, path.join(dir, 'baseline-worker.log'));
      stops.push(() => bWorker.stop());
      await bWorker.next('ready');
      const bRss = rssSampler(bWorker.pid);
      const bCpu = cpuMeter({ worker: bWorker.pid, server: server.pid, site: sim.pid });
      let secs = 0;
      let parentEvents = 0;
      let maxChildEvents = 0;
      for (const r of runs) {
        // Every activity the real child ran, local ones too (the "same number of activities"), as plain ones.
        const b = await runBaseline(dd.client, r.action, { activities: r.children.map((c) => c.activities + c.localActivities), parallel: settings.max_parallel_nodes });
        say(`baseline for ${r.action}: ${round(b.seconds)} s`);
        secs += b.seconds;
        parentEvents = Math.max(parentEvents, b.parentEvents);
        maxChildEvents = Math.max(maxChildEvents, b.maxChildEvents);
      }
      baseline = { seconds: secs, workerPeak: bRss.stop(), cpu: bCpu.stop(), parentEvents, maxChildEvents };
      await bWorker.stop();
    }

    const perAction = (r: (ActionRun & { cpu: Record<string, number> }) | undefined) =>
      r && {
        seconds: round(r.seconds),
        cpu_s: r.cpu,
        result: r.task.result.status,
        succeeded: r.task.result.successes.length,
        parent_history_events: r.parentEvents,
        parent_history_bytes: r.parentBytes,
        child_history_events: summarise(r.children.map((c) => c.events)),
        batches: r.batches.length,
        batch_history_events: summarise(r.batches.map((c) => c.events)),
        activities_per_node: summarise(r.children.map((c) => c.activities)),
        local_activities_per_node: summarise(r.children.map((c) => c.localActivities)),
        timers_started_per_node: summarise(r.children.map((c) => c.timers)),
        timers_fired_per_node: summarise(r.children.map((c) => c.timersFired)),
        timer_fired_seconds_per_node: summarise(r.children.map((c) => round(c.timerFiredSeconds, 2))),
        signals_sent_per_node: summarise(r.children.map((c) => c.signals)),
        node_seconds: summarise(r.children.map((c) => round(c.seconds, 2))),
        signal_wait_seconds_per_node: summarise(r.children.map((c) => round(c.signalWaitSeconds, 2))),
        activity_seconds_per_node: meanPerKey(r.children.map((c) => c.activitySeconds)),
      };
    const out = {
      nodes: args.nodes,
      project_s: round(projectSeconds),
      baseline_s: baseline ? round(baseline.seconds) : null,
      ratio: baseline ? round(projectSeconds / baseline.seconds, 2) : null,
      worker_peak_rss_mb: workerPeak,
      worker_code: workerInput.compiledRoot ? 'compiled (dist/)' : 'TypeScript through tsx',
      // deploy_nodes's parent (prepare_nodes's is in `actions`).
      parent_history_events: (deploy ?? prep)?.parentEvents ?? null,
      parent_history_bytes: (deploy ?? prep)?.parentBytes ?? null,
      max_child_history_events: Math.max(0, ...allChildren.map((c) => c.events)),
      max_batch_history_events: Math.max(0, ...runs.flatMap((r) => r.batches.map((c) => c.events))),
      complete,
      max_parallel_nodes: settings.max_parallel_nodes,
      node_batch_size: settings.node_batch_size,
      poll_interval_s: settings.poll_interval,
      server_config: args.serverConfig,
      prepare_site_s: round(siteRun.seconds),
      actions: { prepare_nodes: perAction(prep), deploy_nodes: perAction(deploy) },
      maas_requests: maasRequests,
      maas_requests_per_s: round(maasRequests / projectSeconds),
      maas_requests_by_route: Object.fromEntries(
        Object.entries(maasByRoute)
          .filter(([, n]) => n > 0)
          .sort((a, b) => b[1] - a[1]),
      ),
      project_cpu_s: projectCpu,
      baseline_detail: baseline && {
        worker_peak_rss_mb: baseline.workerPeak,
        cpu_s: baseline.cpu,
        parent_history_events: baseline.parentEvents,
        max_child_history_events: baseline.maxChildEvents,
        worker_options: 'SDK defaults',
      },
    };
    process.stdout.write(args.json ? JSON.stringify(out) + '\n' : textReport(out) + '\n');
    ok = complete;
    return complete ? 0 : 1;
  } finally {
    await stopAll();
    if (ok && !args.keep) fs.rmSync(dir, { recursive: true, force: true });
    else say(`files and logs kept in ${dir}`);
  }
}

function textReport(o: Record<string, any>): string {
  const cpu = (c: Record<string, number> | undefined) => (c ? `worker ${c.worker} s, server ${c.server} s, site ${c.site} s` : '–');
  const lines = [
    `nodes ${o.nodes}, max_parallel_nodes ${o.max_parallel_nodes}, node_batch_size ${o.node_batch_size}, poll_interval ${o.poll_interval_s} s${o.complete ? '' : ' (INCOMPLETE)'}`,
    `project_s                 ${o.project_s}   (prepare_nodes + deploy_nodes; prepare_site ${o.prepare_site_s} s not counted)`,
    `baseline_s                ${o.baseline_s ?? '–'}`,
    `ratio                     ${o.ratio ?? '–'}`,
    `worker_peak_rss_mb        ${o.worker_peak_rss_mb}   (baseline worker: ${o.baseline_detail?.worker_peak_rss_mb ?? '–'})`,
    `parent_history_events     ${o.parent_history_events}   (deploy_nodes; ${o.parent_history_bytes} bytes)`,
    `max_child_history_events  ${o.max_child_history_events}   (node workflows; batches: ${o.max_batch_history_events} at most)`,
    `MaaS requests             ${o.maas_requests} (${o.maas_requests_per_s} per s)`,
    `CPU                       ${cpu(o.project_cpu_s)}; baseline: ${cpu(o.baseline_detail?.cpu_s)}`,
  ];
  for (const [name, a] of Object.entries(o.actions as Record<string, any>)) {
    if (!a) continue;
    lines.push(
      `${name.padEnd(26)}${a.seconds} s, ${a.result} (${a.succeeded}); parent ${a.parent_history_events} events, ${a.parent_history_bytes} bytes; ` +
        `per node: ${a.activities_per_node.mean} activities, ${a.child_history_events.max} events at most, ${a.timers_fired_per_node.mean} timers fired`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      say(e instanceof UsageError ? e.message : `failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}
