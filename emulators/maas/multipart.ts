import { Params } from './params';

/**
 * Parses the bodies MaaS accepts. Written here because Drydock's parts carry
 * `Content-Transfer-Encoding: base64`, which general multipart libraries pass through undecoded.
 */
export function parseBody(contentType: string | undefined, body: Buffer, into: Params): void {
  if (body.length === 0 || !contentType) return;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) into.add(k, v);
    return;
  }
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!contentType.startsWith('multipart/form-data') || !m) return;
  parseMultipart(body, m[1] ?? m[2]!, into);
}

function parseMultipart(body: Buffer, boundary: string, into: Params): void {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // strip the CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1) {
      const headers = parseHeaders(part.subarray(0, split).toString('utf8'));
      const raw = part.subarray(split + 4);
      const name = /name="([^"]*)"/.exec(headers['content-disposition'] ?? '')?.[1];
      if (name !== undefined) {
        const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
        const value = encoding === 'base64' ? Buffer.from(raw.toString('ascii'), 'base64').toString('utf8') : raw.toString('utf8');
        into.add(name, value);
      }
    }
    pos = next;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}
