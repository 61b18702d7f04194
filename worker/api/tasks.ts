import { z } from 'zod';
import { TaskNotFoundError, type DrydockClient } from '../../client/drydockClient';
import { DrydockTaskId } from '../../common/searchAttributes';
import { nodeFilterFromNames, TaskRecorder, type Action, type NodeFilter, type NodeFilterSet, type Task, type TaskMessage } from '../../workflows/task';
import type { ApiContext } from './context';
import { ApiError, boolParam, intParam, readJsonObject, type ApiRequest, type Reply } from './http';
import { actionRule, POLICY, type Route } from './router';
import { buildDataView } from './nodes';
import { mapBounded } from '../../common/bounded';

/**
 * Drydock's TasksResource and TaskResource: tasks are the workflows the CLI starts (client/drydockClient.ts), so a
 * task created here is the one `drydock task list` lists and the Web UI shows.
 */

/** The actions Drydock's POST /tasks takes (TasksResource.supported_actions): every one but noop. */
export const API_ACTIONS = ['validate_design', 'verify_site', 'prepare_site', 'verify_nodes', 'prepare_nodes', 'deploy_nodes', 'destroy_nodes', 'relabel_nodes'] as const;

const nodeFilterSchema = z
  .object({
    filter_set_type: z.enum(['union', 'intersection']),
    filter_set: z.array(
      z
        .object({
          filter_type: z.enum(['union', 'intersection']).optional(),
          // Drydock's CLI sends `node_tags: null` when no tags are given (TaskCreate's inverted condition).
          node_names: z.array(z.string()).nullish(),
          node_tags: z.array(z.string()).nullish(),
          rack_names: z.array(z.string()).nullish(),
          node_labels: z.record(z.string(), z.string()).nullish(),
          rack_labels: z.record(z.string(), z.string()).nullish(),
        })
        .passthrough(),
    ),
  })
  .nullish();

/** A node filter in Drydock's format, or 400 naming what is wrong. */
export function parseNodeFilter(v: unknown): NodeFilterSet | null | undefined {
  const r = nodeFilterSchema.safeParse(v);
  if (!r.success) throw new ApiError(400, `Invalid node_filter: ${r.error.issues.map((i) => `${['node_filter', ...i.path].join('.')}: ${i.message}`).join('; ')}`);
  // Drydock treats a null criterion as absent.
  if (!r.data) return r.data;
  return {
    filter_set_type: r.data.filter_set_type,
    filter_set: r.data.filter_set.map((f) => Object.fromEntries(Object.entries(f).filter(([, x]) => x !== null)) as unknown as NodeFilter),
  };
}

export function taskRoutes(ctx: ApiContext): Route[] {
  return [
    { method: 'POST', path: '/api/v1.0/tasks', rules: [POLICY.createTask], handle: (req) => createTask(ctx, req) },
    { method: 'GET', path: '/api/v1.0/tasks', rules: [POLICY.readTask], handle: () => listTasks(ctx) },
    { method: 'DELETE', path: '/api/v1.0/tasks', rules: [POLICY.deleteTasks], handle: (req) => deleteTasks(ctx, req) },
    { method: 'GET', path: '/api/v1.0/tasks/:id', rules: [POLICY.readTask], handle: (req) => showTask(ctx, req) },
    { method: 'GET', path: '/api/v1.0/tasks/:id/builddata', rules: [POLICY.readBuildData], handle: (req) => taskBuildData(ctx, req) },
  ];
}

/**
 * TasksResource.on_post: `{action, design_ref, node_filter?}` → 201, the task with status `queued`, and
 * `Location: /api/v1.0/tasks/<id>`. Nothing starts unless every check passed.
 */
async function createTask(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const body = await readJsonObject(req);
  const { action, design_ref: designRef } = body;
  if (action === undefined || action === null || designRef === undefined || designRef === null) throw new ApiError(400, 'Task creation requires fields design_ref, action');
  if (typeof action !== 'string' || !(API_ACTIONS as readonly string[]).includes(action))
    throw new ApiError(400, `Unsupported action ${typeof action === 'string' ? action : JSON.stringify(action)}`);
  if (typeof designRef !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(designRef))
    throw new ApiError(400, `Invalid design_ref ${JSON.stringify(designRef)}: expected a URL (file://, http(s)://, deckhand+http(s)://)`);
  const nodeFilter = parseNodeFilter(body.node_filter) ?? null;
  await req.authorize([actionRule(action)]);

  const c = req.context;
  const requestContext = { request_id: c.requestId, external_marker: c.externalMarker ?? null, end_user: c.endUser ?? c.user ?? null, user: c.user ?? null, roles: c.roles ?? [] };
  const { taskId, workflowId } = await ctx.drydock.createTask(action as Action, { designRef, nodeFilter, createdBy: c.user, requestContext });
  ctx.logger.info('task created over the API', { taskId, action, requestId: c.requestId, externalMarker: c.externalMarker, endUser: requestContext.end_user });
  // The task as Drydock answers it at creation: queued, nothing done yet (the workflow's own state comes next).
  const task = new TaskRecorder(action, { taskId, designRef, nodeFilter, createdBy: c.user }, workflowId);
  task.setStatus('queued');
  return { status: 201, json: task.snapshot(), headers: { location: `/api/v1.0/tasks/${taskId}` } };
}

/** GET /tasks: every task (of this API's task queue), newest first, each in Drydock's task shape. */
async function listTasks(ctx: ApiContext): Promise<Reply> {
  const summaries = await ctx.drydock.listTasks({ taskQueue: ctx.taskQueue });
  const tasks = await mapBounded(summaries, 8, async (s) => {
    try {
      return await ctx.drydock.getTask(s.workflow_id);
    } catch {
      // A running task whose worker does not answer its query: what visibility knows of it.
      return {
        kind: 'Task',
        apiVersion: 'v1',
        task_id: s.task_id,
        action: s.action,
        design_ref: s.design_ref,
        status: s.status,
        result: { status: s.result ?? 'incomplete' },
        created: s.created,
        workflow_id: s.workflow_id,
      };
    }
  });
  return { status: 200, json: tasks };
}

async function getTaskOr404(drydock: DrydockClient, id: string): Promise<Task> {
  try {
    return await drydock.getTask(id);
  } catch (e) {
    if (e instanceof TaskNotFoundError) throw new ApiError(404, `Task ${id} not found`);
    throw e;
  }
}

/**
 * TaskResource.on_get: the task; `builddata=true` adds its build_data, `subtaskerrors=true` the results of its
 * subtasks that recorded errors, `layers=N` (-1: all) the task and N-1 levels of subtasks keyed by id.
 */
async function showTask(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const builddata = boolParam(req, 'builddata');
  const subtaskErrors = boolParam(req, 'subtaskerrors');
  const layers = intParam(req, 'layers', 0, -1);
  const task = await getTaskOr404(ctx.drydock, req.params.id);
  const subtasks = subtasksOf(task);
  const out: Record<string, unknown> = { ...task };
  if (builddata) out.build_data = ctx.deps.buildData ? (await ctx.deps.buildData.forTask(task.task_id)).map(buildDataView) : [];
  if (subtaskErrors) {
    out.subtask_errors = Object.fromEntries(
      Object.values(subtasks)
        .filter((s) => s.result.details.errorCount > 0)
        .map((s) => [s.task_id, { ...s.result, task_id: s.task_id }]),
    );
  }
  if (layers === 0) return { status: 200, json: out };
  // Subtasks are one level deep here: per-node workflows and site steps.
  const layered: Record<string, unknown> = { init_task_id: task.task_id, [task.task_id]: out };
  if (layers === -1 || layers >= 2) for (const s of Object.values(subtasks)) layered[s.task_id] = s;
  return { status: 200, json: layered };
}

type Subtask = Pick<Task, 'kind' | 'apiVersion' | 'task_id' | 'action' | 'parent_task_id' | 'design_ref' | 'status' | 'result' | 'node_filter' | 'subtask_id_list'>;

/**
 * The task's subtasks as the task recorded them: each per-node workflow (its node's result and messages) and each
 * site step (the messages in its context). "Started subtask <id> for action <action>" names them.
 */
export function subtasksOf(task: Task): Record<string, Subtask> {
  const messages = task.result.details.messageList;
  const actions = new Map<string, string>();
  for (const m of messages) {
    const started = /^Started subtask (\S+) for action (\S+)$/.exec(m.message);
    if (started) actions.set(started[1], started[2]);
  }
  const byNodeWorkflow = new Map(
    Object.entries(task.nodes)
      .filter(([, n]) => n.workflowId)
      .map(([name, n]) => [n.workflowId!, { name, ...n }]),
  );
  const out: Record<string, Subtask> = {};
  for (const id of task.subtask_id_list) {
    const node = byNodeWorkflow.get(id);
    const action = actions.get(id) ?? '';
    const own: TaskMessage[] = node
      ? messages.filter((m) => m.context_type === 'node' && m.context === node.name)
      : messages.filter((m) => m.context === action && m.context_type === 'task');
    const errorCount = own.filter((m) => m.error).length;
    const ended = node ? node.result !== 'incomplete' : task.status === 'complete' || task.status === 'terminated';
    const status = node ? node.result : !ended ? 'incomplete' : errorCount ? 'failure' : 'success';
    out[id] = {
      kind: 'Task',
      apiVersion: 'v1',
      task_id: id,
      action,
      parent_task_id: task.task_id,
      design_ref: task.design_ref,
      status: ended ? 'complete' : 'running',
      result: {
        kind: 'Status',
        apiVersion: 'v1.0',
        metadata: {},
        message: node?.message ?? null,
        reason: null,
        status,
        successes: node && status === 'success' ? [node.name] : [],
        failures: node && status === 'failure' ? [node.name] : [],
        links: [],
        details: { errorCount, messageList: own },
      },
      node_filter: node ? nodeFilterFromNames([node.name]) : task.node_filter,
      subtask_id_list: [],
    };
  }
  return out;
}

/** TaskBuilddataResource: the task's build data, or 404 "No build data found". */
async function taskBuildData(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const records = ctx.deps.buildData ? await ctx.deps.buildData.forTask(req.params.id) : [];
  if (records.length === 0) throw new ApiError(404, ctx.deps.buildData ? 'No build data found' : 'No build data found: this worker keeps no build data (no store configured)');
  return { status: 200, json: records.map(buildDataView) };
}

/**
 * DELETE /tasks?days=N (Drydock's task retention, default 90 days): every closed task started more than N days
 * ago is deleted from Temporal with its per-node workflows. Running tasks are kept (deleting one would stop its
 * work); besides, Temporal itself removes closed workflows once the namespace's retention period has passed.
 */
async function deleteTasks(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const days = intParam(req, 'days', 90, 0);
  const before = new Date(Date.now() - days * 86_400_000).toISOString();
  const { client } = ctx.drydock;
  const ns = client.options.namespace;
  const queue = ctx.taskQueue ? ` AND TaskQueue = '${ctx.taskQueue.replace(/'/g, "\\'")}'` : '';
  const old = ctx.drydock.listTasks({ taskQueue: ctx.taskQueue });
  const taskIds = (await old).filter((t) => t.status !== 'running' && t.created < before).map((t) => t.task_id);
  let deleted = 0;
  for (let i = 0; i < taskIds.length; i += 100) {
    const ids = taskIds
      .slice(i, i + 100)
      .map((t) => `'${t}'`)
      .join(', ');
    const query = `${DrydockTaskId.name} IN (${ids}) AND ExecutionStatus != 'Running'${queue}`;
    for await (const wf of client.workflow.list({ query })) {
      await client.workflowService.deleteWorkflowExecution({ namespace: ns, workflowExecution: { workflowId: wf.workflowId, runId: wf.runId } });
      deleted++;
    }
  }
  const described = await client.workflowService.describeNamespace({ namespace: ns }).catch(() => undefined);
  const retentionSec = Number(described?.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
  const retention = retentionSec ? `; Temporal also removes closed workflows ${Math.round(retentionSec / 86400)} days after they close (namespace ${ns} retention)` : '';
  ctx.logger.info('tasks purged over the API', { days, tasks: taskIds.length, workflows: deleted, requestId: req.context.requestId });
  return {
    status: 200,
    json: {
      message: 'Tables purged successfully.',
      detail: `${taskIds.length} task(s) closed before ${before} deleted (${deleted} workflows with their per-node workflows); running tasks are kept${retention}`,
      tasks_deleted: taskIds.length,
    },
  };
}
