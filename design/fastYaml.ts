/**
 * A fast path for the YAML that site designs are made of: block mappings and sequences (compact forms
 * included), plain and quoted one-line scalars, literal block scalars and one-line flow collections of
 * scalars. It reads the text in place (line offsets, no line strings) and builds the plain values
 * directly, with no syntax tree: allocation, and so garbage collection, was most of the `yaml` package's
 * time on large designs.
 *
 * It gives exactly the values and document lines that yamlParse's full path gives, or nothing: anything
 * outside that subset (anchors, aliases, tags, merge keys, folded or multi-line scalars, nested flow
 * collections, tabs, CR line ends, odd indentation, any syntax error) returns undefined and the caller
 * parses the whole stream with the `yaml` package. Plain scalars are typed by the `yaml` package's own YAML 1.1
 * tag tests, so `yes`, `0x1F`, `010`, `1:30` and dates mean the same on both paths.
 */
import { Document, isScalar, type SchemaOptions, type ToJSOptions } from 'yaml';

export interface FastDocument {
  /** 0-based line of the document: its `---` marker, or its first content line when it has none. */
  line: number;
  value: unknown;
}

/** Thrown inside the parser when the input leaves the subset; never escapes fastParseYaml. */
class Unsupported {}
const UNSUPPORTED = new Unsupported();

/** The YAML 1.1 schema yamlParse's full path uses: its implicit scalar tags and their options. */
const schemaDoc = new Document(null, { version: '1.1', uniqueKeys: false } as SchemaOptions & ToJSOptions);
interface ImplicitTag {
  test: RegExp;
  resolve(source: string, onError: (message: string) => void, options: unknown): unknown;
}
const IMPLICIT_TAGS = schemaDoc.schema.tags.filter((t) => t.default === true && t.test !== undefined && !('collection' in t && t.collection)) as unknown as ImplicitTag[];
const TAG_OPTIONS = schemaDoc.options;
/** One regex for "some implicit tag matches": the union of their tests (none has flags). */
const ANY_TAG = IMPLICIT_TAGS.every((t) => t.test.flags === '') ? new RegExp(IMPLICIT_TAGS.map((t) => `(?:${t.test.source})`).join('|')) : /[^]/;

/**
 * First characters of plain scalars that one of IMPLICIT_TAGS may match (null ~/null, booleans y/n/yes/
 * true/on/off, numbers, dates and sexagesimals); any other plain scalar is a string without a regex test.
 */
const MAYBE_TYPED = new Uint8Array(128);
for (const c of '~nNyYtTfFoO0123456789+-.') MAYBE_TYPED[c.charCodeAt(0)] = 1;

/** Characters the subset refuses anywhere: tabs, CR, other controls, NEL, line/paragraph separators, BOM. */
const REFUSED_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

/** The documents of the stream, or undefined when it leaves the subset. Maps with non-string keys go to `onNonStringKeys`. */
export function fastParseYaml(text: string, onNonStringKeys: (map: object) => void): FastDocument[] | undefined {
  const docs: FastDocument[] = [];
  return fastParseYamlEach(text, onNonStringKeys, (line, value) => docs.push({ line, value })) ? docs : undefined;
}

/**
 * fastParseYaml one document at a time: `onDocument` gets each as soon as it is parsed, so a consumer can
 * drop the raw values early (they then die young, which keeps garbage collection cheap on large designs).
 * False when the stream leaves the subset, possibly after some documents were delivered.
 */
export function fastParseYamlEach(text: string, onNonStringKeys: (map: object) => void, onDocument: (line: number, value: unknown) => void): boolean {
  if (REFUSED_CHARS.test(text)) return false;
  const parser = new FastParser(text, onNonStringKeys);
  try {
    parser.stream(onDocument);
    return true;
  } catch (e) {
    if (e === UNSUPPORTED) return false;
    // A design nested deeper than the stack: the full path reports it as a YAML error.
    if (e instanceof RangeError && !parser.delivering) return false;
    throw e;
  }
}

function unsupported(): never {
  throw UNSUPPORTED;
}

/** The value the full path gives a plain scalar: the first matching implicit tag's. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c >= 128 || MAYBE_TYPED[c] !== 1 || !ANY_TAG.test(s)) return s;
  for (const tag of IMPLICIT_TAGS) {
    if (!tag.test.test(s)) continue;
    const res = tag.resolve(s, unsupported, TAG_OPTIONS);
    // Document#toJS keeps scalar values as resolved (`keep`): a timestamp stays a Date.
    return isScalar(res) ? res.value : res;
  }
  return s;
}

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const DOT = 46;
const COLON = 58;
const SQUOTE = 39;
const DQUOTE = 34;

/** Characters that cannot start a plain key or value here (flow and other indicators). */
const KEY_INDICATORS = new Uint8Array(128);
for (const c of '?:,[]{}#&*!|>%@`') KEY_INDICATORS[c.charCodeAt(0)] = 1;
const VALUE_INDICATORS = new Uint8Array(128);
for (const c of '>&*!%@`,]}?:') VALUE_INDICATORS[c.charCodeAt(0)] = 1;
const FLOW_ITEM_INDICATORS = new Uint8Array(128);
for (const c of '[]{},#&*!|>%@`?:\'"-') FLOW_ITEM_INDICATORS[c.charCodeAt(0)] = 1;

/** keyAt's answer for "this is not a `key:`" (a key's own value can be null, never this). */
const NO_KEY: unique symbol = Symbol('no key');
type KeyValue = unknown;

/** The `yaml` package's double-quoted escapes (a tab is refused earlier, so `\<TAB>` never occurs). */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

class FastParser {
  /** Offsets of each line's first character and of its end (the '\n' or the end of the text). */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly n: number;
  private i = 0;
  /** Set by keyAt: the offset just after the key's ':'. */
  private keyEnd = 0;
  /** Set by quoted: the offset just after the closing quote. */
  private quoteEnd = 0;
  /** Set by skipBlank: the indentation of the current line (-1 at the end). */
  private ind = -1;
  /** commentFrom's and colonFrom's last answers and the offsets they were asked from. */
  private commentAt = -1;
  private commentQuery = Infinity;
  private colonAt = -1;
  private colonQuery = Infinity;
  /** The last line has no newline: a block scalar ending there is chomped differently (full path). */
  private readonly unterminated: boolean;

  constructor(
    private readonly t: string,
    private readonly onNonStringKeys: (map: object) => void,
  ) {
    let start = 0;
    for (let nl = t.indexOf('\n'); nl !== -1; nl = t.indexOf('\n', start)) {
      this.starts.push(start);
      this.ends.push(nl);
      start = nl + 1;
    }
    // Text after the last newline is a line too (without its newline).
    this.unterminated = start < t.length;
    if (this.unterminated) {
      this.starts.push(start);
      this.ends.push(t.length);
    }
    this.n = this.starts.length;
  }

  /** True while onDocument runs: its exceptions are the consumer's, not a parse failure. */
  delivering = false;

  stream(onDocument: (line: number, value: unknown) => void): void {
    const n = this.n;
    this.skipBlank();
    while (this.i < n) {
      const docLine = this.i;
      if (this.isMarker(this.i, DASH)) {
        this.markerRest(this.i);
        this.i++;
        this.skipBlank();
      } else if (this.isMarker(this.i, DOT) || this.t.charCodeAt(this.starts[this.i]) === 37 /* % directive */) {
        unsupported();
      }
      let value: unknown = null;
      if (this.i < n && !this.isDocMarker(this.i)) {
        value = this.blockNode(-1);
        this.skipBlank();
        if (this.i < n && !this.isDocMarker(this.i)) unsupported();
      }
      this.delivering = true;
      onDocument(docLine, value);
      this.delivering = false;
      if (this.i < n && this.isMarker(this.i, DOT)) {
        this.markerRest(this.i);
        this.i++;
        this.skipBlank();
        // '...' then '...' or a directive: full path.
        if (this.i < n && (this.isMarker(this.i, DOT) || this.t.charCodeAt(this.starts[this.i]) === 37)) unsupported();
      }
    }
  }

  /** After a '---' or '...' marker: nothing, or a comment. */
  private markerRest(line: number): void {
    let j = this.starts[line] + 3;
    const e = this.ends[line];
    while (j < e && this.t.charCodeAt(j) === SPACE) j++;
    if (j < e && this.t.charCodeAt(j) !== HASH) unsupported();
  }

  /** '---' or '...' at column 0, followed by a space or the end of the line. */
  private isMarker(line: number, ch: number): boolean {
    const t = this.t;
    const s = this.starts[line];
    const len = this.ends[line] - s;
    return len >= 3 && t.charCodeAt(s) === ch && t.charCodeAt(s + 1) === ch && t.charCodeAt(s + 2) === ch && (len === 3 || t.charCodeAt(s + 3) === SPACE);
  }

  private isDocMarker(line: number): boolean {
    const c = this.t.charCodeAt(this.starts[line]);
    return (c === DASH || c === DOT) && this.isMarker(line, c);
  }

  private indent(line: number): number {
    const t = this.t;
    const s = this.starts[line];
    const e = this.ends[line];
    let p = s;
    while (p < e && t.charCodeAt(p) === SPACE) p++;
    return p - s;
  }

  /** '-' at offset p followed by a space or the end of the line. */
  private isSeqAt(p: number, e: number): boolean {
    return this.t.charCodeAt(p) === DASH && (p + 1 === e || this.t.charCodeAt(p + 1) === SPACE);
  }

  /** Past blank and comment-only lines; `ind` is then the indentation of the current line. */
  private skipBlank(): void {
    const t = this.t;
    while (this.i < this.n) {
      const s = this.starts[this.i];
      const e = this.ends[this.i];
      let p = s;
      while (p < e && t.charCodeAt(p) === SPACE) p++;
      if (p < e && t.charCodeAt(p) !== HASH) {
        this.ind = p - s;
        return;
      }
      this.i++;
    }
    this.ind = -1;
  }

  /** The next ' #' (a comment) at or after p; Infinity when none. Queries mostly move forward, so cached. */
  private commentFrom(p: number): number {
    if (p < this.commentQuery || this.commentAt < p) {
      const k = this.t.indexOf(' #', p);
      this.commentAt = k === -1 ? Infinity : k;
    }
    this.commentQuery = p;
    return this.commentAt;
  }

  /** The next ':' at or after p; Infinity when none. Cached like commentFrom. */
  private colonFrom(p: number): number {
    if (p < this.colonQuery || this.colonAt < p) {
      const k = this.t.indexOf(':', p);
      this.colonAt = k === -1 ? Infinity : k;
    }
    this.colonQuery = p;
    return this.colonAt;
  }

  /** The block node whose first line is the current one (just reached by skipBlank); indented more than `parent`. */
  private blockNode(parent: number): unknown {
    const col = this.ind;
    if (col <= parent) unsupported();
    const p = this.starts[this.i] + col;
    const e = this.ends[this.i];
    if (this.isSeqAt(p, e)) return this.sequence(col);
    const key = this.keyAt(p, e);
    if (key !== NO_KEY) return this.mapping(col, key);
    return unsupported(); // a scalar on its own line(s), or a syntax error
  }

  /** A block sequence whose first `-` is at column `col` of the current line. */
  private sequence(col: number): unknown[] {
    const out: unknown[] = [];
    const t = this.t;
    for (;;) {
      const s = this.starts[this.i];
      const e = this.ends[this.i];
      let p = s + col + 1;
      while (p < e && t.charCodeAt(p) === SPACE) p++;
      let key: KeyValue | typeof NO_KEY;
      if (p >= e || t.charCodeAt(p) === HASH) {
        // '-' alone: the item is on the next lines, or null.
        this.i++;
        this.skipBlank();
        out.push(this.i < this.n && !this.isDocMarker(this.i) && this.ind > col ? this.blockNode(col) : null);
      } else if (this.isSeqAt(p, e)) {
        out.push(this.sequence(p - s));
      } else if ((key = this.keyAt(p, e)) !== NO_KEY) {
        out.push(this.mapping(p - s, key));
      } else {
        out.push(this.inlineValue(p, e, col));
      }
      this.skipBlank();
      if (this.i >= this.n || this.isDocMarker(this.i)) return out;
      const ind = this.ind;
      if (ind > col) unsupported();
      if (ind < col || !this.isSeqAt(this.starts[this.i] + col, this.ends[this.i])) return out;
    }
  }

  /** A block mapping at column `col`; its first key (`first`, just read by keyAt) is on the current line. */
  private mapping(col: number, first: KeyValue | typeof NO_KEY): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let nonString = false;
    const t = this.t;
    for (;;) {
      const e = this.ends[this.i];
      const key = first !== NO_KEY ? first : this.keyAt(this.starts[this.i] + col, e);
      first = NO_KEY;
      if (key === NO_KEY) unsupported();
      if (typeof key !== 'string') nonString = true;
      let p = this.keyEnd;
      while (p < e && t.charCodeAt(p) === SPACE) p++;
      let value: unknown;
      if (p >= e || t.charCodeAt(p) === HASH) {
        this.i++;
        this.skipBlank();
        value = null;
        if (this.i < this.n && !this.isDocMarker(this.i)) {
          const ind = this.ind;
          if (ind > col) value = this.blockNode(col);
          // A sequence may sit at its key's own indentation.
          else if (ind === col && this.isSeqAt(this.starts[this.i] + col, this.ends[this.i])) value = this.sequence(col);
        }
      } else {
        value = this.inlineValue(p, e, col);
      }
      // Same assignment as yamlParse's toPlain: a later duplicate key overrides (last wins).
      out[String(key)] = value;
      this.skipBlank();
      if (this.i >= this.n || this.isDocMarker(this.i)) break;
      const ind = this.ind;
      if (ind > col || (ind === col && this.isSeqAt(this.starts[this.i] + col, this.ends[this.i]))) unsupported();
      if (ind < col) break;
    }
    if (nonString) this.onNonStringKeys(out);
    return out;
  }

  /** `key:` at offset p (line end e): the key's value, and keyEnd just after its ':'; NO_KEY when not a key. */
  private keyAt(p: number, e: number): KeyValue | typeof NO_KEY {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === SQUOTE || c === DQUOTE) {
      const q = this.quoted(p, e);
      if (q === undefined) return NO_KEY;
      let j = this.quoteEnd;
      while (j < e && t.charCodeAt(j) === SPACE) j++;
      if (j >= e || t.charCodeAt(j) !== COLON || (j + 1 < e && t.charCodeAt(j + 1) !== SPACE)) return NO_KEY;
      if (j - p > 1000) unsupported(); // implicit keys are limited to 1024 characters
      this.keyEnd = j + 1;
      return q;
    }
    // Indicators that may start something other than a plain key ('-x' and the like stay plain).
    if ((c < 128 && KEY_INDICATORS[c] === 1) || (c === DASH && p + 1 < e && t.charCodeAt(p + 1) === SPACE)) return NO_KEY;
    // The first ':' followed by a space or the line end, unless a comment (' #') starts before it.
    let j = this.colonFrom(p);
    while (j < e - 1 && t.charCodeAt(j + 1) !== SPACE) j = this.colonFrom(j + 1);
    if (j >= e || this.commentFrom(p) < j) return NO_KEY;
    if (j - p > 1000) unsupported(); // implicit keys are limited to 1024 characters
    let k = j;
    while (k > p && t.charCodeAt(k - 1) === SPACE) k--;
    const text = t.slice(p, k);
    if (text === '<<') unsupported(); // a merge key
    this.keyEnd = j + 1;
    return resolvePlain(text);
  }

  /** A scalar or flow value at offset p (a mapping value or sequence item); `parent` is its collection's column. */
  private inlineValue(p: number, e: number, parent: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === SQUOTE || c === DQUOTE) {
      const q = this.quoted(p, e);
      if (q === undefined) unsupported();
      this.endOfLine(this.quoteEnd, e);
      this.i++;
      return q;
    }
    if (c === 124 /* | */) return this.literal(p, e, parent);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      const v = this.flowCollection(p, e);
      this.i++;
      return v;
    }
    if ((c < 128 && VALUE_INDICATORS[c] === 1) || (c === DASH && (p + 1 === e || t.charCodeAt(p + 1) === SPACE))) unsupported();
    // Plain scalar: up to a comment; ': ' or a trailing ':' would be a nested mapping (an error here).
    const comment = this.commentFrom(p);
    let end = comment < e - 1 ? comment : e;
    for (let j = this.colonFrom(p); j < end; j = this.colonFrom(j + 1)) {
      if (j + 1 === e || t.charCodeAt(j + 1) === SPACE) unsupported();
    }
    while (end > p && t.charCodeAt(end - 1) === SPACE) end--;
    if (t.charCodeAt(end - 1) === COLON) unsupported();
    this.i++;
    return resolvePlain(t.slice(p, end));
  }

  /** A literal block scalar (`|`, `|-`, `|+`) whose header is at offset p; content indented beyond `parent`. */
  private literal(p: number, e: number, parent: number): string {
    const t = this.t;
    let j = p + 1;
    let chomp = 'clip';
    const ind = t.charCodeAt(j);
    if (j < e && ind === DASH) {
      chomp = 'strip';
      j++;
    } else if (j < e && ind === 43 /* + */) {
      chomp = 'keep';
      j++;
    }
    // An explicit indentation indicator, or anything else before the comment: full path.
    if (j < e && t.charCodeAt(j) !== SPACE) unsupported();
    this.endOfLine(j, e);
    let k = this.i + 1;
    let longestBlank = 0;
    while (k < this.n && this.indent(k) === this.ends[k] - this.starts[k]) longestBlank = Math.max(longestBlank, this.ends[k] - this.starts[k++]);
    if (k >= this.n) unsupported();
    const indent = this.indent(k);
    // Empty scalars and leading blank lines longer than the content's indentation: full path.
    if (indent <= parent || longestBlank > indent || this.isDocMarker(k)) unsupported();
    const parts: string[] = [];
    for (k = this.i + 1; k < this.n; k++) {
      const li = this.indent(k);
      const len = this.ends[k] - this.starts[k];
      if (li === len) {
        if (len > indent) unsupported();
        parts.push('');
        continue;
      }
      if (li < indent) break;
      parts.push(t.slice(this.starts[k] + indent, this.ends[k]));
    }
    if (k === this.n && this.unterminated) unsupported();
    this.i = k;
    let end = parts.length;
    while (end > 0 && parts[end - 1] === '') end--;
    const body = parts.slice(0, end).join('\n');
    if (chomp === 'strip') return body;
    if (chomp === 'clip') return body + '\n';
    return body + '\n'.repeat(parts.length - end + 1);
  }

  /** After a complete value at offset j: only spaces, or spaces then a comment. */
  private endOfLine(j: number, e: number): void {
    const start = j;
    while (j < e && this.t.charCodeAt(j) === SPACE) j++;
    if (j === e) return;
    if (this.t.charCodeAt(j) !== HASH || j === start) unsupported();
  }

  /**
   * A one-line quoted scalar at p: single quotes ('' escapes a quote) or double quotes with YAML escapes.
   * undefined when it does not close on this line; quoteEnd is set just after the closing quote.
   */
  private quoted(p: number, e: number): string | undefined {
    const t = this.t;
    const q = t.charCodeAt(p);
    let value = '';
    let j = p + 1;
    for (;;) {
      let k = j;
      while (k < e && t.charCodeAt(k) !== q && (q === SQUOTE || t.charCodeAt(k) !== 92)) k++;
      if (k >= e) return undefined; // continues on the next line: full path
      value += t.slice(j, k);
      if (q === SQUOTE) {
        if (k + 1 < e && t.charCodeAt(k + 1) === SQUOTE) {
          value += "'";
          j = k + 2;
          continue;
        }
        this.quoteEnd = k + 1;
        return value;
      }
      if (t.charCodeAt(k) === DQUOTE) {
        this.quoteEnd = k + 1;
        return value;
      }
      // A backslash escape.
      const esc = k + 1 < e ? t[k + 1] : '';
      const simple = ESCAPES[esc];
      if (simple !== undefined) {
        value += simple;
        j = k + 2;
        continue;
      }
      const length = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
      const hex = t.slice(k + 2, Math.min(k + 2 + length, e));
      if (length === 0 || hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) unsupported();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) unsupported();
      value += String.fromCodePoint(code);
      j = k + 2 + length;
    }
  }

  /** A one-line flow collection of scalars at p: `[]`, `[a, 'b', 3]`, `{}`, `{name: n1, b: "x"}`. */
  private flowCollection(p: number, e: number): unknown[] | Record<string, unknown> {
    const t = this.t;
    const isMap = t.charCodeAt(p) === 123;
    const close = isMap ? 125 : 93;
    const list: unknown[] = [];
    const map: Record<string, unknown> = {};
    let nonString = false;
    let j = p + 1;
    const skip = () => {
      while (j < e && t.charCodeAt(j) === SPACE) j++;
    };
    /** A quoted or plain scalar; a plain one ends at ',', the closing bracket or (for keys) ': '. */
    const scalar = (): unknown => {
      const c = t.charCodeAt(j);
      if (c === SQUOTE || c === DQUOTE) {
        const q = this.quoted(j, e);
        if (q === undefined) unsupported();
        j = this.quoteEnd;
        return q;
      }
      if (j >= e || (c < 128 && FLOW_ITEM_INDICATORS[c] === 1)) unsupported();
      const start = j;
      while (j < e) {
        const ch = t.charCodeAt(j);
        if (ch === 44 || ch === close || (ch === COLON && isMap && j + 1 < e && t.charCodeAt(j + 1) === SPACE)) break;
        // Nested collections, comments, other colons: full path.
        if (ch === COLON || ch === HASH || ch === 123 || ch === 125 || ch === 91 || ch === 93) unsupported();
        j++;
      }
      let end = j;
      while (end > start && t.charCodeAt(end - 1) === SPACE) end--;
      const text = t.slice(start, end);
      if (text === '<<') unsupported();
      return resolvePlain(text);
    };
    skip();
    if (j >= e) unsupported(); // continues on the next line
    if (t.charCodeAt(j) !== close) {
      for (;;) {
        skip();
        if (isMap) {
          const key = scalar();
          skip();
          if (j + 1 >= e || t.charCodeAt(j) !== COLON || t.charCodeAt(j + 1) !== SPACE) unsupported();
          j += 2;
          skip();
          if (typeof key !== 'string') nonString = true;
          map[String(key)] = scalar();
        } else {
          list.push(scalar());
        }
        skip();
        if (j >= e) unsupported();
        const sep = t.charCodeAt(j);
        if (sep === close) break;
        if (sep !== 44) unsupported();
        j++;
        skip();
        if (j >= e || t.charCodeAt(j) === close) unsupported(); // trailing comma: full path
      }
    }
    this.endOfLine(j + 1, e);
    if (!isMap) return list;
    if (nonString) this.onNonStringKeys(map);
    return map;
  }
}
