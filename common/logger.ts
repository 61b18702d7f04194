/**
 * The logger every driver, emulator and activity receives by injection.
 * Structured: a message plus flat attributes (task id, node name, BMC address...).
 * Never pass a credential in either; `redact` is the last line of defence, not the plan.
 */
import { base64Needles, toBase64url } from './secretForms';

export type LogAttrs = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(message: string, attrs?: LogAttrs): void;
  info(message: string, attrs?: LogAttrs): void;
  warn(message: string, attrs?: LogAttrs): void;
  error(message: string, attrs?: LogAttrs): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One JSON object per line on stderr; `secrets` are masked in every line written. */
export function jsonLogger(opts: { level?: Level; base?: LogAttrs; secrets?: () => Iterable<string>; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.level ?? (process.env.DRYDOCK_LOG_LEVEL as Level | undefined) ?? 'info'] ?? ORDER.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: Level, message: string, attrs?: LogAttrs) => {
    if (ORDER[level] < min) return;
    const line = JSON.stringify({ ts: new Date().toISOString(), level, msg: message, ...opts.base, ...attrs });
    write(opts.secrets ? redact(line, opts.secrets()) : line);
  };
  return {
    debug: (m, a) => emit('debug', m, a),
    info: (m, a) => emit('info', m, a),
    warn: (m, a) => emit('warn', m, a),
    error: (m, a) => emit('error', m, a),
  };
}

/** A logger that keeps lines in memory: tests grep them for credentials. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = jsonLogger({ level: 'debug', write: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Masks every occurrence of each secret in `text`: in clear, JSON-escaped (a log line is JSON, so a quote
 * or backslash in a password is escaped there), and in base64 or base64url, also inside a longer encoded
 * value such as a Basic authorization header (the part that depends only on the secret, at each of the
 * three byte alignments).
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    for (const form of maskedForms(s)) out = out.split(form).join('***');
  }
  return out;
}

// Every log line is masked: each secret's forms are computed once (bounded, BMC passwords are per node).
const formsBySecret = new Map<string, string[]>();

/** The forms of one secret, longest first so that a longer form is masked whole. */
function maskedForms(secret: string): string[] {
  let forms = formsBySecret.get(secret);
  if (forms) return forms;
  const bytes = Buffer.from(secret, 'utf8');
  const set = new Set([secret, JSON.stringify(secret).slice(1, -1), bytes.toString('base64'), bytes.toString('base64url')]);
  // Short needles would mask unrelated text by chance.
  for (const needle of base64Needles(bytes)) if (needle.length >= 8) set.add(needle).add(toBase64url(needle));
  forms = [...set].sort((a, b) => b.length - a.length);
  if (formsBySecret.size >= 10_000) formsBySecret.clear();
  formsBySecret.set(secret, forms);
  return forms;
}
