import { randomUUID } from 'node:crypto';
import nodeFetch, { type RequestInit } from 'node-fetch';
import type { Logger } from '../../common/logger';
import type { LabelDriver } from '../labels';
import type { TokenProvider } from '../../common/keystone';
import { AuthenticationError, PermanentDriverError, TransientDriverError, type DriverErrorContext } from '../errors';

// Keystone's tokens (common/keystone's KeystoneTokenProvider) or a fixed one (staticTokenProvider).
export type { TokenProvider };

export interface PromenadeConfig {
  /** Promenade base URL, e.g. http://promenade-api:80 (a trailing /api is accepted). */
  url: string;
  /** Drydock: 20 s connect, 30 s read; one budget for the whole call here. */
  timeoutMs?: number;
}

export type FetchFn = typeof nodeFetch;

/**
 * PUT <url>/api/v1.0/node-labels/<node> with the labels as JSON. Promenade diffs them against the
 * node (missing keys are removed), so the call is idempotent. One re-authentication on 401.
 */
export class PromenadeLabelDriver implements LabelDriver {
  private readonly base: string;

  constructor(
    private readonly config: PromenadeConfig,
    private readonly tokens: TokenProvider,
    private readonly logger: Logger,
    private readonly fetch: FetchFn = nodeFetch,
  ) {
    this.base = config.url.replace(/\/+$/, '').replace(/\/api$/, '');
  }

  async relabel(node: string, labels: Record<string, string>): Promise<void> {
    const ctx: DriverErrorContext = { operation: 'relabel node', node, address: this.base };
    let status = await this.put(node, labels, await this.token(false, ctx), ctx);
    if (status.code === 401) {
      this.logger.info('Promenade refused the token; re-authenticating once', { node });
      status = await this.put(node, labels, await this.token(true, ctx), ctx);
    }
    if (status.code >= 200 && status.code < 300) {
      this.logger.info('Node labels updated', { node, labels: Object.keys(labels).length });
      return;
    }
    if (status.code === 401) throw new AuthenticationError('Promenade authentication failed (HTTP 401)', ctx);
    if (status.code === 403) throw new AuthenticationError('Promenade refused access (HTTP 403)', ctx);
    if (status.code === 404) throw new PermanentDriverError('node not found in Kubernetes (HTTP 404)', ctx);
    if (status.code >= 500 || status.code === 429) throw new TransientDriverError(`Promenade error: ${status.code} - ${status.text}`, ctx);
    throw new PermanentDriverError(`Promenade error: ${status.code} - ${status.text}`, ctx);
  }

  /** A token for the call; Keystone unreachable or refusing the login is a peer outage, retried as one. */
  private async token(refresh: boolean, ctx: DriverErrorContext): Promise<string> {
    try {
      return await this.tokens.token(refresh);
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 401 || status === 403) throw new AuthenticationError(`Keystone refused the service credentials: ${(e as Error).message}`, ctx);
      throw new TransientDriverError(`no Keystone token: ${(e as Error).message}`, ctx);
    }
  }

  private async put(node: string, labels: Record<string, string>, token: string, ctx: DriverErrorContext): Promise<{ code: number; text: string }> {
    const controller = new AbortController();
    const timeoutMs = this.config.timeoutMs ?? 30000;
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const init: RequestInit = {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'X-Context-Marker': randomUUID(), 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(labels),
      signal: controller.signal as RequestInit['signal'],
    };
    try {
      const res = await this.fetch(`${this.base}/api/v1.0/node-labels/${encodeURIComponent(node)}`, init);
      const text = (await res.text()).split(token).join('***').slice(0, 300);
      return { code: res.status, text };
    } catch (e) {
      const reason = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : e instanceof Error ? e.message : String(e);
      throw new TransientDriverError(`Promenade unreachable: ${reason.split(token).join('***')}`, ctx);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A fixed token (tests, or a token issued out of band); `refresh` asks the callback again. */
export function staticTokenProvider(get: () => string | Promise<string>): TokenProvider {
  return { token: async () => get() };
}
