import type { z } from 'zod';

/** Drydock's schema validation messages, worded from zod issues: document, field path, what is wrong. */
/** "BaremetalNode:v1 schema validation error: document 'n1' (#4, line 40), field data.addressing[0]: expected object, got null". */
export function schemaErrorText(raw: { kind: string; name: string; index: number; line: number; data?: unknown }, issue: z.core.$ZodIssue): string {
  return `${raw.kind}:v1 schema validation error: document '${raw.name}' (#${raw.index + 1}, line ${raw.line}), field ${formatPath(issue.path)}: ${describeIssue(issue, raw.data)}`;
}

function formatPath(path: PropertyKey[]): string {
  let out = 'data';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const got = valueAt(data, issue.path);
      return `expected ${issue.expected}, got ${typeName(got)}${got === undefined ? '' : ` (${preview(got)})`}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} not allowed here`;
    case 'invalid_value':
      return `${preview(valueAt(data, issue.path))} is not one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}`;
    case 'invalid_union':
      return `${preview(valueAt(data, issue.path))} matches none of the allowed shapes (a string, or a map of strings)`;
    case 'invalid_format':
      return `${preview(valueAt(data, issue.path))} ${issue.message}`;
    default:
      return issue.message;
  }
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (v === undefined) return 'nothing';
  return typeof v === 'object' ? 'map' : typeof v;
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
