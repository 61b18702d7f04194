import https from 'node:https';
import defaultFetch, { RequestInfo, RequestInit, Response } from 'node-fetch';
import type { Logger } from '../../common/logger';
import { redact } from '../../common/logger';
import { CallAbortedError, throwIfAborted } from '../abort';
import { AuthenticationError, DriverErrorContext, PermanentDriverError, TransientDriverError } from '../errors';
import type { BmcTarget } from '../bmc';
import { describeBmc, hostForUrl, reachBmc, type BmcEndpoints } from '../../common/bmcEndpoints';
import { withDefaults } from './config';

export interface RedfishClientConfig {
  /** https (default, as Drydock's `use_ssl`) or plain http for emulators. */
  useSsl: boolean;
  /** Skip certificate verification: lab BMCs with self-signed certificates only. Default false. */
  insecureSkipVerify: boolean;
  /** Limit for each HTTP request. */
  requestTimeoutMs: number;
  /** Design OOB address → where the BMC really listens (DRYDOCK_BMC_ENDPOINTS); requests go there. */
  endpoints: BmcEndpoints;
}

export const DEFAULT_REDFISH_CLIENT_CONFIG: RedfishClientConfig = { useSsl: true, insecureSkipVerify: false, requestTimeoutMs: 30_000, endpoints: {} };

/** node-fetch's call signature; injected so tests can stub answers. */
export type Fetch = (url: RequestInfo, init?: RequestInit) => Promise<Response>;
export type Json = Record<string, unknown>;

const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;
const SESSIONS_FALLBACK = '/redfish/v1/SessionService/Sessions';

/** One authenticated conversation with a BMC; `withSession` opens and closes it. */
export interface RedfishSession {
  get(path: string): Promise<Json>;
  /** POST/PATCH/DELETE; any 2xx counts (BMCs answer 200, 202 or 204 for the same action). */
  send(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: Json): Promise<void>;
}

/**
 * HTTP to one BMC's Redfish service. Authenticates with a SessionService session (X-Auth-Token,
 * deleted afterwards) and falls back to HTTP Basic when the service has no sessions (sushy-tools).
 * An aborted signal drops the request in flight and starts no other, except the session's logout.
 */
export class RedfishClient {
  private readonly config: RedfishClientConfig;
  private readonly agent?: https.Agent;

  constructor(
    config: Partial<RedfishClientConfig>,
    private readonly logger: Logger,
    private readonly fetch: Fetch = defaultFetch,
  ) {
    this.config = withDefaults(DEFAULT_REDFISH_CLIENT_CONFIG, config);
    if (this.config.useSsl && this.config.insecureSkipVerify) this.agent = new https.Agent({ rejectUnauthorized: false });
  }

  /** Where requests go: the BMC's endpoint when one is configured for its address, else the address itself. */
  baseUrl(t: BmcTarget): string {
    const at = reachBmc(this.config.endpoints, t.address, t.port);
    return `${this.scheme()}://${hostForUrl(at.host)}${at.port ? `:${at.port}` : ''}`;
  }

  /** An absolute link the BMC gave (a session's Location) names the BMC as it knows itself: a redirected
   * BMC is still reached at its endpoint. */
  private redirected(t: BmcTarget, link: string): string {
    if (!this.config.endpoints[t.address]) return link;
    const u = new URL(link);
    return this.baseUrl(t) + u.pathname + u.search;
  }

  /** The BMC as messages name it: its design address first. */
  describe(t: BmcTarget): string {
    const at = reachBmc(this.config.endpoints, t.address, t.port);
    return `${this.scheme()}://${describeBmc(t.address, at, undefined)}`;
  }

  private scheme(): string {
    return this.config.useSsl ? 'https' : 'http';
  }

  async withSession<T>(t: BmcTarget, operation: string, fn: (s: RedfishSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!t.address || !t.username || !t.password) {
      throw new PermanentDriverError('unusable Redfish parameters: BMC address, account and credential are required', this.context(t, operation));
    }
    let login: { token: string; location?: string } | undefined;
    let auth: Record<string, string> = {};
    try {
      const root = await this.request(t, operation, 'GET', '/redfish/v1/', {}, undefined, signal);
      const sessionsPath = linkOf((root.json.Links as Json | undefined)?.Sessions) ?? (root.json.SessionService ? SESSIONS_FALLBACK : undefined);
      login = sessionsPath ? await this.loginUnlessAborted(t, operation, sessionsPath, signal) : undefined;
      auth = login ? { 'X-Auth-Token': login.token } : { Authorization: `Basic ${Buffer.from(`${t.username}:${t.password}`).toString('base64')}` };
      const a = auth;
      return await fn({
        get: async (path) => (await this.request(t, operation, 'GET', path, a, undefined, signal)).json,
        send: async (method, path, body) => void (await this.request(t, operation, method, path, a, body, signal)),
      });
    } catch (err) {
      // Whatever an abort interrupted (a request, a body being read), the caller sees the abort.
      if (signal?.aborted && !(err instanceof CallAbortedError)) throw new CallAbortedError(this.context(t, operation), signal.reason);
      throw err;
    } finally {
      // A BMC has few session slots: log out even after an abort, but then without making the caller wait.
      if (login?.location) {
        const logout = this.logout(t, operation, login.location, auth);
        if (!signal?.aborted) await logout;
      }
    }
  }

  /** Creates a session; undefined when the service does not offer them (404/405/501) so Basic is used. */
  private async login(t: BmcTarget, operation: string, path: string): Promise<{ token: string; location?: string } | undefined> {
    const res = await this.raw(t, operation, 'POST', path, {}, { UserName: t.username, Password: t.password });
    if ([404, 405, 501].includes(res.status)) {
      this.logger.debug('Redfish sessions not supported, using Basic auth', { node: t.node, bmc: this.describe(t), status: res.status });
      return undefined;
    }
    if (!res.ok) throw await this.error(t, operation, 'POST', path, res);
    const token = res.headers.get('x-auth-token');
    if (!token) throw new PermanentDriverError('session created without an X-Auth-Token header', this.context(t, operation));
    return { token, location: res.headers.get('location') ?? undefined };
  }

  /**
   * A login the abort cut off may already have opened a session on the BMC (it answers after creating it): the
   * request is let finish and its session logged out, while the caller sees the abort at once.
   */
  private loginUnlessAborted(t: BmcTarget, operation: string, path: string, signal?: AbortSignal): Promise<{ token: string; location?: string } | undefined> {
    throwIfAborted(signal, this.context(t, operation));
    const pending = this.login(t, operation, path);
    if (!signal) return pending;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        pending.then((l) => (l?.location ? this.logout(t, operation, l.location, { 'X-Auth-Token': l.token }) : undefined)).catch(() => undefined);
        reject(new CallAbortedError(this.context(t, operation), signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (l) => {
          signal.removeEventListener('abort', onAbort);
          resolve(l);
        },
        (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private async logout(t: BmcTarget, operation: string, location: string, auth: Record<string, string>): Promise<void> {
    try {
      await this.request(t, operation, 'DELETE', location, auth);
    } catch (err) {
      // The session expires on its own; a failed logout must not fail the action that succeeded.
      this.logger.warn('Redfish session logout failed', { node: t.node, bmc: this.describe(t), error: String(err) });
    }
  }

  private async request(
    t: BmcTarget,
    operation: string,
    method: string,
    path: string,
    auth: Record<string, string>,
    body?: Json,
    signal?: AbortSignal,
  ): Promise<{ status: number; json: Json }> {
    const res = await this.raw(t, operation, method, path, auth, body, signal);
    if (!res.ok) throw await this.error(t, operation, method, path, res);
    const text = await res.text();
    return { status: res.status, json: text ? (parseJson(text) ?? {}) : {} };
  }

  private async raw(t: BmcTarget, operation: string, method: string, path: string, headers: Record<string, string>, body?: Json, signal?: AbortSignal): Promise<Response> {
    throwIfAborted(signal, this.context(t, operation));
    const url = path.startsWith('http') ? this.redirected(t, path) : this.baseUrl(t) + path;
    const init: RequestInit = {
      method,
      headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      timeout: this.config.requestTimeoutMs,
      agent: this.agent,
      redirect: 'follow', // sushy-tools answers a system name with 307 to its UUID
      // node-fetch's own AbortSignal type; Node's AbortSignal is what it checks for at run time.
      signal: signal as RequestInit['signal'],
    };
    const started = Date.now();
    try {
      const res = await this.fetch(url, init);
      this.logger.debug('redfish request', { node: t.node, operation, method, path, status: res.status, durationMs: Date.now() - started });
      return res;
    } catch (err) {
      const e = err as Error & { type?: string; code?: string };
      if (signal?.aborted) throw new CallAbortedError(this.context(t, operation), signal.reason);
      if (e.code && TLS_ERRORS.test(e.code)) {
        // A certificate problem does not go away by retrying.
        throw new PermanentDriverError(`TLS certificate not trusted (${e.code}); for a lab BMC with a self-signed certificate set insecureSkipVerify`, this.context(t, operation));
      }
      const why = e.type === 'request-timeout' ? `no answer within ${this.config.requestTimeoutMs} ms` : `${e.code ?? e.name}: ${e.message}`;
      throw new TransientDriverError(`${method} ${path} failed: ${redact(why, [t.password])}`, this.context(t, operation));
    }
  }

  private async error(t: BmcTarget, operation: string, method: string, path: string, res: Response): Promise<Error> {
    const detail = redact(extendedMessage(await res.text().catch(() => '')), [t.password]);
    const msg = `${method} ${path} answered ${res.status}${detail ? ` (${detail})` : ''}`;
    const ctx = this.context(t, operation);
    if (res.status === 401 || res.status === 403) return new AuthenticationError(`BMC rejected the credentials: ${msg}`, ctx);
    if (res.status >= 500 || res.status === 429 || res.status === 408) return new TransientDriverError(msg, ctx);
    return new PermanentDriverError(msg, ctx);
  }

  context(t: BmcTarget, operation: string): DriverErrorContext {
    return { node: t.node, address: this.describe(t), operation };
  }
}

/** The one ComputerSystem a BMC manages (Drydock's rule: `Members@odata.count` must be 1). */
export async function findSystem(client: RedfishClient, s: RedfishSession, t: BmcTarget, operation: string): Promise<{ path: string; system: Json }> {
  const members = ((await s.get('/redfish/v1/Systems')).Members as unknown[] | undefined) ?? [];
  if (members.length !== 1) {
    throw new PermanentDriverError(`expected exactly one system in /redfish/v1/Systems, found ${members.length}`, client.context(t, operation));
  }
  const path = linkOf(members[0]);
  if (!path) throw new PermanentDriverError('/redfish/v1/Systems member has no @odata.id', client.context(t, operation));
  return { path, system: await s.get(path) };
}

export function linkOf(v: unknown): string | undefined {
  const id = (v as Json | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
}

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The human part of a Redfish error body ({"error":{"message", "@Message.ExtendedInfo":[...]}}), short. */
function extendedMessage(text: string): string {
  const err = parseJson(text)?.error as Json | undefined;
  const info = (err?.['@Message.ExtendedInfo'] as Json[] | undefined)?.[0]?.Message;
  const msg = typeof info === 'string' ? info : typeof err?.message === 'string' ? err.message : text;
  return msg.replace(/\s+/g, ' ').trim().slice(0, 200);
}
