import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import nodeFetch, { type RequestInit, type Response } from 'node-fetch';
import { CallAbortedError, throwIfAborted } from '../abort';
import { AuthenticationError, StateConflictError, TransientDriverError, type DriverErrorContext } from '../errors';
import type { Logger } from '../../common/logger';
import { redact } from '../../common/logger';
import { MaasNotFoundError, MaasRequestError } from './errors';
import { encodeMultipart, type FormFields } from './multipart';
import { oauthPlaintextHeader, parseApiKey, type MaasApiKey } from './oauth';

export interface MaasClientConfig {
  /** Ends at /MAAS, e.g. http://127.0.0.1:5240/MAAS (Drydock's maasdriver.maas_api_url). */
  apiUrl: string;
  /** consumer_key:token_key:token_secret. A secret: never logged, never in an error. */
  apiKey: string;
  /** Drydock: 5 s connect, 60 s read. */
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /**
   * Retries after the first attempt on 429/5xx/connection errors. Drydock: 3. The worker sets 0: its
   * workflows retry transient errors for a time window, and the two layers must not multiply.
   */
  retries?: number;
  /**
   * The signal that aborts the request in flight (the worker passes the current activity's cancellation, so
   * a terminated task stops waiting on MaaS at once).
   */
  abortSignal?: () => AbortSignal | undefined;
  /** First backoff delay; doubles per retry up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export type FetchFn = typeof nodeFetch;

export interface MaasRequest {
  op?: string;
  query?: Record<string, string | string[] | undefined>;
  form?: FormFields;
  /** Names the step in errors ("commission", "find machine"...). */
  operation?: string;
  node?: string;
  /** Return the body as bytes (op=details answers BSON). */
  binary?: boolean;
  /** Serves several callers (a shared status read): not aborted with the current activity. */
  shared?: boolean;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * One MaaS 2.0 request with Drydock's transport rules: OAuth PLAINTEXT, op in the query string,
 * multipart bodies, bounded retries with backoff, and typed errors that never carry the API key.
 */
export class MaasHttp {
  private readonly key: MaasApiKey;
  private readonly base: string;
  private readonly agent: http.Agent;

  constructor(
    private readonly config: MaasClientConfig,
    private readonly logger: Logger,
    private readonly fetch: FetchFn = nodeFetch,
  ) {
    this.key = parseApiKey(config.apiKey);
    this.base = config.apiUrl.replace(/\/+$/, '') + '/api/2.0/';
    this.agent = connectTimeoutAgent(this.base.startsWith('https:'), config.connectTimeoutMs ?? 5000);
  }

  get address(): string {
    return this.config.apiUrl;
  }

  async get<T>(path: string, req: MaasRequest = {}): Promise<T> {
    return this.request<T>('GET', path, req);
  }
  async post<T>(path: string, req: MaasRequest = {}): Promise<T> {
    return this.request<T>('POST', path, req);
  }
  async put<T>(path: string, req: MaasRequest = {}): Promise<T> {
    return this.request<T>('PUT', path, req);
  }
  async delete(path: string, req: MaasRequest = {}): Promise<void> {
    await this.request<unknown>('DELETE', path, req);
  }

  async request<T>(method: string, path: string, req: MaasRequest): Promise<T> {
    const url = this.url(path, req);
    // A boot action context tag (`<node>__baid__<key>`, provisioner.ts) names the node's key: logged masked.
    const logged = path.replace(/__baid__[0-9a-fA-F]+/g, '__baid__<key>');
    const ctx: DriverErrorContext = { operation: req.operation ?? `${method} ${path}${req.op ? ` op=${req.op}` : ''}`, node: req.node, address: this.config.apiUrl, peer: 'MaaS' };
    const retries = this.config.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      let text: string | Buffer;
      try {
        ({ res, text } = await this.once(method, url, req, ctx));
      } catch (err) {
        if (err instanceof CallAbortedError) throw err;
        const reason = this.scrub(err instanceof Error ? err.message : String(err));
        if (attempt < retries) {
          this.logger.warn('MaaS request failed, retrying', { method, path: logged, op: req.op, attempt, reason });
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new TransientDriverError(`MaaS unreachable after ${attempt + 1} attempts: ${reason}`, ctx);
      }
      this.logger.debug('MaaS request', { method, path: logged, op: req.op, status: res.status, attempt });
      if (res.status < 400) {
        if (req.binary) return text as unknown as T;
        const body = text.toString();
        if (res.status === 204 || body.length === 0) return undefined as T;
        const type = res.headers.get('content-type') ?? '';
        return (type.includes('json') ? JSON.parse(body) : body) as T;
      }
      if (RETRY_STATUS.has(res.status) && attempt < retries) {
        this.logger.warn('MaaS answered a retryable status, retrying', { method, path: logged, op: req.op, status: res.status, attempt });
        await sleep(this.backoff(attempt, res.headers.get('retry-after')));
        continue;
      }
      throw this.toError(res.status, text.toString(), ctx);
    }
  }

  private async once(method: string, url: string, req: MaasRequest, ctx: DriverErrorContext): Promise<{ res: Response; text: string | Buffer }> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: oauthPlaintextHeader(this.key),
    };
    const init: RequestInit = { method, headers, agent: this.agent, redirect: 'manual' };
    if ((method === 'POST' || method === 'PUT') && req.form !== undefined) {
      const { body, contentType } = encodeMultipart(req.form);
      headers['Content-Type'] = contentType;
      init.body = body;
    } else if (method === 'POST' || method === 'PUT') {
      headers['Content-Length'] = '0';
    }
    // One timer for the whole exchange, as requests' read timeout bounds each wait on the peer.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.config.readTimeoutMs ?? 60000);
    const cancel = req.shared ? undefined : this.config.abortSignal?.();
    throwIfAborted(cancel, ctx);
    const onCancel = () => controller.abort();
    cancel?.addEventListener('abort', onCancel);
    init.signal = controller.signal as RequestInit['signal'];
    try {
      const res = await this.fetch(url, init);
      const text = req.binary && res.status < 400 ? await res.buffer() : await res.text();
      return { res, text };
    } catch (err) {
      if (cancel?.aborted) throw new CallAbortedError(ctx, cancel.reason);
      if (controller.signal.aborted) throw new Error(`no answer within ${this.config.readTimeoutMs ?? 60000} ms`, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    }
  }

  private url(path: string, req: MaasRequest): string {
    const u = new URL(path.replace(/^\/+/, ''), this.base);
    if (req.op) u.searchParams.set('op', req.op);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) u.searchParams.append(k, one);
    }
    return u.toString();
  }

  private toError(status: number, body: string, ctx: DriverErrorContext): Error {
    const text = this.scrub(body).slice(0, 500);
    if (status === 401 || status === 403) {
      // MaaS echoes the token in its 401 text: say nothing of the body.
      return new AuthenticationError(`MaaS API authentication failed (HTTP ${status})`, ctx);
    }
    if (status === 404) return new MaasNotFoundError(`MAAS Error: 404 - not found`, ctx);
    if (status === 409) return new StateConflictError(`MaaS refused the state transition (409): ${text}`, ctx);
    if (status >= 500 || status === 429) return new TransientDriverError(`MAAS Error: ${status} - ${text}`, ctx);
    return new MaasRequestError(`MAAS Error: ${status} - ${text}`, ctx, status, text);
  }

  private scrub(text: string): string {
    return redact(text, [this.config.apiKey, this.key.tokenKey, this.key.tokenSecret, this.key.consumerKey]);
  }

  private backoff(attempt: number, retryAfter?: string | null): number {
    const max = this.config.maxBackoffMs ?? 5000;
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    if (Number.isFinite(seconds)) return Math.min(max, seconds * 1000);
    return Math.min(max, (this.config.backoffMs ?? 200) * 2 ** attempt);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

type CreateConnection = (options: object, cb?: (err: Error | null, s: net.Socket) => void) => net.Socket;

/**
 * node-fetch has no connect timeout: destroy a socket that has not connected in time. Connections are kept
 * alive between requests (a deploy makes ~70 MaaS requests per node): at 200 nodes, opening one per request
 * cost the worker a tenth of its CPU. Idle sockets are closed after 4 s, before MaaS's Apache (5 s) would.
 */
function connectTimeoutAgent(secure: boolean, ms: number): http.Agent {
  const options = { keepAlive: true, maxFreeSockets: 16, timeout: 4000 };
  const agent = secure ? new https.Agent(options) : new http.Agent(options);
  const holder = agent as unknown as { createConnection: CreateConnection };
  const original = holder.createConnection.bind(agent);
  holder.createConnection = (options, cb) => {
    const socket = original(options, cb);
    const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${ms} ms`)), ms);
    const clear = () => clearTimeout(timer);
    socket.once(secure ? 'secureConnect' : 'connect', clear);
    socket.once('close', clear);
    return socket;
  };
  return agent;
}
