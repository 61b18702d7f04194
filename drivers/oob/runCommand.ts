import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the command was killed because it ran past its time limit. */
  timedOut: boolean;
  durationMs: number;
}

export interface RunCommandOptions {
  /** Variables added to the child's environment (how secrets reach a child without appearing in argv). */
  env?: Record<string, string>;
  timeoutMs: number;
}

/** Runs a program without a shell; injected into drivers so tests can fake it. */
export type RunCommand = (file: string, args: string[], options: RunCommandOptions) => Promise<CommandResult>;

/**
 * Spawns `file` with stdin closed (so a program that prompts for a password fails at once instead of
 * waiting), and kills it with SIGKILL when it exceeds `timeoutMs`. Never rejects for a non-zero exit.
 */
export const runCommand: RunCommand = (file, args, { env, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, durationMs: Date.now() - started });
    });
  });
