/**
 * MaaS's OAuth check (piston3): PLAINTEXT only, consumer key + token key must be known and the signature
 * must be `&<token_secret>` (percent-encoded or not). Anything else is 401 text/plain.
 */
export type AuthResult = { ok: true } | { ok: false; reason: string };

export function parseOAuthHeader(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^OAuth\s/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) out[m[1]!] = safeDecode(m[2]!) ?? '';
  return out;
}

export function checkOAuth(header: string | undefined, apiKeys: readonly string[]): AuthResult {
  const p = parseOAuthHeader(header);
  if (!p) return { ok: false, reason: 'Authorization Error: no OAuth credentials' };
  if (p.oauth_signature_method !== 'PLAINTEXT') return { ok: false, reason: 'Authorization Error: unsupported signature method' };
  if (!p.oauth_nonce || !p.oauth_timestamp) return { ok: false, reason: 'Authorization Error: missing nonce or timestamp' };
  const candidates = apiKeys.map((k) => k.split(':')).filter((k) => k[0] === p.oauth_consumer_key);
  if (candidates.length === 0) return { ok: false, reason: 'Authorization Error: Invalid API key.' };
  const key = candidates.find((k) => k[1] === p.oauth_token);
  // Real MaaS names the token here; the emulator does not, so tests can assert that nothing echoes it.
  if (!key) return { ok: false, reason: 'Authorization Error: Invalid access token.' };
  // PLAINTEXT signature = encode(consumer_secret) & encode(token_secret); the consumer secret is empty.
  const [consumerSecret, tokenSecret] = (p.oauth_signature ?? '').split('&');
  const secret = tokenSecret === undefined ? undefined : safeDecode(tokenSecret);
  if (consumerSecret !== '' || secret !== key[2]) return { ok: false, reason: 'Authorization Error: Invalid signature.' };
  return { ok: true };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
