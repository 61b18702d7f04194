import {
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  sleep,
  workflowInfo,
  CancellationScope,
} from '@temporalio/workflow';
import type { MachineInfo, NodeRef } from '../../activities/contract';
import type { OrchestratorSettings } from '../../common/orchestratorConfig';
import { failureMessage } from '../action';
import { taskQuery } from '../messages';
import { node as nodeActivities } from '../proxies';
import { TaskRecorder, type ResultStatus } from '../task';

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
  messages: { message: string; error: boolean }[];
}

export interface NodeProgressUpdate {
  node: string;
  step: string;
  result: ResultStatus;
  message?: string;
}

/** Children tell their parent which step they are on, so the parent's task shows live per-node progress. */
export const nodeProgressSignal = defineSignal<[NodeProgressUpdate]>('nodeProgress');

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
    this.task = new TaskRecorder(
      action,
      { taskId: input.taskId, designRef: input.designRef, nodeFilter: null, parentTaskId: input.taskId },
      workflowInfo().workflowId,
      new Date(),
    );
    this.ref = { taskId: input.taskId, designRef: input.designRef, contentHash: input.contentHash, node: input.node };
    setHandler(taskQuery, () => this.task.snapshot());
    this.task.setStatus('running', new Date());
  }

  get step(): string {
    return this.current;
  }

  /** Enter a named step of the runbook. */
  async enter(step: string): Promise<void> {
    this.current = step;
    this.task.setNode(this.input.node, { step, result: 'incomplete', workflowId: workflowInfo().workflowId }, new Date());
    await this.notify('incomplete');
  }

  info(message: string): void {
    this.task.addMessage(new Date(), message, { ctxType: 'node', ctx: this.input.node });
  }

  error(message: string): void {
    this.task.addMessage(new Date(), message, { error: true, ctxType: 'node', ctx: this.input.node });
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
          this.task.markTerminated(new Date(), null);
          this.error(`Action terminated during step ${this.current}.`);
        });
      } else {
        this.error(`${this.current}: ${failureMessage(e)}`);
      }
    }
    if (result === 'success') this.task.success(new Date(), this.input.node);
    else this.task.failure(new Date(), this.input.node);
    if (this.task.status !== 'terminated') this.task.setStatus('complete', new Date());
    const final = result === 'success' ? 'done' : this.current;
    this.task.setNode(this.input.node, { step: final, result, workflowId: workflowInfo().workflowId }, new Date());
    await CancellationScope.nonCancellable(() => this.notify(result));
    const snapshot = this.task.snapshot();
    return {
      node: this.input.node,
      result,
      step: final,
      messages: snapshot.result.details.messageList.map((m) => ({ message: m.message, error: m.error })),
    };
  }

  private async notify(result: ResultStatus): Promise<void> {
    try {
      await getExternalWorkflowHandle(this.input.parentWorkflowId).signal(nodeProgressSignal, {
        node: this.input.node,
        step: this.current,
        result,
      });
    } catch (e) {
      // A parent that has already closed (e.g. terminated) cannot be told; the child's own result stands.
      if (isCancellation(e)) throw e;
    }
  }

  /**
   * Polls MaaS with durable timers until the machine reaches a wanted status, fails, or the Drydock timeout
   * (minutes) passes. A worker crash in between costs nothing: the next poll simply happens later.
   */
  async waitForMachine(
    systemId: string,
    opts: { done: (s: string) => boolean; failed: (s: string) => boolean; timeoutMinutes: number; what: string },
  ): Promise<MachineInfo> {
    const deadline = Date.now() + opts.timeoutMinutes * 60_000;
    for (;;) {
      const m = await nodeActivities.machineStatus(this.ref, systemId);
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
