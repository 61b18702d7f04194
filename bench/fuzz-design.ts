/**
 * Design fuzzing: seeded random mutations of the example design (deleted, duplicated, swapped and
 * re-indented lines, changed scalar types, truncation, flipped bytes, CRLF, document markers, anchors and
 * aliases, a recursive alias, an alias bomb, deep nesting), each validated the way `drydock validate-design
 * --offline --output json` does. Every case must end with exit 0, 1 or 2 and exactly one JSON status
 * document, never an exception. Each case also checks that the two YAML paths agree (the fast path either
 * declines or gives the full parser's values) and that the compiled schema acceptors never accept what
 * zod refuses.
 *
 * The first `--cli` cases (default 20) also run through the real CLI process (`bin/drydock.js`), which
 * must give the same exit code, one JSON document on stdout and nothing on stderr.
 *
 *   npx tsx bench/fuzz-design.ts [--cases N] [--seed S] [--cli N] [--keep DIR]     (npm run fuzz-design)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { isDeepStrictEqual } from 'util';
import { runValidateDesignOffline } from '../design';
import { fastParseYaml } from '../design/fastYaml';
import { ACCEPTS, isKind, SCHEMAS } from '../design/schemas';
import { DesignParseError, parseFull } from '../design/yamlParse';

export const EXAMPLE_DESIGN = path.resolve(__dirname, '../examples/site/demo-site.yaml');

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS = [
  '123',
  '-1',
  '1.5e3',
  '.inf',
  '-.Inf',
  '.nan',
  'yes',
  'no',
  'on',
  'Off',
  '~',
  'null',
  "''",
  '""',
  '[]',
  '{}',
  '[a, b]',
  '{a: 1}',
  '0x1F',
  '010',
  '0b101',
  '1:30',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '"quoted \\u00e9 \\x41"',
  "'single ''q'''",
  '!!str 12',
  '!!binary aGVsbG8=',
  '!!set {a, b}',
  '!!omap [a: 1]',
  '|\n  literal',
  '>\n  folded\n  text',
  'x'.repeat(300),
  '"unterminated',
  "'unterminated",
  '- item',
  'a: b: c',
  '&anchor value',
  '*undefined_alias',
  '%x',
  '@x',
  '`x',
];

const BOMB = [
  '---',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
];

type Mutation = (lines: string[], r: () => number) => string[] | Buffer;

const pick = <T>(xs: T[], r: () => number): T => xs[Math.floor(r() * xs.length)];
const lineIndex = (lines: string[], r: () => number) => Math.floor(r() * lines.length);
/** Lines `key: value` (the places where a value can be swapped for another). */
const valueLines = (lines: string[]) =>
  lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => /^\s*(- )?[\w.!-]+: \S/.test(l))
    .map(([, i]) => i);
const setValue = (line: string, value: string) =>
  line.replace(/^(\s*(?:- )?[\w.!-]+:) .*$/, (_, key: string) => `${key} ${value.replace(/\n/g, `\n${' '.repeat(key.length - key.trimStart().length + 2)}`)}`);

export const MUTATIONS: Record<string, Mutation> = {
  deleteLine: (lines, r) => lines.filter((_, i) => i !== lineIndex(lines, r)),
  duplicateLine: (lines, r) => {
    const i = lineIndex(lines, r);
    return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)];
  },
  swapLines: (lines, r) => {
    const out = [...lines];
    const i = lineIndex(lines, r);
    const j = r() < 0.5 ? Math.min(i + 1, lines.length - 1) : lineIndex(lines, r);
    [out[i], out[j]] = [out[j], out[i]];
    return out;
  },
  reindentLine: (lines, r) => {
    const out = [...lines];
    const i = lineIndex(lines, r);
    const n = 1 + Math.floor(r() * 4);
    out[i] = r() < 0.5 ? ' '.repeat(n) + out[i] : out[i].replace(new RegExp(`^ {1,${n}}`), '');
    return out;
  },
  changeScalar: (lines, r) => {
    const out = [...lines];
    const vs = valueLines(lines);
    if (vs.length === 0) return lines;
    const i = pick(vs, r);
    out[i] = setValue(out[i], pick(SCALARS, r));
    return out;
  },
  truncate: (lines, r) => {
    const text = lines.join('\n');
    return [text.slice(0, Math.floor(r() * text.length))];
  },
  flipBytes: (lines, r) => {
    const buf = Buffer.from(lines.join('\n'));
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) buf[Math.floor(r() * buf.length)] ^= 1 << Math.floor(r() * 8);
    return buf;
  },
  crlf: (lines) => [lines.join('\r\n')],
  tab: (lines, r) => {
    const out = [...lines];
    const i = lineIndex(lines, r);
    out[i] = out[i].replace(/^ {2}/, '\t');
    return out;
  },
  documentMarker: (lines, r) => {
    const i = lineIndex(lines, r);
    return [...lines.slice(0, i), pick(['---', '...', '--- # c', '--- x', '%YAML 1.1'], r), ...lines.slice(i)];
  },
  anchorAlias: (lines, r) => {
    const out = [...lines];
    const vs = valueLines(lines);
    if (vs.length === 0) return lines;
    const from = pick(vs, r);
    const to = pick(vs, r);
    out[from] = out[from].replace(/^(\s*(?:- )?[\w.!-]+:) /, '$1 &x ');
    out[to] = setValue(out[to], '*x');
    return out;
  },
  mergeKey: (lines, r) => {
    const i = lineIndex(lines, r);
    const indent = /^\s*/.exec(lines[i])?.[0] ?? '';
    return [...lines.slice(0, i), `${indent}<<: {merged: 1}`, ...lines.slice(i)];
  },
  recursiveAlias: (lines, r) => {
    const out = [...lines];
    const addr = lines
      .map((l, i) => [l, i] as const)
      .filter(([l]) => /^\s*address: /.test(l))
      .map(([, i]) => i);
    const candidates = addr.length ? addr : valueLines(lines);
    if (candidates.length === 0) return [...lines, 'address: &a [*a]'];
    const i = pick(candidates, r);
    out[i] = setValue(out[i], '&a [*a]');
    return out;
  },
  aliasBomb: (lines) => [...lines, ...BOMB],
  deepNesting: (lines, r) => {
    const depth = 1000 + Math.floor(r() * 20000);
    return [...lines, '---', `deep: ${'['.repeat(depth)}${']'.repeat(depth)}`];
  },
};

/** Line edits are the common case; the whole-stream attacks (bomb, nesting, bytes...) come less often. */
const WEIGHTS: Record<string, number> = { deleteLine: 3, duplicateLine: 3, swapLines: 3, reindentLine: 3, changeScalar: 4, anchorAlias: 2 };
const WEIGHTED = Object.keys(MUTATIONS).flatMap((m) => Array<string>(WEIGHTS[m] ?? 1).fill(m));

/** A case: 1–3 mutations of the example design, chosen by the seed. */
export function mutateDesign(source: string, seed: number): { names: string[]; content: string | Buffer } {
  const r = rng(seed);
  let lines = source.split('\n');
  const names: string[] = [];
  for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
    const name = pick(WEIGHTED, r);
    names.push(name);
    if (lines.length === 0) lines = [''];
    const next = MUTATIONS[name](lines, r);
    if (Buffer.isBuffer(next)) return { names, content: next }; // bytes: no further line edits
    lines = next;
  }
  return { names, content: lines.join('\n') };
}

export interface CaseResult {
  seed: number;
  mutations: string[];
  exitCode: number;
  /** The fast YAML path parsed the case (so the two paths were compared), rather than declining. */
  fastPath: boolean;
  /** Why the case failed; undefined when it passed. */
  problem?: string;
}

/** Validate one mutated design as the CLI does, then check the invariants. Never throws. */
export async function runCase(source: string, seed: number, dir: string): Promise<CaseResult> {
  const { names, content } = mutateDesign(source, seed);
  const file = path.join(dir, `case-${seed}.yaml`);
  fs.writeFileSync(file, content);
  const text = decoded(content);
  const result: CaseResult = { seed, mutations: names, exitCode: -1, fastPath: text !== undefined && fastParseYaml(text, () => undefined) !== undefined };
  try {
    const r = await runValidateDesignOffline(`file://${file}`, { output: 'json' });
    result.exitCode = r.exitCode;
    const problem = checkOutput(r.exitCode, r.text) ?? checkParsers(content) ?? checkAcceptors(content);
    if (problem) result.problem = problem;
  } catch (e) {
    result.problem = `threw ${e instanceof Error ? e.stack : String(e)}`;
  }
  return result;
}

const CLI = path.resolve(__dirname, '../bin/drydock.js');

/** The case `runCase` wrote for `seed`, through the real CLI process: the same exit code, one JSON document, a silent stderr. */
export function checkCaseThroughCli(seed: number, dir: string, exitCode: number): string | undefined {
  const file = path.join(dir, `case-${seed}.yaml`);
  const r = spawnSync(process.execPath, [CLI, 'validate-design', `file://${file}`, '--offline', '--output', 'json'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== exitCode) return `CLI exit ${r.status} (signal ${r.signal}), in-process ${exitCode}: ${r.stderr.slice(0, 300)}`;
  if (r.stderr !== '') return `CLI wrote to stderr: ${r.stderr.slice(0, 300)}`;
  return checkOutput(r.status, r.stdout);
}

/** Exit 0/1/2 and exactly one JSON status document that agrees with the exit code. */
export function checkOutput(exitCode: number, stdout: string): string | undefined {
  if (![0, 1, 2].includes(exitCode)) return `exit code ${exitCode}`;
  let doc: { kind?: string; status?: string; message?: string };
  try {
    doc = JSON.parse(stdout); // throws on anything but exactly one JSON document
  } catch (e) {
    return `output is not one JSON document (${String(e)}): ${stdout.slice(0, 200)}`;
  }
  if (doc?.kind !== 'Status') return `output is not a status: ${stdout.slice(0, 200)}`;
  if ((exitCode === 0) !== (doc.status === 'Success')) return `exit ${exitCode} with status ${doc.status}`;
  if ((exitCode === 2) !== (doc.message === 'Site design could not be loaded.')) return `exit ${exitCode} with message ${doc.message}`;
  return undefined;
}

function decoded(content: string | Buffer): string | undefined {
  if (typeof content === 'string') return content;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return undefined;
  }
}

/** The fast YAML path declines, or gives exactly the full parser's documents, lines and key kinds. */
export function checkParsers(content: string | Buffer): string | undefined {
  const text = decoded(content);
  if (text === undefined) return undefined;
  const flagged = new WeakSet<object>();
  const fast = fastParseYaml(text, (m) => flagged.add(m));
  if (!fast) return undefined;
  let full;
  try {
    full = parseFull(text, 'fuzz');
  } catch (e) {
    if (e instanceof DesignParseError) return `fast path accepted what the full parser refuses: ${e.message}`;
    throw e;
  }
  const fastDocs = fast.map((d, index) => ({ index, line: d.line + 1, value: d.value }));
  if (!isDeepStrictEqual(fastDocs, full)) return 'fast path and full parser differ';
  return undefined;
}

/** The compiled acceptors accept nothing that zod refuses. */
export function checkAcceptors(content: string | Buffer): string | undefined {
  const text = decoded(content);
  if (text === undefined) return undefined;
  let docs;
  try {
    docs = parseFull(text, 'fuzz');
  } catch {
    return undefined;
  }
  for (const d of docs) {
    const v = d.value as { schema?: unknown; data?: unknown } | null;
    if (v === null || typeof v !== 'object' || typeof v.schema !== 'string') continue;
    const kind = v.schema.split('/')[1] ?? '';
    if (!isKind(kind)) continue;
    if (ACCEPTS[kind](v.data) && !SCHEMAS[kind].safeParse(v.data).success) return `acceptor for ${kind} accepts data zod refuses (document #${d.index + 1})`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i !== -1 ? Number(process.argv[i + 1]) : fallback;
  };
  const cases = arg('cases', 1000);
  const seed0 = arg('seed', 1);
  const cliCases = arg('cli', 20);
  const keep = process.argv.includes('--keep') ? process.argv[process.argv.indexOf('--keep') + 1] : undefined;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-design-'));
  fs.mkdirSync(dir, { recursive: true });
  const source = fs.readFileSync(EXAMPLE_DESIGN, 'utf8');
  const exits = new Map<number, number>();
  let fastPath = 0;
  const byMutation = new Map<string, number>();
  const failures: CaseResult[] = [];
  const t0 = performance.now();
  for (let seed = seed0; seed < seed0 + cases; seed++) {
    const r = await runCase(source, seed, dir);
    if (!r.problem && seed < seed0 + cliCases) r.problem = checkCaseThroughCli(seed, dir, r.exitCode);
    exits.set(r.exitCode, (exits.get(r.exitCode) ?? 0) + 1);
    if (r.fastPath) fastPath++;
    for (const m of r.mutations) byMutation.set(m, (byMutation.get(m) ?? 0) + 1);
    if (r.problem) {
      failures.push(r);
      console.log(`seed ${seed} (${r.mutations.join(', ')}): ${r.problem}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  const exitText = [...exits]
    .sort(([a], [b]) => a - b)
    .map(([c, n]) => `exit ${c}: ${n}`)
    .join(', ');
  console.log(`${cases} mutated designs (seeds ${seed0}–${seed0 + cases - 1}) in ${seconds.toFixed(1)} s: ${exitText}; ${failures.length} failures`);
  console.log(`fast YAML path taken (and compared with the full parser) in ${fastPath} cases; ${Math.min(cliCases, cases)} cases also through the CLI process`);
  console.log(
    `mutations used: ${[...byMutation]
      .sort()
      .map(([m, n]) => `${m} ${n}`)
      .join(', ')}`,
  );
  process.exitCode = failures.length ? 1 : 0;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
