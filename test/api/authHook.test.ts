/**
 * The API's authorization hook: every route asks the `authorize` function it is given for its Drydock policy
 * rules (POST /tasks: create_task, then the action's own rule once the body names the action); a refusal is
 * Drydock's 401 "Unauthenticated" / 403 "Forbidden" error body and starts nothing. /versions, /health and the
 * boot action routes (the node's key is their check) ask for no rule. The hook here is a table of tokens and
 * their rules; Keystone's own is worker/api/auth.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DesignStore } from '../../activities/designStore';
import { silentLogger } from '../../common/logger';
import { loadDesign } from '../../design';
import { POLICY, startDrydockApi, type AuthDecision, type DrydockApi } from '../../worker/api';
import { DEMO_SITE } from '../harness/site';
import { temporalAddress } from '../harness/temporal';

const taskQueue = `test-api-auth-${randomUUID().slice(0, 8)}`;
const asked: string[][] = [];
/** token → the rules it satisfies. */
const tokens: Record<string, (rule: string) => boolean> = {
  reader: (r) => /:read_/.test(r),
  creator: (r) => r === POLICY.createTask,
};

async function authorize(req: IncomingMessage, rules: readonly string[]): Promise<AuthDecision> {
  asked.push([...rules]);
  const token = req.headers['x-auth-token'];
  const allows = typeof token === 'string' ? tokens[token] : undefined;
  if (!allows) return { allowed: false, status: 401, message: 'Unauthenticated' };
  if (!rules.every(allows)) return { allowed: false, status: 403, message: 'Forbidden' };
  return { allowed: true, context: { user: token as string, roles: ['member'] } };
}

let connection: Connection;
let api: DrydockApi;

beforeAll(async () => {
  connection = await Connection.connect({ address: temporalAddress() });
  const designs = new DesignStore((ref) => loadDesign(ref), silentLogger);
  api = await startDrydockApi({ connection, taskQueue, deps: { designs }, secret: 'x'.repeat(32), logger: silentLogger, authorize });
});

afterAll(async () => {
  await api?.stop();
  await connection?.close();
});

async function call(method: string, p: string, token?: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers['x-auth-token'] = token;
  const res = await fetch(`${api.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

test('each route asks for its policy rules; 401 without a token, 403 without the rule; no rule for versions and health', async () => {
  const denied = { type: 'error', retry: false };
  asked.length = 0;
  expect(await call('GET', '/api/v1.0/tasks')).toEqual({ status: 401, json: { ...denied, message: 'Unauthenticated' } });
  expect(asked).toEqual([[POLICY.readTask]]);
  expect((await call('GET', '/api/v1.0/tasks', 'reader')).status).toBe(200);
  expect(await call('GET', '/api/v1.0/nodes', 'creator')).toEqual({ status: 403, json: { ...denied, message: 'Forbidden' } });

  asked.length = 0;
  const routes: [string, string, string][] = [
    ['GET', `/api/v1.0/tasks/${randomUUID()}`, POLICY.readTask],
    ['GET', `/api/v1.0/tasks/${randomUUID()}/builddata`, POLICY.readBuildData],
    ['DELETE', '/api/v1.0/tasks?days=1', POLICY.deleteTasks],
    ['GET', '/api/v1.0/nodes', POLICY.readData],
    ['GET', '/api/v1.0/nodes/n01/builddata', POLICY.readBuildData],
    ['POST', '/api/v1.0/nodefilter', POLICY.readData],
    ['POST', '/api/v1.0/validatedesign', POLICY.validateSiteDesign],
    ['GET', '/api/v1.0/health/extended', POLICY.healthData],
  ];
  for (const [method, p] of routes) expect((await call(method, p)).status).toBe(401);
  expect(asked).toEqual(routes.map(([, , rule]) => [rule]));

  asked.length = 0;
  expect((await call('GET', '/versions')).status).toBe(200);
  expect((await call('GET', '/api/v1.0/health')).status).toBe(204);
  expect(asked).toEqual([]);
});

test("POST /tasks needs create_task and then the action's own rule; a refusal starts nothing", async () => {
  const c = new Client({ connection });
  const count = async () => {
    await new Promise((r) => setTimeout(r, 1000));
    return (await c.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
  };
  const before = await count();
  const body = { action: 'deploy_nodes', design_ref: DEMO_SITE };

  asked.length = 0;
  expect((await call('POST', '/api/v1.0/tasks', 'reader', body)).json).toEqual({ type: 'error', message: 'Forbidden', retry: false });
  expect(asked).toEqual([[POLICY.createTask]]);

  asked.length = 0;
  expect(await call('POST', '/api/v1.0/tasks', 'creator', body)).toEqual({ status: 403, json: { type: 'error', message: 'Forbidden', retry: false } });
  expect(asked).toEqual([[POLICY.createTask], ['physical_provisioner:deploy_nodes']]);

  // The body is checked before the action's rule: an unknown action is a 400 whoever asks.
  expect((await call('POST', '/api/v1.0/tasks', 'creator', { ...body, action: 'nuke_site' })).status).toBe(400);
  expect(await count()).toBe(before);
});
