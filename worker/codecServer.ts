/**
 * The codec server the Temporal Web UI (and `temporal` CLI with --codec-endpoint) calls to show
 * encrypted payloads in clear: `POST /decode` and `POST /encode`, each taking and returning
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`.
 *
 * Whoever reaches this server can decrypt payloads: it binds to loopback unless told otherwise, and
 * answers cross-origin requests only from the configured Web UI origins.
 *
 *   DRYDOCK_CODEC_KEY=… npx tsx worker/codecServer.ts        # then: temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8888
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import { codecConfigFromEnv, createCodec, CodecError } from '../common/codec';
import { ConfigError } from '../common/config';
import { jsonLogger, silentLogger, type Logger } from '../common/logger';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Origins allowed to call from a browser: a list, a comma-separated string, or '*'. */
  corsOrigin?: string | string[];
  logger?: Logger;
  /** Largest request body accepted, bytes. */
  maxBodyBytes?: number;
}

export interface CodecServer {
  url: string;
  stop(): Promise<void>;
}

/** The embedded dev server's Web UI (npm start) and the compose UI. */
export const DEFAULT_CORS_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233', 'http://localhost:8080'];
const ALLOWED_HEADERS = 'x-namespace, content-type, authorization';
const MAX_BODY = 16 * 1024 * 1024;

const bodySchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).nullish(),
      data: z.string().nullish(),
    }),
  ),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silentLogger;
  const origins = normaliseOrigins(opts.corsOrigin ?? DEFAULT_CORS_ORIGINS);
  const maxBody = opts.maxBodyBytes ?? MAX_BODY;

  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && (origins.includes('*') || origins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', origins.includes('*') ? '*' : origin);
      res.setHeader('Vary', 'Origin');
      if (!origins.includes('*')) res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const op = path === '/decode' ? 'decode' : path === '/encode' ? 'encode' : undefined;
    if (!op) return sendError(res, new HttpError(404, `no such endpoint ${path}: use POST /decode or POST /encode`));
    if (req.method !== 'POST') return sendError(res, new HttpError(405, `${path} takes POST`));

    readBody(req, maxBody)
      .then(async (raw) => {
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpError(400, 'body is not JSON');
        }
        const body = bodySchema.safeParse(json);
        if (!body.success) throw new HttpError(400, 'body must be {"payloads":[{"metadata":{…},"data":"…"}]}');
        const payloads = body.data.payloads.map((p) => JSONToPayload(p as JSONPayload));
        const out = await (op === 'decode' ? opts.codec.decode(payloads) : opts.codec.encode(payloads));
        const text = JSON.stringify({ payloads: out.map(payloadToJSON) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
        logger.debug('codec request', { op, payloads: payloads.length, namespace: header(req, 'x-namespace') });
      })
      .catch((e: unknown) => {
        const err = e instanceof HttpError ? e : e instanceof CodecError ? new HttpError(400, e.message) : new HttpError(500, 'codec failed');
        if (err.status >= 500) logger.error('codec request failed', { op, error: e instanceof Error ? e.message : String(e) });
        else logger.info('codec request refused', { op, status: err.status, error: err.message });
        sendError(res, err);
      });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8888, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info('codec server listening', { url, corsOrigins: origins.join(',') });
      resolve({
        url,
        stop: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function normaliseOrigins(o: string | string[]): string[] {
  const list = Array.isArray(o) ? o : o.split(',');
  return list.map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new HttpError(413, `body larger than ${max} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendError(res: http.ServerResponse, e: HttpError): void {
  if (res.headersSent) return;
  res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message }));
}

// ---------------------------------------------------------------------------------------------------

const serverEnvSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8888),
  host: z.string().min(1).default('127.0.0.1'),
  corsOrigin: z.string().min(1).optional(),
});
const SERVER_ENV = { port: 'DRYDOCK_CODEC_PORT', host: 'DRYDOCK_CODEC_BIND', corsOrigin: 'DRYDOCK_CODEC_CORS_ORIGIN' } as const;

/** DRYDOCK_CODEC_PORT (8888), DRYDOCK_CODEC_BIND (127.0.0.1), DRYDOCK_CODEC_CORS_ORIGIN (comma-separated, or *). */
export function codecServerConfigFromEnv(env: Record<string, string | undefined> = process.env): { port: number; host: string; corsOrigin: string[] } {
  const raw = Object.fromEntries(Object.entries(SERVER_ENV).map(([k, v]) => [k, env[v] || undefined]));
  const r = serverEnvSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${SERVER_ENV[i.path[0] as keyof typeof SERVER_ENV] ?? i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  return { port: r.data.port, host: r.data.host, corsOrigin: r.data.corsOrigin ? normaliseOrigins(r.data.corsOrigin) : DEFAULT_CORS_ORIGINS };
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<CodecServer> {
  const codec = createCodec(codecConfigFromEnv(env));
  if (!codec) throw new ConfigError('DRYDOCK_CODEC_KEY is not set: payloads are not encrypted, so there is nothing for a codec server to do');
  const logger = jsonLogger({ base: { component: 'codec-server' } });
  const srv = await startCodecServer({ codec, ...codecServerConfigFromEnv(env), logger });
  process.stderr.write(`drydock codec server: ${srv.url} (point the Web UI at it: --ui-codec-endpoint ${srv.url})\n`);
  const stop = () => void srv.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return srv;
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`drydock codec server: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  });
}
