import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { spawnPeer } from '../bmc/processGroup';

/**
 * The sandbox a simulated node runs its cloud-init commands in. Those commands come from a site design (boot
 * action assets), so they never run on the host as they are:
 *
 * - the node's own root directory is `/`; the host's system directories (`/usr`, `/etc`, `/opt`, and `/bin`,
 *   `/lib`, … where they are directories) are seen through overlayfs with the node root as the upper layer,
 *   so a node sees a normal system and `tar -xz -C /`, `/etc/motd` or `/usr/local/bin/x` land in the node
 *   root while the host's files stay as they are. Nothing else of the host is visible (no `/root`, `/home`,
 *   `/tmp`, `/work`, no `/sys`);
 * - its own pid, mount, ipc, uts (hostname = the node's) and user namespaces, no capability left, so the
 *   read-only host mounts cannot be remounted and the host's processes are not visible;
 * - the host's network, so the node reaches the boot action API on loopback as a real node reaches Drydock;
 * - `systemctl` is the shim next to this file (first on PATH);
 * - a time limit: the whole sandbox is killed when it runs out.
 *
 * Mechanism: `unshare` (util-linux) makes a private mount namespace in which the overlays are mounted (bwrap
 * 0.8, Debian 12's, has no --overlay), then `bwrap` builds the sandbox from them. bwrap needs no setuid. Run
 * as root (as `npm start` and the tests are) the node is root over its own files and the host's copies. Without
 * root it takes `unshare --user` (kernel >= 5.11 for overlayfs in a user namespace) and is less of a node: files
 * and folders the host has (e.g. /etc/motd) stay read-only inside it, as their owner is not mapped there.
 */

/** Host top-level entries a node sees read-only: a directory is overlaid, a symlink (merged /usr) is copied. */
const SYSTEM_ENTRIES = ['usr', 'etc', 'opt', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
const SYSTEMCTL_SHIM = path.join(__dirname, 'systemctl.sh');
const PATH_IN_NODE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What is missing on this machine to run sandboxed nodes, in one line; undefined when nothing is. */
export function sandboxUnavailable(): string | undefined {
  const missing = ['bwrap', 'unshare'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length) return `${missing.join(' and ')} not found: install the Debian packages bubblewrap (bwrap) and util-linux (unshare)`;
  if (!fs.existsSync(SYSTEMCTL_SHIM)) return `the systemctl shim ${SYSTEMCTL_SHIM} is missing`;
  return undefined;
}

/** A node's files on the host: `root` is its `/`; `overlay` holds overlayfs's work and mount-point folders. */
export interface NodeFs {
  root: string;
  overlay: string;
}

export function nodeFs(nodeDir: string): NodeFs {
  return { root: path.join(nodeDir, 'root'), overlay: path.join(nodeDir, 'overlay') };
}

/**
 * A fresh root for a node that boots a new deployment: what the previous deployment wrote is gone, as on a
 * disk MaaS erased and imaged again.
 */
export function freshNodeRoot(nodeDir: string, hostname: string): NodeFs {
  const f = nodeFs(nodeDir);
  for (const c of [f.root, f.overlay]) {
    if (/[,:\\]/.test(c)) throw new Error(`node folder ${c}: overlayfs options cannot hold ',', ':' or '\\'`);
    fs.rmSync(c, { recursive: true, force: true });
  }
  fs.mkdirSync(f.root, { recursive: true });
  for (const name of SYSTEM_ENTRIES) {
    const host = `/${name}`;
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(host), path.join(f.root, name));
    else if (st?.isDirectory()) {
      if (isWithin(f.root, host)) throw new Error(`node root ${f.root} is inside ${host}, which the node sees through an overlay`);
      for (const d of [path.join(f.root, name), path.join(f.overlay, 'work', name), path.join(f.overlay, 'view', name)]) fs.mkdirSync(d, { recursive: true });
    }
  }
  for (const d of ['root', 'var/log', 'var/lib', 'run', 'home', 'srv']) fs.mkdirSync(path.join(f.root, d), { recursive: true });
  // Upper-layer folders where boot action assets go: without root, the host's own (root-owned) ones would be
  // read-only even inside the node. The shim's mount point is made here for the same reason.
  if (fs.existsSync(path.join(f.overlay, 'view', 'usr'))) {
    for (const d of ['etc/systemd/system', 'usr/lib/systemd/system', 'usr/local/bin', 'usr/local/sbin', 'usr/local/lib']) {
      fs.mkdirSync(path.join(f.root, d), { recursive: true });
    }
    fs.writeFileSync(path.join(f.root, 'usr/local/sbin/systemctl'), '');
  }
  fs.chmodSync(path.join(f.root, 'root'), 0o700);
  for (const d of ['tmp', 'var/tmp']) {
    fs.mkdirSync(path.join(f.root, d), { recursive: true });
    fs.chmodSync(path.join(f.root, d), 0o1777);
  }
  // Lands in the upper layer of /etc: the node's own hostname, and no copy of the host's password hashes.
  fs.writeFileSync(path.join(f.root, 'etc/hostname'), `${hostname}\n`);
  for (const file of ['shadow', 'gshadow']) {
    const host = `/etc/${file}`;
    if (!fs.existsSync(host)) continue;
    let text: string;
    try {
      text = fs.readFileSync(host, 'utf8');
    } catch {
      continue; // not readable by this user: not readable in the sandbox either
    }
    const locked = text.replace(/^([^:\n]+):[^:\n]*/gm, '$1:*');
    fs.writeFileSync(path.join(f.root, 'etc', file), locked, { mode: 0o640 });
  }
  return f;
}

function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface SandboxCommands {
  nodeDir: string;
  hostname: string;
  /** Each executed as cloud-init executes a runcmd list: PATH lookup inside the node, no shell around it. */
  commands: string[][];
  /** Per command: one still running after this is killed with its sandbox. */
  timeoutMs: number;
  /** Where stdout and stderr go (the node's cloud-init-output.log). */
  outputFd: number;
  /** The node is powered off (the site stops, the machine is released): the sandbox is killed. */
  signal?: AbortSignal;
  /** Called just before command `i` starts and just after it ended (the agent logs them in outputFd). */
  starting?(i: number): void;
  ended?(i: number, result: SandboxResult): void;
}

export interface SandboxResult {
  /** null when killed. */
  exitCode: number | null;
  timedOut: boolean;
  /** Killed because `signal` fired. */
  stopped: boolean;
  ms: number;
}

const MOUNT_OVERLAYS = [
  'root=$1 work=$2 view=$3; shift 3',
  'while [ "$1" != -- ]; do',
  '  mount -t overlay overlay -o "lowerdir=/$1,upperdir=$root/$1,workdir=$work/$1" "$view/$1"; shift',
  'done',
  'shift; exec "$@"',
].join('\n');

/**
 * Inside the sandbox: runs the commands (each given as its argument count, then its arguments) one after
 * another, as cloud-init runs runcmd: each whatever the previous one's exit status, in the environment bwrap
 * set and nothing else, without the channel (fd 3) to the host. It waits for the host's `go` before each
 * (so the host's log line comes first and its time limit starts then) and answers the exit status.
 */
const RUN_COMMANDS = [
  'while [ $# -gt 0 ]; do',
  '  n=$1; shift; cmd=("${@:1:n}"); shift "$n"',
  '  IFS= read -r go <&3 || exit 0',
  '  env -i PATH="$PATH" HOME="$HOME" LANG="$LANG" "${cmd[@]}" </dev/null 3>&-',
  '  echo "$?" >&3',
  'done',
].join('\n');

/**
 * Runs the commands in order in one sandbox, as one boot of the node (whatever one command leaves running
 * is there for the next, as on a real node); the node root must have been made by `freshNodeRoot`. A
 * command killed at its time limit takes its sandbox with it: the commands after it run in a fresh one.
 * One sandbox per boot rather than per command: a sandbox costs a namespace set, three overlay mounts and
 * four processes.
 */
export async function runSandboxedCommands(c: SandboxCommands): Promise<SandboxResult[]> {
  const results: SandboxResult[] = [];
  while (results.length < c.commands.length && !c.signal?.aborted) await runSandboxSession(c, results);
  return results;
}

/** One sandbox running the commands from results.length on, until they are done or it is killed or gone. */
async function runSandboxSession(c: SandboxCommands, results: SandboxResult[]): Promise<void> {
  const f = nodeFs(c.nodeDir);
  const overlaid = SYSTEM_ENTRIES.filter((n) => fs.existsSync(path.join(f.overlay, 'view', n)));
  const unshare = ['--fork', '--kill-child', '--mount', '--propagation', 'private'];
  if (process.getuid?.() !== 0) unshare.unshift('--user', '--map-root-user');
  const bwrap = ['bwrap', '--bind', f.root, '/'];
  for (const n of overlaid) bwrap.push('--bind', path.join(f.overlay, 'view', n), `/${n}`);
  bwrap.push(
    '--ro-bind',
    SYSTEMCTL_SHIM,
    '/usr/local/sbin/systemctl',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-all',
    '--share-net',
    '--hostname',
    c.hostname,
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    PATH_IN_NODE,
    '--setenv',
    'HOME',
    '/root',
    '--setenv',
    'LANG',
    'C.UTF-8',
    '--chdir',
    '/',
    '--info-fd',
    '4',
    '--',
    'bash',
    '-c',
    RUN_COMMANDS,
    'cloud-init-runcmd',
  );
  const first = results.length;
  for (const argv of c.commands.slice(first)) bwrap.push(String(argv.length), ...argv);
  const args = [...unshare, '--', 'sh', '-euc', MOUNT_OVERLAYS, 'sh', f.root, path.join(f.overlay, 'work'), path.join(f.overlay, 'view'), ...overlaid, '--', ...bwrap];
  // fd 3: a socket pair, the runner's `go` and exit statuses; fd 4: bwrap's info (the sandbox's pid here).
  const p = spawnPeer('unshare', args, { stdio: ['ignore', c.outputFd, c.outputFd, 'pipe', 'pipe'] });
  const channel = p.child.stdio[3] as Duplex | null;
  let info = '';
  p.child.stdio[4]?.on('data', (d: Buffer) => (info += d.toString('utf8')));
  p.child.stdio[4]?.on('error', () => undefined);
  const kill = async () => {
    await p.stop(1000);
    // The sandbox's processes die with its pid namespace, after unshare: wait for them to be gone too.
    const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
    if (pid) await processGone(Number(pid), 1000);
  };
  const statuses: number[] = [];
  let wake: (() => void) | undefined;
  let buffered = '';
  channel?.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      statuses.push(Number(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
    }
    wake?.();
  });
  channel?.on('error', () => undefined); // the sandbox is gone: its exit says so
  void p.exited.then(() => wake?.());
  const onAbort = () => wake?.();
  c.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = first; i < c.commands.length; i++) {
      if (c.signal?.aborted) return;
      c.starting?.(i);
      const started = Date.now();
      channel?.write('go\n');
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        wake?.();
      }, c.timeoutMs);
      while (statuses.length <= i - first && !timedOut && !c.signal?.aborted && !p.hasExited()) await new Promise<void>((r) => (wake = r));
      clearTimeout(timer);
      const status = statuses[i - first];
      const stopped = status === undefined && !timedOut && !!c.signal?.aborted;
      // Killed: whatever its group still holds goes too (stop() ends with that; wait for it).
      if (status === undefined && (timedOut || stopped)) await kill();
      // Gone without an answer (the sandbox could not be set up, or the command ended it): its exit status.
      const exitCode = status ?? (timedOut || stopped ? null : p.child.exitCode);
      const result: SandboxResult = { exitCode, timedOut: status === undefined && timedOut, stopped, ms: Date.now() - started };
      results.push(result);
      c.ended?.(i, result);
      if (status === undefined) return;
    }
  } finally {
    c.signal?.removeEventListener('abort', onAbort);
    channel?.end();
    // Done or stopped: the runner has nothing left to run (or reads the end of its channel and exits).
    if (c.signal?.aborted) await kill();
    await p.exited;
  }
}

/** Waits up to `ms` for a process to be gone or a zombie (a pid namespace's init is, once all its processes are). */
async function processGone(pid: number, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
    let state: string | undefined;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return;
    }
    if (state === 'Z') return;
  }
}
