import crypto from 'node:crypto';
import http from 'node:http';
import { Client, WorkflowNotFoundError, type ConnectionLike } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { codecConfigFromEnv, createDataConverter } from '../common/codec';
import { z } from 'zod';
import type { Logger } from '../common/logger';
import { bootactionReportSignal } from '../workflows/messages';
import { bootActionKey, parseBootActionId } from '../common/bootActionProtocol';

/**
 * Boot action reports (Drydock's BootactionResource, `POST /api/v1.0/bootactions/{action_id}`): a deployed node tells how
 * its boot actions went, and the report becomes a signal to that node's deploy workflow.
 *
 * Nothing is stored: the action id names the workflow and the boot action, and the node's key is an HMAC of
 * the action id under a worker secret, so the key never passes through workflow history and the API can
 * check it without a database.
 */
const reportSchema = z
  .object({
    status: z.enum(['Success', 'Failure', 'success', 'failure']).optional(),
    details: z.array(z.object({ message: z.string(), error: z.boolean() }).passthrough()).optional(),
  })
  .strict();

export interface BootActionApi {
  url: string;
  /** What nodes POST to: `<reportUrl><action_id>`. */
  reportUrl: string;
  stop(): Promise<void>;
}

export interface BootActionApiOptions {
  /** Where reports are signalled to (a worker's NativeConnection will do). */
  connection: ConnectionLike;
  namespace?: string;
  /**
   * The worker's data converter (the report becomes a signal payload the worker decodes); default from
   * DRYDOCK_CODEC_KEY, as the worker's.
   */
  dataConverter?: DataConverter;
  secret: string;
  logger: Logger;
  host?: string;
  port?: number;
}

export async function startBootActionApi(opts: BootActionApiOptions): Promise<BootActionApi> {
  const dataConverter = opts.dataConverter ?? createDataConverter(codecConfigFromEnv()).dataConverter;
  const client = new Client({ connection: opts.connection, namespace: opts.namespace, dataConverter });
  const ctx = { client, secret: opts.secret, logger: opts.logger };
  const server = http.createServer((req, res) => {
    handle(req, ctx)
      .then(([code, body]) => send(res, code, body))
      .catch((e) => {
        opts.logger.error('boot action report failed', { error: e instanceof Error ? e.message : String(e) });
        send(res, 500, { type: 'error', message: 'internal error', retry: true });
      });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', r));
  const { address, port } = server.address() as { address: string; port: number };
  const url = `http://${address}:${port}`;
  return {
    url,
    reportUrl: `${url}/api/v1.0/bootactions/`,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

type Reply = [number, unknown];

async function handle(req: http.IncomingMessage, opts: { client: Client; secret: string; logger: Logger }): Promise<Reply> {
  const m = /^\/api\/v1\.0\/bootactions\/([A-Za-z0-9_-]+)\/?$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) return [404, { type: 'error', message: 'not found', retry: false }];
  const actionId = m[1];
  const target = parseBootActionId(actionId);
  if (!target) return [404, { type: 'error', message: `unknown boot action ${actionId}`, retry: false }];
  const key = req.headers['x-bootaction-key'];
  if (typeof key !== 'string' || key === '') return [401, { type: 'error', message: 'X-Bootaction-Key header required', retry: false }];
  const expected = bootActionKey(opts.secret, actionId);
  if (key.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(key), Buffer.from(expected))) {
    return [403, { type: 'error', message: 'invalid boot action key', retry: false }];
  }
  let body: z.infer<typeof reportSchema>;
  try {
    body = reportSchema.parse(JSON.parse((await readBody(req)) || '{}'));
  } catch (e) {
    return [400, { type: 'error', message: `invalid report: ${e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message}`, retry: false }];
  }
  const status = (body.status ?? 'success').toLowerCase() as 'success' | 'failure';
  try {
    await opts.client.workflow.getHandle(target.workflowId).signal(bootactionReportSignal, {
      actionId,
      status,
      details: body.details?.map((d) => ({ message: d.message, error: d.error })),
    });
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return [409, { type: 'error', message: 'boot action already final or its task has ended', retry: false }];
    throw e;
  }
  opts.logger.info('boot action reported', { workflowId: target.workflowId, bootAction: target.bootAction, status });
  return [200, { action_id: actionId, boot_action: target.bootAction, status }];
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1 << 20) {
        reject(new Error('report larger than 1 MiB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
