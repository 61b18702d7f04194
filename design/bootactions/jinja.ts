/**
 * Jinja2 templates as Drydock renders boot action assets (`jinja2.Template(data).render(ctx)`), on nunjucks,
 * the maintained Jinja-compatible engine for JavaScript, set up to behave like a default Jinja2 Template:
 * - no autoescaping; one trailing newline of the source dropped and line endings normalised to '\n'
 *   (Jinja2's keep_trailing_newline=False);
 * - default Undefined: a missing name or key prints as '' and is false in tests, but looking a key up on
 *   it raises UndefinedError ("'foo' is undefined", "'dict object' has no attribute 'x'");
 * - values print as Python's str() does: True/False, None, ['a', 'b'], {'k': 'v'};
 * - Python's dict and list methods (`labels.items()`), True/False/None and slices (nunjucks' Jinja compat);
 * - Jinja2's `urlencode` filter, the one Drydock's boot action documentation names.
 */
import nunjucks from 'nunjucks';

/** A template that could not be parsed or rendered; `pyType` is the Jinja2 exception class Drydock would report. */
export class TemplateRenderError extends Error {
  constructor(
    readonly pyType: 'TemplateSyntaxError' | 'UndefinedError' | 'TemplateError',
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

/** Thrown inside a render; nunjucks flattens it into its own error text, which `renderJinja` reads back. */
class UndefinedError extends Error {
  override name = 'UndefinedError';
}

// Members a template could climb from a value to JavaScript's Function constructor (code execution in
// the worker); Jinja2 on Python has no such path through dict keys, so they are simply undefined here.
const BLOCKED_MEMBERS = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

/** The dict methods nunjucks' Jinja compat layer provides. */
const DICT_METHODS = new Set(['items', 'values', 'keys', 'get', 'has_key', 'pop', 'popitem', 'setdefault', 'update', 'iteritems', 'itervalues', 'iterkeys']);

let rendering = 0;
/** Why the last lookup came back undefined, for the UndefinedError a lookup on it raises (Jinja2's hint). */
let lastMiss = '';

installJinja2Behaviour();

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
env.addFilter('urlencode', urlencode);

/** Render `source` with `ctx` as Jinja2's `Template(source).render(ctx)` would. Throws TemplateRenderError. */
export function renderJinja(source: string, ctx: Record<string, unknown>): string {
  let template: nunjucks.Template;
  try {
    template = new nunjucks.Template(jinjaSource(source), env, 'template', true);
  } catch (e) {
    throw new TemplateRenderError('TemplateSyntaxError', nunjucksReason(e));
  }
  rendering++;
  lastMiss = '';
  try {
    return template.render(ctx);
  } catch (e) {
    const reason = nunjucksReason(e);
    const undef = /^UndefinedError: ([\s\S]*)$/.exec(reason.replace(/^line \d+, column \d+: /, ''));
    throw undef ? new TemplateRenderError('UndefinedError', undef[1]) : new TemplateRenderError('TemplateError', reason);
  } finally {
    rendering--;
  }
}

/** Jinja2's lexer: every \r\n, \r or \n becomes '\n' and one trailing newline is dropped. */
function jinjaSource(source: string): string {
  const lines = source.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** nunjucks' "(template) [Line 1, Column 7]\n  Error: text" → "line 1, column 7: text". */
function nunjucksReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^\(template\)(?: \[Line (\d+), Column (\d+)\])?\s*([\s\S]*)$/.exec(msg);
  if (!m) return msg;
  const text = m[3].replace(/^Error: /, '').trim();
  return m[1] ? `line ${m[1]}, column ${m[2]}: ${text}` : text;
}

/**
 * The nunjucks runtime is one module-wide object: its lookups and output are wrapped once, and the Jinja2
 * behaviour applies only while `renderJinja` renders (nothing else in the process is affected).
 */
function installJinja2Behaviour(): void {
  nunjucks.installJinjaCompat();
  const runtime = nunjucks.runtime as unknown as {
    memberLookup: (obj: unknown, val: unknown, ...rest: unknown[]) => unknown;
    contextOrFrameLookup: (context: unknown, frame: unknown, name: string) => unknown;
    suppressValue: (val: unknown, autoescape: boolean) => unknown;
    fromIterator: (arr: unknown) => unknown;
  };
  const compiler = (nunjucks as unknown as { compiler: { Compiler: { prototype: CompilerProto } } }).compiler.Compiler.prototype;
  // Jinja2's `a ~ b` joins str(a) and str(b) (an undefined side is ''); nunjucks joins JavaScript strings.
  compiler.compileConcat = function (this: CompilerProto, node, frame) {
    this._emit('runtime.suppressValue(');
    this.compile(node.left, frame);
    this._emit(', false) + "" + runtime.suppressValue(');
    this.compile(node.right, frame);
    this._emit(', false)');
  };
  const fromIterator = runtime.fromIterator;
  // Iterating a Python dict yields its keys (`{% for k in node.labels %}`).
  runtime.fromIterator = function (this: unknown, arr) {
    return rendering && isPlainObject(arr) ? Object.keys(arr) : fromIterator.call(this, arr);
  };
  const memberLookup = runtime.memberLookup;
  const contextOrFrameLookup = runtime.contextOrFrameLookup;
  const suppressValue = runtime.suppressValue;
  runtime.contextOrFrameLookup = function (this: unknown, context, frame, name) {
    const val = contextOrFrameLookup.call(this, context, frame, name);
    if (rendering && val === undefined) lastMiss = `'${name}' is undefined`;
    return val;
  };
  runtime.memberLookup = function (this: unknown, obj, val, ...rest) {
    if (!rendering) return memberLookup.call(this, obj, val, ...rest);
    if (obj === undefined) throw new UndefinedError(lastMiss || 'undefined value has no attributes');
    if (typeof val === 'string' && BLOCKED_MEMBERS.has(val)) return miss(obj, val);
    // A Python dict has its keys (and its methods, from the compat layer), not Object.prototype's members.
    if (isPlainObject(obj) && !Object.prototype.hasOwnProperty.call(obj, val as PropertyKey)) {
      return typeof val === 'string' && DICT_METHODS.has(val) ? memberLookup.call(this, obj, val, ...rest) : miss(obj, val);
    }
    const out = memberLookup.call(this, obj, val, ...rest);
    return out === undefined ? miss(obj, val) : out;
  };
  runtime.suppressValue = function (this: unknown, val, autoescape) {
    return suppressValue.call(this, rendering ? pyStr(val) : val, autoescape);
  };
}

interface CompilerProto {
  compileConcat(node: { left: unknown; right: unknown }, frame: unknown): void;
  compile(node: unknown, frame: unknown): void;
  _emit(code: string): void;
}

function miss(obj: unknown, key: unknown): undefined {
  lastMiss = `'${pyTypeName(obj)} object' has no attribute '${String(key)}'`;
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function pyTypeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'dict';
}

/** Python's str(): what Jinja2 prints for a value. Undefined prints as ''. */
export function pyStr(v: unknown): unknown {
  if (v === undefined) return '';
  if (typeof v === 'string' || v instanceof nunjucks.runtime.SafeString) return v;
  return pyRepr(v);
}

function pyRepr(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pyStrRepr(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .map((k) => `${pyStrRepr(k)}: ${pyRepr(v[k])}`)
      .join(', ')}}`;
  return String(v);
}

/** Python's repr() of a str: single quotes unless the text holds one and no double quote. */
function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === q) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return q + out + q;
}

/**
 * Jinja2's `urlencode` filter: a string (or any non-iterable) is percent-encoded as UTF-8 keeping only
 * letters, digits, '_.-~' and '/' (urllib's quote); a dict or a list of pairs becomes `k=v&k2=v2`, each
 * part encoded with '/' escaped and spaces as '+'.
 */
export function urlencode(value: unknown): string {
  if (isPlainObject(value))
    return Object.keys(value)
      .map((k) => `${urlQuote(k, true)}=${urlQuote(value[k], true)}`)
      .join('&');
  if (Array.isArray(value)) {
    return value
      .map((pair) => {
        if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`urlencode: ${pyRepr(pair)} is not a (key, value) pair`);
        return `${urlQuote(pair[0], true)}=${urlQuote(pair[1], true)}`;
      })
      .join('&');
  }
  return urlQuote(value, false);
}

function urlQuote(v: unknown, forQuery: boolean): string {
  const text = typeof v === 'string' ? v : (pyStr(v) as string);
  let out = '';
  for (const byte of Buffer.from(String(text), 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(ch) || (!forQuery && ch === '/') ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQuery ? out.replace(/%20/g, '+') : out;
}
