/**
 * The codec server the Temporal Web UI (and `temporal` CLI with --codec-endpoint) calls to show
 * encrypted payloads in clear: `POST /decode` and `POST /encode`, each taking and returning
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`.
 *
 * It decrypts only for callers it can tell are allowed (CORS limits browsers, not curl):
 * - an OIDC access token: the Web UI, with its own login (TEMPORAL_AUTH_*) and TEMPORAL_CODEC_PASS_ACCESS_TOKEN,
 *   sends its signed-in user's access token as `Authorization: Bearer <JWT>` (only to an https endpoint). With
 *   DRYDOCK_CODEC_OIDC_ISSUER and _AUDIENCE it is checked against the issuer's keys (worker/oidcToken.ts), and
 *   DRYDOCK_CODEC_OIDC_ALLOWED (`claim=value,…`) narrows it to users holding one of those values;
 * - a static bearer token, one of DRYDOCK_CODEC_AUTH_TOKEN's (comma-separated, for rotation): what the Temporal
 *   CLI sends with `--codec-auth 'Bearer …'`. Both may be configured; a token that is not a JWT is only compared
 *   with these;
 * - or mutual TLS: with DRYDOCK_CODEC_TLS_CERT/_KEY it serves HTTPS, and with DRYDOCK_CODEC_TLS_CLIENT_CA a client
 *   certificate that CA signed authenticates (DRYDOCK_CODEC_TLS_CLIENT_NAMES narrows it to those CN/DNS names).
 * No or wrong credentials: 401. Authenticated but not allowed (a client name not listed, a namespace outside
 * DRYDOCK_CODEC_NAMESPACES, an access token without the required claim): 403. The issuer's keys unreachable: 503
 * (the caller may well be allowed). With no credential configured it serves only on a loopback address (the
 * embedded dev server's UI of `npm start` cannot send one); binding anywhere else without one is refused at start.
 * Tokens never reach the logs. CORS preflights and GET /healthz need no credentials: they reveal no payload.
 *
 *   DRYDOCK_CODEC_KEY=… npx tsx worker/codecServer.ts        # then: temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8888
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import { codecConfigFromEnv, createCodec, CodecError } from '../common/codec';
import { ConfigError } from '../common/config';
import { jsonLogger, silentLogger, type Logger } from '../common/logger';
import { ClaimNotAllowedError, isSecureUrl, KeysUnavailableError, looksLikeJwt, OidcVerifier, TokenRejectedError, type OidcOptions } from './oidcToken';

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
  /** Who may decode and encode; unset or empty: anyone who reaches a loopback address (nothing else allowed). */
  auth?: CodecAuthOptions;
  /** Serve HTTPS; with clientCa, client certificates authenticate. */
  tls?: CodecTlsOptions;
}

export interface CodecAuthOptions {
  /** Accepted `Authorization: Bearer` tokens (several while one is rotated out). */
  tokens?: string[];
  /** Namespaces (the X-Namespace header the UI and CLI send) a caller may use; unset: any. */
  namespaces?: string[];
  /** Client certificate names (subject CN or DNS SAN) allowed; unset: any certificate clientCa signed. */
  clientNames?: string[];
  /** OIDC access tokens of this issuer and audience (what the Web UI forwards for its signed-in user). */
  oidc?: OidcOptions;
}

export interface CodecTlsOptions {
  /** PEM server certificate (chain) and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA(s) client certificates must chain to; unset: no client certificates asked for. */
  clientCa?: string | Buffer;
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
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** RFC 6750's challenge: bare when no credentials came, with the error code when a token was refused. */
const REALM = 'Bearer realm="drydock-codec"';
const challenge = (error: 'invalid_token' | 'insufficient_scope', description: string) => ({
  // RFC 6750 allows printable ASCII but `"` and `\` there; the reason may quote a token's claim.
  'WWW-Authenticate': `${REALM}, error="${error}", error_description="${description.slice(0, 200).replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?')}"`,
});

export function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silentLogger;
  const origins = normaliseOrigins(opts.corsOrigin ?? DEFAULT_CORS_ORIGINS);
  const maxBody = opts.maxBodyBytes ?? MAX_BODY;
  let authorize: ReturnType<typeof authorizer>;
  try {
    authorize = authorizer(opts, host, logger);
  } catch (e) {
    return Promise.reject(e);
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
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
    authorize(req)
      .then((refused) => {
        if (!refused) return serve(req, res, op);
        // The 503 of unreachable keys is logged once by the verifier, not once per request.
        if (refused.status !== 503) logger.info('codec request refused', { op, status: refused.status, error: refused.message, remote: req.socket.remoteAddress });
        if (refused.status === 401 && !refused.headers['WWW-Authenticate']) res.setHeader('WWW-Authenticate', REALM);
        req.resume();
        sendError(res, refused);
      })
      .catch((e: unknown) => {
        logger.error('codec authorization failed', { op, error: e instanceof Error ? e.message : String(e) });
        req.resume();
        sendError(res, new HttpError(500, 'authorization failed'));
      });
  };
  const serve = (req: http.IncomingMessage, res: http.ServerResponse, op: 'decode' | 'encode') => {
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
  };
  const server = opts.tls
    ? https.createServer(
        // rejectUnauthorized false: a client without a (good) certificate still gets an HTTP answer, 401, and a
        // bearer token can authenticate it instead.
        { cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.clientCa ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
        handler,
      )
    : http.createServer(handler);

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8888, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info('codec server listening', {
        url,
        corsOrigins: origins.join(','),
        bearerTokens: opts.auth?.tokens?.length ?? 0,
        oidcIssuer: opts.auth?.oidc?.issuer,
        mutualTls: Boolean(opts.tls?.clientCa),
        namespaces: opts.auth?.namespaces?.join(',') ?? '*',
      });
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

/**
 * The check each /decode and /encode request passes: undefined when the caller may go on, else the 401/403/503
 * to answer. Throws at start when the server would decrypt for anyone beyond this host.
 */
function authorizer(opts: CodecServerOptions, host: string, logger: Logger): (req: http.IncomingMessage) => Promise<HttpError | undefined> {
  const tokenDigests = (opts.auth?.tokens ?? []).filter(Boolean).map(digest);
  const mutualTls = Boolean(opts.tls?.clientCa);
  const namespaces = opts.auth?.namespaces;
  const clientNames = opts.auth?.clientNames;
  const oidc = opts.auth?.oidc ? new OidcVerifier(opts.auth.oidc, logger) : undefined;
  const open = tokenDigests.length === 0 && !mutualTls && !oidc;
  if (open && !isLoopback(host)) {
    throw new ConfigError(
      `the codec server would decrypt payloads for anyone who reaches ${host}: set DRYDOCK_CODEC_AUTH_TOKEN, DRYDOCK_CODEC_OIDC_ISSUER or DRYDOCK_CODEC_TLS_CLIENT_CA, or bind to a loopback address`,
    );
  }
  /** A bearer token: one of the static ones, else (when it is a JWT) an access token of the OIDC issuer. */
  const bearer = async (token: string): Promise<HttpError | undefined> => {
    const d = digest(token);
    if (tokenDigests.some((t) => timingSafeEqual(t, d))) return undefined;
    if (!oidc || !looksLikeJwt(token)) return new HttpError(401, 'bearer token not accepted', challenge('invalid_token', 'bearer token not accepted'));
    try {
      await oidc.verify(token);
      return undefined;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (e instanceof TokenRejectedError) return new HttpError(401, `access token not accepted: ${reason}`, challenge('invalid_token', reason));
      if (e instanceof ClaimNotAllowedError) return new HttpError(403, `access token not allowed: ${reason}`, challenge('insufficient_scope', reason));
      if (e instanceof KeysUnavailableError) return new HttpError(503, "access token cannot be checked now: the issuer's keys are unavailable", { 'Retry-After': '30' });
      throw e;
    }
  };
  return async (req) => {
    if (!open) {
      const authz = header(req, 'authorization');
      const socket = req.socket as Partial<TLSSocket>;
      const peer = mutualTls ? socket.getPeerCertificate?.() : undefined;
      // No certificate: an empty object, with authorizationError set all the same.
      const presented = peer !== undefined && Object.keys(peer).length > 0;
      const cert = presented && socket.authorized ? peer : undefined;
      if (authz !== undefined) {
        const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authz);
        if (!m) return new HttpError(401, 'Authorization must be "Bearer <token>"');
        const refused = await bearer(m[1]);
        if (refused) return refused;
      } else if (cert) {
        const names = certificateNames(cert);
        if (clientNames && !names.some((n) => clientNames.includes(n))) {
          return new HttpError(403, `client certificate ${names[0] ?? '(no name)'} is not allowed to use the codec`);
        }
      } else if (presented) {
        return new HttpError(401, `client certificate not accepted: ${String(socket.authorizationError)}`);
      } else {
        return new HttpError(
          401,
          `credentials required: ${[tokenDigests.length || oidc ? 'Authorization: Bearer <token>' : '', mutualTls ? 'a client certificate' : ''].filter(Boolean).join(' or ')}`,
        );
      }
    }
    if (namespaces) {
      const ns = header(req, 'x-namespace');
      if (!ns || !namespaces.includes(ns)) return new HttpError(403, `namespace ${ns ? `"${ns}"` : '(no X-Namespace header)'} is not served by this codec server`);
    }
    return undefined;
  };
}

/** Fixed-length digests so the comparison takes the same time whatever the token's length. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function certificateNames(cert: { subject?: { CN?: string | string[] }; subjectaltname?: string }): string[] {
  const cn = cert.subject?.CN;
  const dns = (cert.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  return [...(Array.isArray(cn) ? cn : cn ? [cn] : []), ...dns];
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
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
  res.writeHead(e.status, { ...e.headers, 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message }));
}

// ---------------------------------------------------------------------------------------------------

const list = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .optional();
const serverEnvSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8888),
  host: z.string().min(1).default('127.0.0.1'),
  corsOrigin: z.string().min(1).optional(),
  tokens: list.refine((l) => !l || l.every((t) => t.length >= 16 && !/\s/.test(t)), 'each token must be at least 16 characters, no spaces'),
  namespaces: list,
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  tlsClientCa: z.string().optional(),
  clientNames: list,
  oidcIssuer: z.string().refine(isSecureUrl, 'must be an https URL (http only on a loopback address)').optional(),
  oidcAudience: list,
  oidcJwksUrl: z.string().refine(isSecureUrl, 'must be an https URL (http only on a loopback address)').optional(),
  oidcAllowed: z
    .string()
    .regex(/^\s*[^=\s]+\s*=[^=]+$/, 'must be <claim>=<value>[,<value>…], e.g. groups=drydock-operators')
    .transform((s) => {
      const at = s.indexOf('=');
      const values = s
        .slice(at + 1)
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      return { claim: s.slice(0, at).trim(), values };
    })
    .refine((a) => a.values.length > 0, 'must name at least one value')
    .optional(),
});
const SERVER_ENV = {
  port: 'DRYDOCK_CODEC_PORT',
  host: 'DRYDOCK_CODEC_BIND',
  corsOrigin: 'DRYDOCK_CODEC_CORS_ORIGIN',
  tokens: 'DRYDOCK_CODEC_AUTH_TOKEN',
  namespaces: 'DRYDOCK_CODEC_NAMESPACES',
  tlsCert: 'DRYDOCK_CODEC_TLS_CERT',
  tlsKey: 'DRYDOCK_CODEC_TLS_KEY',
  tlsClientCa: 'DRYDOCK_CODEC_TLS_CLIENT_CA',
  clientNames: 'DRYDOCK_CODEC_TLS_CLIENT_NAMES',
  oidcIssuer: 'DRYDOCK_CODEC_OIDC_ISSUER',
  oidcAudience: 'DRYDOCK_CODEC_OIDC_AUDIENCE',
  oidcJwksUrl: 'DRYDOCK_CODEC_OIDC_JWKS_URL',
  oidcAllowed: 'DRYDOCK_CODEC_OIDC_ALLOWED',
} as const;

export interface CodecServerConfig {
  port: number;
  host: string;
  corsOrigin: string[];
  auth?: CodecAuthOptions;
  tls?: CodecTlsOptions;
}

/**
 * DRYDOCK_CODEC_PORT (8888), DRYDOCK_CODEC_BIND (127.0.0.1), DRYDOCK_CODEC_CORS_ORIGIN (comma-separated, or *);
 * who may call: DRYDOCK_CODEC_AUTH_TOKEN (comma-separated bearer tokens), DRYDOCK_CODEC_NAMESPACES; HTTPS:
 * DRYDOCK_CODEC_TLS_CERT / _KEY (PEM files), mutual TLS: DRYDOCK_CODEC_TLS_CLIENT_CA (PEM file), _CLIENT_NAMES;
 * the Web UI's access tokens: DRYDOCK_CODEC_OIDC_ISSUER and _AUDIENCE (comma-separated, any of them), optionally
 * _JWKS_URL (default: the issuer's discovery document's jwks_uri) and _ALLOWED (`<claim>=<value>[,<value>…]`).
 */
export function codecServerConfigFromEnv(env: Record<string, string | undefined> = process.env): CodecServerConfig {
  const raw = Object.fromEntries(Object.entries(SERVER_ENV).map(([k, v]) => [k, env[v] || undefined]));
  const r = serverEnvSchema.safeParse(raw);
  if (!r.success) {
    // Never echo a value: DRYDOCK_CODEC_AUTH_TOKEN is a secret.
    const issues = r.error.issues.map((i) => `${SERVER_ENV[i.path[0] as keyof typeof SERVER_ENV] ?? i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  const d = r.data;
  if (Boolean(d.tlsCert) !== Boolean(d.tlsKey)) throw new ConfigError('invalid configuration: DRYDOCK_CODEC_TLS_CERT and DRYDOCK_CODEC_TLS_KEY go together');
  if (d.tlsClientCa && !d.tlsCert)
    throw new ConfigError('invalid configuration: DRYDOCK_CODEC_TLS_CLIENT_CA needs DRYDOCK_CODEC_TLS_CERT and _KEY (mutual TLS is served over HTTPS)');
  if (d.clientNames && !d.tlsClientCa) throw new ConfigError('invalid configuration: DRYDOCK_CODEC_TLS_CLIENT_NAMES needs DRYDOCK_CODEC_TLS_CLIENT_CA');
  for (const k of ['oidcAudience', 'oidcJwksUrl', 'oidcAllowed'] as const) {
    if (d[k] && !d.oidcIssuer) throw new ConfigError(`invalid configuration: ${SERVER_ENV[k]} needs ${SERVER_ENV.oidcIssuer}`);
  }
  // Without an audience, a token the issuer made for any other application would decrypt here.
  if (d.oidcIssuer && !d.oidcAudience?.length)
    throw new ConfigError(`invalid configuration: ${SERVER_ENV.oidcIssuer} needs ${SERVER_ENV.oidcAudience} (the audience of the Web UI's access tokens)`);
  const cfg: CodecServerConfig = { port: d.port, host: d.host, corsOrigin: d.corsOrigin ? normaliseOrigins(d.corsOrigin) : DEFAULT_CORS_ORIGINS };
  const oidc: OidcOptions | undefined =
    d.oidcIssuer && d.oidcAudience ? { issuer: d.oidcIssuer, audiences: d.oidcAudience, jwksUrl: d.oidcJwksUrl, allowed: d.oidcAllowed } : undefined;
  if (d.tokens?.length || d.namespaces || d.clientNames || oidc) cfg.auth = { tokens: d.tokens, namespaces: d.namespaces, clientNames: d.clientNames, oidc };
  if (d.tlsCert && d.tlsKey) {
    cfg.tls = {
      cert: readPem(d.tlsCert, SERVER_ENV.tlsCert),
      key: readPem(d.tlsKey, SERVER_ENV.tlsKey),
      clientCa: d.tlsClientCa ? readPem(d.tlsClientCa, SERVER_ENV.tlsClientCa) : undefined,
    };
  }
  return cfg;
}

function readPem(file: string, variable: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ConfigError(`invalid configuration: ${variable}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<CodecServer> {
  const codec = createCodec(codecConfigFromEnv(env));
  if (!codec) throw new ConfigError('DRYDOCK_CODEC_KEY is not set: payloads are not encrypted, so there is nothing for a codec server to do');
  const cfg = codecServerConfigFromEnv(env);
  const logger = jsonLogger({ base: { component: 'codec-server' }, secrets: () => cfg.auth?.tokens ?? [] });
  const srv = await startCodecServer({ codec, ...cfg, logger });
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
