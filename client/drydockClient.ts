import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Client, Connection, WorkflowNotFoundError, type ConnectionLike, type WorkflowExecutionDescription } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { codecConfigFromEnv, createDataConverter } from '../common/codec';
import { connectionOptions, type TemporalConfig } from '../common/config';
import { unreachableLine } from '../common/tlsProbe';
import { DrydockAction, DrydockDesignRef, DrydockTaskId, publicDesignRef } from '../common/searchAttributes';
import { TemporalDesignLocks } from '../activities/designLocks';
import { designLockWorkflowId, unlockDesignSignal, type DesignLock } from '../workflows/designLock';
import { taskQuery } from '../workflows/messages';
import { TaskRecorder, TOP_LEVEL_ACTIONS, nodeFilterFromNames, taskWorkflowId, type Action, type ActionInput, type NodeFilterSet, type Task } from '../workflows/task';

/** The client cannot reach Temporal: one line for the user, no stack. */
export class TemporalUnreachableError extends Error {}
export class TaskNotFoundError extends Error {}
export class TaskStateError extends Error {}

export interface CreateTaskOptions {
  designRef: string;
  nodeFilter?: NodeFilterSet | null;
  createdBy?: string;
  taskId?: string;
  /** Drydock's request context (X-Context-Marker, X-End-User…), kept in the workflow's memo as `request_context`. */
  requestContext?: Record<string, unknown>;
}

export interface TaskListFilter {
  action?: string;
  /** Drydock task status: running | complete | terminated. */
  status?: string;
  node?: string;
  limit?: number;
  /** Only tasks on this task queue (one Drydock); default every queue. */
  taskQueue?: string;
}

export interface TaskSummary {
  task_id: string;
  action: string;
  status: string;
  result: string | null;
  design_ref: string;
  nodes: string[];
  created: string;
  workflow_id: string;
}

/**
 * The typed client cLCP uses to run Drydock actions. Each task is a workflow named `<action>-<task id>`;
 * its state comes from the workflow's `task` query while it runs and from its result once it is closed.
 */
export class DrydockClient {
  private constructor(
    readonly client: Client,
    readonly connection: ConnectionLike,
    readonly config: TemporalConfig & { address: string },
  ) {}

  /**
   * `dataConverter`: the payload codec and failure converter, which must match the worker's. Default: from
   * DRYDOCK_CODEC_KEY / _KEY_ID / _OLD_KEYS, as the worker does (no key: the SDK default, unencrypted).
   */
  static async connect(cfg: TemporalConfig, opts: { dataConverter?: DataConverter } = {}): Promise<DrydockClient> {
    const options = connectionOptions(cfg);
    const address = options.address;
    // A bad key is a configuration error (one line), reported before any connection attempt.
    const dataConverter = opts.dataConverter ?? createDataConverter(codecConfigFromEnv()).dataConverter;
    let connection: Connection;
    let tcpOk = false;
    try {
      await probeTcp(address, cfg.connectTimeout * 1000);
      tcpOk = true;
      connection = await withDeadline(Connection.connect({ ...options, connectTimeout: cfg.connectTimeout * 1000 }), cfg.connectTimeout * 1000 + 1000);
      await withDeadline(connection.workflowService.getSystemInfo({}), cfg.connectTimeout * 1000);
    } catch (e) {
      // TCP got through (probeTcp), gRPC did not: a TLS problem, named by one handshake of our own.
      throw new TemporalUnreachableError(await unreachableLine(cfg, e, tcpOk));
    }
    return new DrydockClient(new Client({ connection, namespace: cfg.namespace, dataConverter }), connection, { ...cfg, address });
  }

  /**
   * A client over a Temporal client that already exists (the worker's API shares the worker's connection);
   * `close()` closes that connection.
   */
  static forClient(client: Client, taskQueue: string): DrydockClient {
    const namespace = client.options.namespace;
    return new DrydockClient(client, client.connection, { address: '(shared connection)', namespace, taskQueue, connectTimeout: 5 });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Starts an action; returns at once with the task id (the workflow runs on the worker). */
  async createTask(action: Action, opts: CreateTaskOptions): Promise<{ taskId: string; workflowId: string }> {
    const taskId = opts.taskId ?? randomUUID();
    const input: ActionInput = {
      taskId,
      designRef: opts.designRef,
      nodeFilter: opts.nodeFilter ?? null,
      createdBy: opts.createdBy,
    };
    const workflowId = taskWorkflowId(action, taskId);
    await this.client.workflow.start(action, {
      taskQueue: this.config.taskQueue,
      workflowId,
      args: [input],
      ...(opts.requestContext ? { memo: { request_context: opts.requestContext } } : {}),
      typedSearchAttributes: [
        { key: DrydockTaskId, value: taskId },
        { key: DrydockAction, value: action },
        { key: DrydockDesignRef, value: publicDesignRef(opts.designRef) },
      ],
    });
    return { taskId, workflowId };
  }

  /**
   * Drydock-style retry of a finished task: the same task id runs again (a new run of the same workflow),
   * targeting only the nodes that failed and keeping the earlier successes.
   */
  async retryTask(id: string): Promise<{ taskId: string; workflowId: string; nodes: string[] }> {
    const prev = await this.getTask(id);
    if (prev.status !== 'complete' && prev.status !== 'terminated') throw new TaskStateError(`task ${prev.task_id} is still ${prev.status}; retry it once it has ended`);
    if (prev.result.failures.length === 0) throw new TaskStateError(`task ${prev.task_id} has no failed nodes to retry (result ${prev.result.status})`);
    const input: ActionInput = {
      taskId: prev.task_id,
      designRef: prev.design_ref,
      nodeFilter: nodeFilterFromNames(prev.result.failures),
      createdBy: prev.created_by ?? undefined,
      retryOf: { taskId: prev.task_id, retry: prev.retry, successes: prev.result.successes },
    };
    await this.client.workflow.start(prev.action, {
      taskQueue: this.config.taskQueue,
      workflowId: prev.workflow_id,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [input],
      typedSearchAttributes: [
        { key: DrydockTaskId, value: prev.task_id },
        { key: DrydockAction, value: prev.action },
        { key: DrydockDesignRef, value: publicDesignRef(prev.design_ref) },
      ],
    });
    return { taskId: prev.task_id, workflowId: prev.workflow_id, nodes: prev.result.failures };
  }

  /** Stops a running task cleanly: the workflow is cancelled and each node records where it stopped. */
  async terminateTask(id: string): Promise<void> {
    const d = await this.describeTask(id);
    if (d.status.name !== 'RUNNING') throw new TaskStateError(`task ${id} is not running (${d.status.name.toLowerCase()})`);
    await this.client.workflow.getHandle(d.workflowId, d.runId).cancel();
  }

  /** The site's design lock (taken by prepare_site), or undefined when the site is unlocked. */
  async siteLock(site: string): Promise<DesignLock | undefined> {
    return new TemporalDesignLocks(this.client).current(site);
  }

  /**
   * Releases a site's design lock, so actions accept a changed design. Waits (bounded) until the lock's
   * workflow has ended; a lock nobody processes in time (no worker running) stays requested.
   */
  async unlockSite(site: string, opts: { by?: string; reason?: string; waitMs?: number } = {}): Promise<DesignLock> {
    const lock = await this.siteLock(site);
    if (!lock) throw new TaskStateError(`site ${site} has no design lock`);
    const handle = this.client.workflow.getHandle(designLockWorkflowId(site));
    await handle.signal(unlockDesignSignal, { by: opts.by, reason: opts.reason });
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([handle.result().then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), opts.waitMs ?? 15000)))]).finally(() =>
      clearTimeout(timer),
    );
    if (!ended) throw new TaskStateError(`unlock of site ${site} requested, but no worker has processed it yet (is the worker running?)`);
    return lock;
  }

  /** The workflow of a task, found by task id (any action) or by workflow id. */
  async describeTask(id: string): Promise<WorkflowExecutionDescription> {
    const candidates = TOP_LEVEL_ACTIONS.some((a) => id.startsWith(`${a}-`)) ? [id] : TOP_LEVEL_ACTIONS.map((a) => taskWorkflowId(a, id));
    const found = await Promise.all(
      candidates.map((wid) =>
        this.client.workflow
          .getHandle(wid)
          .describe()
          .catch((e) => {
            if (e instanceof WorkflowNotFoundError) return undefined;
            throw e;
          }),
      ),
    );
    const d = found.find((x) => x !== undefined);
    if (!d) throw new TaskNotFoundError(`no task ${id}`);
    return d;
  }

  /** The task in Drydock's shape. */
  async getTask(id: string): Promise<Task> {
    const d = await this.describeTask(id);
    const handle = this.client.workflow.getHandle(d.workflowId, d.runId);
    switch (d.status.name) {
      case 'RUNNING':
        return withLiveNodes(this.client, await handle.query(taskQuery));
      case 'COMPLETED':
        return (await handle.result()) as Task;
      default:
        return taskFromClosedWorkflow(d);
    }
  }

  /** Follows a task until it ends, calling `onUpdate` with each new state. */
  async waitTask(id: string, onUpdate?: (t: Task) => void, pollMs = 1000): Promise<Task> {
    let last = '';
    for (;;) {
      const t = await this.getTask(id);
      const key = JSON.stringify([t.status, t.result.status, t.updated, t.nodes]);
      if (key !== last) {
        last = key;
        onUpdate?.(t);
      }
      if (t.status === 'complete' || t.status === 'terminated') return t;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * Tasks that target `node`: their own DrydockNodes lists it, or (a task of too many nodes to list) one of
   * their per-node children does.
   */
  private async nodeClause(node: string): Promise<string> {
    const taskIds = new Set<string>();
    const children = `DrydockNodes = '${quote(node)}' AND ${DrydockAction.name} NOT IN (${TOP_LEVEL_ACTIONS.map((a) => `'${a}'`).join(', ')}, 'site_design_lock')`;
    for await (const wf of this.client.workflow.list({ query: children })) {
      const id = wf.typedSearchAttributes.get(DrydockTaskId);
      if (id) taskIds.add(id);
      if (taskIds.size >= 500) break;
    }
    const byChild = taskIds.size ? ` OR ${DrydockTaskId.name} IN (${[...taskIds].map((t) => `'${quote(t)}'`).join(', ')})` : '';
    return `(DrydockNodes = '${quote(node)}'${byChild})`;
  }

  async listTasks(filter: TaskListFilter = {}): Promise<TaskSummary[]> {
    const clauses = [`${DrydockAction.name} IN (${TOP_LEVEL_ACTIONS.map((a) => `'${a}'`).join(', ')})`];
    if (filter.action) clauses.push(`${DrydockAction.name} = '${quote(filter.action)}'`);
    if (filter.node) clauses.push(await this.nodeClause(filter.node));
    if (filter.taskQueue) clauses.push(`TaskQueue = '${quote(filter.taskQueue)}'`);
    if (filter.status === 'running') clauses.push(`ExecutionStatus = 'Running'`);
    if (filter.status === 'complete') clauses.push(`ExecutionStatus = 'Completed'`);
    if (filter.status === 'terminated') clauses.push(`ExecutionStatus IN ('Terminated', 'Canceled', 'Failed', 'TimedOut')`);
    const out: TaskSummary[] = [];
    for await (const wf of this.client.workflow.list({ query: clauses.join(' AND ') })) {
      const sa = wf.typedSearchAttributes;
      out.push({
        task_id: sa.get(DrydockTaskId) ?? wf.workflowId,
        action: sa.get(DrydockAction) ?? wf.type,
        status: wf.status.name === 'RUNNING' ? 'running' : wf.status.name === 'COMPLETED' ? 'complete' : 'terminated',
        result: (sa.getAll().find((p) => p.key.name === 'DrydockResult')?.value as string | undefined) ?? null,
        design_ref: sa.get(DrydockDesignRef) ?? '',
        nodes: (sa.getAll().find((p) => p.key.name === 'DrydockNodes')?.value as string[] | undefined) ?? [],
        created: wf.startTime.toISOString(),
        workflow_id: wf.workflowId,
      });
      if (filter.limit && out.length >= filter.limit) break;
    }
    return out;
  }
}

/** A workflow terminated, cancelled or failed at the Temporal level has no task result: describe it as Drydock would. */
function taskFromClosedWorkflow(d: WorkflowExecutionDescription): Task {
  const sa = d.typedSearchAttributes;
  let at = d.startTime;
  const t = new TaskRecorder(
    sa.get(DrydockAction) ?? d.type,
    { taskId: sa.get(DrydockTaskId) ?? d.workflowId, designRef: sa.get(DrydockDesignRef) ?? '', nodeFilter: null },
    d.workflowId,
    () => at,
  );
  at = d.closeTime ?? new Date();
  t.markTerminated(null);
  t.failure();
  t.setResultMessage(`Workflow ${d.status.name.toLowerCase()}.`);
  return t.snapshot();
}

/**
 * A running node action knows which child works on each node; the child knows its step. Asking the children
 * in flight (at most DRYDOCK_MAX_PARALLEL_NODES) keeps the parent's history free of per-step signals. A large
 * task's nodes are in batch workflows: the batch names each node's own workflow, which is asked in turn.
 */
export async function withLiveNodes(client: Client, task: Task): Promise<Task> {
  const asked = new Map<string, Promise<Task | undefined>>();
  const ask = (workflowId: string) => {
    let p = asked.get(workflowId);
    if (!p) {
      // Just ended, or not started yet: the entry it was found through stands.
      p = client.workflow
        .getHandle(workflowId)
        .query(taskQuery)
        .catch(() => undefined);
      asked.set(workflowId, p);
    }
    return p;
  };
  const inFlight = Object.entries(task.nodes).filter(([, n]) => n.result === 'incomplete' && n.workflowId);
  await Promise.all(
    inFlight.map(async ([name, n]) => {
      let entry = n;
      for (let depth = 0; depth < 2 && entry.result === 'incomplete' && entry.workflowId; depth++) {
        const live = (await ask(entry.workflowId))?.nodes[name];
        if (!live) break;
        const deeper = live.workflowId && live.workflowId !== entry.workflowId;
        // A batch knows its ended nodes before the task does (it reports them when the whole batch ends).
        entry = { ...entry, step: live.step, result: live.result, message: live.message, ...(deeper ? { workflowId: live.workflowId } : {}) };
        if (!deeper) break;
      }
      task.nodes[name] = entry;
    }),
  );
  return task;
}

function quote(s: string): string {
  return s.replace(/'/g, "\\'");
}

/** A refused TCP connect fails at once; gRPC alone would retry until its deadline. */
function probeTcp(address: string, timeoutMs: number): Promise<void> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    // `[::1]:7233`: net.connect takes the IPv6 address without its brackets.
    const s = net.connect({ host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) });
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      reject(new Error('timed out'));
    });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', (e) => reject(e));
  });
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('timed out')), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
