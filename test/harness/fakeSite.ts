/**
 * Workflow tests with fake activities, in the style of Temporal's samples (a real Worker on the test server with
 * `activities: { … }`) and of metal3's fixture provisioner: an in-memory MaaS whose machines move through the
 * statuses each test scripts, so the node runbooks' slow branches (a deployment failing and retried, a release
 * that keeps failing, a peer outage, a terminate mid-step) run in seconds. Everything that reaches the fakes is
 * recorded, so a test can say exactly which peer calls a branch made.
 *
 * One FakeSite per test: it is its own design (designRef) and task, so tests sharing the worker never meet.
 */
import { withLiveNodes } from '../../client/drydockClient';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BootActionExpectation, MachineInfo, NodeRef, StartResult, StepReport } from '../../activities/contract';
import type { TargetNodes } from '../../activities/design';
import { mapFailures } from '../../activities/failures';
import type { BusyNode } from '../../activities/nodeClaims';
import type { IntrospectionReport } from '../../activities/introspection';
import type { NodeActivities } from '../../activities/orchestration';
import { COMMISSION_FROM, COMMISSIONED, COMMISSIONING, DEPLOY_FROM, RELEASE_FROM, STATUS_NAMES, NodeStatus, type MaasStatusName } from '../../common/maasStatus';
import type { OrchestratorSettings } from '../../common/orchestratorConfig';
import { PermanentDriverError, TransientDriverError } from '../../drivers/errors';
import { BOOT_ACTION_STATUS_SIGNAL, type BootActionStatusReport, type RenderedBootAction } from '../../common/bootActionProtocol';
import { nodeWorkflowId, type NodeOutcome } from '../../workflows/node/nodeRun';
import { taskWorkflowId, type Task } from '../../workflows/task';
import { fastSettings, temporalAddress } from './temporal';

const S = STATUS_NAMES;
const MAAS_URL = 'http://maas.fake:5240/MAAS';
const HTTP_TEXT: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** A boot action targeting the node; the node reports it (when signaling) once a deployment ends Deployed. */
export interface FakeBootAction {
  name: string;
  signaling: boolean;
  /** What the node reports; 'never': it stays silent (the report never arrives). */
  report: 'success' | 'failure' | 'never';
}

/** How one machine behaves. Unscripted operations fail the test loudly instead of guessing an outcome. */
export interface MachineScript {
  /** MaaS status at the start; undefined: MaaS does not know the node until it is PXE booted and power-cycled. */
  status?: MaasStatusName;
  /**
   * Status reads until an operation (also one already under way at the start) ends; the reads before show its
   * in-progress status. Default 1: it has ended by the first read. Each read after the first costs the runbook a
   * poll_interval timer, which the dev server fires after about a second however short it is.
   */
  polls?: number;
  /** Lookups by identity after the power cycle until an unknown machine has enlisted (default 1). */
  enlistsAfter?: number;
  /** Where an operation already under way at the start (status Deploying, Disk erasing, Commissioning) ends. */
  ends?: MaasStatusName;
  /** Where each successive deployment, release and commissioning ends: one entry per call MaaS accepts. */
  deploys?: MaasStatusName[];
  releases?: MaasStatusName[];
  commissions?: MaasStatusName[];
  bootActions?: FakeBootAction[];
  /** What introspection finds wrong with the machine's hardware (default: nothing). */
  hardwareProblems?: string[];
}

/** A peer outage: the activity fails with a transient driver error (as the MaaS driver maps HTTP 5xx) while `while()` holds. */
export interface Outage {
  activity: keyof NodeActivities;
  status: number;
  while: () => boolean;
}

/** One machine in the fake MaaS: its status, and the operation under way with the status it will end in. */
class FakeMachine {
  status: string | undefined;
  private pending: { left: number; ends: string; deployedBy?: string } | undefined;
  private enlisting: number | undefined;
  private readonly queues: Record<'deploy' | 'release' | 'commission', string[]>;

  constructor(
    readonly systemId: string,
    readonly hostname: string,
    private readonly script: MachineScript,
  ) {
    this.status = script.status;
    this.queues = { deploy: [...(script.deploys ?? [])], release: [...(script.releases ?? [])], commission: [...(script.commissions ?? [])] };
    if (script.ends) this.pending = { left: this.polls, ends: script.ends };
  }

  private get polls(): number {
    return this.script.polls ?? 1;
  }

  get info(): MachineInfo {
    return { systemId: this.systemId, hostname: this.hostname, statusName: this.status! };
  }

  /** Deleted from MaaS: unknown until it is PXE booted again and enlists anew. */
  deleted(): void {
    this.status = undefined;
    this.pending = undefined;
  }

  get hardwareProblems(): string[] {
    return this.script.hardwareProblems ?? [];
  }

  /** A PXE-booted unknown machine enlists (as New, as MaaS's enlistment does) some lookups later. */
  powerCycled(): void {
    if (this.status === undefined) this.enlisting ??= this.script.enlistsAfter ?? 1;
  }

  /** A lookup by the node's identity: undefined until the machine has enlisted. */
  lookup(): MachineInfo | undefined {
    if (this.enlisting !== undefined && --this.enlisting <= 0) {
      this.status = S[NodeStatus.NEW];
      this.enlisting = undefined;
    }
    return this.status === undefined ? undefined : this.info;
  }

  /** Starts an operation: the machine shows its in-progress status at once and ends as the script says. */
  start(kind: 'deploy' | 'release' | 'commission', inProgress: string, deployedBy?: string): void {
    const ends = this.queues[kind].shift();
    if (!ends) throw new Error(`fake MaaS: ${this.hostname}: no ${kind} outcome scripted for this call`);
    this.status = inProgress;
    this.pending = { left: this.polls, ends, deployedBy };
  }

  /** One status read: an operation under way advances by one poll. Returns the workflow a finished deployment was started by. */
  poll(): { info: MachineInfo; deployedBy?: string } {
    const p = this.pending;
    if (p && --p.left <= 0) {
      this.status = p.ends;
      this.pending = undefined;
      if (p.ends === S[NodeStatus.DEPLOYED]) return { info: this.info, deployedBy: p.deployedBy };
    }
    return { info: this.info };
  }
}

export type SettingsOverrides = Partial<Omit<OrchestratorSettings, 'timeouts'>> & { timeouts?: Partial<OrchestratorSettings['timeouts']> };

/** One test's site: its design reference, task, settings, machines, and a record of every activity call. */
export class FakeSite {
  readonly taskId = randomUUID();
  readonly designRef = `fake://site/${this.taskId}`;
  readonly name = 'fake';
  readonly machines = new Map<string, FakeMachine>();
  readonly bootActions = new Map<string, FakeBootAction[]>();
  /** Every activity call, in order: activity name and node (or '' for site-wide ones). */
  readonly calls: { activity: string; node: string }[] = [];
  /** Activities that noticed the cancellation of their call (the terminate reached the peer call). */
  readonly cancelled: string[] = [];
  readonly outages: Outage[] = [];
  /** Activities that never answer: they heartbeat until cancelled. */
  readonly hang = new Set<string>();
  busy: BusyNode[] = [];
  readonly settings: OrchestratorSettings;
  private readonly callWaiters: { activity: string; resolve: () => void }[] = [];

  /** `settings` change the test's fast settings (fastSettings, polls every 50 ms); a timeout given alone keeps the others. */
  constructor(nodes: Record<string, MachineScript>, settings: SettingsOverrides = {}) {
    let i = 0;
    for (const [name, script] of Object.entries(nodes)) {
      this.machines.set(name, new FakeMachine(`sys${++i}`, name, script));
      this.bootActions.set(name, script.bootActions ?? []);
    }
    const { timeouts, ...rest } = settings;
    const fast = fastSettings({ poll_interval: 0.05, transient_retry_minutes: 0.5, step_max_retries: 3, ...rest });
    this.settings = { ...fast, timeouts: { ...fast.timeouts, ...timeouts } };
  }

  count(activity: string, node?: string): number {
    return this.calls.filter((c) => c.activity === activity && (node === undefined || c.node === node)).length;
  }

  /** The activities called, in order, without repeats of the same one in a row (polls collapse to one). */
  sequence(node: string): string[] {
    return this.calls
      .filter((c) => c.node === node)
      .map((c) => c.activity)
      .filter((a, i, all) => a !== all[i - 1]);
  }

  /** Resolves once `activity` has been called. */
  called(activity: string): Promise<void> {
    if (this.count(activity) > 0) return Promise.resolve();
    return new Promise((resolve) => this.callWaiters.push({ activity, resolve }));
  }

  record(activity: string, node: string): void {
    this.calls.push({ activity, node });
    for (const w of this.callWaiters.filter((x) => x.activity === activity)) w.resolve();
  }

  machine(node: string): FakeMachine {
    const m = this.machines.get(node);
    if (!m) throw new Error(`fake site: no node ${node}`);
    return m;
  }
}

/** The node activities over the fake MaaS, with the real failure mapping (activities/failures.ts) around them. */
function nodeActivities(sites: Map<string, FakeSite>, client: () => Client) {
  const siteOf = (ref: NodeRef): FakeSite => {
    const s = sites.get(ref.designRef);
    if (!s) throw new Error(`fake activities: unknown design ${ref.designRef}`);
    return s;
  };
  /** Records the call, then plays the site's outage or hang for it, as the peer would. */
  const enter = async (activity: keyof NodeActivities, ref: NodeRef): Promise<FakeSite> => {
    const site = siteOf(ref);
    site.record(activity, ref.node);
    const outage = site.outages.find((o) => o.activity === activity && o.while());
    if (outage) {
      const text = `MAAS Error: ${outage.status} - ${HTTP_TEXT[outage.status] ?? 'Server Error'}`;
      throw new TransientDriverError(text, { operation: activity, node: ref.node, address: MAAS_URL, peer: 'MaaS' });
    }
    if (site.hang.has(activity)) {
      const ctx = Context.current();
      try {
        for (;;) {
          ctx.heartbeat();
          await ctx.sleep(50);
        }
      } catch (e) {
        site.cancelled.push(activity);
        throw e;
      }
    }
    return site;
  };
  const configured = (what: string): StepReport => ({ messages: [`${what} configured (fake MaaS)`] });

  const activities = {
    async findMachine(ref: NodeRef): Promise<MachineInfo | null> {
      return (await enter('findMachine', ref)).machine(ref.node).lookup() ?? null;
    },
    async updateIdentity(ref: NodeRef, _systemId: string): Promise<void> {
      await enter('updateIdentity', ref);
    },
    async setPxeBoot(ref: NodeRef): Promise<string> {
      await enter('setPxeBoot', ref);
      return 'pxe';
    },
    async powerCycle(ref: NodeRef): Promise<void> {
      (await enter('powerCycle', ref)).machine(ref.node).powerCycled();
    },
    async startCommission(ref: NodeRef, _systemId: string): Promise<StartResult> {
      const m = (await enter('startCommission', ref)).machine(ref.node);
      if (COMMISSIONING.has(m.status!) || COMMISSIONED.has(m.status!)) return 'already';
      if (!COMMISSION_FROM.has(m.status!)) throw new PermanentDriverError(`machine is ${m.status}; cannot commission`, { operation: 'commission', node: ref.node });
      m.start('commission', S[NodeStatus.COMMISSIONING]);
      return 'started';
    },
    async machineStatus(ref: NodeRef, _systemId: string): Promise<MachineInfo> {
      const site = await enter('machineStatus', ref);
      const { info, deployedBy } = site.machine(ref.node).poll();
      // The deployed node runs its boot actions and reports them to the workflow that deployed it.
      if (deployedBy) {
        const handle = client().workflow.getHandle(deployedBy);
        for (const a of site.bootActions.get(ref.node) ?? []) {
          if (a.signaling && a.report !== 'never') {
            const failed = a.report === 'failure';
            const details = [{ message: `${a.name} ${failed ? 'failed' : 'succeeded'} on ${ref.node}`, error: failed }];
            await handle.signal<[BootActionStatusReport]>(BOOT_ACTION_STATUS_SIGNAL, { actionId: fakeActionId(deployedBy, a.name), status: a.report, details });
          }
        }
      }
      return info;
    },
    async applyNetworking(ref: NodeRef, _systemId: string): Promise<StepReport> {
      await enter('applyNetworking', ref);
      return configured('Interfaces');
    },
    async applyStorage(ref: NodeRef, _systemId: string): Promise<StepReport> {
      await enter('applyStorage', ref);
      return configured('Storage');
    },
    async applyPlatform(ref: NodeRef, _systemId: string): Promise<StepReport> {
      await enter('applyPlatform', ref);
      return configured('Platform');
    },
    async startDeploy(ref: NodeRef, _systemId: string, workflowId: string): Promise<StartResult> {
      const m = (await enter('startDeploy', ref)).machine(ref.node);
      if (m.status === S[NodeStatus.DEPLOYED] || m.status === S[NodeStatus.DEPLOYING]) return 'already';
      if (!DEPLOY_FROM.has(m.status!)) throw new PermanentDriverError(`machine is ${m.status}; cannot deploy`, { operation: 'deploy', node: ref.node });
      m.start('deploy', S[NodeStatus.DEPLOYING], workflowId);
      return 'started';
    },
    async startRelease(ref: NodeRef, _systemId: string): Promise<StartResult> {
      const m = (await enter('startRelease', ref)).machine(ref.node);
      if (!RELEASE_FROM.has(m.status!)) return 'already';
      // Released with a disk erase, as Drydock's DestroyNode asks.
      m.start('release', S[NodeStatus.DISK_ERASING]);
      return 'started';
    },
    async introspectNode(ref: NodeRef, _systemId: string): Promise<IntrospectionReport> {
      const m = (await enter('introspectNode', ref)).machine(ref.node);
      return { results: [{ name: 'maas-lshw', sha256: 'fake' }], logicalNames: { nic_pxe: 'eno1' }, problems: m.hardwareProblems, stored: 0 };
    },
    async resetStorage(ref: NodeRef, _systemId: string): Promise<StepReport> {
      await enter('resetStorage', ref);
      return { messages: [] };
    },
    async deleteMachine(ref: NodeRef, _systemId: string): Promise<'deleted' | 'absent'> {
      const m = (await enter('deleteMachine', ref)).machine(ref.node);
      if (m.status === undefined) return 'absent';
      m.deleted();
      return 'deleted';
    },
    async nodeBootActions(ref: NodeRef, workflowId: string): Promise<BootActionExpectation[]> {
      const site = await enter('nodeBootActions', ref);
      return (site.bootActions.get(ref.node) ?? []).map((a) => ({ name: a.name, actionId: fakeActionId(workflowId, a.name), signaling: a.signaling }));
    },
    async renderBootActions(ref: NodeRef, workflowId: string): Promise<RenderedBootAction[]> {
      const site = await enter('renderBootActions', ref);
      return (site.bootActions.get(ref.node) ?? []).map((a) => ({ name: a.name, actionId: fakeActionId(workflowId, a.name), signaling: a.signaling, assets: [] }));
    },
  } satisfies Partial<NodeActivities>;
  return mapFailures(activities, (a) => (a === 'setPxeBoot' || a === 'powerCycle' ? 'BMC' : 'MaaS'));
}

const fakeActionId = (workflowId: string, name: string) => `${workflowId}/${name}`;

/** The activities a node action's parent workflow calls (workflows/action.ts, workflows/nodeAction.ts), over the sites. */
function actionActivities(sites: Map<string, FakeSite>) {
  const byDesign = (designRef: string): FakeSite => {
    const s = sites.get(designRef);
    if (!s) throw new Error(`fake activities: unknown design ${designRef}`);
    return s;
  };
  return {
    /** A local activity without input: the workflow that asks says which test's settings it runs with. */
    async orchestratorSettings(): Promise<OrchestratorSettings> {
      const id = Context.current().info.workflowExecution?.workflowId ?? '';
      const s = [...sites.values()].find((x) => id.endsWith(x.taskId));
      if (!s) throw new Error(`fake activities: no site for workflow ${id}`);
      return s.settings;
    },
    async resolveTargetNodes(input: { designRef: string }): Promise<TargetNodes> {
      const s = byDesign(input.designRef);
      s.record('resolveTargetNodes', '');
      return { site: s.name, contentHash: `hash-${s.taskId}`, nodes: [...s.machines.keys()] };
    },
    async busyNodes(input: { site: string; nodes: string[]; taskId: string }): Promise<BusyNode[]> {
      const s = [...sites.values()].find((x) => x.taskId === input.taskId);
      if (!s) throw new Error(`fake activities: no site for task ${input.taskId}`);
      s.record('busyNodes', '');
      return s.busy.filter((b) => input.nodes.includes(b.node));
    },
  };
}

export type NodeAction = 'prepare_nodes' | 'deploy_nodes' | 'destroy_nodes';

/** A node action started on a fake site: its parent's handle, and its per-node children. */
export interface FakeRun {
  handle: WorkflowHandle;
  /** The parent's task once it has ended. */
  result(): Promise<Task>;
  /** The parent's task now (its `task` query). */
  task(): Promise<Task>;
  /** A node's child workflow outcome once it has ended, with every message the child recorded. */
  outcome(node: string): Promise<NodeOutcome>;
}

/** A worker with the fake activities on a task queue of its own, its client, and the sites the tests run on. */
export class FakeSiteWorker {
  private readonly running: Promise<void>;

  private constructor(
    readonly client: Client,
    private readonly clientConnection: Connection,
    private readonly connection: NativeConnection,
    private readonly worker: Worker,
    readonly taskQueue: string,
    private readonly sites: Map<string, FakeSite>,
  ) {
    this.running = worker.run();
  }

  static async start(): Promise<FakeSiteWorker> {
    const address = temporalAddress();
    const taskQueue = `test-fake-site-${randomUUID().slice(0, 8)}`;
    const sites = new Map<string, FakeSite>();
    const connection = await NativeConnection.connect({ address });
    const clientConnection = await Connection.connect({ address });
    const client = new Client({ connection: clientConnection });
    try {
      const worker = await Worker.create({
        connection,
        namespace: 'default',
        taskQueue,
        workflowBundle: { codePath: process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE! },
        activities: { ...actionActivities(sites), ...nodeActivities(sites, () => client) },
        // Cancellation reaches an activity in a heartbeat's answer: do not hold heartbeats back for seconds.
        maxHeartbeatThrottleInterval: '100 ms',
        shutdownGraceTime: '1 s',
      });
      return new FakeSiteWorker(client, clientConnection, connection, worker, taskQueue, sites);
    } catch (e) {
      await clientConnection.close();
      await connection.close();
      throw e;
    }
  }

  /** Starts `action` on the site's nodes, as `drydock task create` would. */
  async run(action: NodeAction, site: FakeSite, opts: { executionTimeout?: Duration } = {}): Promise<FakeRun> {
    this.sites.set(site.designRef, site);
    const handle = await this.client.workflow.start(action, {
      taskQueue: this.taskQueue,
      workflowId: taskWorkflowId(action, site.taskId),
      args: [{ taskId: site.taskId, designRef: site.designRef, nodeFilter: null }],
      workflowExecutionTimeout: opts.executionTimeout ?? '1 minute',
    });
    const childAction = action.replace(/s$/, '');
    return {
      handle,
      result: () => handle.result() as Promise<Task>,
      // As DrydockClient.getTask: a running node's step comes from its child.
      task: async () => withLiveNodes(this.client, await handle.query<Task>('task')),
      outcome: (node) => this.client.workflow.getHandle(nodeWorkflowId(site.name, childAction, node, site.taskId, 0)).result() as Promise<NodeOutcome>,
    };
  }

  async close(): Promise<void> {
    this.worker.shutdown();
    await this.running;
    await this.clientConnection.close();
    await this.connection.close();
  }
}
