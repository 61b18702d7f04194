/**
 * design_ref resolution (Drydock statemgmt/design/resolver.py): file://, http(s)://, and
 * deckhand+http(s):// / promenade+http(s):// (prefix stripped, then a GET with a Keystone token, as Drydock's
 * Keystone session). Bounded size, timeouts and retries with backoff; every failure is a DesignRefError whose
 * message names the (redacted) reference.
 */
import { promises as fs } from 'fs';
import { fileURLToPath } from 'url';
import fetch, { type RequestInit, type Response } from 'node-fetch';
import type { TokenProvider } from '../common/keystone';

export const DEFAULT_MAX_DESIGN_BYTES = 32 * 1024 * 1024;

export interface ResolveOptions {
  /** Refuse designs larger than this (default 32 MiB). */
  maxBytes?: number;
  /** Time to receive response headers (default 16 s, Drydock's connect timeout). */
  connectTimeoutMs?: number;
  /** Time to read the body once headers arrived (default 300 s, Drydock's read timeout). */
  readTimeoutMs?: number;
  /** Total tries for HTTP (default 3, Drydock's http_client_retries). */
  retries?: number;
  /** Delay before retry n (1-based); default 1 s × 5^(n−1) (Drydock sleeps 5^n s). */
  backoffMs?: (attempt: number) => number;
  /**
   * Keystone tokens for deckhand+/promenade+ references (X-Auth-Token; a 401 gets one fresh token, as a
   * keystoneauth session re-authenticates). Without it those references are fetched without a token.
   */
  tokens?: TokenProvider;
  /** Injected for tests. */
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export class DesignRefError extends Error {}

/** The reference with any URL password masked, for messages and logs. */
export function redactRef(ref: string): string {
  return ref.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}

export async function resolveDesignRef(ref: string, opts: ResolveOptions = {}): Promise<Buffer> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ref)?.[1]?.toLowerCase();
  if (scheme === 'file') return readFileRef(ref, opts.maxBytes ?? DEFAULT_MAX_DESIGN_BYTES);
  if (scheme === 'http' || scheme === 'https') return fetchWithRetries(ref, ref, opts);
  if (scheme && /^(deckhand|promenade)\+https?$/.test(scheme)) return fetchWithRetries(ref.slice(ref.indexOf('+') + 1), ref, opts, opts.tokens);
  throw new DesignRefError(
    `Invalid design reference ${redactRef(ref)}: no handler for ${scheme ? `scheme '${scheme}'` : 'a reference without a scheme'} (use file://, http(s):// or deckhand+http(s)://)`,
  );
}

async function readFileRef(ref: string, maxBytes: number): Promise<Buffer> {
  let path: string;
  try {
    path = fileURLToPath(ref);
  } catch (e) {
    throw new DesignRefError(`Invalid design reference ${ref}: ${(e as Error).message}`);
  }
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) throw new DesignRefError(`Design reference ${ref} is not a regular file`);
    if (stat.size > maxBytes) throw tooLarge(ref, stat.size, maxBytes);
    return await fs.readFile(path);
  } catch (e) {
    if (e instanceof DesignRefError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new DesignRefError(`Cannot read design reference ${ref}: ${why}`);
  }
}

function tooLarge(ref: string, size: number | string, max: number): DesignRefError {
  return new DesignRefError(`Design reference ${redactRef(ref)} is too large (${size} bytes; the limit is ${max} bytes)`);
}

class RetryableError extends Error {}

async function fetchWithRetries(url: string, ref: string, opts: ResolveOptions, tokens?: TokenProvider): Promise<Buffer> {
  const tries = Math.max(1, opts.retries ?? 3);
  const backoff = opts.backoffMs ?? ((n: number) => 1000 * 5 ** (n - 1));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: Error | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      return await fetchOnce(url, ref, opts, tokens);
    } catch (e) {
      if (!(e instanceof RetryableError)) throw e;
      last = e;
      if (attempt < tries) await sleep(backoff(attempt));
    }
  }
  throw new DesignRefError(`Cannot fetch design reference ${redactRef(ref)} after ${tries} tries: ${last?.message}`);
}

/** Keystone trouble (unreachable, refused login) is worth the resolver's retries, as any other peer trouble. */
async function keystoneToken(tokens: TokenProvider, refresh: boolean): Promise<string> {
  try {
    return await tokens.token(refresh);
  } catch (e) {
    throw new RetryableError(`no Keystone token: ${(e as Error).message}`);
  }
}

async function fetchOnce(url: string, ref: string, opts: ResolveOptions, tokens?: TokenProvider): Promise<Buffer> {
  if (!tokens) return fetchWithHeaders(url, ref, opts, {});
  try {
    return await fetchWithHeaders(url, ref, opts, { 'X-Auth-Token': await keystoneToken(tokens, false) });
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    return fetchWithHeaders(url, ref, opts, { 'X-Auth-Token': await keystoneToken(tokens, true) });
  }
}

class UnauthorizedError extends DesignRefError {}

async function fetchWithHeaders(url: string, ref: string, opts: ResolveOptions, extraHeaders: Record<string, string>): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DESIGN_BYTES;
  const { target, headers: authHeaders } = basicAuth(url);
  const headers = { ...authHeaders, ...extraHeaders };
  const controller = new AbortController();
  const connectMs = opts.connectTimeoutMs ?? 16_000;
  const readMs = opts.readTimeoutMs ?? 300_000;
  let timer = setTimeout(() => controller.abort(), connectMs);
  // Until the headers arrive node-fetch cannot tell a slow connect from a silent server.
  let phase = `after ${connectMs / 1000} s without a response`;
  try {
    const init: RequestInit = { headers, signal: controller.signal as RequestInit['signal'], size: maxBytes, redirect: 'follow' };
    const res: Response = await (opts.fetchImpl ?? fetch)(target, init);
    clearTimeout(timer);
    if (res.status >= 500) throw new RetryableError(`HTTP ${res.status} ${res.statusText}`);
    if (res.status >= 400) {
      const Err = res.status === 401 ? UnauthorizedError : DesignRefError;
      throw new Err(`Cannot fetch design reference ${redactRef(ref)}: HTTP ${res.status} ${res.statusText}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) throw tooLarge(ref, declared, maxBytes);
    phase = `after ${readMs / 1000} s reading the body`;
    timer = setTimeout(() => controller.abort(), readMs);
    return await res.buffer();
  } catch (e) {
    if (e instanceof DesignRefError || e instanceof RetryableError) throw e;
    const err = e as Error & { type?: string };
    if (err.type === 'max-size') throw tooLarge(ref, `more than ${maxBytes}`, maxBytes);
    if (err.name === 'AbortError') throw new RetryableError(`timed out ${phase}`);
    throw new RetryableError(err.message);
  } finally {
    clearTimeout(timer);
  }
}

/** Drydock sends Basic auth when the URL carries user:pass@; credentials move from the URL to a header. */
function basicAuth(url: string): { target: string; headers: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DesignRefError(`Invalid design reference ${redactRef(url)}: not a URL`);
  }
  if (!parsed.username) return { target: url, headers: {} };
  const token = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { target: parsed.toString(), headers: { Authorization: `Basic ${token}` } };
}
