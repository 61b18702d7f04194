/**
 * The fault matrix (`npm run fault-matrix [-- --rows a,b] [--long] [--json] [--markdown]`): what a task does
 * when the site misbehaves as real sites do. Each row starts a fresh simulated site (MaaS emulator, ipmi_sim
 * and Redfish BMCs), its own Temporal dev server and a worker, prepares its nodes, injects one fault at the
 * moment it names, runs the action and records the task's end, each node's last message, the progress
 * messages seen while it ran, the MaaS emulator's counters (commission, deploy, release) and the BMCs' power
 * changes for each node, and the wall time. Every row states what it expects; the exit code is 1 when a row
 * does not get it. Rows marked long (over ~90 s, such as the 5-minute outage) run only with --long.
 *
 * `--worker` (internal): runs one Drydock worker from $FAULT_MATRIX_WORKER, for the rows that SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { DrydockClient } from '../client/drydockClient';
import type { DriverConfig } from '../common/driverConfig';
import { jsonLogger, silentLogger, type Logger } from '../common/logger';
import { orchestratorSettingsFromEnv, type OrchestratorSettings } from '../common/orchestratorConfig';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign, type EffectiveDesign } from '../design';
import type { StepDurations } from '../emulators/maas';
import { startSimulatedSite, type SimulatedSite } from '../worker/simulatedSite';
import type { SimulatedBmc } from '../emulators/site/simulator';
import { startDevServer, type DevServer } from '../worker/devServer';
import { installRuntime } from '../worker/telemetry';
import { createDrydockWorker, WORKFLOWS_PATH } from '../worker/worker';
import type { Action, ResultStatus, Task, TaskStatus } from '../workflows/task';

export const DESIGN_PATH = path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml');
const SITE = 'demo';
const TASK_QUEUE = 'fault-matrix';

/** Per node, what the peers saw during the measured action (and a row's follow-up, e.g. its retry). */
export interface NodeCounts {
  commission: number;
  deploy: number;
  release: number;
  /** Power-on requests the node's BMC received (IPMI chassis power on; Redfish On/ForceOn/restarts). */
  powerOn: number;
  powerOff: number;
}
const COUNT_KEYS: (keyof NodeCounts)[] = ['commission', 'deploy', 'release', 'powerOn', 'powerOff'];

/** The moment a row injects its fault at: run it, then look at the task. */
export interface RowContext {
  site: SimulatedSite;
  design: EffectiveDesign;
  client: DrydockClient;
  nodes: string[];
  taskId: string;
  workflowId: string;
  /** The per-node child workflow of the measured action. */
  childId(node: string): string;
  bmc(node: string): SimulatedBmc;
  /** Waits until `cond` holds (checked every 100 ms), at most `maxMs`; false when it never did. */
  until(cond: () => boolean | Promise<boolean>, maxMs?: number): Promise<boolean>;
  /** Until an activity of this type has started on a worker in the node's child workflow. */
  untilActivityStarted(node: string, activityType: string, maxMs?: number): Promise<boolean>;
  /** Until MaaS reports the node's machine in this status. */
  untilMaasStatus(node: string, status: string, maxMs?: number): Promise<boolean>;
  killWorker(): Promise<void>;
  startWorker(): Promise<void>;
  killServer(): Promise<void>;
  restartServer(): Promise<void>;
  /** Adds a line to the row's notes (shown in the JSON and the log). */
  note(line: string): void;
  /** Extra problems found by the row's own checks. */
  problem(line: string): void;
}

/** The worker SIGKILLed once `node` reaches MaaS status `status`, and started again 2 s later. */
function killWorkerDuring(node: string, status: string): (ctx: RowContext) => Promise<void> {
  return async (ctx) => {
    if (!(await ctx.untilMaasStatus(node, status, 90_000))) return ctx.problem(`${node} never reached ${status}`);
    await ctx.killWorker();
    await sleep(2000);
    await ctx.startWorker();
  };
}

export interface Expectation {
  status: TaskStatus;
  result: ResultStatus;
  /** The task's failed nodes, when the row names them (sorted). */
  failures?: string[];
  /** Per node, exact counts or [min, max]. */
  counts: Record<string, Partial<Record<keyof NodeCounts, number | [number, number]>>>;
  /** Per node, the last message must match. */
  message?: Record<string, RegExp>;
  /** A progress message seen while the task ran must match (e.g. the transient-retry countdown). */
  progress?: RegExp;
  /** The task must end within this many seconds of its start. */
  maxSeconds?: number;
  /** ... and not before (a fault window the task had to wait out). */
  minSeconds?: number;
  /** At least this many requests were answered with an injected fault (MaaS and the row's Redfish BMCs): the fault hit. */
  minInjected?: number;
}

export interface FaultRow {
  id: string;
  /** The fault, in words. */
  fault: string;
  /** Over ~90 s: only with --long. */
  long?: boolean;
  nodes: string[];
  /** Run (without faults) before the measured action, on the row's nodes. */
  setup: Action[];
  action: Action;
  /** MaaS step durations for the row; instant when absent. */
  durations?: Partial<StepDurations>;
  /** Milliseconds a Redfish BMC takes to change power state (default 2000). */
  powerTransitionMs?: number;
  /** The worker runs as a child process (rows that SIGKILL it). */
  workerProcess?: boolean;
  /** The dev server keeps a SQLite file (rows that SIGKILL it). */
  persistentServer?: boolean;
  /** The design the action is given, from the example's text (e.g. a wrong BMC password). */
  designText?: (text: string) => string;
  /** Started right after the task was created; the row ends when the task and this have ended. */
  inject(ctx: RowContext): Promise<void>;
  /** After the task ended (e.g. clear the fault and retry the task); counts include what it did. */
  after?(ctx: RowContext, task: Task): Promise<Task>;
  expect: Expectation;
  /** The expectation in words, for the table. */
  expected: string;
}

export interface RowOutcome {
  id: string;
  fault: string;
  long: boolean;
  expected: string;
  passed: boolean;
  problems: string[];
  status?: TaskStatus;
  result?: ResultStatus;
  failures?: string[];
  messages: Record<string, string>;
  /** Distinct node progress messages that mention retrying, in the order seen. */
  progress: string[];
  counts: Record<string, NodeCounts>;
  maasRequests: number;
  /** Requests answered with an injected fault or never answered: MaaS, and the row's Redfish BMCs. */
  faultsInjected: number;
  wallSeconds: number;
  notes: string[];
  logDir: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Drydock's retry_task around DeployNode, ConfigureHardware and DestroyNode: 1 attempt + 3 retries. */
const STEP_ATTEMPTS = 4;

/** Terminates the task, then checks that the peer named by `requests` saw nothing from 5 s to 15 s after. */
async function terminateAndWatch(ctx: RowContext, what: string, requests: () => number): Promise<void> {
  await ctx.client.terminateTask(ctx.taskId);
  await sleep(5000);
  const at5 = requests();
  await sleep(10_000);
  const at15 = requests();
  ctx.note(`${what} requests 5 s after terminate: ${at5}, 15 s after: ${at15}`);
  if (at15 !== at5) ctx.problem(`${at15 - at5} ${what} requests more than 5 s after terminate`);
}

const maasRequests = (ctx: RowContext) => () => ctx.site.sim.maas.counters().requests.total;
function redfishRequests(ctx: RowContext, node: string): () => number {
  const b = ctx.bmc(node);
  if (b.type !== 'redfish') throw new Error(`${node} is not a Redfish node`);
  return () => b.emulator.counters().requests;
}

/** The PID of the node's ipmi_sim, found by its lan.conf in /proc (the simulator does not keep it). */
export function ipmiSimPid(bmc: SimulatedBmc): number {
  if (bmc.type !== 'ipmi') throw new Error(`${bmc.node} has no ipmi_sim`);
  const lanConf = path.join(bmc.sim.stateDir, 'lan.conf');
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (path.basename(argv[0] ?? '') === 'ipmi_sim' && argv.includes(lanConf)) return Number(entry);
  }
  throw new Error(`no ipmi_sim process with ${lanConf}`);
}

/** Every MaaS request answered 500 for `seconds` from the start of a deploy: the deploy rides it out. */
function maasStorm(seconds: number): FaultRow {
  return {
    id: seconds < 120 ? `maas-500-${seconds}s` : `maas-500-${seconds / 60}min`,
    fault: `every MaaS request answered 500 for ${seconds < 120 ? `${seconds} s` : `${seconds / 60} min`} from the start of a deploy`,
    ...(seconds > 90 ? { long: true } : {}),
    nodes: ['n01'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    durations: { deploying: 2000 },
    inject: async (ctx) => ctx.site.sim.maas.setFault({ outage: { status: 500, forMs: seconds * 1000 } }),
    expect: {
      status: 'complete',
      result: 'success',
      counts: { n01: { deploy: 1, commission: 0, release: 0, powerOn: 0 } },
      progress: /MaaS unavailable \(HTTP 500\), retrying/,
      minSeconds: seconds,
      minInjected: 1,
    },
    expected: 'success; 1 deploy; progress says MaaS unavailable, retrying',
  };
}

export const ROWS: FaultRow[] = [
  maasStorm(60),
  maasStorm(300),
  {
    id: 'maas-hang-30s',
    fault: 'MaaS accepts requests and never answers them, for 30 s from the start of a deploy',
    nodes: ['n01'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    durations: { deploying: 2000 },
    inject: async (ctx) => ctx.site.sim.maas.setFault({ unresponsive: { forMs: 30_000 } }),
    expect: { status: 'complete', result: 'success', counts: { n01: { deploy: 1, commission: 0, release: 0, powerOn: 0 } }, minSeconds: 30, minInjected: 1 },
    expected: 'success; 1 deploy',
  },
  {
    id: 'maas-slow-2s',
    fault: 'every MaaS answer takes 2 s (deploy)',
    // About 55 requests: close to 2 minutes.
    long: true,
    nodes: ['n01'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    durations: { deploying: 2000 },
    inject: async (ctx) => ctx.site.sim.maas.setFault({ latencyMs: 2000 }),
    expect: { status: 'complete', result: 'success', counts: { n01: { deploy: 1, commission: 0, release: 0, powerOn: 0 } } },
    expected: 'success; 1 deploy',
  },
  {
    id: 'bmc-stopped-60s',
    fault: "the node's ipmi_sim SIGSTOPped for 60 s from the start of prepare_nodes",
    nodes: ['n01'],
    setup: [],
    action: 'prepare_nodes',
    inject: async (ctx) => {
      const pid = ipmiSimPid(ctx.bmc('n01'));
      process.kill(pid, 'SIGSTOP');
      ctx.note(`ipmi_sim pid ${pid} stopped`);
      await sleep(60_000);
      process.kill(pid, 'SIGCONT');
      ctx.note(`ipmi_sim pid ${pid} continued`);
    },
    expect: { status: 'complete', result: 'success', counts: { n01: { powerOn: 1, commission: 1, deploy: 0 } }, minSeconds: 60 },
    expected: 'success; 1 power on, 1 commission',
  },
  {
    id: 'bmc-wrong-password',
    fault: 'the design has a wrong BMC password (n01 IPMI, n07 Redfish)',
    nodes: ['n01', 'n07'],
    setup: [],
    action: 'prepare_nodes',
    designText: (t) => t.replace('credential: ipmi-pass-n01', 'credential: wrong-pass-n01').replace('credential: redfish-pass-n07', 'credential: wrong-pass-n07'),
    inject: async () => {},
    expect: {
      status: 'complete',
      result: 'failure',
      failures: ['n01', 'n07'],
      counts: { n01: { powerOn: 0, commission: 0 }, n07: { powerOn: 0, commission: 0 } },
      message: { n01: /auth|credential|password/i, n07: /auth|credential|password/i },
      maxSeconds: 30,
    },
    expected: 'failure at once (< 30 s), naming the credentials; no power on',
  },
  {
    id: 'redfish-503-30s',
    fault: 'the Redfish BMC answers 503 with Retry-After 5 for 30 s from the start of prepare_nodes',
    nodes: ['n07'],
    setup: [],
    action: 'prepare_nodes',
    inject: async (ctx) => {
      const b = ctx.bmc('n07');
      if (b.type !== 'redfish') throw new Error('n07 is not a Redfish node');
      b.emulator.setFault({ unavailable: { forMs: 30_000, retryAfterSeconds: 5 } });
    },
    expect: { status: 'complete', result: 'success', counts: { n07: { powerOn: 1, commission: 1, deploy: 0 } }, minSeconds: 30, minInjected: 1 },
    expected: 'success; 1 power on, 1 commission',
  },
  {
    id: 'commission-fail',
    fault: 'commissioning of n02 ends Failed commissioning (persistent)',
    nodes: ['n01', 'n02'],
    setup: [],
    action: 'prepare_nodes',
    durations: { commissioning: 1000 },
    inject: async (ctx) => ctx.site.sim.maas.setFault({ failCommissioning: ['n02'] }),
    expect: {
      status: 'complete',
      result: 'partial_success',
      failures: ['n02'],
      counts: { n01: { commission: 1, powerOn: 1 }, n02: { commission: STEP_ATTEMPTS, powerOn: 1 } },
      message: { n02: /Failed commissioning/ },
    },
    expected: `partial_success, failures [n02]; n02 commissioned ${STEP_ATTEMPTS}× (Drydock's 3 retries), n01 once`,
  },
  {
    id: 'deploy-fail-then-retry',
    fault: 'deployment of n02 ends Failed deployment; then the fault is cleared and the task retried',
    nodes: ['n01', 'n02'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    durations: { deploying: 1000, releasing: 500, diskErasing: 500 },
    inject: async (ctx) => ctx.site.sim.maas.setFault({ failDeployment: ['n02'] }),
    after: async (ctx, first) => {
      const problems: string[] = [];
      if (first.result.status !== 'partial_success') problems.push(`first run ended ${first.result.status}, not partial_success`);
      const deploys = ctx.site.sim.maas.counters().machines.n02?.deploy ?? 0;
      ctx.note(`first run: ${first.result.status}, failures [${first.result.failures.join(', ')}], n02 deployed ${deploys}×`);
      if (deploys !== STEP_ATTEMPTS) problems.push(`first run deployed n02 ${deploys}×, expected ${STEP_ATTEMPTS}`);
      problems.forEach((p) => ctx.problem(p));
      ctx.site.sim.maas.clearFaults();
      await ctx.client.retryTask(ctx.taskId);
      return waitForTask(ctx.client, ctx.taskId);
    },
    expect: {
      status: 'complete',
      result: 'success',
      counts: { n01: { deploy: 1, release: 0 }, n02: { deploy: STEP_ATTEMPTS + 1, release: [STEP_ATTEMPTS, STEP_ATTEMPTS] } },
    },
    expected: `first run partial_success [n02] with ${STEP_ATTEMPTS} deploys of n02; the retry: success, one more deploy of n02 (released first), none of n01`,
  },
  {
    id: 'release-fail',
    fault: 'release of n01 ends Failed disk erasing (persistent)',
    nodes: ['n01'],
    setup: ['prepare_site', 'prepare_nodes', 'deploy_nodes'],
    action: 'destroy_nodes',
    durations: { releasing: 500, diskErasing: 500 },
    inject: async (ctx) => ctx.site.sim.maas.setFault({ failRelease: ['n01'] }),
    expect: {
      status: 'complete',
      result: 'failure',
      failures: ['n01'],
      counts: { n01: { release: STEP_ATTEMPTS, deploy: 0, commission: 0 } },
      message: { n01: /Failed disk erasing|Releasing failed/ },
    },
    expected: `failure [n01]; released ${STEP_ATTEMPTS}× (Drydock's 3 retries)`,
  },
  {
    id: 'worker-kill-power-cycle',
    fault: 'worker SIGKILLed during power_cycle_node (Redfish, 3 s power transitions), restarted 2 s later',
    nodes: ['n07'],
    setup: [],
    action: 'prepare_nodes',
    workerProcess: true,
    powerTransitionMs: 3000,
    inject: async (ctx) => {
      if (!(await ctx.untilActivityStarted('n07', 'powerCycle', 60_000))) return ctx.problem('powerCycle never started');
      await sleep(1000);
      await ctx.killWorker();
      await sleep(2000);
      await ctx.startWorker();
    },
    // The killed attempt runs again from the start: at most one more cycle than asked.
    expect: { status: 'complete', result: 'success', counts: { n07: { powerOn: [1, 2], commission: 1 } } },
    expected: 'success; 1 commission; power on at most twice (the interrupted cycle runs again)',
  },
  {
    id: 'worker-kill-commissioning',
    fault: 'worker SIGKILLed while MaaS commissions the node (8 s), restarted 2 s later',
    nodes: ['n01'],
    setup: [],
    action: 'prepare_nodes',
    workerProcess: true,
    durations: { commissioning: 8000 },
    inject: killWorkerDuring('n01', 'Commissioning'),
    expect: { status: 'complete', result: 'success', counts: { n01: { powerOn: 1, commission: 1 } } },
    expected: 'success; 1 power on, 1 commission',
  },
  {
    id: 'worker-kill-deploying',
    fault: 'worker SIGKILLed while MaaS deploys the node (8 s), restarted 2 s later',
    nodes: ['n01'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    workerProcess: true,
    durations: { deploying: 8000 },
    inject: killWorkerDuring('n01', 'Deploying'),
    expect: { status: 'complete', result: 'success', counts: { n01: { deploy: 1, powerOn: 0 } } },
    expected: 'success; 1 deploy',
  },
  {
    id: 'temporal-kill',
    fault: 'Temporal dev server SIGKILLed 5 s into a 3-node deploy, restarted 5 s later on the same SQLite file and port',
    nodes: ['n01', 'n02', 'n07'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    persistentServer: true,
    durations: { deploying: 8000 },
    inject: async (ctx) => {
      await sleep(5000);
      await ctx.killServer();
      await sleep(5000);
      await ctx.restartServer();
    },
    expect: { status: 'complete', result: 'success', counts: { n01: { deploy: 1 }, n02: { deploy: 1 }, n07: { deploy: 1 } } },
    expected: 'success; each node deployed once',
  },
  {
    id: 'terminate-power-cycle',
    fault: 'terminate during power_cycle_node (Redfish power change never completes)',
    nodes: ['n07'],
    setup: [],
    action: 'prepare_nodes',
    inject: async (ctx) => {
      const b = ctx.bmc('n07');
      if (b.type !== 'redfish') throw new Error('n07 is not a Redfish node');
      b.emulator.setFault({ powerNeverCompletes: true });
      if (!(await ctx.untilActivityStarted('n07', 'powerCycle', 60_000))) return ctx.problem('powerCycle never started');
      await sleep(1000);
      await terminateAndWatch(ctx, 'Redfish', redfishRequests(ctx, 'n07'));
    },
    expect: { status: 'terminated', result: 'failure', counts: { n07: { powerOn: [0, 1], commission: 0 } }, message: { n07: /terminated/ } },
    expected: 'terminated/failure; no BMC request 5 s after the terminate',
  },
  {
    id: 'terminate-commissioning',
    fault: 'terminate while MaaS commissions the node (30 s)',
    nodes: ['n01'],
    setup: [],
    action: 'prepare_nodes',
    durations: { commissioning: 30_000 },
    inject: async (ctx) => {
      if (!(await ctx.untilMaasStatus('n01', 'Commissioning', 90_000))) return ctx.problem('n01 never reached Commissioning');
      await sleep(1000);
      await terminateAndWatch(ctx, 'MaaS', maasRequests(ctx));
    },
    expect: { status: 'terminated', result: 'failure', counts: { n01: { commission: 1, powerOn: 1 } }, message: { n01: /terminated/ } },
    expected: 'terminated/failure; 1 commission; no MaaS request 5 s after the terminate',
  },
  {
    id: 'terminate-deploying',
    fault: 'terminate while MaaS deploys the node (30 s)',
    nodes: ['n01'],
    setup: ['prepare_site', 'prepare_nodes'],
    action: 'deploy_nodes',
    durations: { deploying: 30_000 },
    inject: async (ctx) => {
      if (!(await ctx.untilMaasStatus('n01', 'Deploying', 90_000))) return ctx.problem('n01 never reached Deploying');
      await sleep(1000);
      await terminateAndWatch(ctx, 'MaaS', maasRequests(ctx));
    },
    expect: { status: 'terminated', result: 'failure', counts: { n01: { deploy: 1 } }, message: { n01: /terminated/ } },
    expected: 'terminated/failure; 1 deploy; no MaaS request 5 s after the terminate',
  },
];

/** What the matrix runs with: short polls, Drydock's timeouts, and whatever DRYDOCK_* the environment sets. */
export function matrixSettings(env: NodeJS.ProcessEnv = process.env): OrchestratorSettings {
  return orchestratorSettingsFromEnv({ ...env, DRYDOCK_POLL_INTERVAL: env.DRYDOCK_POLL_INTERVAL ?? '0.5' });
}

export interface RunOptions {
  /** A workflow bundle built without a failure converter (the matrix uses the SDK's default data converter). */
  bundlePath: string;
  settings?: OrchestratorSettings;
  /** Where each row's server and worker logs go (a directory per row). */
  logRoot: string;
  /** A line per event. */
  say?: (line: string) => void;
}

/** Builds the workflow bundle the matrix's workers load (once per run). */
export async function bundleForMatrix(dir: string): Promise<string> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  const file = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(file, bundle.code);
  return file;
}

const nodeFilter = (nodes: string[]) => ({ filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: nodes }] });

/** Follows a task until it ends; tolerates a Temporal server that is away for a while. */
async function waitForTask(client: DrydockClient, taskId: string, onTask?: (t: Task) => void, maxMs = 30 * 60_000): Promise<Task> {
  const end = Date.now() + maxMs;
  let lastError = '';
  while (Date.now() < end) {
    try {
      const t = await client.getTask(taskId);
      onTask?.(t);
      if (t.status === 'complete' || t.status === 'terminated') return t;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await sleep(500);
  }
  throw new Error(`task ${taskId} did not end within ${maxMs / 60_000} min${lastError ? ` (last error: ${lastError})` : ''}`);
}

function bmcCounts(b: SimulatedBmc): Pick<NodeCounts, 'powerOn' | 'powerOff'> {
  if (b.type === 'ipmi') {
    let on = 0;
    let off = 0;
    for (const e of b.sim.chassis().events) {
      const m = / power ([01])\b/.exec(e);
      if (m?.[1] === '1') on++;
      else if (m?.[1] === '0') off++;
    }
    return { powerOn: on, powerOff: off };
  }
  const r = b.emulator.counters().resetsByType;
  const n = (k: keyof typeof r) => r[k] ?? 0;
  return {
    powerOn: n('On') + n('ForceRestart') + n('GracefulRestart'),
    powerOff: n('ForceOff') + n('GracefulShutdown'),
  };
}

function redfishInjected(site: SimulatedSite, nodes: string[]): number {
  return nodes.reduce((sum, n) => {
    const b = site.sim.bmcs.get(n);
    return sum + (b?.type === 'redfish' ? b.emulator.counters().injectedErrors : 0);
  }, 0);
}

function snapshot(site: SimulatedSite, nodes: string[]): Record<string, NodeCounts> {
  const maas = site.sim.maas.counters().machines;
  return Object.fromEntries(
    nodes.map((n) => {
      const bmc = bmcCounts(site.sim.bmcs.get(n)!);
      return [n, { commission: maas[n]?.commission ?? 0, deploy: maas[n]?.deploy ?? 0, release: maas[n]?.release ?? 0, ...bmc }];
    }),
  );
}

function delta(before: Record<string, NodeCounts>, after: Record<string, NodeCounts>): Record<string, NodeCounts> {
  return Object.fromEntries(Object.entries(after).map(([n, c]) => [n, Object.fromEntries(COUNT_KEYS.map((k) => [k, c[k] - before[n][k]])) as unknown as NodeCounts]));
}

/** A Drydock worker: in this process, or (rows that kill it) a child process running this script with --worker. */
interface WorkerHandle {
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

interface ChildWorkerConfig {
  address: string;
  taskQueue: string;
  bundlePath: string;
  drivers: DriverConfig;
  settings: OrchestratorSettings;
}

function inProcessWorker(cfg: ChildWorkerConfig, logger: Logger): WorkerHandle {
  let running: { worker: Worker; done: Promise<void>; connection: NativeConnection } | undefined;
  return {
    async start() {
      const connection = await NativeConnection.connect({ address: cfg.address });
      const worker = await createDrydockWorker({
        connection,
        namespace: 'default',
        taskQueue: cfg.taskQueue,
        settings: cfg.settings,
        logger,
        drivers: cfg.drivers,
        dataConverter: {},
        workflowBundle: { codePath: cfg.bundlePath },
      });
      running = { worker, connection, done: worker.run() };
    },
    async kill() {
      throw new Error('an in-process worker cannot be SIGKILLed; give the row workerProcess: true');
    },
    async stop() {
      if (!running) return;
      const r = running;
      running = undefined;
      if (r.worker.getState() === 'RUNNING') r.worker.shutdown();
      await r.done.catch(() => undefined);
      await r.connection.close().catch(() => undefined);
    },
  };
}

function childWorker(cfg: ChildWorkerConfig, logFile: string): WorkerHandle {
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  return {
    async start() {
      const log = fs.openSync(logFile, 'a');
      const c = spawn(process.execPath, ['--require', 'tsx/cjs', __filename, '--worker'], {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', log, 'pipe'],
        env: { ...process.env, FAULT_MATRIX_WORKER: JSON.stringify(cfg) },
      });
      fs.closeSync(log);
      child = c;
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        c.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString();
          fs.appendFileSync(logFile, b);
          if (stderr.includes('fault-matrix worker: polling')) resolve();
        });
        c.once('exit', (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before polling: ${stderr.slice(-500)}`)));
      });
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
      child = undefined;
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = undefined;
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited(c);
      clearTimeout(t);
    },
  };
}

/** Runs one row on a fresh site, server and worker; never throws (a harness error is a failed row). */
export async function runRow(row: FaultRow, opts: RunOptions): Promise<RowOutcome> {
  const say = opts.say ?? (() => {});
  const logDir = path.join(opts.logRoot, row.id);
  fs.mkdirSync(logDir, { recursive: true });
  const outcome: RowOutcome = {
    id: row.id,
    fault: row.fault,
    long: !!row.long,
    expected: row.expected,
    passed: false,
    problems: [],
    messages: {},
    progress: [],
    counts: {},
    maasRequests: 0,
    faultsInjected: 0,
    wallSeconds: 0,
    notes: [],
    logDir,
  };
  const stops: (() => Promise<unknown>)[] = [];
  const settings = opts.settings ?? matrixSettings();
  try {
    const loaded = await loadDesign(`file://${DESIGN_PATH}`);
    if (!loaded.design) throw new Error(`${DESIGN_PATH} does not load`);
    const design = loaded.design;
    let designRef = `file://${DESIGN_PATH}`;
    if (row.designText) {
      const file = path.join(logDir, 'design.yaml');
      fs.writeFileSync(file, row.designText(fs.readFileSync(DESIGN_PATH, 'utf8')));
      designRef = `file://${file}`;
    }

    const dbFile = row.persistentServer ? path.join(logDir, 'temporal.db') : undefined;
    const serverLog = path.join(logDir, 'temporal.log');
    let server: DevServer = await startDevServer({ uiPort: null, dbFile, logFile: serverLog });
    const port = Number(server.address.split(':').pop());
    stops.unshift(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const site = await startSimulatedSite({
      design,
      connection,
      dataConverter: {},
      logger: silentLogger,
      durations: row.durations,
      powerTransitionMs: row.powerTransitionMs ?? 2000,
    });
    stops.unshift(() => site.stop());
    // Drydock's power polling cadence scaled to the simulated BMCs (2 s transitions): 1 s apart, 18 reads.
    const drivers: DriverConfig = { ...site.drivers, powerStateChangeRetryInterval: 1, powerStateChangeMaxRetries: 18 };
    const workerCfg: ChildWorkerConfig = { address: server.address, taskQueue: TASK_QUEUE, bundlePath: opts.bundlePath, drivers, settings };
    const workerLog = path.join(logDir, 'worker.log');
    const inProcess = inProcessWorker(workerCfg, jsonLogger({ base: { component: 'worker' }, write: (l) => fs.appendFileSync(workerLog, l + '\n') }));
    const worker = row.workerProcess ? childWorker(workerCfg, workerLog) : inProcess;
    const client = await DrydockClient.connect({ address: server.address, namespace: 'default', taskQueue: TASK_QUEUE, connectTimeout: 10 }, { dataConverter: {} });
    stops.unshift(() => client.close());

    // Setup, without faults, on the row's nodes (an in-process worker: quicker than a child).
    if (row.setup.length) {
      await inProcess.start();
      for (const action of row.setup) {
        const { taskId } = await client.createTask(action, { designRef: `file://${DESIGN_PATH}`, nodeFilter: action === 'prepare_site' ? undefined : nodeFilter(row.nodes) });
        const t = await waitForTask(client, taskId);
        if (t.result.status !== 'success')
          throw new Error(`setup ${action} ended ${t.result.status}: ${JSON.stringify(t.result.details.messageList.filter((m) => m.error).map((m) => m.message))}`);
      }
      await inProcess.stop();
      say(`  ${row.id}: setup done (${row.setup.join(', ')})`);
    }
    // A design lock from prepare_site would refuse another design's content.
    if (row.designText && row.setup.includes('prepare_site')) await client.unlockSite(SITE, { by: 'fault-matrix' });

    await worker.start();
    stops.unshift(() => worker.stop());
    const before = snapshot(site, row.nodes);
    const requestsBefore = site.sim.maas.counters().requests.total;
    const injectedBefore = site.sim.maas.counters().faultsInjected;
    const redfishBefore = redfishInjected(site, row.nodes);
    const started = Date.now();
    const { taskId, workflowId } = await client.createTask(row.action, { designRef, nodeFilter: nodeFilter(row.nodes) });
    const nodeAction = row.action.replace(/s$/, '');
    const ctx: RowContext = {
      site,
      design,
      client,
      nodes: row.nodes,
      taskId,
      workflowId,
      childId: (n) => `${SITE}-${nodeAction}-${n}-${taskId}`,
      bmc: (n) => {
        const b = site.sim.bmcs.get(n);
        if (!b) throw new Error(`no BMC for ${n}`);
        return b;
      },
      async until(cond, maxMs = 60_000) {
        for (const end = Date.now() + maxMs; Date.now() < end; await sleep(100)) if (await cond()) return true;
        return false;
      },
      untilActivityStarted(n, type, maxMs) {
        const handle = client.client.workflow.getHandle(ctx.childId(n));
        return ctx.until(async () => {
          const d = await handle.describe().catch(() => undefined);
          return !!d?.raw.pendingActivities?.some((a) => a.activityType?.name === type && a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
        }, maxMs);
      },
      untilMaasStatus: (n, status, maxMs) => ctx.until(() => site.sim.maas.machines().some((m) => m.hostname === n && m.status_name === status), maxMs),
      killWorker: async () => {
        await worker.kill();
        ctx.note(`worker SIGKILLed at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      },
      startWorker: () => worker.start(),
      killServer: async () => {
        process.kill(server.pid, 'SIGKILL');
        for (let i = 0; i < 100; i++) {
          try {
            process.kill(server.pid, 0);
          } catch {
            break;
          }
          await sleep(50);
        }
        ctx.note(`Temporal server SIGKILLed at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      },
      restartServer: async () => {
        server = await startDevServer({ port, uiPort: null, dbFile, logFile: serverLog });
        ctx.note(`Temporal server restarted at ${((Date.now() - started) / 1000).toFixed(1)} s on the same file and port`);
      },
      note: (l) => {
        outcome.notes.push(l);
        say(`  ${row.id}: ${l}`);
      },
      problem: (l) => outcome.problems.push(l),
    };

    const seen = (t: Task) => {
      for (const n of Object.values(t.nodes)) {
        if (n.message && /retry/i.test(n.message) && !outcome.progress.includes(n.message) && outcome.progress.length < 20) outcome.progress.push(n.message);
      }
    };
    const injecting = row.inject(ctx).catch((e: unknown) => ctx.problem(`fault injection failed: ${e instanceof Error ? e.message : String(e)}`));
    let task = await waitForTask(client, taskId, seen);
    await injecting;
    if (row.after) task = await row.after(ctx, task);
    outcome.wallSeconds = Math.round((Date.now() - started) / 100) / 10;
    site.sim.maas.clearFaults();
    for (const b of site.sim.bmcs.values()) if (b.type === 'redfish') b.emulator.setFault(null);

    outcome.status = task.status;
    outcome.result = task.result.status;
    outcome.failures = [...task.result.failures].sort();
    for (const n of row.nodes) outcome.messages[n] = task.nodes[n]?.message ?? '';
    outcome.counts = delta(before, snapshot(site, row.nodes));
    outcome.maasRequests = site.sim.maas.counters().requests.total - requestsBefore;
    outcome.faultsInjected = site.sim.maas.counters().faultsInjected - injectedBefore + redfishInjected(site, row.nodes) - redfishBefore;
    outcome.problems.push(...check(row.expect, outcome));
  } catch (e) {
    outcome.problems.push(`harness: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    for (const s of stops) await s().catch(() => undefined);
  }
  outcome.passed = outcome.problems.length === 0;
  fs.writeFileSync(path.join(logDir, 'outcome.json'), JSON.stringify(outcome, null, 1));
  return outcome;
}

/** Where the outcome differs from the row's expectation, in words. */
export function check(x: Expectation, o: RowOutcome): string[] {
  const problems: string[] = [];
  if (o.status !== x.status) problems.push(`status ${o.status}, expected ${x.status}`);
  if (o.result !== x.result) problems.push(`result ${o.result}, expected ${x.result}`);
  if (x.failures && JSON.stringify(o.failures) !== JSON.stringify([...x.failures].sort()))
    problems.push(`failures [${o.failures?.join(', ')}], expected [${x.failures.join(', ')}]`);
  for (const [n, want] of Object.entries(x.counts)) {
    for (const [k, v] of Object.entries(want) as [keyof NodeCounts, number | [number, number]][]) {
      const got = o.counts[n]?.[k];
      const [min, max] = Array.isArray(v) ? v : [v, v];
      if (got === undefined || got < min || got > max) problems.push(`${n} ${k} ${got}, expected ${min === max ? min : `${min}..${max}`}`);
    }
  }
  for (const [n, re] of Object.entries(x.message ?? {})) if (!re.test(o.messages[n] ?? '')) problems.push(`${n} message "${o.messages[n]}" does not match ${re}`);
  if (x.progress && !o.progress.some((m) => x.progress!.test(m))) problems.push(`no progress message matched ${x.progress}`);
  if (x.maxSeconds !== undefined && o.wallSeconds > x.maxSeconds) problems.push(`took ${o.wallSeconds} s, expected at most ${x.maxSeconds} s`);
  if (x.minSeconds !== undefined && o.wallSeconds < x.minSeconds) problems.push(`took ${o.wallSeconds} s: the fault window (${x.minSeconds} s) was not waited out`);
  if (x.minInjected !== undefined && o.faultsInjected < x.minInjected) problems.push(`${o.faultsInjected} requests met the fault, expected at least ${x.minInjected}`);
  return problems;
}

function countsText(c: Record<string, NodeCounts>): string {
  return Object.entries(c)
    .map(
      ([n, v]) =>
        `${n}: ${
          COUNT_KEYS.filter((k) => v[k])
            .map((k) => `${k} ${v[k]}`)
            .join(', ') || 'none'
        }`,
    )
    .join('; ');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The outcomes as a Markdown table (the README's "Fault matrix" section). */
export function markdownTable(outcomes: RowOutcome[]): string {
  const lines = ['| row | fault | expected | outcome | node message (last) | counters (commission, deploy, release, BMC power on/off) | time |', '|---|---|---|---|---|---|---|'];
  for (const o of outcomes) {
    const verdict = o.passed ? '**pass**' : `**FAIL**: ${o.problems.join('; ')}`;
    const msgs = [...Object.entries(o.messages).map(([n, m]) => `${n}: ${m || '–'}`), ...(o.progress[0] ? [`progress: "${o.progress[0]}"`] : [])].join('; ');
    lines.push(
      `| ${o.id}${o.long ? ' (long)' : ''} | ${cell(o.fault)} | ${cell(o.expected)} | ${cell(`${o.status ?? '–'}/${o.result ?? '–'}${o.failures?.length ? ` [${o.failures.join(', ')}]` : ''} — ${verdict}`)} | ${cell(msgs)} | ${cell(countsText(o.counts))} | ${o.wallSeconds} s |`,
    );
  }
  return lines.join('\n');
}

function textTable(outcomes: RowOutcome[]): string {
  const rows = outcomes.map((o) => [o.passed ? 'pass' : 'FAIL', o.id, `${o.status ?? '-'}/${o.result ?? '-'}`, `${o.wallSeconds}s`, countsText(o.counts)]);
  const widths = [4, ...[1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)))];
  const out = rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  '));
  for (const o of outcomes) {
    if (o.passed) continue;
    out.push(`${o.id}:`);
    for (const p of o.problems) out.push(`  - ${p}`);
    for (const [n, m] of Object.entries(o.messages)) out.push(`  ${n}: ${m}`);
  }
  return out.join('\n');
}

/** The rows `--rows` and `--long` select. */
export function selectRows(ids: string[] | undefined, long: boolean): FaultRow[] {
  if (ids) {
    const unknown = ids.filter((id) => !ROWS.some((r) => r.id === id));
    if (unknown.length) throw new Error(`unknown row(s) ${unknown.join(', ')}; rows: ${ROWS.map((r) => r.id).join(', ')}`);
    return ROWS.filter((r) => ids.includes(r.id));
  }
  return ROWS.filter((r) => long || !r.long);
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (m: string) => console.error(m),
};

async function workerMain(): Promise<void> {
  const cfg = JSON.parse(process.env.FAULT_MATRIX_WORKER ?? '') as ChildWorkerConfig;
  installRuntime({ logger: silentLogger });
  const connection = await NativeConnection.connect({ address: cfg.address });
  const worker = await createDrydockWorker({
    connection,
    namespace: 'default',
    taskQueue: cfg.taskQueue,
    settings: cfg.settings,
    drivers: cfg.drivers,
    dataConverter: {},
    workflowBundle: { codePath: cfg.bundlePath },
    logger: jsonLogger({ base: { component: 'worker', pid: process.pid } }),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stderr.write('fault-matrix worker: polling\n');
  await worker.run();
  await connection.close();
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const json = argv.includes('--json');
  const rows = selectRows(
    arg('--rows')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    argv.includes('--long'),
  );
  const say = (l: string) => process.stderr.write(`${l}\n`);
  installRuntime({ logger: silentLogger });
  const logRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-fault-matrix-'));
  say(`fault matrix: ${rows.length} row(s); logs in ${logRoot}`);
  const bundlePath = await bundleForMatrix(logRoot);
  const outcomes: RowOutcome[] = [];
  for (const row of rows) {
    say(`${row.id}: ${row.fault}`);
    const o = await runRow(row, { bundlePath, logRoot, say });
    say(`${row.id}: ${o.passed ? 'pass' : 'FAIL'} (${o.status}/${o.result}, ${o.wallSeconds} s)${o.passed ? '' : `: ${o.problems.join('; ')}`}`);
    outcomes.push(o);
  }
  if (json) process.stdout.write(JSON.stringify(outcomes, null, 1) + '\n');
  else if (argv.includes('--markdown')) process.stdout.write(markdownTable(outcomes) + '\n');
  else process.stdout.write(textTable(outcomes) + '\n');
  return outcomes.every((o) => o.passed) ? 0 : 1;
}

if (require.main === module) {
  if (process.argv.includes('--worker')) {
    workerMain().catch((e) => {
      process.stderr.write(`fault-matrix worker: ${e instanceof Error ? e.stack : e}\n`);
      process.exit(1);
    });
  } else {
    main(process.argv.slice(2)).then(
      (code) => process.exit(code),
      (e) => {
        process.stderr.write(`fault-matrix: ${e instanceof Error ? e.message : e}\n`);
        process.exit(2);
      },
    );
  }
}
