/**
 * The schemas compiled once into plain acceptance predicates: `accepts(data)` is true only when the zod
 * schema's safeParse would succeed, without zod's per-call cost (it builds a parsed copy and issue lists).
 * False means "not known to pass": the caller then runs zod, which also words the errors. Constructs this
 * compiler does not know (other schema types, checks other than a regex) compile to "not known", so a
 * schema change can only make the fast path rarer, never change a verdict.
 */
import type { z } from 'zod';

export type Acceptor = (value: unknown) => boolean;

const NOT_KNOWN: Acceptor = () => false;
const hasOwn = Object.prototype.hasOwnProperty;

interface Def {
  type: string;
  checks?: { _zod: { def: { check?: string; format?: string; pattern?: unknown } } }[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Objects as the YAML parsers build them; anything more exotic is left to zod. */
function isPlainData(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

export function compileAcceptor(schema: z.ZodType): Acceptor {
  const def = defOf(schema);
  const checks = def.checks ?? [];
  if (def.type === 'string') {
    const patterns: RegExp[] = [];
    for (const c of checks) {
      const cd = c._zod.def;
      if (cd.check !== 'string_format' || cd.format !== 'regex' || !(cd.pattern instanceof RegExp)) return NOT_KNOWN;
      patterns.push(cd.pattern);
    }
    return (v) => {
      if (typeof v !== 'string') return false;
      for (const p of patterns) {
        p.lastIndex = 0; // as zod does
        if (!p.test(v)) return false;
      }
      return true;
    };
  }
  if (checks.length > 0) return NOT_KNOWN;
  switch (def.type) {
    case 'number':
      // zod 4 refuses NaN and ±Infinity.
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'unknown':
      return () => true;
    case 'optional': {
      const inner = compileAcceptor(def.innerType as z.ZodType);
      return (v) => v === undefined || inner(v);
    }
    case 'nullable': {
      const inner = compileAcceptor(def.innerType as z.ZodType);
      return (v) => v === null || inner(v);
    }
    case 'array': {
      const element = compileAcceptor(def.element as z.ZodType);
      return (v) => Array.isArray(v) && v.every((x) => element(x));
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      return (v) => values.has(v);
    }
    case 'union': {
      const options = (def.options ?? []).map(compileAcceptor);
      return (v) => options.some((o) => o(v));
    }
    case 'record': {
      const key = defOf(def.keyType as z.ZodType);
      if (key.type !== 'string' || (key.checks ?? []).length > 0) return NOT_KNOWN;
      const value = compileAcceptor(def.valueType as z.ZodType);
      return (v) => {
        if (!isPlainData(v)) return false;
        for (const k in v) if (!value(v[k])) return false;
        return true;
      };
    }
    case 'object': {
      const fields = Object.entries(def.shape ?? {}).map(([k, s]) => [k, compileAcceptor(s)] as const);
      const known = new Set(fields.map(([k]) => k));
      const extra = def.catchall ? defOf(def.catchall).type : 'strip';
      if (extra !== 'never' && extra !== 'unknown' && extra !== 'strip') return NOT_KNOWN;
      const strict = extra === 'never';
      return (v) => {
        if (!isPlainData(v)) return false;
        for (const [k, accept] of fields) if (!accept(hasOwn.call(v, k) ? v[k] : undefined)) return false;
        if (strict) for (const k in v) if (!known.has(k)) return false;
        return true;
      };
    }
    default:
      return NOT_KNOWN;
  }
}
