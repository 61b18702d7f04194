import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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

export interface SandboxCommand {
  nodeDir: string;
  hostname: string;
  /** Executed as cloud-init executes a runcmd list: PATH lookup inside the node, no shell around it. */
  argv: string[];
  timeoutMs: number;
  /** Where stdout and stderr go (the node's cloud-init-output.log). */
  outputFd: number;
  /** The node is powered off (the site stops, the machine is released): the sandbox is killed. */
  signal?: AbortSignal;
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

/** Runs one command in the node's sandbox; the node root must have been made by `freshNodeRoot`. */
export async function runSandboxed(c: SandboxCommand): Promise<SandboxResult> {
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
    '--',
    ...c.argv,
  );
  const args = [...unshare, '--', 'sh', '-euc', MOUNT_OVERLAYS, 'sh', f.root, path.join(f.overlay, 'work'), path.join(f.overlay, 'view'), ...overlaid, '--', ...bwrap];
  const started = Date.now();
  const p = spawnPeer('unshare', args, { stdio: ['ignore', c.outputFd, c.outputFd] });
  let timedOut = false;
  let stopped = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void p.stop(1000);
  }, c.timeoutMs);
  const onAbort = () => {
    stopped = true;
    void p.stop(1000);
  };
  if (c.signal?.aborted) onAbort();
  else c.signal?.addEventListener('abort', onAbort, { once: true });
  await p.exited;
  clearTimeout(timer);
  c.signal?.removeEventListener('abort', onAbort);
  // Killed: whatever its group still holds goes too (stop() ends with that; wait for it).
  if (timedOut || stopped) await p.stop(1000);
  return { exitCode: timedOut || stopped ? null : p.child.exitCode, timedOut, stopped, ms: Date.now() - started };
}
