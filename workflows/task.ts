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
 * Holds a task while its workflow runs and applies Drydock's result rules:
 * success(focus) and failure(focus) move the status towards partial_success when results mix (Drydock's TaskStatus.success/failure).
 */
export class TaskRecorder {
  private readonly task: Task;

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

  success(focus?: string): void {
    const r = this.task.result;
    r.status = r.status === 'failure' || r.status === 'partial_success' ? 'partial_success' : 'success';
    if (focus !== undefined && !r.successes.includes(focus)) r.successes.push(focus);
    this.task.updated = this.now();
  }

  failure(focus?: string): void {
    const r = this.task.result;
    r.status = r.status === 'success' || r.status === 'partial_success' ? 'partial_success' : 'failure';
    if (focus !== undefined && !r.failures.includes(focus)) r.failures.push(focus);
    this.task.updated = this.now();
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
    this.task.result.details.messageList.push(m);
    if (m.error) this.task.result.details.errorCount += 1;
    this.task.updated = m.ts;
  }

  registerSubtask(subtaskId: string, action: string): void {
    this.task.subtask_id_list.push(subtaskId);
    this.addMessage(`Started subtask ${subtaskId} for action ${action}`, { ctxType: 'task', ctx: this.task.task_id });
  }

  setNode(name: string, progress: NodeProgress): void {
    this.task.nodes[name] = progress;
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
    return JSON.parse(JSON.stringify(this.task)) as Task;
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
