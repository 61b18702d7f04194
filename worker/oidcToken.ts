/**
 * Validation of OIDC access tokens (JWTs, RFC 7519, signed as JWS compact, RFC 7515) with the issuer's published
 * keys (JWKS, RFC 7517), with node:crypto only. The codec server uses it for the token the Temporal Web UI forwards
 * (TEMPORAL_CODEC_PASS_ACCESS_TOKEN): the signed-in user's access token from the UI's OIDC login, a different one
 * for every login, so no static list can hold it.
 *
 * The keys come from `jwksUrl`, or from the `jwks_uri` of the issuer's discovery document
 * (`<issuer>/.well-known/openid-configuration`, whose `issuer` must be the configured one). They are cached for
 * `jwksTtlMs`; a token naming a key id the cache does not hold refetches them (the issuer rotated its keys), at
 * most once per `jwksCooldownMs`, so a flood of made-up key ids costs the issuer one request. A failed fetch is
 * KeysUnavailable (the caller may be fine: 503, not 401), retried after the same cool-down.
 */
import { createPublicKey, verify, constants, type KeyObject, type JsonWebKey } from 'node:crypto';
import { isIP } from 'node:net';
import { silentLogger, type Logger } from '../common/logger';

export interface OidcOptions {
  /** The issuer, exactly as the tokens' `iss` claim names it. */
  issuer: string;
  /** Accepted audiences: the token's `aud` (a string or an array) must hold one of them. */
  audiences: string[];
  /** The JWKS; unset: the `jwks_uri` of the issuer's discovery document. */
  jwksUrl?: string;
  /** A claim the caller must have: its value (a string or an array of strings) must hold one of `values`. */
  allowed?: AllowedClaim;
  /** Leeway on `exp` and `nbf`, seconds (60). */
  clockSkewSeconds?: number;
  /** How long fetched keys are used before they are fetched again, ms (10 min). */
  jwksTtlMs?: number;
  /** Least time between two fetches of the keys (an unknown key id, a failed fetch), ms (30 s). */
  jwksCooldownMs?: number;
  /** Timeout of one fetch, ms (5 s). */
  fetchTimeoutMs?: number;
}

export interface AllowedClaim {
  /** A top-level claim name (`groups`, `https://example.net/roles`) or a dotted path (`realm_access.roles`). */
  claim: string;
  values: string[];
}

export interface VerifiedToken {
  subject: string;
  claims: Record<string, unknown>;
}

/** The token is not valid here (bad signature, expired, another issuer or audience…): 401. */
export class TokenRejectedError extends Error {}
/** A valid token whose holder lacks the required claim: 403. */
export class ClaimNotAllowedError extends Error {}
/** The issuer's keys could not be fetched: the token cannot be judged, 503. */
export class KeysUnavailableError extends Error {}

/** The algorithms accepted: asymmetric only. `none` and HS* (a shared secret) are never a JWKS public key's. */
const ALGORITHMS = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', signatureBytes: 64 },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', signatureBytes: 96 },
} as const satisfies Record<string, { hash: string; kty: 'RSA' | 'EC'; crv?: string; pss?: boolean; signatureBytes?: number }>;
type Algorithm = keyof typeof ALGORITHMS;
const MIN_RSA_BITS = 2048;
const MAX_DOCUMENT_BYTES = 1024 * 1024;

interface Jws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

interface Jwk {
  kid?: string;
  kty: string;
  crv?: string;
  alg?: string;
  key: KeyObject;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** A JWS compact serialization whose header is a JSON object naming an `alg`: what an OIDC access token looks like. */
export function looksLikeJwt(token: string): boolean {
  return parseJws(token) !== undefined;
}

function parseJws(token: string): Jws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p, i) => B64URL.test(p) || (i === 2 && p === ''))) return undefined;
  const header = jsonObject(parts[0]);
  if (!header || typeof header.alg !== 'string') return undefined;
  const payload = jsonObject(parts[1]);
  if (!payload) return undefined;
  return { header, payload, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'), signature: Buffer.from(parts[2], 'base64url') };
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class OidcVerifier {
  private readonly skew: number;
  private readonly ttl: number;
  private readonly cooldown: number;
  private readonly timeout: number;
  private keys: Jwk[] = [];
  private loadedAt = -Infinity;
  private lastAttemptAt = -Infinity;
  private lastError?: KeysUnavailableError;
  private inflight?: Promise<void>;
  private jwksUrl?: string;

  constructor(
    private readonly opts: OidcOptions,
    private readonly logger: Logger = silentLogger,
  ) {
    this.skew = opts.clockSkewSeconds ?? 60;
    this.ttl = opts.jwksTtlMs ?? 10 * 60_000;
    this.cooldown = opts.jwksCooldownMs ?? 30_000;
    this.timeout = opts.fetchTimeoutMs ?? 5_000;
    this.jwksUrl = opts.jwksUrl;
  }

  /** The token's subject and claims, or TokenRejectedError / ClaimNotAllowedError / KeysUnavailableError. */
  async verify(token: string): Promise<VerifiedToken> {
    const jws = parseJws(token);
    if (!jws) throw new TokenRejectedError('not a JWT');
    const { header, payload } = jws;
    const alg = header.alg as string;
    if (alg === 'none') throw new TokenRejectedError('unsigned token (alg none)');
    if (!Object.hasOwn(ALGORITHMS, alg)) throw new TokenRejectedError(`alg ${alg} not accepted (${Object.keys(ALGORITHMS).join(', ')})`);
    // RFC 7515: a critical extension the recipient does not understand makes the JWS invalid; this one knows none.
    if (header.crit !== undefined) throw new TokenRejectedError('token has critical header extensions');
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const key = await this.keyFor(alg as Algorithm, kid);
    if (!verifySignature(alg as Algorithm, key.key, jws.signingInput, jws.signature)) throw new TokenRejectedError('bad signature');
    this.checkClaims(payload);
    return { subject: typeof payload.sub === 'string' ? payload.sub : '', claims: payload };
  }

  private checkClaims(c: Record<string, unknown>): void {
    if (c.iss !== this.opts.issuer) throw new TokenRejectedError(`issuer ${typeof c.iss === 'string' ? c.iss.slice(0, 100) : '(none)'} not accepted`);
    const aud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud.filter((a): a is string => typeof a === 'string') : [];
    if (!aud.some((a) => this.opts.audiences.includes(a))) throw new TokenRejectedError('token not issued for this audience');
    const now = Date.now() / 1000;
    // An access token without an expiry would decrypt forever.
    if (typeof c.exp !== 'number') throw new TokenRejectedError('token has no exp');
    if (now >= c.exp + this.skew) throw new TokenRejectedError('token expired');
    if (c.nbf !== undefined && (typeof c.nbf !== 'number' || now + this.skew < c.nbf)) throw new TokenRejectedError('token not valid yet (nbf)');
    const allowed = this.opts.allowed;
    if (allowed) {
      const held = claimValues(c, allowed.claim);
      if (!held.some((v) => allowed.values.includes(v))) throw new ClaimNotAllowedError(`claim ${allowed.claim} holds none of ${allowed.values.join(', ')}`);
    }
  }

  /** The issuer's key for this token: by `kid`, or the one key fit for `alg` when the token names none. */
  private async keyFor(alg: Algorithm, kid: string | undefined): Promise<Jwk> {
    if (Date.now() - this.loadedAt >= this.ttl) await this.refresh();
    let key = this.find(alg, kid);
    const known = () => kid !== undefined && this.keys.some((k) => k.kid === kid);
    // A key id we do not hold: the issuer may have rotated its keys since we fetched them.
    if (!key && !known() && Date.now() - this.lastAttemptAt >= this.cooldown) {
      await this.refresh();
      key = this.find(alg, kid);
    }
    if (key) return key;
    if (kid === undefined) throw new TokenRejectedError(`token names no key (kid) and the issuer has no single ${alg} key`);
    throw new TokenRejectedError(known() ? `key ${kid.slice(0, 100)} is not for ${alg}` : `unknown key id ${kid.slice(0, 100)}`);
  }

  private find(alg: Algorithm, kid: string | undefined): Jwk | undefined {
    const a = ALGORITHMS[alg];
    const fit = this.keys.filter((k) => k.kty === a.kty && (!('crv' in a) || k.crv === a.crv) && (k.alg === undefined || k.alg === alg));
    if (kid !== undefined) return fit.find((k) => k.kid === kid);
    return fit.length === 1 ? fit[0] : undefined;
  }

  /** Fetches the keys once for everyone waiting; within the cool-down of a failed fetch, that failure again. */
  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.lastError && Date.now() - this.lastAttemptAt < this.cooldown) return Promise.reject(this.lastError);
    this.lastAttemptAt = Date.now();
    this.inflight = this.load()
      .then((keys) => {
        this.keys = keys;
        this.loadedAt = Date.now();
        if (this.lastError) this.logger.info('OIDC keys available again', { issuer: this.opts.issuer, keys: keys.length });
        this.lastError = undefined;
      })
      .catch((e: unknown) => {
        const err = e instanceof KeysUnavailableError ? e : new KeysUnavailableError(e instanceof Error ? e.message : String(e));
        // Logged once per outage, not once per request.
        if (!this.lastError) this.logger.error('OIDC keys unavailable', { issuer: this.opts.issuer, error: err.message });
        this.lastError = err;
        throw err;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<Jwk[]> {
    if (!this.jwksUrl) {
      const discoveryUrl = `${this.opts.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const doc = await fetchJson(discoveryUrl, this.timeout);
      // OpenID Connect Discovery: the document's issuer must be the one its URL was made from.
      if (doc.issuer !== this.opts.issuer) throw new KeysUnavailableError(`${discoveryUrl} names issuer ${String(doc.issuer)}, not ${this.opts.issuer}`);
      if (typeof doc.jwks_uri !== 'string') throw new KeysUnavailableError(`${discoveryUrl} has no jwks_uri`);
      this.jwksUrl = doc.jwks_uri;
    }
    const jwks = await fetchJson(this.jwksUrl, this.timeout);
    if (!Array.isArray(jwks.keys)) throw new KeysUnavailableError(`${this.jwksUrl} is not a JWK set (no keys array)`);
    const keys = (jwks.keys as unknown[]).flatMap((k) => importKey(k));
    if (keys.length === 0) throw new KeysUnavailableError(`${this.jwksUrl} holds no usable signing key`);
    return keys;
  }
}

/** A JWK of the set as a public key, or nothing when it is not an RSA/EC signing key we can use. */
function importKey(raw: unknown): Jwk[] {
  if (raw === null || typeof raw !== 'object') return [];
  const jwk = raw as JsonWebKey & { kid?: unknown; alg?: unknown; use?: unknown };
  if ((jwk.kty !== 'RSA' && jwk.kty !== 'EC') || (jwk.use !== undefined && jwk.use !== 'sig')) return [];
  try {
    // Only the public members: a JWKS that leaked a private key must not make us hold one.
    const pub: JsonWebKey = jwk.kty === 'RSA' ? { kty: 'RSA', n: jwk.n as string | undefined, e: jwk.e as string | undefined } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    const key = createPublicKey({ key: pub, format: 'jwk' });
    if (jwk.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return [];
    return [{ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, kty: jwk.kty, crv: jwk.crv, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined, key }];
  } catch {
    return [];
  }
}

function verifySignature(alg: Algorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const a = ALGORITHMS[alg];
  if ('signatureBytes' in a && signature.length !== a.signatureBytes) return false;
  try {
    if ('pss' in a) return verify(a.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    // JWS ECDSA signatures are R || S (RFC 7518), not DER.
    if (a.kty === 'EC') return verify(a.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(a.hash, data, key, signature);
  } catch {
    return false;
  }
}

/** A claim's string values: the top-level claim of that name, else the dotted path (Keycloak's realm_access.roles). */
function claimValues(claims: Record<string, unknown>, name: string): string[] {
  let v: unknown = claims[name];
  if (v === undefined && name.includes('.')) {
    v = claims;
    for (const part of name.split('.')) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
  }
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

async function fetchJson(url: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new KeysUnavailableError(`${url} answered HTTP ${res.status}`);
    text = await res.text();
  } catch (e) {
    if (e instanceof KeysUnavailableError) throw e;
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new KeysUnavailableError(`${url} unreachable: ${cause ?? (e instanceof Error ? e.message : String(e))}`);
  }
  if (text.length > MAX_DOCUMENT_BYTES) throw new KeysUnavailableError(`${url} answered more than ${MAX_DOCUMENT_BYTES} bytes`);
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // below
  }
  throw new KeysUnavailableError(`${url} did not answer a JSON object`);
}

/** An https URL, or http on a loopback address (keys fetched in clear could be swapped on the way). */
export function isSecureUrl(s: string): boolean {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  if (u.protocol !== 'http:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}
