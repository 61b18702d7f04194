import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Peer processes (ipmi_sim, sushy-emulator, the embedded Temporal server) run in their own process group, so
 * stopping one also ends what it spawned (chassis_control.sh and its `sleep`, Flask's workers). Whatever is
 * still running when this process exits is killed then. A process killed with SIGKILL runs no exit hook:
 * for that, every peer is recorded in a registry folder and, while peers run, a watchdog process waits for
 * this one to end and then ends them. `npm start` names its registry (`recordPeersIn`, under its state
 * folder) and its next start also ends what a start killed together with its watchdog left
 * (`reapRecordedPeers`); elsewhere (tests, scripts) the registry is a private temporary folder.
 */
export interface PeerProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; then SIGKILL to anything left in the group. */
  stop(graceMs?: number): Promise<void>;
}

export interface PeerSpawnOptions extends SpawnOptions {
  /**
   * false: the peer stays in this process's group, so a terminal's Ctrl-C reaches it directly (the test
   * harness's server, which must not outlive an interrupted jest). Default true.
   */
  ownProcessGroup?: boolean;
}

/**
 * One registry entry: a peer and the process that started it. A pid with its start time (in clock ticks
 * since boot, /proc/<pid>/stat) names one process; a pid alone may since have been given to another.
 */
interface PeerRecord {
  pid: number;
  startTime: number;
  argv: string[];
  ownGroup: boolean;
  owner: { pid: number; startTime: number };
}

const running = new Set<ChildProcess>();
const ownGroups = new WeakSet<ChildProcess>();
let registryDir: string | undefined;
let privateRegistry = false;
let watchdog: ChildProcess | undefined;

process.once('exit', () => {
  for (const child of running) {
    signalPeer(child.pid, ownGroups.has(child), 'SIGKILL');
    forget(child.pid);
  }
  if (privateRegistry && registryDir) fs.rmSync(registryDir, { recursive: true, force: true });
});

/** From now on every peer this process spawns is recorded in `dir` (one `<pid>.json` each) until it exits. */
export function recordPeersIn(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  registryDir = dir;
  privateRegistry = false;
}

function registry(): string {
  if (!registryDir) {
    registryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-peers-'));
    privateRegistry = true;
  }
  return registryDir;
}

/**
 * The watchdog: a small process of its own (its own session, so a terminal's Ctrl-C does not end it first)
 * that waits for its stdin to close, which happens when this process ends, however (SIGKILL included), or
 * when it is let go (WATCHDOG_LINGER_MS after the last peer has exited); then it reaps what is still recorded. It holds no handle
 * of this process's event loop.
 */
function ensureWatchdog(dir: string): void {
  clearTimeout(lingering);
  lingering = undefined;
  if (watchdog) return;
  // Compiled (dist/), the watchdog is JavaScript beside this file; from the sources it runs through tsx.
  const script = __filename.endsWith('.js') ? [path.join(__dirname, 'peerWatchdog.js')] : ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'peerWatchdog.ts')];
  const args = [...script, dir, String(process.pid)];
  if (privateRegistry) args.push('--remove-dir');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined); // without a watchdog the exit hook still stops the peers
  child.stdin?.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog = child;
}

/**
 * How long the watchdog outlives the last peer. A watchdog is a Node process (with tsx from the sources,
 * ~0.4 s of CPU to start): a simulated site whose nodes run short sandboxed commands one after another would
 * otherwise start one for most of them.
 */
const WATCHDOG_LINGER_MS = 10_000;
let lingering: NodeJS.Timeout | undefined;

/** No peer left: the watchdog goes, and so does a private registry (the next peer makes new ones). */
function releaseWatchdog(): void {
  clearTimeout(lingering);
  lingering = undefined;
  watchdog?.stdin?.end();
  watchdog = undefined;
  if (privateRegistry && registryDir) {
    fs.rmSync(registryDir, { recursive: true, force: true });
    registryDir = undefined;
  }
}

export function spawnPeer(file: string, args: string[], options: PeerSpawnOptions): PeerProcess {
  const { ownProcessGroup = true, ...spawnOptions } = options;
  const child = spawn(file, args, { ...spawnOptions, detached: ownProcessGroup });
  if (ownProcessGroup) ownGroups.add(child);
  running.add(child);
  if (child.pid !== undefined) {
    const dir = registry();
    ensureWatchdog(dir);
    // Not reaped yet, so the pid is still this child's.
    const startTime = statOf(child.pid)?.startTime;
    if (startTime !== undefined)
      remember(dir, { pid: child.pid, startTime, argv: [file, ...args], ownGroup: ownProcessGroup, owner: { pid: process.pid, startTime: statOf(process.pid)!.startTime } });
  }
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const ended = () => {
      if (done) return;
      done = true;
      running.delete(child);
      forget(child.pid);
      if (running.size === 0 && !lingering) {
        // Not holding this process's event loop: an exiting process closes the watchdog's stdin anyway.
        lingering = setTimeout(() => running.size === 0 && releaseWatchdog(), WATCHDOG_LINGER_MS);
        lingering.unref();
      }
      resolve();
    };
    child.once('exit', ended);
    child.once('error', ended); // not spawned at all (e.g. ENOENT): no 'exit' follows
  });
  const signal = (s: NodeJS.Signals) => signalPeer(child.pid, ownProcessGroup, s);
  return {
    child,
    exited,
    hasExited: () => done,
    async stop(graceMs = 3000) {
      if (!done) {
        signal('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
        clearTimeout(timer);
        if (!ended) {
          signal('SIGKILL');
          await exited;
        }
      }
      // What the group's leader left behind; a lone process is not signalled after its exit (its pid may be reused).
      if (ownProcessGroup) signal('SIGKILL');
    },
  };
}

function signalPeer(pid: number | undefined, ownGroup: boolean, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(ownGroup ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

function remember(dir: string, r: PeerRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${r.pid}.json`), JSON.stringify(r));
}

function forget(pid: number | undefined): void {
  if (registryDir && pid !== undefined) fs.rmSync(path.join(registryDir, `${pid}.json`), { force: true });
}

/** Fields of /proc/<pid>/stat (counted after the command name, which is in parentheses); undefined when gone. */
function statOf(pid: number): { state: string; pgid: number; startTime: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], pgid: Number(f[2]), startTime: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/**
 * Still the process that was recorded, not a later one that got its pid: same start time, not a zombie and,
 * for a peer, its program named in its command line (an interpreter may come first: a script's shebang runs
 * `python3 sushy-emulator …`).
 */
function sameProcess(pid: number, startTime: number, program?: string): boolean {
  const st = statOf(pid);
  if (!st || st.state === 'Z' || st.startTime !== startTime) return false;
  if (program === undefined) return true;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => path.basename(a) === path.basename(program));
  } catch {
    return false;
  }
}

/** Waits (synchronously) up to `ms` for a process to be gone or a zombie; true when it is. */
export function awaitProcessEnd(pid: number, ms: number): boolean {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const end = Date.now() + ms; Date.now() < end; Atomics.wait(pause, 0, 0, 20)) {
    if ([undefined, 'Z'].includes(statOf(pid)?.state)) return true;
  }
  return [undefined, 'Z'].includes(statOf(pid)?.state);
}

export interface ReapedPeer {
  pid: number;
  argv: string[];
}

/**
 * SIGKILLs the peers recorded in `dir` whose starter is gone, after checking each pid is still the recorded
 * process; waits up to `waitMs` for them to be gone, so their ports are free. Peers of a process that is still
 * running (another `npm start` on the same folder, a watchdog's owner letting it go) are left alone.
 * Synchronous: it also runs in the watchdog's last moments.
 */
export function reapRecordedPeers(dir: string, opts: { waitMs?: number } = {}): ReapedPeer[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    return [];
  }
  const reaped: ReapedPeer[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    let r: PeerRecord;
    try {
      r = JSON.parse(fs.readFileSync(file, 'utf8')) as PeerRecord;
    } catch {
      fs.rmSync(file, { force: true }); // half-written by a start killed while writing it
      continue;
    }
    if (sameProcess(r.owner.pid, r.owner.startTime)) continue;
    if (sameProcess(r.pid, r.startTime, r.argv[0]) && (!r.ownGroup || statOf(r.pid)?.pgid === r.pid)) {
      signalPeer(r.pid, r.ownGroup, 'SIGKILL');
      reaped.push({ pid: r.pid, argv: r.argv });
    }
    fs.rmSync(file, { force: true });
  }
  const deadline = Date.now() + (opts.waitMs ?? 3000);
  for (const p of reaped) awaitProcessEnd(p.pid, deadline - Date.now());
  return reaped;
}

/** The peers recorded in `dir` (pid and argv), e.g. to find the embedded server's process. */
export function recordedPeers(dir: string): ReapedPeer[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as PeerRecord;
      return [{ pid: r.pid, argv: r.argv }];
    } catch {
      return [];
    }
  });
}
