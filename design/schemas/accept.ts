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

/**
 * The acceptor for a schema, generated as one JavaScript function per schema node (straight-line checks
 * with monomorphic calls, which V8 optimises early: a cold 1,000-node ingest spent more in a tree of
 * closures). Where code generation is unavailable every document goes to zod, which is slower, not wrong.
 */
export function compileAcceptor(schema: z.ZodType): Acceptor {
  const functions: string[] = [];
  const refs: unknown[] = [];
  const ref = (x: unknown) => `r[${refs.push(x) - 1}]`;
  /** The name of the generated function that accepts values of schema `s`. */
  const fn = (s: z.ZodType): string => {
    const slot = functions.push('') - 1; // reserved before the body adds the functions it calls
    functions[slot] = `function f${slot}(v) { ${body(s)} }`;
    return `f${slot}`;
  };
  const body = (s: z.ZodType): string => {
    const def = defOf(s);
    const checks = def.checks ?? [];
    if (def.type === 'string') {
      const tests: string[] = [];
      for (const c of checks) {
        const cd = c._zod.def;
        if (cd.check !== 'string_format' || cd.format !== 'regex' || !(cd.pattern instanceof RegExp)) return 'return false;';
        // As zod: reset lastIndex, then test.
        tests.push(`${ref(cd.pattern)}.lastIndex = 0; if (!${ref(cd.pattern)}.test(v)) return false;`);
      }
      return `if (typeof v !== 'string') return false; ${tests.join(' ')} return true;`;
    }
    if (checks.length > 0) return 'return false;';
    switch (def.type) {
      case 'number':
        return "return typeof v === 'number' && Number.isFinite(v);"; // zod 4 refuses NaN and ±Infinity
      case 'boolean':
        return "return typeof v === 'boolean';";
      case 'unknown':
        return 'return true;';
      case 'optional':
        return `return v === undefined || ${fn(def.innerType as z.ZodType)}(v);`;
      case 'nullable':
        return `return v === null || ${fn(def.innerType as z.ZodType)}(v);`;
      case 'array': {
        const element = fn(def.element as z.ZodType);
        return `if (!Array.isArray(v)) return false; for (let i = 0; i < v.length; i++) if (!${element}(v[i])) return false; return true;`;
      }
      case 'enum':
        return `return ${ref(new Set(Object.values(def.entries ?? {})))}.has(v);`;
      case 'union':
        return `return ${(def.options ?? []).map((o) => `${fn(o)}(v)`).join(' || ') || 'false'};`;
      case 'record': {
        const key = defOf(def.keyType as z.ZodType);
        if (key.type !== 'string' || (key.checks ?? []).length > 0) return 'return false;';
        const value = fn(def.valueType as z.ZodType);
        return `if (!isPlain(v)) return false; for (const k in v) if (!${value}(v[k])) return false; return true;`;
      }
      case 'object': {
        const extra = def.catchall ? defOf(def.catchall).type : 'strip';
        if (extra !== 'never' && extra !== 'unknown' && extra !== 'strip') return 'return false;';
        const fields = Object.entries(def.shape ?? {}).map(([k, fs]) => {
          const key = JSON.stringify(k);
          // A missing key must read as undefined, also for names Object.prototype defines.
          const read = k in Object.prototype ? `(hasOwn.call(v, ${key}) ? v[${key}] : undefined)` : `v[${key}]`;
          return `if (!${fn(fs)}(${read})) return false;`;
        });
        const known = Object.keys(def.shape ?? {})
          .map((k) => `case ${JSON.stringify(k)}:`)
          .join(' ');
        const strict = extra === 'never' ? `for (const k in v) switch (k) { ${known} break; default: return false; }` : '';
        return `if (!isPlain(v)) return false; ${fields.join(' ')} ${strict} return true;`;
      }
      default:
        return 'return false;';
    }
  };
  const root = fn(schema);
  try {
    const factory = new Function('r', 'isPlain', 'hasOwn', `'use strict';\n${functions.join('\n')}\nreturn ${root};`);
    return factory(refs, isPlainData, hasOwn) as Acceptor;
  } catch {
    return NOT_KNOWN;
  }
}
