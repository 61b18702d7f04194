import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '../../common/ports';
import { recordedPeers, type ReapedPeer } from '../../emulators/bmc/processGroup';

const ROOT = path.resolve(__dirname, '../..');

/**
 * `npm start` (worker/main.ts) on its embedded default, as its own process on free ports and a state folder
 * of the test's, so a developer's own `npm start` is left alone.
 */
export interface MainJob {
  child: ChildProcess;
  pid: number;
  stateDir: string;
  port: number;
  uiPort: number;
  /** stdout and stderr so far. */
  out(): string;
  /** Resolves once the output matches; rejects if the process exits first or after `ms`. */
  waitFor(pattern: string | RegExp, ms: number): Promise<void>;
  /** Exit code, or the signal's name. */
  exited: Promise<number | string>;
  /** Peer processes it recorded in <state dir>/peers. */
  peers(): ReapedPeer[];
  /** The embedded Temporal server's pid, from its record. */
  serverPid(): number | undefined;
}

export const TASK_QUEUE = 'drydock-main-test';

export async function startMainJob(opts: { stateDir?: string; args?: string[] } = {}): Promise<MainJob> {
  const [port, uiPort, apiPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-main-'));
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'worker/main.ts'), ...(opts.args ?? [])], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: '',
      DRYDOCK_EMBEDDED_PORT: String(port),
      DRYDOCK_EMBEDDED_UI_PORT: String(uiPort),
      DRYDOCK_API_PORT: String(apiPort),
      DRYDOCK_STATE_DIR: stateDir,
      DRYDOCK_TASK_QUEUE: TASK_QUEUE,
    },
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')));
  let done = false;
  void exited.then(() => (done = true));
  const peers = () => recordedPeers(path.join(stateDir, 'peers'));
  return {
    child,
    pid: child.pid!,
    stateDir,
    port,
    uiPort,
    out: () => out,
    exited,
    peers,
    serverPid: () => peers().find((p) => path.basename(p.argv[0]) === 'temporal')?.pid,
    async waitFor(pattern, ms) {
      const matches = () => (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out));
      for (const end = Date.now() + ms; !matches(); await new Promise((r) => setTimeout(r, 100))) {
        if (done) throw new Error(`npm start exited (${await exited}) before printing ${pattern}:\n${out}`);
        if (Date.now() > end) throw new Error(`npm start did not print ${pattern} within ${ms / 1000} s:\n${out}`);
      }
    },
  };
}

/** Running, as ps would show it: present and not a zombie. */
export function processRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The processes whose parent is `pid`, with their command lines. */
export function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      out.push({ pid: Number(d), cmdline: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Sends `signal` and resolves with the exit and the seconds it took, or 'timeout' after `ms` (then SIGKILLs it). */
export async function signalAndWait(job: MainJob, signal: NodeJS.Signals, ms: number): Promise<{ exit: number | string; seconds: number }> {
  const t0 = Date.now();
  job.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([job.exited, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  clearTimeout(timer);
  if (exit === 'timeout') job.child.kill('SIGKILL');
  return { exit, seconds: (Date.now() - t0) / 1000 };
}
