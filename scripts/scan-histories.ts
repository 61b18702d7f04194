/**
 * Looks for secrets (BMC passwords, API keys) in Temporal workflow histories, the way an operator
 * browsing the Web UI or `temporal workflow show` would find them.
 *
 * A secret can hide in a history as:
 * - clear text (a failure message, a workflow id, a search attribute, an unencrypted payload shown raw);
 * - base64 inside a longer base64 text: payload `data` is base64 of the JSON-encoded value, so the
 *   secret's base64 depends on its byte offset modulo 3; all three alignments are searched;
 * - the decoded bytes of any base64 field (payload data and metadata), searched in clear and in their
 *   JSON-escaped form;
 * - base64url (the URL- and id-safe alphabet, e.g. a boot action id), embedded or decoded, the same way.
 *
 * Besides each history, the workflow's listing entry is scanned: its search attributes (indexed in plain
 * text, never encoded by a codec) and memo.
 *
 *   npx tsx scripts/scan-histories.ts --secret "$BMC_PASSWORD" [--query "WorkflowType = 'deploy_nodes'"]
 *
 * Exit code 1 when anything is found; the report names where, never the secret itself.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { base64Needles, toBase64url } from '../common/secretForms';

export type FindingForm = 'clear' | 'base64' | 'decoded-base64' | 'base64url' | 'decoded-base64url';

export interface Finding {
  workflowId: string;
  runId: string;
  /** Index into `secrets` (the secret itself is never reported). */
  secretIndex: number;
  form: FindingForm;
  /** JSON path of the value, e.g. `events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data`. */
  path: string;
  eventId?: string;
  eventType?: string;
}

export interface ScanOptions {
  /** Path of the Temporal CLI. */
  temporalCli: string;
  address: string;
  namespace: string;
  /** Visibility query for `temporal workflow list --query`. */
  query?: string;
  secrets: string[];
  /** Runs the CLI and returns its stdout (tests may stub it). */
  runCli?: (args: string[]) => Promise<string>;
  /** Called with the workflows the listing returned (to check what was scanned). */
  onList?: (runs: { workflowId: string; runId: string }[]) => void;
}

const exec = promisify(execFile);

/** Secrets shorter than this would match by chance; they are refused. */
export const MIN_SECRET_LENGTH = 4;

interface Matcher {
  index: number;
  clear: string[];
  /** `clear` as UTF-8 bytes read as latin1, to compare with decoded base64 byte strings. */
  clearLatin1: string[];
  base64: string[];
  base64url: string[];
}

function matchers(secrets: string[]): Matcher[] {
  return secrets.map((s, index) => {
    if (s.length < MIN_SECRET_LENGTH) throw new Error(`secret #${index + 1} is shorter than ${MIN_SECRET_LENGTH} characters: too many false matches`);
    // JSON.stringify escapes quotes, backslashes and control characters: search that form too.
    const escaped = JSON.stringify(s).slice(1, -1);
    const clear = [...new Set([s, escaped])];
    const base64 = [...new Set(clear.flatMap((c) => base64Needles(c)))];
    return {
      index,
      clear,
      clearLatin1: clear.map((c) => Buffer.from(c, 'utf8').toString('latin1')),
      base64,
      // Only the needles that differ from base64 (those containing + or /): the others are found as base64.
      base64url: [...new Set(base64.map(toBase64url))].filter((n) => !base64.includes(n)),
    };
  });
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Scans one history (proto-JSON, as `temporal workflow show -o json` prints it). */
export function scanHistoryJson(history: unknown, secrets: string[], where: { workflowId: string; runId: string }): Finding[] {
  const ms = matchers(secrets);
  const found = new Map<string, Finding>();
  const add = (m: Matcher, form: FindingForm, path: string, ev?: { eventId?: string; eventType?: string }) => {
    const k = `${m.index}|${form}|${path}`;
    if (!found.has(k)) found.set(k, { ...where, secretIndex: m.index, form, path, ...ev });
  };

  const visit = (v: unknown, path: string, ev?: { eventId?: string; eventType?: string }): void => {
    if (typeof v === 'string') {
      const decoded = v.length >= 4 && v.length % 4 === 0 && BASE64.test(v) ? Buffer.from(v, 'base64').toString('latin1') : undefined;
      const decodedUrl = v.length >= 4 && BASE64URL.test(v) ? Buffer.from(v, 'base64url').toString('latin1') : undefined;
      for (const m of ms) {
        // One finding per value and secret, the most readable form first.
        if (m.clear.some((c) => v.includes(c))) add(m, 'clear', path, ev);
        else if (decoded !== undefined && m.clearLatin1.some((c) => decoded.includes(c))) add(m, 'decoded-base64', path, ev);
        else if (decodedUrl !== undefined && m.clearLatin1.some((c) => decodedUrl.includes(c))) add(m, 'decoded-base64url', path, ev);
        else if (m.base64.some((b) => v.includes(b))) add(m, 'base64', path, ev);
        else if (m.base64url.some((b) => v.includes(b))) add(m, 'base64url', path, ev);
      }
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`, ev));
      return;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      let e = ev;
      if (typeof o.eventId === 'string' || typeof o.eventId === 'number') e = { eventId: String(o.eventId), eventType: typeof o.eventType === 'string' ? o.eventType : undefined };
      for (const [k, x] of Object.entries(o)) visit(x, path ? `${path}.${k}` : k, e);
    }
  };
  visit(history, '');
  return [...found.values()];
}

/** `temporal workflow list -o json` prints a JSON array; older CLIs print one object per line. */
export function parseWorkflowList(stdout: string): { workflowId: string; runId: string }[] {
  return parseWorkflowListEntries(stdout).map(({ workflowId, runId }) => ({ workflowId, runId }));
}

/** The listing's entries with their ids; `entry` is the raw object (search attributes, memo, type, ...). */
export function parseWorkflowListEntries(stdout: string): { workflowId: string; runId: string; entry: unknown }[] {
  const text = stdout.trim();
  if (!text) return [];
  const items: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown);
  return items.map((it) => {
    const ex = (it as { execution?: { workflowId?: string; runId?: string } }).execution ?? (it as { workflowId?: string; runId?: string });
    if (!ex.workflowId || !ex.runId) throw new Error('unexpected `temporal workflow list` output: an entry without execution.workflowId/runId');
    return { workflowId: ex.workflowId, runId: ex.runId, entry: it };
  });
}

/** Lists the workflows (optionally by query) and scans each run's full history for every secret. */
export async function scanHistoriesForSecrets(opts: ScanOptions): Promise<Finding[]> {
  matchers(opts.secrets); // validate before talking to the server
  const run = opts.runCli ?? (async (args: string[]) => (await exec(opts.temporalCli, args, { maxBuffer: 512 * 1024 * 1024 })).stdout);
  const conn = ['--address', opts.address, '--namespace', opts.namespace];
  const listArgs = ['workflow', 'list', ...conn, '-o', 'json', ...(opts.query ? ['--query', opts.query] : [])];
  const runs = parseWorkflowListEntries(await run(listArgs));
  opts.onList?.(runs.map(({ workflowId, runId }) => ({ workflowId, runId })));
  const findings: Finding[] = [];
  for (const { entry, ...r } of runs) {
    const out = await run(['workflow', 'show', '-w', r.workflowId, '-r', r.runId, ...conn, '-o', 'json']);
    findings.push(...scanHistoryJson(JSON.parse(out), opts.secrets, r));
    // The workflow id is not in every event, and the current search attributes and memo live in the listing: check both.
    findings.push(...scanHistoryJson({ workflowId: r.workflowId }, opts.secrets, r).map((f) => ({ ...f, path: 'workflowId' })));
    findings.push(...scanHistoryJson({ listing: entry }, opts.secrets, r));
  }
  return findings;
}

export function formatFinding(f: Finding): string {
  const ev = f.eventId ? ` event ${f.eventId}${f.eventType ? ` (${f.eventType})` : ''}` : '';
  return `secret #${f.secretIndex + 1} found (${f.form}) in ${f.workflowId}/${f.runId}${ev} at ${f.path}`;
}

async function main(argv: string[]): Promise<number> {
  const secrets: string[] = [];
  let query: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--secret') secrets.push(argv[++i] ?? '');
    else if (argv[i] === '--query') query = argv[++i];
    else {
      process.stderr.write(`scan-histories: unknown argument ${argv[i]}\nusage: scan-histories --secret S [--secret S2] [--query Q]\n`);
      return 2;
    }
  }
  if (process.env.DRYDOCK_SCAN_SECRETS) secrets.push(...process.env.DRYDOCK_SCAN_SECRETS.split(',').filter(Boolean));
  if (secrets.length === 0) {
    process.stderr.write('scan-histories: give at least one --secret (or DRYDOCK_SCAN_SECRETS=a,b)\n');
    return 2;
  }
  const { temporalCliPath } = await import('../common/temporalCli');
  const findings = await scanHistoriesForSecrets({
    temporalCli: temporalCliPath(),
    address: process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    query,
    secrets,
  });
  for (const f of findings) process.stdout.write(formatFinding(f) + '\n');
  process.stdout.write(findings.length ? `${findings.length} finding(s)\n` : 'no secret found in the scanned histories\n');
  return findings.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`scan-histories: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
      process.exit(1);
    },
  );
}
