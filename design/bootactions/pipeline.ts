/**
 * Drydock's boot action pipelines (BootActionAsset.execute_pipeline): each segment takes the value the
 * previous one gave. As in Python, a value is bytes (a Buffer) or str (a string), and a segment given the
 * other kind fails: `template` and `utf8_encode` want str, `base64_encode` and `utf8_decode` want bytes.
 */
import { renderJinja, TemplateRenderError } from './jinja';

export type PipelineValue = Buffer | string;

/** Why one segment failed, with the Python exception class Drydock's message would name. */
export class SegmentError extends Error {
  constructor(
    readonly segment: string,
    readonly pyType: string,
    readonly reason: string,
  ) {
    // Drydock's PipelineFailure text.
    super(`Error when running bootaction pipeline segment ${segment}: ${pyType} - ${reason}`);
  }
}

export class UnknownSegmentError extends Error {
  constructor(readonly segment: string) {
    super(`Bootaction pipeline segment ${segment} unknown.`);
  }
}

type Segment = (data: PipelineValue, ctx: Record<string, unknown>) => PipelineValue;

/** A failure of a segment body: Python's exception class and text. */
class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

const SEGMENTS: Record<string, Segment> = {
  base64_encode: (data) => Buffer.from(asBytes(data, "a bytes-like object is required, not 'str'", 'TypeError').toString('base64'), 'latin1'),
  base64_decode: (data) => pyBase64Decode(data),
  utf8_decode: (data) => utf8Decode(asBytes(data, "'str' object has no attribute 'decode'", 'AttributeError')),
  utf8_encode: (data) => {
    if (typeof data !== 'string') throw new PyError('AttributeError', "'bytes' object has no attribute 'encode'");
    return Buffer.from(data, 'utf8');
  },
  template: (data, ctx) => {
    // jinja2.Template(bytes) cannot compile: Drydock needs utf8_decode before template.
    if (typeof data !== 'string') throw new PyError('TypeError', "Can't compile non template nodes");
    return renderJinja(data, ctx);
  },
};

export const PIPELINE_SEGMENTS = Object.keys(SEGMENTS);

/** Run `pipeline` over `data`. Throws UnknownSegmentError or SegmentError (template failures keep their TemplateRenderError as cause). */
export function executePipeline(data: PipelineValue, pipeline: readonly string[], ctx: Record<string, unknown>): PipelineValue {
  for (const segment of pipeline) {
    const fn = Object.prototype.hasOwnProperty.call(SEGMENTS, segment) ? SEGMENTS[segment] : undefined;
    if (!fn) throw new UnknownSegmentError(segment);
    try {
      data = fn(data, ctx);
    } catch (e) {
      if (e instanceof TemplateRenderError) throw new SegmentError(segment, e.pyType, e.message);
      if (e instanceof PyError) throw new SegmentError(segment, e.pyType, e.message);
      throw new SegmentError(segment, e instanceof Error ? e.name : 'Exception', e instanceof Error ? e.message : String(e));
    }
  }
  return data;
}

function asBytes(data: PipelineValue, message: string, pyType: string): Buffer {
  if (typeof data === 'string') throw new PyError(pyType, message);
  return data;
}

function utf8Decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PyError('UnicodeDecodeError', utf8ErrorText(bytes));
  }
}

/** Python's UnicodeDecodeError text for the first invalid sequence. */
function utf8ErrorText(b: Buffer): string {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    const at = (why: string) => `'utf-8' codec can't decode byte 0x${c.toString(16).padStart(2, '0')} in position ${i}: ${why}`;
    if (len === 0) return at('invalid start byte');
    for (let k = 1; k < len; k++) {
      if (i + k >= b.length) {
        return k === 1 ? at('unexpected end of data') : `'utf-8' codec can't decode bytes in position ${i}-${i + k - 1}: unexpected end of data`;
      }
      const n = b[i + k];
      // The second byte's range excludes overlong forms and surrogates.
      const lo = k === 1 && c === 0xe0 ? 0xa0 : k === 1 && c === 0xf0 ? 0x90 : 0x80;
      const hi = k === 1 && c === 0xed ? 0x9f : k === 1 && c === 0xf4 ? 0x8f : 0xbf;
      if (n < lo || n > hi) return at('invalid continuation byte');
    }
    i += len;
  }
  return "'utf-8' codec can't decode the data";
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Map([...B64].map((c, i) => [c.charCodeAt(0), i]));

/**
 * Python's base64.b64decode (binascii.a2b_base64, non-strict): characters outside the alphabet are skipped,
 * a complete pad ends the input, and a leftover partial quad is an error. Node's decoder accepts anything.
 */
function pyBase64Decode(data: PipelineValue): Buffer {
  let input: Buffer;
  if (typeof data === 'string') {
    if (/[^\x00-\x7f]/.test(data)) throw new PyError('ValueError', 'string argument should contain only ASCII characters');
    input = Buffer.from(data, 'latin1');
  } else {
    input = data;
  }
  const out: number[] = [];
  let quadPos = 0;
  let left = 0;
  let pads = 0;
  for (const ch of input) {
    if (ch === 0x3d) {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = B64_VALUE.get(ch);
    if (v === undefined) continue;
    pads = 0;
    if (quadPos === 0) {
      left = v;
    } else if (quadPos === 1) {
      out.push(((left << 2) | (v >> 4)) & 0xff);
      left = v & 0x0f;
    } else if (quadPos === 2) {
      out.push(((left << 4) | (v >> 2)) & 0xff);
      left = v & 0x03;
    } else {
      out.push(((left << 6) | v) & 0xff);
    }
    quadPos = (quadPos + 1) % 4;
  }
  if (quadPos === 1) {
    throw new PyError('Error', `Invalid base64-encoded string: number of data characters (${Math.floor(out.length / 3) * 4 + 1}) cannot be 1 more than a multiple of 4`);
  }
  if (quadPos !== 0) throw new PyError('Error', 'Incorrect padding');
  return Buffer.from(out);
}
