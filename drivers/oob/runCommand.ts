import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the command was killed because it ran past its time limit. */
  timedOut: boolean;
  /** True when the command was killed (or never started) because `signal` aborted. */
  aborted?: boolean;
  durationMs: number;
}

export interface RunCommandOptions {
  /** Variables added to the child's environment (how secrets reach a child without appearing in argv). */
  env?: Record<string, string>;
  timeoutMs: number;
  /** Aborting it kills the child at once (SIGKILL); an already aborted signal starts nothing. */
  signal?: AbortSignal;
}

/** Runs a program without a shell; injected into drivers so tests can fake it. */
export type RunCommand = (file: string, args: string[], options: RunCommandOptions) => Promise<CommandResult>;

/**
 * Spawns `file` with stdin closed (so a program that prompts for a password fails at once instead of
 * waiting), and kills it with SIGKILL when it exceeds `timeoutMs` or `signal` aborts. Never rejects for a
 * non-zero exit.
 */
export const runCommand: RunCommand = (file, args, { env, timeoutMs, signal }) =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    if (signal?.aborted) return resolve({ code: null, stdout: '', stderr: '', timedOut: false, aborted: true, durationMs: 0 });
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code) => {
      done();
      resolve({ code, stdout, stderr, timedOut, aborted, durationMs: Date.now() - started });
    });
  });
