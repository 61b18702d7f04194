import { defineSignal, getExternalWorkflowHandle, isCancellation, patched, setHandler, sleep, workflowInfo, CancellationScope } from '@temporalio/workflow';
import type { MachineInfo, NodeRef } from '../../activities/contract';
import type { OrchestratorSettings } from '../../common/orchestratorConfig';
import { failureMessage } from '../action';
import { taskQuery } from '../messages';
import { legacyNode, node as nodeActivities, nodeReads } from '../proxies';
import { TaskRecorder, type ResultStatus } from '../task';
import { retryTransient, waitLine } from '../transient';

/** What a parent action gives each per-node child workflow. */
export interface NodeActionInput {
  parentWorkflowId: string;
  taskId: string;
  designRef: string;
  contentHash: string;
  node: string;
  retry: number;
  settings: OrchestratorSettings;
}

export interface NodeOutcome {
  node: string;
  result: 'success' | 'failure';
  /** The last step the node reached. */
  step: string;
  /** The node's messages; `parent`: a result the parent task lists too (errors always are). */
  messages: { message: string; error: boolean; parent?: boolean }[];
}

export interface NodeProgressUpdate {
  node: string;
  step: string;
  result: ResultStatus;
  message?: string;
}

/** Children tell their parent which step they are on, so the parent's task shows live per-node progress. */
export const nodeProgressSignal = defineSignal<[NodeProgressUpdate]>('nodeProgress');

/** Short node calls as local activities (NodeRun.reads). */
export const LOCAL_NODE_READS = 'local-node-reads';

/** Raised inside a node workflow to end it as a failure with an operator-readable message. */
export class NodeStepFailed extends Error {}

/**
 * The running state of one node's workflow: its own task (answering the `task` query, so an operator can
 * open the child in the Web UI), the current step, and progress signals to the parent.
 */
export class NodeRun {
  readonly task: TaskRecorder;
  readonly ref: NodeRef;
  private current = 'start';

  constructor(
    action: string,
    readonly input: NodeActionInput,
  ) {
    this.task = new TaskRecorder(action, { taskId: input.taskId, designRef: input.designRef, nodeFilter: null, parentTaskId: input.taskId }, workflowInfo().workflowId);
    this.ref = { taskId: input.taskId, designRef: input.designRef, contentHash: input.contentHash, node: input.node };
    setHandler(taskQuery, () => this.task.snapshot());
    this.task.setStatus('running');
  }

  get step(): string {
    return this.current;
  }

  /** Enter a named step of the runbook. */
  async enter(step: string): Promise<void> {
    this.current = step;
    this.task.setNode(this.input.node, { step, result: 'incomplete', workflowId: workflowInfo().workflowId });
    await this.notify('incomplete');
  }

  /** Messages the parent task lists beside the errors: the node's results, e.g. a boot action's report. */
  private readonly forParent = new Set<number>();

  /** A result of the node an operator looks for in the task itself (Drydock lists them on the task). */
  result(message: string): void {
    this.forParent.add(this.task.snapshot().result.details.messageList.length);
    this.info(message);
  }

  info(message: string): void {
    this.task.addMessage(message, { ctxType: 'node', ctx: this.input.node });
  }

  error(message: string): void {
    this.task.addMessage(message, { error: true, ctxType: 'node', ctx: this.input.node });
  }

  /**
   * Runs the node's runbook and turns its end into an outcome: a NodeStepFailed or an activity failure
   * becomes a failure naming the step; cancellation (task terminate) leaves a message saying where it stopped.
   */
  async run(runbook: () => Promise<void>): Promise<NodeOutcome> {
    let result: 'success' | 'failure' = 'success';
    try {
      await runbook();
    } catch (e) {
      result = 'failure';
      if (isCancellation(e)) {
        await CancellationScope.nonCancellable(async () => {
          this.task.markTerminated(null);
          this.error(`Action terminated during step ${this.current}.`);
        });
      } else {
        this.error(`${this.current}: ${failureMessage(e)}`);
      }
    }
    if (result === 'success') this.task.success(this.input.node);
    else this.task.failure(this.input.node);
    if (this.task.status !== 'terminated') this.task.setStatus('complete');
    const final = result === 'success' ? 'done' : this.current;
    this.task.setNode(this.input.node, { step: final, result, workflowId: workflowInfo().workflowId });
    await CancellationScope.nonCancellable(() => this.notify(result));
    const snapshot = this.task.snapshot();
    return {
      node: this.input.node,
      result,
      step: final,
      messages: snapshot.result.details.messageList.map((m, i) => ({ message: m.message, error: m.error, ...(this.forParent.has(i) ? { parent: true } : {}) })),
    };
  }

  private async notify(result: ResultStatus, message?: string): Promise<void> {
    // The parent's history grew by a signal per step and node; the node's live step is read from this
    // workflow's own `task` query instead (DrydockClient.getTask). Older histories replay with the signals.
    if (patched('progress-from-children')) return;
    try {
      await getExternalWorkflowHandle(this.input.parentWorkflowId).signal(nodeProgressSignal, {
        node: this.input.node,
        step: this.current,
        result,
        ...(message === undefined ? {} : { message }),
      });
    } catch (e) {
      // A parent that has already closed (e.g. terminated) cannot be told; the child's own result stands.
      if (isCancellation(e)) throw e;
    }
  }

  private localReads: boolean | undefined;

  /**
   * The stubs for the short node calls: local activities once patched('local-node-reads') (asked at the
   * first use, the same point on replay); the histories before it scheduled them as activities.
   */
  get reads(): Pick<typeof nodeReads, keyof typeof nodeReads> {
    this.localReads ??= patched(LOCAL_NODE_READS);
    return this.localReads ? nodeReads : nodeActivities;
  }

  /** Drydock's retry_task(max_attempts) for DeployNode, ConfigureHardware and DestroyNode. */
  get maxRetries(): number {
    return this.input.settings.step_max_retries ?? 3;
  }

  /**
   * An activity call that rides out a peer outage: transient errors are retried for the settings' window
   * (DRYDOCK_TRANSIENT_RETRY_MINUTES) while the node's progress says what it waits for.
   */
  call<T>(activity: () => Promise<T>): Promise<T> {
    return retryTransient(activity, {
      windowMinutes: this.input.settings.transient_retry_minutes ?? 10,
      onWait: (w) => {
        if (w.failures === 1) this.info(`${this.current}: ${w.peer} unavailable (${w.reason}): ${w.message}`);
        this.progress(waitLine(w));
      },
      onRecovered: (failures) => this.info(`${this.current}: peer answered again after ${failures} failed attempt(s)`),
    });
  }

  /** A progress line for the node (shown by `drydock task wait`) without leaving the current step. */
  progress(message: string): void {
    this.task.setNode(this.input.node, { step: this.current, result: 'incomplete', workflowId: workflowInfo().workflowId, message });
    void this.notify('incomplete', message);
  }

  /**
   * Polls MaaS between durable timers until the machine reaches a wanted status (`done`), a failed one
   * (`failed`), or the Drydock timeout (minutes) passes, which fails the step. A worker crash in between costs
   * nothing: the next poll simply happens later.
   */
  async awaitStatus(
    systemId: string,
    opts: { done: (s: string) => boolean; failed: (s: string) => boolean; timeoutMinutes: number; what: string },
  ): Promise<{ outcome: 'done' | 'failed'; machine: MachineInfo }> {
    const deadline = Date.now() + opts.timeoutMinutes * 60_000;
    for (;;) {
      const m = await this.call(() => this.reads.machineStatus(this.ref, systemId));
      if (opts.done(m.statusName)) return { outcome: 'done', machine: m };
      if (opts.failed(m.statusName)) return { outcome: 'failed', machine: m };
      if (Date.now() >= deadline) {
        throw new NodeStepFailed(`${opts.what} timed out after ${opts.timeoutMinutes} min (MaaS status ${m.statusName})`);
      }
      await sleep(this.input.settings.poll_interval * 1000);
    }
  }

  /** The runbooks before 'node-runbooks-v2' wait with this (workflows/node/v1.ts). */
  async waitForMachine(systemId: string, opts: { done: (s: string) => boolean; failed: (s: string) => boolean; timeoutMinutes: number; what: string }): Promise<MachineInfo> {
    const deadline = Date.now() + opts.timeoutMinutes * 60_000;
    for (;;) {
      const m = await legacyNode.machineStatus(this.ref, systemId);
      if (opts.done(m.statusName)) return m;
      if (opts.failed(m.statusName)) throw new NodeStepFailed(`${opts.what} failed: MaaS status ${m.statusName}`);
      if (Date.now() >= deadline) {
        throw new NodeStepFailed(`${opts.what} timed out after ${opts.timeoutMinutes} min (MaaS status ${m.statusName})`);
      }
      await sleep(this.input.settings.poll_interval * 1000);
    }
  }
}

/** Readable child workflow id: site, action, node, then the task (and retry) it belongs to. */
export function nodeWorkflowId(site: string, action: string, node: string, taskId: string, retry: number): string {
  return `${site}-${action}-${node}-${taskId}${retry ? `-r${retry}` : ''}`;
}
