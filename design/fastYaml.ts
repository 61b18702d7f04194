/**
 * A fast path for the YAML that site designs are made of: block mappings and sequences (compact forms
 * included), plain, single-quoted and escape-free double-quoted one-line scalars, literal block scalars
 * and one-line flow sequences of scalars. It builds the plain values directly, with no syntax tree,
 * which is what makes a 10,000-node design load in a fraction of the `yaml` package's time.
 *
 * It gives exactly the values and document lines that yamlParse's full path gives, or nothing: anything
 * outside that subset (anchors, aliases, tags, merge keys, folded or multi-line scalars, escapes, flow
 * mappings, tabs, CR line ends, odd indentation, any syntax error) returns undefined and the caller parses
 * the whole stream with the `yaml` package. Plain scalars are typed by the `yaml` package's own YAML 1.1
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
const IMPLICIT_TAGS = schemaDoc.schema.tags.filter(
  (t) => t.default === true && t.test !== undefined && !('collection' in t && t.collection),
) as unknown as ImplicitTag[];
const TAG_OPTIONS = schemaDoc.options;
/** One regex for "some implicit tag matches": the union of their tests (none has flags). */
const ANY_TAG = IMPLICIT_TAGS.every((t) => t.test.flags === '')
  ? new RegExp(IMPLICIT_TAGS.map((t) => `(?:${t.test.source})`).join('|'))
  : /[^]/;

/**
 * First characters of plain scalars that one of IMPLICIT_TAGS may match (null ~/null, booleans y/n/yes/
 * true/on/off, numbers, dates and sexagesimals); any other plain scalar is a string without a regex test.
 */
const MAYBE_TYPED = new Uint8Array(128);
for (const c of '~nNyYtTfFoO0123456789+-.') MAYBE_TYPED[c.charCodeAt(0)] = 1;

/** Characters the subset refuses anywhere: tabs, CR, other controls, NEL, line/paragraph separators, BOM. */
const REFUSED_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

/** Maps whose YAML keys were not all strings, reported through `onNonStringKeys`. */
export function fastParseYaml(text: string, onNonStringKeys: (map: object) => void): FastDocument[] | undefined {
  if (REFUSED_CHARS.test(text)) return undefined;
  try {
    return new FastParser(text, onNonStringKeys).stream();
  } catch (e) {
    if (e === UNSUPPORTED) return undefined;
    // A design nested deeper than the stack: the full path reports it as a YAML error.
    if (e instanceof RangeError) return undefined;
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

/** A mapping key: its value, and the column just after its ':'. */
interface Key {
  key: unknown;
  end: number;
}

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;

class FastParser {
  private readonly lines: string[];
  private i = 0;
  /** The last line has no newline: a block scalar ending there is chomped differently (full path). */
  private unterminated = false;

  constructor(
    text: string,
    private readonly onNonStringKeys: (map: object) => void,
  ) {
    this.lines = text.split('\n');
    // After a final newline the last element is not a line.
    if (text.charCodeAt(text.length - 1) === 10) this.lines.pop();
    else this.unterminated = true;
  }

  stream(): FastDocument[] {
    const docs: FastDocument[] = [];
    const n = this.lines.length;
    this.skipBlank();
    while (this.i < n) {
      const line = this.lines[this.i];
      const docLine = this.i;
      if (isMarker(line, '-')) {
        const rest = line.slice(3).trim();
        if (rest !== '' && rest.charCodeAt(0) !== HASH) unsupported();
        this.i++;
        this.skipBlank();
      } else if (isMarker(line, '.') || line.charCodeAt(0) === 37 /* % directive */) {
        unsupported();
      }
      let value: unknown = null;
      if (this.i < n && !isMarker(this.lines[this.i], '-') && !isMarker(this.lines[this.i], '.')) {
        value = this.blockNode(-1);
        this.skipBlank();
        if (this.i < n && !isMarker(this.lines[this.i], '-') && !isMarker(this.lines[this.i], '.')) unsupported();
      }
      docs.push({ line: docLine, value });
      if (this.i < n && isMarker(this.lines[this.i], '.')) {
        const rest = this.lines[this.i].slice(3).trim();
        if (rest !== '' && rest.charCodeAt(0) !== HASH) unsupported();
        this.i++;
        this.skipBlank();
        // '...' then '...' or a directive: full path.
        if (this.i < n && (isMarker(this.lines[this.i], '.') || this.lines[this.i].charCodeAt(0) === 37)) unsupported();
      }
    }
    return docs;
  }

  /** Past blank and comment-only lines. */
  private skipBlank(): void {
    const lines = this.lines;
    while (this.i < lines.length) {
      const line = lines[this.i];
      const ind = indentOf(line);
      if (ind < line.length && line.charCodeAt(ind) !== HASH) return;
      this.i++;
    }
  }

  /** The block node whose first line is the current one; it must be indented more than `parent`. */
  private blockNode(parent: number): unknown {
    const line = this.lines[this.i];
    const col = indentOf(line);
    if (col <= parent) unsupported();
    if (isSeqAt(line, col)) return this.sequence(col);
    const key = this.keyAt(line, col);
    if (key !== undefined) return this.mapping(col, key);
    return unsupported(); // a scalar on its own line(s), or a syntax error
  }

  /** A block sequence whose first `-` is at column `col` of the current line. */
  private sequence(col: number): unknown[] {
    const out: unknown[] = [];
    let key: Key | undefined;
    const lines = this.lines;
    for (;;) {
      const line = lines[this.i];
      let p = col + 1;
      while (p < line.length && line.charCodeAt(p) === SPACE) p++;
      if (p >= line.length || line.charCodeAt(p) === HASH) {
        // '-' alone: the item is on the next lines, or null.
        this.i++;
        this.skipBlank();
        out.push(this.i < lines.length && !isDocMarker(lines[this.i]) && indentOf(lines[this.i]) > col ? this.blockNode(col) : null);
      } else if (isSeqAt(line, p)) {
        out.push(this.sequence(p));
      } else if ((key = this.keyAt(line, p)) !== undefined) {
        out.push(this.mapping(p, key));
      } else {
        out.push(this.inlineValue(line, p, col));
      }
      this.skipBlank();
      if (this.i >= lines.length || isDocMarker(lines[this.i])) return out;
      const next = lines[this.i];
      const ind = indentOf(next);
      if (ind > col) unsupported();
      if (ind < col || !isSeqAt(next, col)) return out;
    }
  }

  /** A block mapping whose first key is at column `col` of the current line. */
  private mapping(col: number, first: Key | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let nonString = false;
    const lines = this.lines;
    for (;;) {
      const line = lines[this.i];
      const key = first ?? this.keyAt(line, col);
      first = undefined;
      if (key === undefined) unsupported();
      if (typeof key.key !== 'string') nonString = true;
      let p = key.end;
      while (p < line.length && line.charCodeAt(p) === SPACE) p++;
      let value: unknown;
      if (p >= line.length || line.charCodeAt(p) === HASH) {
        this.i++;
        this.skipBlank();
        value = null;
        if (this.i < lines.length && !isDocMarker(lines[this.i])) {
          const next = lines[this.i];
          const ind = indentOf(next);
          if (ind > col) value = this.blockNode(col);
          // A sequence may sit at its key's own indentation.
          else if (ind === col && isSeqAt(next, col)) value = this.sequence(col);
        }
      } else {
        value = this.inlineValue(line, p, col);
      }
      // Same assignment as yamlParse's toPlain: a later duplicate key overrides (last wins).
      out[String(key.key)] = value;
      this.skipBlank();
      if (this.i >= lines.length || isDocMarker(lines[this.i])) break;
      const next = lines[this.i];
      const ind = indentOf(next);
      if (ind > col || (ind === col && isSeqAt(next, col))) unsupported();
      if (ind < col) break;
    }
    if (nonString) this.onNonStringKeys(out);
    return out;
  }

  /** `key:` at column p of the line: the key's value and where its value starts; undefined when not a key. */
  private keyAt(line: string, p: number): Key | undefined {
    const c = line.charCodeAt(p);
    if (c === 39 /* ' */ || c === 34 /* " */) {
      const q = quoted(line, p);
      if (q === undefined) return undefined;
      let j = q.end;
      while (j < line.length && line.charCodeAt(j) === SPACE) j++;
      if (line.charCodeAt(j) !== COLON || (j + 1 < line.length && line.charCodeAt(j + 1) !== SPACE)) return undefined;
      if (j - p > 1000) unsupported(); // implicit keys are limited to 1024 characters
      return { key: q.value, end: j + 1 };
    }
    // Indicators that may start something other than a plain key ('-x' and the like stay plain).
    if ('?:,[]{}#&*!|>%@`'.includes(line[p]) || (c === DASH && p + 1 < line.length && line.charCodeAt(p + 1) === SPACE)) return undefined;
    let j = line.indexOf(':', p);
    while (j !== -1 && j + 1 < line.length && line.charCodeAt(j + 1) !== SPACE) j = line.indexOf(':', j + 1);
    if (j === -1) return undefined;
    const hash = line.indexOf(' #', p);
    if (hash !== -1 && hash < j) return undefined; // a comment starts before any ': '
    if (j - p > 1000) unsupported(); // implicit keys are limited to 1024 characters
    const text = line.slice(p, j).trimEnd();
    if (text === '<<') unsupported(); // a merge key
    return { key: resolvePlain(text), end: j + 1 };
  }

  /** A scalar or flow value starting at column p of the current line (a mapping value or sequence item). */
  private inlineValue(line: string, p: number, parent: number): unknown {
    const c = line.charCodeAt(p);
    if (c === 39 || c === 34) {
      const q = quoted(line, p);
      if (q === undefined) unsupported();
      endOfLine(line, q.end);
      this.i++;
      return q.value;
    }
    if (c === 124 /* | */) return this.literal(line, p, parent);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      const v = flowCollection(line, p, this.onNonStringKeys);
      this.i++;
      return v;
    }
    if ('>&*!%@`,]}?:'.includes(line[p]) || (c === DASH && (p + 1 === line.length || line.charCodeAt(p + 1) === SPACE))) unsupported();
    // Plain scalar: up to a comment; ': ' or a trailing ':' would be a nested mapping (an error here).
    const hash = line.indexOf(' #', p);
    const end = hash === -1 ? line.length : hash;
    const colon = line.indexOf(': ', p);
    if (colon !== -1 && colon < end) unsupported();
    const text = line.slice(p, end).trimEnd();
    if (text.charCodeAt(text.length - 1) === COLON) unsupported();
    this.i++;
    return resolvePlain(text);
  }

  /** A literal block scalar (`|`, `|-`, `|+`) whose header is at column p; content indented beyond `parent`. */
  private literal(line: string, p: number, parent: number): string {
    let j = p + 1;
    let chomp = 'clip';
    const ind = line.charCodeAt(j);
    if (ind === DASH) (chomp = 'strip'), j++;
    else if (ind === 43 /* + */) (chomp = 'keep'), j++;
    // An explicit indentation indicator, or anything else before the comment: full path.
    if (j < line.length && line.charCodeAt(j) !== SPACE) unsupported();
    endOfLine(line, j);
    const lines = this.lines;
    let k = this.i + 1;
    let longestBlank = 0;
    while (k < lines.length && indentOf(lines[k]) === lines[k].length) longestBlank = Math.max(longestBlank, lines[k++].length);
    if (k >= lines.length) unsupported();
    const indent = indentOf(lines[k]);
    // Empty scalars and leading blank lines longer than the content's indentation: full path.
    if (indent <= parent || longestBlank > indent || isDocMarker(lines[k])) unsupported();
    const parts: string[] = [];
    for (k = this.i + 1; k < lines.length; k++) {
      const l = lines[k];
      const li = indentOf(l);
      if (li === l.length) {
        if (l.length > indent) unsupported();
        parts.push('');
        continue;
      }
      if (li < indent) break;
      parts.push(l.slice(indent));
    }
    if (k === lines.length && this.unterminated) unsupported();
    this.i = k;
    let end = parts.length;
    while (end > 0 && parts[end - 1] === '') end--;
    const body = parts.slice(0, end).join('\n');
    if (chomp === 'strip') return body;
    if (chomp === 'clip') return body + '\n';
    return body + '\n'.repeat(parts.length - end + 1);
  }
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === SPACE) i++;
  return i;
}

/** '---' or '...' at column 0, followed by a space or the end of the line. */
function isMarker(line: string, ch: '-' | '.'): boolean {
  return line.length >= 3 && line[0] === ch && line[1] === ch && line[2] === ch && (line.length === 3 || line.charCodeAt(3) === SPACE);
}

function isDocMarker(line: string): boolean {
  const c = line.charCodeAt(0);
  return (c === DASH || c === 46) && (isMarker(line, '-') || isMarker(line, '.'));
}

function isSeqAt(line: string, col: number): boolean {
  return line.charCodeAt(col) === DASH && (col + 1 === line.length || line.charCodeAt(col + 1) === SPACE);
}

/** After a complete value: only spaces, or spaces then a comment. */
function endOfLine(line: string, j: number): void {
  const start = j;
  while (j < line.length && line.charCodeAt(j) === SPACE) j++;
  if (j === line.length) return;
  if (line.charCodeAt(j) !== HASH || j === start) unsupported();
}

/** A one-line quoted scalar at p: single quotes ('' escapes a quote) or double quotes with YAML escapes. */
function quoted(line: string, p: number): { value: string; end: number } | undefined {
  const q = line.charCodeAt(p);
  if (q === 34) return doubleQuoted(line, p);
  let value = '';
  let j = p + 1;
  for (;;) {
    const close = line.indexOf("'", j);
    if (close === -1) return undefined;
    value += line.slice(j, close);
    if (line.charCodeAt(close + 1) === 39) {
      value += "'";
      j = close + 2;
      continue;
    }
    return { value, end: close + 1 };
  }
}

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

function doubleQuoted(line: string, p: number): { value: string; end: number } | undefined {
  let value = '';
  let j = p + 1;
  for (;;) {
    let k = j;
    while (k < line.length && line.charCodeAt(k) !== 34 && line.charCodeAt(k) !== 92) k++;
    if (k >= line.length) return undefined; // continues on the next line: full path
    value += line.slice(j, k);
    if (line.charCodeAt(k) === 34) return { value, end: k + 1 };
    const e = line[k + 1];
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      j = k + 2;
      continue;
    }
    const length = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = line.substr(k + 2, length);
    if (length === 0 || hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) unsupported();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) unsupported();
    value += String.fromCodePoint(code);
    j = k + 2 + length;
  }
}

/** A one-line flow collection of scalars at p: `[]`, `[a, 'b', 3]`, `{}`, `{name: n1, b: "x"}`. */
function flowCollection(line: string, p: number, onNonStringKeys: (map: object) => void): unknown[] | Record<string, unknown> {
  const isMap = line.charCodeAt(p) === 123;
  const close = isMap ? 125 : 93;
  const list: unknown[] = [];
  const map: Record<string, unknown> = {};
  let nonString = false;
  let j = p + 1;
  const skip = () => {
    while (line.charCodeAt(j) === SPACE) j++;
  };
  /** A quoted or plain scalar; a plain one ends at ',', the closing bracket or (for keys) ': '. */
  const scalar = (): unknown => {
    const c = line.charCodeAt(j);
    if (c === 39 || c === 34) {
      const q = quoted(line, j);
      if (q === undefined) unsupported();
      j = q.end;
      return q.value;
    }
    if (j >= line.length || '[]{},#&*!|>%@`?:\'"-'.includes(line[j])) unsupported();
    const start = j;
    while (j < line.length) {
      const ch = line.charCodeAt(j);
      if (ch === 44 || ch === close || (ch === COLON && isMap && line.charCodeAt(j + 1) === SPACE)) break;
      // Nested collections, comments, other colons: full path.
      if (ch === COLON || ch === HASH || ch === 123 || ch === 125 || ch === 91 || ch === 93) unsupported();
      j++;
    }
    const text = line.slice(start, j).trimEnd();
    if (text === '<<') unsupported();
    return resolvePlain(text);
  };
  skip();
  if (line.charCodeAt(j) !== close) {
    for (;;) {
      skip();
      if (isMap) {
        const key = scalar();
        skip();
        if (line.charCodeAt(j) !== COLON || line.charCodeAt(j + 1) !== SPACE) unsupported();
        j += 2;
        skip();
        if (typeof key !== 'string') nonString = true;
        map[String(key)] = scalar();
      } else {
        list.push(scalar());
      }
      skip();
      const sep = line.charCodeAt(j);
      if (sep === close) break;
      if (sep !== 44) unsupported();
      j++;
      skip();
      if (line.charCodeAt(j) === close) unsupported(); // trailing comma: full path
    }
  }
  endOfLine(line, j + 1);
  if (!isMap) return list;
  if (nonString) onNonStringKeys(map);
  return map;
}
