import type http from 'node:http';

/**
 * The request and reply primitives of the worker's API (Drydock's control/base.py BaseResource): error bodies,
 * JSON bodies, the request context. Every route module works on these, never on the raw Node objects alone.
 */

/**
 * Drydock's DrydockRequestContext, the parts this API records on every task it creates (the workflow's memo):
 * from the headers, then from what the authorizer (worker/api/auth.ts) validated.
 */
export interface CallContext {
  /** Drydock's request_id: also sent back as `X-Drydock-Req`. */
  requestId: string;
  /** `X-Context-Marker`, kept only when it is a UUID (as Drydock's ContextMiddleware). */
  externalMarker?: string;
  /** `X-End-User`; Drydock defaults it to the authenticated user. */
  endUser?: string;
  /** The authenticated user and roles, when the authorizer knows them. */
  user?: string;
  roles?: string[];
}

/**
 * What the authorization hook answers (worker/api/auth.ts's Keystone authorizer is one): allowed, with who asks
 * when known, or refused with Drydock's status (401 "Unauthenticated", 403 "Forbidden") and message.
 */
export type AuthDecision = { allowed: true; context: { user?: string; roles?: string[]; endUser?: string } } | { allowed: false; status: number; message: string };

/** The hook every route calls with the Drydock policy rules it needs (all must pass). */
export type Authorize = (req: http.IncomingMessage, rules: readonly string[]) => Promise<AuthDecision>;

/** The default hook: every rule passes (tests, the embedded demo; Drydock's noauth pipeline). */
export const allowAll: Authorize = async () => ({ allowed: true, context: {} });

export interface ApiRequest {
  raw: http.IncomingMessage;
  method: string;
  path: string;
  query: URLSearchParams;
  /** Path parameters of the route (`:id` → params.id), URL-decoded. */
  params: Record<string, string>;
  context: CallContext;
  /** Checks more policy rules once the request says which (POST /tasks: the action's own rule); throws a 401/403. */
  authorize(rules: readonly string[]): Promise<void>;
}

export interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
}

/** Drydock's error body (BaseResource.return_error): `{type: 'error', message, retry}`. */
export function errorReply(status: number, message: string, retry = false): Reply {
  return { status, json: { type: 'error', message, retry } };
}

/** A handler's refusal, turned into Drydock's error body by the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retry = false,
  ) {
    super(message);
  }
}

/** Bodies above this are refused with 413 before they are read in full (a design reference is a URL, not a design). */
export const MAX_BODY_BYTES = 1 << 20;

export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The body as text, at most `limit` bytes (413 beyond, also when Content-Length says so up front). */
export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new ApiError(413, `Request body larger than ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    // Past the limit the rest is drained unread, so the client gets its 413 rather than a broken pipe.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => (size > limit ? reject(new ApiError(413, `Request body larger than ${limit} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/**
 * Drydock's BaseResource.req_json: an `application/json` body holding a JSON object, else InvalidFormat (400).
 * (Drydock's task and node-filter handlers then catch every exception as 500 "Unknown error"; a client error
 * stays a 400 here, with InvalidFormat's message.)
 */
export async function readJsonObject(req: ApiRequest, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const type = header(req.raw, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(400, 'Requires application/json payload');
  const text = await readBody(req.raw, limit);
  if (text.trim() === '') throw new ApiError(400, `${req.path}: Invalid JSON in body: empty body`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `${req.path}: Invalid JSON in body: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, `${req.path}: Invalid JSON in body: expected a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Drydock's boolean query parameters: `true`/`false` in any case (its Python client sends `True`). */
export function boolParam(req: ApiRequest, name: string, def = false): boolean {
  const v = req.query.get(name);
  if (v === null || v === '') return def;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw new ApiError(400, `Query parameter ${name} must be true or false, got '${v}'`);
}

/** An integer query parameter, or 400 naming it. */
export function intParam(req: ApiRequest, name: string, def: number, min: number): number {
  const v = req.query.get(name);
  if (v === null || v === '') return def;
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw new ApiError(400, `Query parameter ${name} must be an integer ≥ ${min}, got '${v}'`);
  return Number(v);
}
