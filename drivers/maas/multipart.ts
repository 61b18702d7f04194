import { randomBytes } from 'node:crypto';

/** A form value as the MaaS models send it: lists become repeated parts, null/undefined an empty string. */
export type FormValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;
export type FormFields = Record<string, FormValue>;

/** Python's str() of the value, so `true` arrives as "True" like Drydock's requests-toolbelt encoder. */
function pyString(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/**
 * multipart/form-data the way Drydock's api_client builds it: every part is text/plain utf-8 with a
 * base64 Content-Transfer-Encoding (MaaS's Django form parser decodes it).
 */
export function encodeMultipart(fields: FormFields): { body: Buffer; contentType: string } {
  const boundary = `drydock${randomBytes(12).toString('hex')}`;
  const chunks: string[] = [];
  for (const [name, raw] of Object.entries(fields)) {
    const values = Array.isArray(raw) ? raw : [raw as string | number | boolean | null | undefined];
    for (const v of values) {
      chunks.push(
        `--${boundary}\r\n` +
          `Content-Disposition: form-data; name="${name}"\r\n` +
          `Content-Type: text/plain; charset="utf-8"\r\n` +
          `Content-Transfer-Encoding: base64\r\n\r\n` +
          `${Buffer.from(pyString(v), 'utf8').toString('base64')}\r\n`,
      );
    }
  }
  chunks.push(`--${boundary}--\r\n`);
  return { body: Buffer.from(chunks.join(''), 'utf8'), contentType: `multipart/form-data; boundary=${boundary}` };
}
