/**
 * The encoded forms a secret takes once it is inside JSON, base64 or base64url text: shared by the log
 * masking (`redact`) and the history scanner (scripts/scan-histories.ts).
 */

/**
 * The base64 texts that must appear inside any base64 encoding of a byte string containing `secret`,
 * whatever its offset: for each alignment, the characters that depend only on the secret's bytes.
 */
export function base64Needles(secret: string | Buffer): string[] {
  const bytes = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
  const out = new Set<string>();
  for (let lead = 0; lead < 3; lead++) {
    const enc = Buffer.concat([Buffer.alloc(lead), bytes]).toString('base64');
    // Skip the first quantum when it mixes in the leading filler; drop the tail quantum unless it is whole.
    const start = lead === 0 ? 0 : 4;
    const whole = Math.floor((lead + bytes.length) / 3) * 4;
    const needle = enc.slice(start, whole);
    if (needle.length >= 4) out.add(needle);
  }
  return [...out];
}

/** The same text in the URL- and id-safe alphabet, unpadded. */
export const toBase64url = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
