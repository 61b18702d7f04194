import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Client, type ConnectionLike } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DrydockClient } from '../../client/drydockClient';
import { codecConfigFromEnv, createDataConverter } from '../../common/codec';
import type { Logger } from '../../common/logger';
import { bootActionRoutes } from './bootactions';
import type { ApiContext, ApiDeps } from './context';
import { designRoutes } from './designs';
import { healthRoutes } from './health';
import { allowAll, ApiError, errorReply, header, type ApiRequest, type Authorize, type CallContext, type Reply } from './http';
import { nodeRoutes } from './nodes';
import { createRouter, type Route } from './router';
import { taskRoutes } from './tasks';
import { versionRoutes } from './versions';

/**
 * Drydock's API v1.0 on the worker's HTTP server (Drydock's uWSGI app on port 9000): versions, health, tasks,
 * nodes, node filters, design validation and the nodes' boot action routes, each route with its Drydock policy
 * rules checked by the `authorize` hook before it runs.
 */
export interface DrydockApi {
  url: string;
  /** The boot action report URL of this server: `<url>/api/v1.0/bootactions/`. */
  reportUrl: string;
  stop(): Promise<void>;
}

export interface DrydockApiOptions {
  /** Where tasks are started, listed and asked (a worker's NativeConnection will do). */
  connection: ConnectionLike;
  namespace?: string;
  /** The worker's data converter (task inputs, results and reports are its payloads); default from DRYDOCK_CODEC_KEY. */
  dataConverter?: DataConverter;
  /** The task queue of the Drydock this API serves: tasks are created and listed there, boot actions looked up there. Unset: tasks go to `drydock`, and every queue is listed. */
  taskQueue?: string;
  /** The worker's drivers: designs, provisioner, build data. Read per request, so a caller may complete it after the start. */
  deps: ApiDeps;
  /** DRYDOCK_BOOTACTION_SECRET: the same as the workers' that deploy the nodes. */
  secret: string;
  /** The report URL nodes are told (DRYDOCK_BOOTACTION_REPORT_URL), as the assets were rendered with; default this API's. */
  nodeReportUrl?: string;
  /** Keystone and Drydock's policy (worker/api/auth.ts); default: allow every request. */
  authorize?: Authorize;
  logger: Logger;
  host?: string;
  port?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startDrydockApi(opts: DrydockApiOptions): Promise<DrydockApi> {
  const dataConverter = opts.dataConverter ?? createDataConverter(codecConfigFromEnv()).dataConverter;
  const client = new Client({ connection: opts.connection, namespace: opts.namespace, dataConverter });
  const ctx: ApiContext = {
    client,
    drydock: DrydockClient.forClient(client, opts.taskQueue ?? 'drydock'),
    taskQueue: opts.taskQueue,
    deps: opts.deps,
    logger: opts.logger,
    bootActions: { secret: opts.secret, reportUrl: '' },
  };
  const routes: Route[] = [...versionRoutes(), ...healthRoutes(ctx), ...taskRoutes(ctx), ...nodeRoutes(ctx), ...designRoutes(ctx), ...bootActionRoutes(ctx)];
  const route = createRouter(routes);
  const authorize = opts.authorize ?? allowAll;

  const server = http.createServer((req, res) => {
    const context = contextOf(req);
    void handle(req, context)
      .catch((e): Reply => {
        if (e instanceof ApiError) return errorReply(e.status, e.message, e.retry);
        opts.logger.error('API request failed', { method: req.method, path: safePath(req.url), requestId: context.requestId, error: e instanceof Error ? e.message : String(e) });
        return errorReply(500, e instanceof Error ? e.message.split('\n')[0] : 'Unknown error', true);
      })
      .then((reply) => send(res, reply, context.requestId));
  });

  async function handle(req: http.IncomingMessage, context: CallContext): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://api');
    const match = route(req.method ?? 'GET', url.pathname);
    if ('status' in match) {
      req.resume();
      if (match.status === 405) return { ...errorReply(405, `Method ${req.method} not allowed on ${url.pathname}`), headers: { allow: match.allowed!.join(', ') } };
      return errorReply(404, `Not found: ${url.pathname}`);
    }
    const check = async (rules: readonly string[]) => {
      if (rules.length === 0) return;
      const d = await authorize(req, rules);
      if (!d.allowed) throw new ApiError(d.status, d.message);
      context.user = d.context.user ?? context.user;
      context.roles = d.context.roles ?? context.roles;
      context.endUser = header(req, 'x-end-user') ?? d.context.endUser ?? context.user;
    };
    const apiReq: ApiRequest = { raw: req, method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, params: match.params, context, authorize: check };
    try {
      await check(match.route.rules);
    } catch (e) {
      req.resume();
      throw e;
    }
    return match.route.handle(apiReq);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`cannot serve Drydock's API on ${opts.host ?? '127.0.0.1'}:${opts.port}: the port is in use (set DRYDOCK_API_PORT)`) : e),
    );
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const { address, port } = server.address() as { address: string; port: number };
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const reportUrl = `${url}/api/v1.0/bootactions/`;
  ctx.bootActions.reportUrl = opts.nodeReportUrl ?? reportUrl;
  return {
    url,
    reportUrl,
    stop: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      }),
  };
}

/** Drydock's ContextMiddleware: a request id, the external marker when it is a UUID, the end user. */
function contextOf(req: http.IncomingMessage): CallContext {
  const marker = header(req, 'x-context-marker');
  return { requestId: randomUUID(), externalMarker: marker && UUID.test(marker) ? marker : undefined, endUser: header(req, 'x-end-user') };
}

/** A request path for a log line: short, no query (nothing secret travels in this API's paths). */
function safePath(url: string | undefined): string {
  return (url ?? '').split('?')[0].slice(0, 200);
}

function send(res: http.ServerResponse, r: Reply, requestId: string): void {
  // Every response names its request, as Drydock's LoggingMiddleware does.
  const common = { 'x-drydock-req': requestId, ...r.headers };
  if (r.body) {
    res.writeHead(r.status, { ...common, 'content-length': String(r.body.length) });
    res.end(r.body);
  } else if (r.json === undefined) {
    res.writeHead(r.status, common);
    res.end();
  } else {
    const body = JSON.stringify(r.json);
    res.writeHead(r.status, { 'content-type': 'application/json', ...common, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }
}
