/**
 * Multi-document YAML parsing with PyYAML's semantics where the design depends on them: YAML 1.1 scalars
 * (`yes`, octal, `0xffff` keys), and a later duplicate key overriding an earlier one (last wins).
 *
 * Two paths give the same values and lines: fastYaml for the block YAML designs are written in (no syntax
 * tree; ~10x faster on large designs), and the `yaml` package for everything else, errors included.
 */
import { parseAllDocuments } from 'yaml';
import { fastParseYamlEach } from './fastYaml';

export interface ParsedDocument {
  /** 0-based position in the stream. */
  index: number;
  /** 1-based line of the document start. */
  line: number;
  value: unknown;
}

export class DesignParseError extends Error {}

/** Maps in which YAML gave a non-string key (e.g. `0xffff:`); Drydock's pkg_list processing refuses them. */
const nonStringKeyMaps = new WeakSet<object>();

export function hasNonStringKeys(value: unknown): boolean {
  return typeof value === 'object' && value !== null && nonStringKeyMaps.has(value);
}

/** Aliases one document may expand before it is refused as an alias bomb (the `yaml` package's guard). */
const MAX_ALIAS_COUNT = 1000;

export function parseYamlStream(text: string, source: string): ParsedDocument[] {
  const docs: ParsedDocument[] = [];
  forEachYamlDocument(text, source, () => {
    docs.length = 0;
    return (doc) => docs.push(doc);
  });
  return docs;
}

/**
 * Each document of the stream, in order, to the consumer `begin()` returns, as soon as it is parsed.
 * When the fast path declines part-way, `begin()` is called again for a fresh consumer and the whole
 * stream is delivered again by the full parser. Throws DesignParseError on malformed YAML.
 */
export function forEachYamlDocument(text: string, source: string, begin: () => (doc: ParsedDocument) => void): void {
  let consume = begin();
  let index = 0;
  const fast = fastParseYamlEach(
    text,
    (map) => nonStringKeyMaps.add(map),
    (line, value) => consume({ index: index++, line: line + 1, value }),
  );
  if (fast) return;
  const docs = parseFull(text, source);
  consume = begin();
  for (const doc of docs) consume(doc);
}

/** The `yaml` package's full YAML 1.1 parser; every way it can fail becomes a DesignParseError. */
export function parseFull(text: string, source: string): ParsedDocument[] {
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: false, version: '1.1', prettyErrors: false });
  } catch (e) {
    // A stream nested deeper than the stack.
    throw new DesignParseError(`${source}: YAML error: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const lineOf = lineCounter(text);
  return list.map((doc, index) => {
    const line = lineOf(doc.range?.[0] ?? 0);
    const err = doc.errors[0];
    if (err) {
      const errLine = lineOf(err.pos[0]);
      const firstLine = err.message.split('\n')[0];
      throw new DesignParseError(`${source}: YAML error in document #${index + 1} at line ${errLine}: ${firstLine}`);
    }
    try {
      return { index, line, value: toPlain(doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT }), new Set()) };
    } catch (e) {
      // An alias bomb (yaml's ReferenceError), a value that contains itself, or one nested deeper than the stack.
      const why = e instanceof RecursiveAlias ? 'an alias refers to a node that contains it (recursive alias)' : e instanceof Error ? e.message : String(e);
      throw new DesignParseError(`${source}: YAML error in document #${index + 1} (line ${line}): ${why}`);
    }
  });
}

class RecursiveAlias extends Error {}

/**
 * Map → plain object (keys stringified, non-string keys remembered); arrays recursed. `ancestors` holds the
 * collections being converted: meeting one again means a recursive alias (`a: &x [*x]`), which has no
 * plain-data form (PyYAML builds a self-containing list, which Drydock could not use either).
 */
function toPlain(value: unknown, ancestors: Set<unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) throw new RecursiveAlias();
  if (value instanceof Map) {
    ancestors.add(value);
    const out: Record<string, unknown> = {};
    let nonString = false;
    for (const [k, v] of value) {
      if (typeof k !== 'string') nonString = true;
      out[String(toPlainKey(k, ancestors))] = toPlain(v, ancestors);
    }
    ancestors.delete(value);
    if (nonString) nonStringKeyMaps.add(out);
    return out;
  }
  if (Array.isArray(value) || value instanceof Set) {
    ancestors.add(value);
    const out = [...value].map((v) => toPlain(v, ancestors));
    ancestors.delete(value);
    return out;
  }
  return value;
}

/** A collection used as a key (`? [a]`) is stringified like before, but must not contain itself either. */
function toPlainKey(k: unknown, ancestors: Set<unknown>): unknown {
  if (k === null || typeof k !== 'object') return k;
  if (ancestors.has(k)) throw new RecursiveAlias();
  return k;
}

/** offset → 1-based line, by binary search over newline offsets (linear scans are O(n²) on big designs). */
function lineCounter(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
