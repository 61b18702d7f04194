/**
 * Drydock's task shape (task.py `to_dict`, result `to_dict`) and its result rules, as plain data.
 * Workflow-safe: no I/O, no clocks; callers pass timestamps from the workflow's own clock.
 * The task state is derived from the running workflow and returned by its `task` query, never stored twice.
 */

import type { NodeFilterSet } from '../design/model';

export type { NodeFilter, NodeFilterSet } from '../design/model';

export const TOP_LEVEL_ACTIONS = [
  'noop',
  'validate_design',
  'verify_site',
  'prepare_site',
  'verify_nodes',
  'prepare_nodes',
  'deploy_nodes',
  'destroy_nodes',
  'relabel_nodes',
] as const;
export type Action = (typeof TOP_LEVEL_ACTIONS)[number];

export type TaskStatus = 'requested' | 'queued' | 'running' | 'terminating' | 'terminated' | 'complete';
export type ResultStatus = 'incomplete' | 'success' | 'partial_success' | 'failure';

export interface TaskMessage {
  message: string;
  error: boolean;
  context_type: string;
  context: string;
  ts: string;
  extra?: Record<string, unknown>;
}

export interface TaskResult {
  kind: 'Status';
  apiVersion: 'v1.0';
  metadata: Record<string, never>;
  message: string | null;
  reason: string | null;
  status: ResultStatus;
  successes: string[];
  failures: string[];
  links: { rel: string; href: string }[];
  details: { errorCount: number; messageList: TaskMessage[] };
}

/** Where one node stands in a node action, for progress displays and per-node results. */
export interface NodeProgress {
  /** The step the node is on or ended at, e.g. "commission", "deploy", "done". */
  step: string;
  result: ResultStatus;
  /** Child workflow that does this node's work, when there is one. */
  workflowId?: string;
  message?: string;
}

export interface Task {
  kind: 'Task';
  apiVersion: 'v1';
  task_id: string;
  action: string;
  parent_task_id: string | null;
  design_ref: string;
  status: TaskStatus;
  result: TaskResult;
  node_filter: NodeFilterSet | null;
  subtask_id_list: string[];
  created: string;
  created_by: string | null;
  updated: string;
  terminated: string | null;
  terminated_by: string | null;
  terminate: boolean;
  retry: number;
  /** Not in Drydock: the Temporal workflow that runs this task, and per-node progress. */
  workflow_id: string;
  nodes: Record<string, NodeProgress>;
  /** validate_design only: the design's validation status in Drydock's Validation shape. */
  validation?: { loaded: boolean; contentHash: string; status: unknown };
}

/** What a client passes to start any action. */
export interface ActionInput {
  taskId: string;
  designRef: string;
  nodeFilter: NodeFilterSet | null;
  createdBy?: string;
  /** Set by `drydock task retry`: the task whose failed nodes this run targets. */
  retryOf?: { taskId: string; retry: number; successes: string[] };
  parentTaskId?: string;
}

/**
 * How large a task may grow in the workflow that records it. Its result is one payload in Temporal's history,
 * refused above the server's blob size limit (`limit.blobSize.error`, 2 MiB by default), and its `task` query
 * answers with the same document. A task over many thousands of nodes passes `compactAboveBytes`: from then on a
 * finished node keeps its step and result only, and node messages that are not errors are left out; past
 * `dropAboveBytes` error messages are left out too. Each node's own workflow (and its batch's result) still holds
 * everything; the task says how much it left out.
 */
export interface TaskSizeLimits {
  compactAboveBytes: number;
  dropAboveBytes: number;
  /** Asked once, when the task first passes `compactAboveBytes`: a workflow answers with `patched()`. */
  mayCompact: () => boolean;
}

/**
 * The limits for a server whose payload limit is `limitBytes`: far enough below it that the worst case (every
 * node failing, each with its messages) stays below it at 20,000 nodes.
 */
export function taskSizeLimits(limitBytes: number, mayCompact: () => boolean): TaskSizeLimits {
  return { compactAboveBytes: Math.floor(limitBytes / 3), dropAboveBytes: Math.floor(limitBytes / 2), mayCompact };
}

/**
 * Holds a task while its workflow runs and applies Drydock's result rules:
 * success(focus) and failure(focus) move the status towards partial_success when results mix (Drydock's TaskStatus.success/failure).
 */
export class TaskRecorder {
  private readonly task: Task;
  /** JSON size of the node entries and messages, what grows with the node count (see TaskSizeLimits). */
  private nodeBytes = 0;
  private messageBytes = 0;
  /** Whether the task records compactly: undefined until it first passes compactAboveBytes. */
  private compact: boolean | undefined;
  private readonly omitted = { messages: 0, errors: 0 };
  private limits?: TaskSizeLimits;

  /**
   * `clock` stamps every change; workflow code leaves the default, Temporal's deterministic clock inside a
   * workflow, and tests pass their own.
   */
  constructor(
    action: string,
    input: ActionInput,
    workflowId: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    const ts = this.now();
    this.task = {
      kind: 'Task',
      apiVersion: 'v1',
      task_id: input.taskId,
      action,
      parent_task_id: input.parentTaskId ?? null,
      design_ref: input.designRef,
      status: 'requested',
      result: {
        kind: 'Status',
        apiVersion: 'v1.0',
        metadata: {},
        message: null,
        reason: null,
        status: 'incomplete',
        successes: [],
        failures: [],
        links: [],
        details: { errorCount: 0, messageList: [] },
      },
      node_filter: input.nodeFilter,
      subtask_id_list: [],
      created: ts,
      created_by: input.createdBy ?? null,
      updated: ts,
      terminated: null,
      terminated_by: null,
      terminate: false,
      retry: input.retryOf ? input.retryOf.retry + 1 : 0,
      workflow_id: workflowId,
      nodes: {},
    };
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** Bounds the task's size from now on (before any node is recorded: the sizes count from here). */
  limitSize(limits: TaskSizeLimits): void {
    this.limits = limits;
  }

  get status(): TaskStatus {
    return this.task.status;
  }
  get result(): ResultStatus {
    return this.task.result.status;
  }
  get successes(): readonly string[] {
    return this.task.result.successes;
  }
  get failures(): readonly string[] {
    return this.task.result.failures;
  }

  setStatus(status: TaskStatus): void {
    this.task.status = status;
    this.task.updated = this.now();
  }

  /** Nodes already in successes / failures: a 10,000-node task would scan its lists once per node otherwise. */
  private readonly listed = { successes: new Set<string>(), failures: new Set<string>() };

  success(focus?: string): void {
    const r = this.task.result;
    r.status = r.status === 'failure' || r.status === 'partial_success' ? 'partial_success' : 'success';
    this.listOnce('successes', focus);
    this.task.updated = this.now();
  }

  failure(focus?: string): void {
    const r = this.task.result;
    r.status = r.status === 'success' || r.status === 'partial_success' ? 'partial_success' : 'failure';
    this.listOnce('failures', focus);
    this.task.updated = this.now();
  }

  private listOnce(list: 'successes' | 'failures', focus: string | undefined): void {
    if (focus === undefined || this.listed[list].has(focus)) return;
    this.listed[list].add(focus);
    this.task.result[list].push(focus);
  }

  /** Drydock's result.message / result.reason, e.g. "No nodes in scope." */
  setResultMessage(message: string, reason: string | null = null): void {
    this.task.result.message = message;
    this.task.result.reason = reason;
  }

  addMessage(message: string, opts: { error?: boolean; ctxType?: string; ctx?: string; extra?: Record<string, unknown> } = {}): void {
    const m: TaskMessage = {
      message,
      error: opts.error ?? false,
      context_type: opts.ctxType ?? 'NA',
      context: opts.ctx ?? 'NA',
      ts: this.now(),
    };
    if (opts.extra) m.extra = opts.extra;
    if (m.error) this.task.result.details.errorCount += 1;
    this.task.updated = m.ts;
    if (this.leaveOut(m)) return;
    this.task.result.details.messageList.push(m);
    if (this.limits) this.messageBytes += JSON.stringify(m).length + 1;
  }

  /** Whether a message stays out of a task grown past its limits: node messages first, errors only past the last. */
  private leaveOut(m: TaskMessage): boolean {
    if (!this.overLimit() || m.context_type !== 'node') return false;
    if (!m.error || this.size() > this.limits!.dropAboveBytes) {
      this.omitted.messages += 1;
      if (m.error) this.omitted.errors += 1;
      return true;
    }
    return false;
  }

  private size(): number {
    return this.nodeBytes + this.messageBytes;
  }

  /** Decided (for good) the first time the task passes compactAboveBytes: compact if the workflow may. */
  private overLimit(): boolean {
    if (this.compact === undefined && this.limits && this.size() > this.limits.compactAboveBytes) this.compact = this.limits.mayCompact();
    return this.compact === true;
  }

  registerSubtask(subtaskId: string, action: string): void {
    this.task.subtask_id_list.push(subtaskId);
    this.addMessage(`Started subtask ${subtaskId} for action ${action}`, { ctxType: 'task', ctx: this.task.task_id });
  }

  setNode(name: string, progress: NodeProgress): void {
    // A node in flight keeps its workflow id (clients follow it there); a finished one its step and result.
    const entry = this.overLimit() && progress.result !== 'incomplete' ? { step: progress.step, result: progress.result } : progress;
    if (this.limits) {
      const before = this.task.nodes[name];
      if (before) this.nodeBytes -= JSON.stringify(before).length + name.length + 4;
      this.nodeBytes += JSON.stringify(entry).length + name.length + 4;
    }
    this.task.nodes[name] = entry;
    this.task.updated = this.now();
  }

  setValidation(v: NonNullable<Task['validation']>): void {
    this.task.validation = v;
  }

  markTerminated(by: string | null): void {
    this.task.terminate = true;
    this.task.terminated = this.now();
    this.task.terminated_by = by;
    this.task.status = 'terminated';
    this.task.updated = this.task.terminated;
  }

  /** A deep copy, so a query result never aliases the live state. */
  snapshot(): Task {
    const t = JSON.parse(JSON.stringify(this.task)) as Task;
    if (this.omitted.messages > 0) {
      const { messages, errors } = this.omitted;
      t.result.details.messageList.push({
        message:
          `${messages} node messages (${errors} of them errors) are not in this task, to keep it within Temporal's payload limit; ` +
          `each node's own workflow has them (<site>-<node action>-<node>-<task id>, e.g. in the Web UI).`,
        error: false,
        context_type: 'task',
        context: t.task_id,
        ts: t.updated,
      });
    }
    return t;
  }
}

/** Drydock's `create_nodefilter_from_nodelist`. */
export function nodeFilterFromNames(names: string[]): NodeFilterSet {
  return { filter_set_type: 'intersection', filter_set: [{ filter_type: 'union', node_names: [...names] }] };
}

/** Readable workflow id of a top-level task: the action and the task id. */
export function taskWorkflowId(action: string, taskId: string): string {
  return `${action}-${taskId}`;
}
