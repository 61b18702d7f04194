import { randomBytes } from 'node:crypto';

/**
 * OAuth 1.0 PLAINTEXT, the only scheme MaaS API keys use. Written here rather than pulled from a library:
 * PLAINTEXT needs no signature base string or HMAC, only the header below, and MaaS wants an exact
 * parameter set (realm "OAuth", empty consumer secret) that general-purpose libraries make awkward.
 */
export interface MaasApiKey {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
}

/** Splits `consumer:token:secret`. The message never repeats the key. */
export function parseApiKey(apiKey: string): MaasApiKey {
  const parts = apiKey.split(':');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new Error('MaaS API key must have the form consumer_key:token_key:token_secret');
  }
  const [consumerKey, tokenKey, tokenSecret] = parts as [string, string, string];
  return { consumerKey, tokenKey, tokenSecret };
}

/** RFC 5849 §3.6 percent-encoding (stricter than encodeURIComponent). */
export function oauthEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** A fresh header per request: nonce and timestamp must never be reused. */
export function oauthPlaintextHeader(key: MaasApiKey, now: () => number = Date.now): string {
  // PLAINTEXT signature = encode(consumer_secret) & encode(token_secret); the consumer secret is empty.
  const signature = oauthEncode(`&${oauthEncode(key.tokenSecret)}`);
  const params: Array<[string, string]> = [
    ['realm', 'OAuth'],
    ['oauth_nonce', randomBytes(16).toString('hex')],
    ['oauth_timestamp', String(Math.floor(now() / 1000))],
    ['oauth_version', '1.0'],
    ['oauth_signature_method', 'PLAINTEXT'],
    ['oauth_consumer_key', oauthEncode(key.consumerKey)],
    ['oauth_token', oauthEncode(key.tokenKey)],
    ['oauth_signature', signature],
  ];
  return 'OAuth ' + params.map(([k, v]) => `${k}="${v}"`).join(', ');
}
