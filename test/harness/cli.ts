import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../common/temporalCli';
import path from 'node:path';
import type { TestWorkerEnv } from './temporal';

const DRYDOCK_BIN = path.join(PROJECT_ROOT, 'bin/drydock.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment that points the CLI at a test worker's server and task queue. */
export function cliEnvFor(env: TestWorkerEnv): NodeJS.ProcessEnv {
  return { TEMPORAL_ADDRESS: env.client.config.address, DRYDOCK_TASK_QUEUE: env.taskQueue };
}

/** The `drydock` CLI as cLCP or an operator runs it, a process of its own: exit code and output, never a throw. */
export async function runDrydock(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [DRYDOCK_BIN, ...args], { env: { ...process.env, ...env }, cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** The output of a CLI command that must succeed; otherwise an error with its exit code and stderr. */
export async function drydockStdout(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runDrydock(args, env);
  if (r.code !== 0) throw new Error(`drydock ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
