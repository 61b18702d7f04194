/**
 * Keystone v3 tokens, as Drydock's keystoneauth sessions use them: a password login scoped to a project
 * (POST /v3/auth/tokens, the token in the X-Subject-Token header), token validation with the service's own
 * token (GET /v3/auth/tokens, X-Auth-Token + X-Subject-Token, as keystonemiddleware does), and a token
 * provider that logs in once and again shortly before the token expires, for the Deckhand and Promenade calls.
 */
import nodeFetch, { type RequestInit } from 'node-fetch';
import { z } from 'zod';

/** A token for a peer that needs one; `refresh` asks for a new one (the peer answered 401 to the last). */
export interface TokenProvider {
  token(refresh?: boolean): Promise<string>;
}

/** Service credentials (Drydock's [keystone_authtoken] password plugin options). */
export interface KeystoneCredentials {
  /** Identity endpoint, e.g. http://keystone:5000/v3 (a URL without /v3 gets it appended). */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region?: string;
  region_id?: string;
  url: string;
}

export interface CatalogEntry {
  id?: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** The parts of Keystone's token body Drydock's policy and clients read. */
export interface KeystoneToken {
  methods: string[];
  user: { id: string; name: string; domain: { id: string; name: string } };
  roles?: { id: string; name: string }[];
  project?: { id: string; name: string; domain: { id: string; name: string } };
  is_admin_project?: boolean;
  expires_at: string;
  issued_at: string;
  catalog?: CatalogEntry[];
}

export class KeystoneError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type FetchFn = typeof nodeFetch;

/** Keystone's identity URL always ends in /v3. */
export function identityUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(base) ? base : `${base}/v3`;
}

async function call(url: string, init: RequestInit, what: string, fetchImpl: FetchFn, timeoutMs = 20_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetchImpl(url, { ...init, signal: controller.signal as RequestInit['signal'] });
  } catch (e) {
    const why = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : (e as Error).message;
    throw new KeystoneError(`Keystone unreachable (${what}): ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Keystone's error body is {"error": {"code", "title", "message"}}. */
async function errorText(res: { status: number; text(): Promise<string> }): Promise<string> {
  const text = await res.text();
  try {
    const e = JSON.parse(text).error;
    if (e?.message) return `HTTP ${res.status} ${e.title ?? ''}: ${e.message}`.replace(/ +:/, ':');
  } catch {
    // not Keystone's JSON error: the status says enough
  }
  return `HTTP ${res.status}`;
}

/** Password login scoped to the credentials' project: the token and its body. */
export async function issueToken(creds: KeystoneCredentials, fetchImpl: FetchFn = nodeFetch): Promise<{ token: string; body: KeystoneToken }> {
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: creds.username, domain: { name: creds.userDomainName }, password: creds.password } } },
      scope: { project: { name: creds.projectName, domain: { name: creds.projectDomainName } } },
    },
  };
  const res = await call(
    `${identityUrl(creds.authUrl)}/auth/tokens`,
    { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) },
    'token request',
    fetchImpl,
  );
  if (res.status !== 201) throw new KeystoneError(`Keystone refused the login of ${creds.username}: ${await errorText(res)}`, res.status);
  const token = res.headers.get('x-subject-token');
  if (!token) throw new KeystoneError('Keystone answered the login without an X-Subject-Token header', res.status);
  return { token, body: ((await res.json()) as { token: KeystoneToken }).token };
}

/**
 * The body of `subject` validated with the service token `auth`, or undefined when Keystone says the
 * subject is not a valid token (404). A 401 means the service token itself is no longer good.
 */
export async function validateToken(authUrl: string, auth: string, subject: string, fetchImpl: FetchFn = nodeFetch): Promise<KeystoneToken | undefined> {
  const res = await call(
    `${identityUrl(authUrl)}/auth/tokens`,
    { method: 'GET', headers: { 'X-Auth-Token': auth, 'X-Subject-Token': subject, Accept: 'application/json' } },
    'token validation',
    fetchImpl,
  );
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new KeystoneError(`Keystone refused the token validation: ${await errorText(res)}`, res.status);
  return ((await res.json()) as { token: KeystoneToken }).token;
}

/** Log in again this long before the token expires, so no call goes out with a token about to lapse. */
export const REFRESH_BEFORE_EXPIRY_MS = 60_000;

/**
 * One service token, shared by every caller: a login on first use, again when it is within
 * REFRESH_BEFORE_EXPIRY_MS of its expiry or when a peer refused it. Concurrent callers share one login.
 */
export class KeystoneTokenProvider implements TokenProvider {
  private current?: { token: string; body: KeystoneToken; expiresAt: number };
  private pending?: Promise<{ token: string; body: KeystoneToken; expiresAt: number }>;

  constructor(
    readonly credentials: KeystoneCredentials,
    private readonly opts: { fetch?: FetchFn; now?: () => number } = {},
  ) {}

  async token(refresh = false): Promise<string> {
    return (await this.session(refresh)).token;
  }

  /** The current token's body (roles, project, catalog). */
  async tokenBody(refresh = false): Promise<KeystoneToken> {
    return (await this.session(refresh)).body;
  }

  /** A service endpoint from the token's catalog (Drydock finds Promenade as `kubernetesprovisioner`, internal). */
  async endpoint(type: string, iface = 'internal'): Promise<string | undefined> {
    const entry = (await this.tokenBody()).catalog?.find((c) => c.type === type);
    return (entry?.endpoints.find((e) => e.interface === iface) ?? entry?.endpoints[0])?.url;
  }

  private async session(refresh: boolean) {
    const now = (this.opts.now ?? Date.now)();
    const stale = refresh || !this.current || this.current.expiresAt - REFRESH_BEFORE_EXPIRY_MS <= now;
    if (!stale) return this.current!;
    // A refresh that a concurrent caller already started serves this caller too.
    this.pending ??= issueToken(this.credentials, this.opts.fetch)
      .then(({ token, body }) => (this.current = { token, body, expiresAt: Date.parse(body.expires_at) }))
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}

const settingsSchema = z.object({
  authUrl: z.string().url(),
  username: z.string().min(1),
  password: z.string().min(1),
  projectName: z.string().min(1).default('service'),
  userDomainName: z.string().min(1).default('Default'),
  projectDomainName: z.string().min(1).default('Default'),
});

/** The environment variables of the worker's Keystone service credentials. */
export const KEYSTONE_ENV = {
  authUrl: 'DRYDOCK_KEYSTONE_URL',
  username: 'DRYDOCK_KEYSTONE_USERNAME',
  password: 'DRYDOCK_KEYSTONE_PASSWORD',
  projectName: 'DRYDOCK_KEYSTONE_PROJECT_NAME',
  userDomainName: 'DRYDOCK_KEYSTONE_USER_DOMAIN_NAME',
  projectDomainName: 'DRYDOCK_KEYSTONE_PROJECT_DOMAIN_NAME',
} as const;

/**
 * The worker's Keystone service credentials, or undefined when DRYDOCK_KEYSTONE_URL is unset (no Keystone:
 * deckhand+http references are a plain GET and Promenade gets PROMENADE_TOKEN). A bad or missing value is
 * named without echoing it (the password must not reach a log).
 */
export function keystoneSettingsFromEnv(env: Record<string, string | undefined> = process.env): KeystoneCredentials | undefined {
  if (!env[KEYSTONE_ENV.authUrl]) return undefined;
  const raw = Object.fromEntries(Object.entries(KEYSTONE_ENV).map(([k, v]) => [k, env[v] || undefined]));
  const r = settingsSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${KEYSTONE_ENV[i.path[0] as keyof typeof KEYSTONE_ENV] ?? i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid Keystone configuration: ${issues.join('; ')}`);
  }
  return r.data;
}

/** What a log must never show of these settings: the password. */
export function keystoneSecrets(creds: KeystoneCredentials | undefined): string[] {
  return creds ? [creds.password] : [];
}

let shared: { key: string; provider: KeystoneTokenProvider } | undefined;

/**
 * The process's one service token provider for DRYDOCK_KEYSTONE_* (the worker's activities and its API's boot
 * action routes share a login), or undefined without Keystone.
 */
export function keystoneTokensFromEnv(env: Record<string, string | undefined> = process.env): KeystoneTokenProvider | undefined {
  const creds = keystoneSettingsFromEnv(env);
  if (!creds) return undefined;
  const key = JSON.stringify(creds);
  if (shared?.key !== key) shared = { key, provider: new KeystoneTokenProvider(creds) };
  return shared.provider;
}
