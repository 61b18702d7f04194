/**
 * Keystone authentication and Drydock's policy for the worker's API: what keystonemiddleware and Drydock's
 * AuthMiddleware + ApiEnforcer do together. The request's X-Auth-Token is validated against Keystone with the
 * worker's own service token (GET /v3/auth/tokens); its user, project and roles are the credentials Drydock's
 * oslo.policy rules are checked against. No token or an invalid one → 401 "Unauthenticated"; a valid token
 * whose roles do not satisfy every rule asked → 403 "Forbidden".
 *
 * The API passes each route's rules: `keystoneAuthorizer(opts)` returns the `authorize(req, rules)` hook.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { KeystoneError, KeystoneTokenProvider, keystoneSettingsFromEnv, validateToken, type FetchFn, type KeystoneCredentials, type KeystoneToken } from '../../common/keystone';
import type { Logger } from '../../common/logger';
import { loadPolicy, type PolicyCredentials, type Rules } from './authPolicy';
import type { Authorize as ApiAuthorize } from './http';

/** Who asks (Drydock's RequestContext): from the validated token, plus Drydock's context headers. */
export interface RequestContext {
  authenticated: boolean;
  user?: string;
  userId?: string;
  userDomainId?: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  roles: string[];
  isAdminProject: boolean;
  /** X-Context-Marker, when it is a UUID (Drydock ignores anything else). */
  contextMarker?: string;
  /** X-End-User, default the token's user. */
  endUser?: string;
}

export type AuthDecision =
  | { allowed: true; context: RequestContext }
  /** 401 Unauthenticated, 403 Forbidden, or 503 when Keystone cannot be asked (keystonemiddleware's answer). */
  | { allowed: false; status: 401 | 403 | 503; message: string; context: RequestContext };

/** Rules are Drydock's names, with or without the `physical_provisioner:` prefix. A hook of the API's type (./http). */
export type Authorize = (req: IncomingMessage, rules: readonly string[]) => Promise<AuthDecision>;

export interface KeystoneAuthorizerOptions {
  /** The worker's service credentials: their token validates the callers' tokens. */
  credentials: KeystoneCredentials;
  /** Drydock's rules, overridden by a policy file (DRYDOCK_POLICY_FILE); default Drydock's defaults. */
  policy?: Rules;
  /** A validated token is trusted this long at most (keystonemiddleware's token_cache_time, 300 s), never past its expiry. */
  cacheSeconds?: number;
  logger?: Logger;
  fetch?: FetchFn;
  now?: () => number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const MAX_CACHED_TOKENS = 1000;

export function qualifiedRule(rule: string): string {
  return rule.includes(':') || rule === 'admin_required' ? rule : `physical_provisioner:${rule}`;
}

/** The credentials Drydock's policy sees (RequestContext.to_policy_view). */
export function policyView(ctx: RequestContext): PolicyCredentials {
  return {
    roles: ctx.roles,
    user_id: ctx.userId,
    project_id: ctx.projectId,
    user_domain_id: ctx.userDomainId,
    project_domain_id: ctx.projectDomainId,
    is_admin_project: ctx.isAdminProject,
  };
}

function contextFrom(token: KeystoneToken | undefined, req: IncomingMessage): RequestContext {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const marker = header('x-context-marker');
  const base: RequestContext = token
    ? {
        authenticated: true,
        user: token.user.name,
        userId: token.user.id,
        userDomainId: token.user.domain?.id,
        projectId: token.project?.id,
        projectName: token.project?.name,
        projectDomainId: token.project?.domain?.id,
        roles: (token.roles ?? []).map((r) => r.name),
        // Keystone omits is_admin_project unless the admin project is configured; then it is not the admin project.
        isAdminProject: token.is_admin_project ?? true,
      }
    : { authenticated: false, roles: [], isAdminProject: false };
  return { ...base, contextMarker: marker && UUID.test(marker) ? marker : undefined, endUser: header('x-end-user') || base.user };
}

/** The `authorize` hook of the worker's API, backed by Keystone and Drydock's policy. */
export function keystoneAuthorizer(opts: KeystoneAuthorizerOptions): Authorize {
  const policy = opts.policy ?? loadPolicy();
  const now = opts.now ?? Date.now;
  const cacheMs = (opts.cacheSeconds ?? 300) * 1000;
  const service = new KeystoneTokenProvider(opts.credentials, { fetch: opts.fetch, now });
  // Keyed by the token's digest: the cache never holds a caller's token itself.
  const cache = new Map<string, { token: KeystoneToken | undefined; until: number }>();

  async function validate(subject: string): Promise<KeystoneToken | undefined> {
    const key = createHash('sha256').update(subject).digest('hex');
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.token;
    cache.delete(key);
    let token: KeystoneToken | undefined;
    try {
      token = await validateToken(opts.credentials.authUrl, await service.token(), subject, opts.fetch);
    } catch (e) {
      // Our own service token was refused (revoked, or Keystone restarted with new keys): log in again, once.
      if (!(e instanceof KeystoneError && e.status === 401)) throw e;
      token = await validateToken(opts.credentials.authUrl, await service.token(true), subject, opts.fetch);
    }
    const expires = token ? Date.parse(token.expires_at) : NaN;
    if (token && !(expires > now())) token = undefined;
    // An invalid token is remembered briefly too, so a caller retrying a bad token does not hammer Keystone.
    const until = token ? Math.min(expires, now() + cacheMs) : now() + Math.min(cacheMs, 10_000);
    if (cache.size >= MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value!);
    cache.set(key, { token, until });
    return token;
  }

  return async (req, rules) => {
    const header = req.headers['x-auth-token'];
    const subject = (Array.isArray(header) ? header[0] : header)?.trim();
    let token: KeystoneToken | undefined;
    if (subject) {
      try {
        token = await validate(subject);
      } catch (e) {
        opts.logger?.warn('Keystone token validation failed', { error: (e as Error).message });
        return { allowed: false, status: 503, message: 'Authentication service unavailable', context: contextFrom(undefined, req) };
      }
    }
    const context = contextFrom(token, req);
    const creds = policyView(context);
    const target = { project_id: context.projectId, user_id: context.userId };
    // ApiEnforcer: every rule the route names must pass (POST /tasks: create_task and the action's own).
    const denied = rules.map(qualifiedRule).find((r) => !policy.enforce(r, creds, target));
    if (denied === undefined) return { allowed: true, context };
    opts.logger?.info(context.authenticated ? 'Forbidden access' : 'Unauthenticated access', { rule: denied, user: context.user });
    return context.authenticated ? { allowed: false, status: 403, message: 'Forbidden', context } : { allowed: false, status: 401, message: 'Unauthenticated', context };
  };
}

/** The API's Keystone settings: the worker's service credentials (DRYDOCK_KEYSTONE_*) and DRYDOCK_POLICY_FILE. */
export interface ApiAuthSettings {
  credentials: KeystoneCredentials;
  policyFile?: string;
}

/** Undefined without DRYDOCK_KEYSTONE_URL: the API then runs without Keystone, as Drydock's noauth pipeline. */
export function apiAuthSettingsFromEnv(env: Record<string, string | undefined> = process.env): ApiAuthSettings | undefined {
  const credentials = keystoneSettingsFromEnv(env);
  return credentials && { credentials, policyFile: env.DRYDOCK_POLICY_FILE || undefined };
}

/** The hook from settings, or undefined without Keystone. */
export function authorizerFromSettings(settings: ApiAuthSettings | undefined, logger?: Logger): ApiAuthorize | undefined {
  return settings && keystoneAuthorizer({ credentials: settings.credentials, policy: loadPolicy(settings.policyFile), logger });
}
