/**
 * The logger every driver, emulator and activity receives by injection.
 * Structured: a message plus flat attributes (task id, node name, BMC address...).
 * Never pass a credential in either; `redact` is the last line of defence, not the plan.
 */
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
  const min = ORDER[opts.level ?? ((process.env.DRYDOCK_LOG_LEVEL as Level | undefined) ?? 'info')] ?? ORDER.info;
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
    const bytes = Buffer.from(s, 'utf8');
    const forms = new Set([s, JSON.stringify(s).slice(1, -1), bytes.toString('base64'), bytes.toString('base64url')]);
    for (let lead = 0; lead < 3; lead++) {
      const enc = Buffer.concat([Buffer.alloc(lead), bytes]).toString('base64');
      const needle = enc.slice(lead === 0 ? 0 : 4, Math.floor((lead + bytes.length) / 3) * 4);
      // Short needles would mask unrelated text by chance.
      if (needle.length >= 8) forms.add(needle).add(needle.replace(/\+/g, '-').replace(/\//g, '_'));
    }
    for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  }
  return out;
}
