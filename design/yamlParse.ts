/**
 * Multi-document YAML parsing with PyYAML's semantics where the design depends on them: YAML 1.1 scalars
 * (`yes`, octal, `0xffff` keys), and a later duplicate key overriding an earlier one (last wins).
 */
import { parseAllDocuments } from 'yaml';

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

export function parseYamlStream(text: string, source: string): ParsedDocument[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false, version: '1.1', prettyErrors: false });
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
    const value = toPlain(doc.toJS({ mapAsMap: true, maxAliasCount: 1000 }));
    return { index, line, value };
  });
}

/** Map → plain object (keys stringified, non-string keys remembered); arrays recursed. */
function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    let nonString = false;
    for (const [k, v] of value) {
      if (typeof k !== 'string') nonString = true;
      out[String(k)] = toPlain(v);
    }
    if (nonString) nonStringKeyMaps.add(out);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Set) return [...value].map(toPlain);
  return value;
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
