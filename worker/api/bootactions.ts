import { Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { z } from 'zod';
import { bootActionIdentities, nodeBootActionKey, parseBootActionId, sameKey } from '../../common/bootActionKeys';
import { BOOT_ACTION_STATUS_SIGNAL, BOOT_ACTIONS_QUERY, isFinal, type BootActionBoard, type BootActionStatusReport } from '../../common/bootActionProtocol';
import { DrydockAction, DrydockNodes, DrydockSite } from '../../common/searchAttributes';
import { renderNodeAssets, tarball } from '../../design/bootactions';
import type { NodeActionInput } from '../../workflows/node/nodeRun';
import type { ApiContext } from './context';
import { ApiError, errorReply as error, header, readBody, type ApiRequest, type Reply } from './http';
import type { Route } from './router';

/**
 * Drydock's boot action API (BootactionResource, BootactionAssetsResource) for deployed nodes:
 * - `GET /api/v1.0/bootactions/nodes/<hostname>/units` and `/files`: the node's rendered assets as a gzip tar,
 *   for the node's key (`X-Bootaction-Key`);
 * - `POST /api/v1.0/bootactions/<action_id>`: a boot action's status and details, from the asset itself.
 *
 * Nothing is stored: the node's current deploy is the deploy_node workflow visibility lists for it, its key an
 * HMAC of that workflow's id under the worker secret, the assets are rendered again from the design the deploy
 * started with, and a report is a signal to that workflow, which keeps the status (BOOT_ACTIONS_QUERY).
 */
const reportSchema = z
  .object({
    status: z.enum(['Success', 'Failure', 'success', 'failure']).optional(),
    details: z.array(z.object({ message: z.string(), error: z.boolean() }).passthrough()).optional(),
  })
  .strict();

/** The node-facing routes: the node's key (X-Bootaction-Key) is their authentication, no Keystone policy. */
export function bootActionRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1.0/bootactions/nodes/:hostname/units',
      rules: [],
      handle: (req) => nodeAssets(ctx, req.params.hostname, 'unit', header(req.raw, 'x-bootaction-key')),
    },
    {
      method: 'GET',
      path: '/api/v1.0/bootactions/nodes/:hostname/files',
      rules: [],
      handle: (req) => nodeAssets(ctx, req.params.hostname, 'file', header(req.raw, 'x-bootaction-key')),
    },
    { method: 'POST', path: '/api/v1.0/bootactions/:actionId', rules: [], handle: (req) => postStatus(ctx, req.params.actionId, req) },
  ];
}

/** Drydock's check_auth: no key 401, a key other than the node's 403. */
function checkKey(presented: string | undefined, expected: string): Reply | undefined {
  if (!presented) return error(401, 'X-Bootaction-Key header required');
  if (!sameKey(presented, expected)) return error(403, 'invalid boot action key');
  return undefined;
}

/** BootactionAssetsResource: the node's current deploy, its key, then its `unit` or `file` assets as a tarball. */
async function nodeAssets(ctx: ApiContext, hostname: string, type: 'unit' | 'file', key: string | undefined): Promise<Reply> {
  const keyOf = (d: Deploy) => nodeBootActionKey(ctx.bootActions.secret, d.workflowId, hostname);
  const ownedByKey = (ds: Deploy[]) => ds.find((d) => key && sameKey(key, keyOf(d)));
  // Deploys of the same node name on other sites may run beside it: the key says which one is the node's, and
  // the latest deploys are looked up only when no running one is the key's.
  const running = await runningDeploys(ctx, hostname);
  let deploy = ownedByKey(running);
  if (!deploy) {
    const latest = await latestDeploysPerSite(ctx, hostname, running);
    deploy = ownedByKey(latest) ?? running[0] ?? latest[0];
  }
  if (!deploy) return error(404, `Error locating boot action for ${hostname}`);
  const refused = checkKey(key, keyOf(deploy));
  if (refused) return refused;
  const input = await deployInput(ctx.client, deploy);
  const { design } = await ctx.deps.designs.usable(input.designRef, input.contentHash);
  const identity = bootActionIdentities({
    secret: ctx.bootActions.secret,
    reportUrl: ctx.bootActions.reportUrl,
    workflowId: deploy.workflowId,
    node: hostname,
    designRef: input.designRef,
  });
  const rendered = await renderNodeAssets(design, hostname, identity);
  const body = tarball(rendered, type);
  ctx.logger.info('boot action assets served', { node: hostname, type, workflowId: deploy.workflowId, bytes: body.length });
  return {
    status: 200,
    body,
    headers: { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="${hostname}-${type}.tar.gz"` },
  };
}

interface Deploy {
  workflowId: string;
  runId: string;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The node's boot action context (Drydock's get_boot_action_context): first its running deploy_node workflows. */
function deployQuery(ctx: ApiContext, hostname: string): string {
  return `${DrydockAction.name} = 'deploy_node' AND ${DrydockNodes.name} = ${quote(hostname)}${ctx.taskQueue ? ` AND TaskQueue = ${quote(ctx.taskQueue)}` : ''}`;
}

async function runningDeploys(ctx: ApiContext, hostname: string): Promise<Deploy[]> {
  const running: Deploy[] = [];
  for await (const w of ctx.client.workflow.list({ query: `${deployQuery(ctx, hostname)} AND ExecutionStatus = 'Running'` }))
    running.push({ workflowId: w.workflowId, runId: w.runId });
  return running;
}

/** Then the latest deploy of each site, newest first (an older deploy of the same site stays refused). */
async function latestDeploysPerSite(ctx: ApiContext, hostname: string, running: Deploy[]): Promise<Deploy[]> {
  const recent: { deploy: Deploy; site: string; at: number }[] = [];
  for await (const w of ctx.client.workflow.list({ query: deployQuery(ctx, hostname), pageSize: 20 })) {
    recent.push({ deploy: { workflowId: w.workflowId, runId: w.runId }, site: w.typedSearchAttributes.get(DrydockSite) ?? '', at: w.startTime.getTime() });
    if (recent.length >= 20) break;
  }
  const sites = new Set<string>();
  return recent
    .sort((a, b) => b.at - a.at)
    .filter((r) => !sites.has(r.site) && (sites.add(r.site), true))
    .map((r) => r.deploy)
    .filter((d) => !running.some((r) => r.workflowId === d.workflowId && r.runId === d.runId));
}

/** The deploy's input (design reference and content hash), from the first event of its history. */
async function deployInput(client: Client, d: Deploy): Promise<NodeActionInput> {
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: d.workflowId, runId: d.runId },
    maximumPageSize: 1,
  });
  const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`deploy ${d.workflowId} has no start event`);
  return decodeFromPayloadsAtIndex<NodeActionInput>(client.options.loadedDataConverter, 0, started.input?.payloads);
}

/** BootactionResource.on_post: unknown id 404, key 401/403, final 409, body 400; then the report goes to the deploy. */
async function postStatus(ctx: ApiContext, actionId: string, req: ApiRequest): Promise<Reply> {
  const target = parseBootActionId(actionId);
  if (!target) return error(404, `unknown boot action ${actionId}`);
  const handle = ctx.client.workflow.getHandle(target.workflowId);
  let board: BootActionBoard;
  try {
    board = await handle.query<BootActionBoard>(BOOT_ACTIONS_QUERY);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError || e instanceof QueryNotRegisteredError) return error(404, `unknown boot action ${actionId}`);
    throw e;
  }
  const action = board.actions.find((a) => a.actionId === actionId);
  if (!action) return error(404, `unknown boot action ${actionId}`);
  const refused = checkKey(header(req.raw, 'x-bootaction-key'), nodeBootActionKey(ctx.bootActions.secret, target.workflowId, board.node));
  if (refused) return refused;
  if (isFinal(action.status)) return error(409, `boot action ${action.name} already has final status ${action.status}`);

  let body: z.infer<typeof reportSchema>;
  try {
    if (!/^application\/json\b/i.test(header(req.raw, 'content-type') ?? '')) throw new Error('Content-Type must be application/json');
    body = reportSchema.parse(JSON.parse(await readBody(req.raw)));
  } catch (e) {
    if (e instanceof ApiError) throw e; // 413
    const why = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') : (e as Error).message;
    return error(400, `invalid boot action report: ${why}`);
  }
  // Drydock stores the status lowercased; without one only the details are recorded.
  const status = body.status?.toLowerCase() as 'success' | 'failure' | undefined;
  const report: BootActionStatusReport = { actionId, ...(status ? { status } : {}), details: body.details?.map((d) => ({ message: d.message, error: d.error })) };
  try {
    await handle.signal<[BootActionStatusReport]>(BOOT_ACTION_STATUS_SIGNAL, report);
  } catch (e) {
    // The deploy ended (its boot actions timed out): nothing takes the report any more.
    if (e instanceof WorkflowNotFoundError) return error(409, `the deploy of boot action ${action.name} has ended`);
    throw e;
  }
  ctx.logger.info('boot action reported', { node: board.node, bootAction: action.name, status: status ?? '(details only)' });
  return {
    status: 200,
    json: { node_name: board.node, task_id: taskIdOf(target.workflowId), action_id: actionId, action_name: action.name, action_status: status ?? action.status },
  };
}

/** A deploy_node workflow id ends with its task id (and `-r<retry>`): workflows/node/nodeRun.ts nodeWorkflowId. */
function taskIdOf(workflowId: string): string | undefined {
  return /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-r\d+)?$/.exec(workflowId)?.[1];
}
