import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Logger } from '../../common/logger';
import type { MaasEmulator } from '../maas';
import { freshNodeRoot, runSandboxedCommands, sandboxUnavailable, type SandboxResult } from './sandbox';

/**
 * The deployed nodes' first boot: for each machine MaaS has Deployed with user data, cloud-init runs its
 * cloud-config once, as on a real node, inside the node's sandbox (see sandbox.ts) with the node's own root
 * directory as `/`: `packages` are recorded (nothing is installed), `runcmd` entries run in order, each
 * whatever the previous one's exit status, with their output in the node's /var/log/cloud-init-output.log.
 * The agent itself reports nothing: a boot action status reaches the API only if a command sends it.
 */
export interface NodeAgentOptions {
  maas: Pick<MaasEmulator, 'deployments'> & Partial<Pick<MaasEmulator, 'onStatusChange'>>;
  /** Each node's files live in `<stateRoot>/<hostname>/` (its `/` in `root/`). */
  stateRoot: string;
  logger: Logger;
  /** A runcmd entry still running after this is killed with its sandbox. Default 10 minutes. */
  commandTimeoutMs?: number;
  /** How often MaaS's deployments are looked at. Default 500 ms; and at once after a status change, when MaaS says. */
  pollMs?: number;
}

export interface CloudInitCommand {
  argv: string[];
  result: SandboxResult;
}

export interface CloudInitRun {
  hostname: string;
  systemId: string;
  state: 'running' | 'finished' | 'stopped';
  /** The cloud-config's packages, recorded and not installed. */
  packages: string[];
  commands: CloudInitCommand[];
  /** Why the cloud-config was not run (not a cloud-config, unparsable, no sandbox on this machine). */
  skipped?: string;
}

interface Active {
  /** The user data this boot runs. */
  userData: string;
  run: CloudInitRun;
  abort: AbortController;
  done: Promise<void>;
  /** MaaS no longer has the machine Deployed: its next deployment boots afresh, whatever its user data. */
  poweredOff: boolean;
}

export const CLOUD_INIT_OUTPUT_LOG = 'var/log/cloud-init-output.log';

export class NodeAgent {
  private readonly active = new Map<string, Active>();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private soon?: NodeJS.Immediate;
  private stopping = false;
  private readonly unavailable = sandboxUnavailable();

  constructor(private readonly opts: NodeAgentOptions) {
    if (this.unavailable) opts.logger.warn('simulated nodes cannot run their cloud-init', { reason: this.unavailable });
  }

  start(): this {
    this.timer ??= setInterval(() => this.tick(), this.opts.pollMs ?? 500);
    // A node boots as soon as MaaS has deployed it (and powers off when it leaves Deployed), not up to a poll
    // later; the changes of one turn make one look, and the others (commissioning, ...) none.
    this.unsubscribe ??= this.opts.maas.onStatusChange?.((systemId, statusName) => {
      if (statusName !== 'Deployed' && !this.active.has(systemId)) return;
      this.soon ??= setImmediate(() => {
        this.soon = undefined;
        this.tick();
      });
    });
    return this;
  }

  /** The node's `/` on this machine (it exists once the node has booted a deployment). */
  nodeRoot(hostname: string): string {
    return path.join(this.opts.stateRoot, hostname, 'root');
  }

  /** The node's current (or last) cloud-init run. */
  cloudInit(hostname: string): CloudInitRun | undefined {
    return [...this.active.values()].filter((a) => a.run.hostname === hostname).pop()?.run;
  }

  /**
   * One look at MaaS: a machine newly Deployed (or deployed again with other user data) boots and runs its
   * cloud-init; a machine no longer Deployed is powered off, its commands killed. Its root stays for
   * inspection until it boots its next deployment.
   */
  tick(): void {
    if (this.stopping) return;
    const deployed = new Set<string>();
    for (const d of this.opts.maas.deployments()) {
      if (d.statusName !== 'Deployed' || !d.userData) continue;
      deployed.add(d.systemId);
      const current = this.active.get(d.systemId);
      // The same string object every look while MaaS keeps it: comparing is cheap, hashing 1,000 every tick is not.
      if (current && !current.poweredOff && current.userData === d.userData && current.run.hostname === d.hostname) continue;
      current?.abort.abort();
      this.boot(d.systemId, d.hostname, d.userData, current?.done);
    }
    for (const [systemId, a] of this.active) {
      if (deployed.has(systemId)) continue;
      a.poweredOff = true;
      a.abort.abort();
    }
  }

  /** Kills every running command and waits for the sandboxes to be gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    if (this.soon) clearImmediate(this.soon);
    for (const a of this.active.values()) a.abort.abort();
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  private boot(systemId: string, hostname: string, userData: string, previous?: Promise<void>): void {
    const run: CloudInitRun = { hostname, systemId, state: 'running', packages: [], commands: [] };
    const abort = new AbortController();
    const done = (async () => {
      await previous; // the same machine's earlier boot is powered off first
      try {
        await this.runCloudInit(run, userData, abort.signal);
      } catch (e) {
        run.skipped = (e as Error).message;
        this.opts.logger.error('simulated node: cloud-init could not run', { node: hostname, error: run.skipped });
      }
      run.state = abort.signal.aborted ? 'stopped' : 'finished';
    })();
    this.active.set(systemId, { userData, run, abort, done, poweredOff: false });
  }

  private async runCloudInit(run: CloudInitRun, userData: string, signal: AbortSignal): Promise<void> {
    const { hostname } = run;
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(hostname)) throw new Error(`hostname ${JSON.stringify(hostname)} cannot name a node folder`);
    if (signal.aborted) return;
    const nodeDir = path.join(this.opts.stateRoot, hostname);
    const { root } = freshNodeRoot(nodeDir, hostname);
    const text = decodeUserData(userData);
    // As cloud-init keeps it: the node can read its own user data (it holds the node's key), nobody else.
    const instance = path.join(root, 'var/lib/cloud/instance');
    fs.mkdirSync(instance, { recursive: true });
    fs.writeFileSync(path.join(instance, 'user-data.txt'), text, { mode: 0o600 });
    const logFile = path.join(root, CLOUD_INIT_OUTPUT_LOG);
    const fd = fs.openSync(logFile, 'a');
    const say = (line: string) => fs.writeSync(fd, `cloud-init (simulated node ${hostname}): ${line}\n`);
    try {
      const config = parseCloudConfig(text);
      if (typeof config === 'string') {
        run.skipped = config;
        say(config);
        this.opts.logger.warn('simulated node: user data not run', { node: hostname, reason: config });
        return;
      }
      if (this.unavailable) {
        run.skipped = this.unavailable;
        say(`runcmd not run: ${this.unavailable}`);
        return;
      }
      run.packages = config.packages;
      if (config.packages.length) say(`packages recorded, not installed (simulation): ${config.packages.join(' ')}`);
      this.opts.logger.info('simulated node runs cloud-init', { node: hostname, commands: config.runcmd.length, root });
      await runSandboxedCommands({
        nodeDir,
        hostname,
        commands: config.runcmd,
        timeoutMs: this.opts.commandTimeoutMs ?? 600_000,
        outputFd: fd,
        signal,
        starting: (i) => {
          const argv = config.runcmd[i]!;
          say(`runcmd: ${argv[0]}${argv.length > 1 ? ' …' : ''}`);
        },
        ended: (i, result) => {
          const argv = config.runcmd[i]!;
          run.commands.push({ argv, result });
          const outcome = result.timedOut ? `killed after the ${result.ms} ms time limit` : result.stopped ? 'killed: node powered off' : `exit status ${result.exitCode}`;
          say(`runcmd: ${argv[0]}: ${outcome}`);
          // No argv in the worker's log: commands carry the node's boot action key.
          this.opts.logger.info('simulated node ran a cloud-init command', { node: hostname, command: argv[0], outcome });
        },
      });
    } finally {
      fs.closeSync(fd);
    }
  }
}

export function startNodeAgent(opts: NodeAgentOptions): NodeAgent {
  return new NodeAgent(opts).start();
}

/** MaaS hands user data to cloud-init as given; the API takes it base64-encoded. */
function decodeUserData(raw: string): string {
  if (raw.startsWith('#')) return raw;
  return Buffer.from(raw, 'base64').toString('utf8');
}

interface CloudConfig {
  packages: string[];
  /** Each entry as cloud-init runs it: a list is the command's argv, a string a `sh -c` script. */
  runcmd: string[][];
}

/** The cloud-config, or why cloud-init would not run it. */
function parseCloudConfig(text: string): CloudConfig | string {
  if (!text.startsWith('#cloud-config')) return `user data is not a #cloud-config (starts ${JSON.stringify(text.slice(0, 20))}); not run`;
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return `cloud-config is not valid YAML (${(e as Error).message.split('\n')[0]}); not run`;
  }
  const c = (doc ?? {}) as { packages?: unknown; runcmd?: unknown };
  if (typeof c !== 'object' || Array.isArray(c)) return 'cloud-config is not a mapping; not run';
  const packages = Array.isArray(c.packages) ? c.packages.map((p) => (Array.isArray(p) ? p.join('=') : String(p))) : [];
  const runcmd: string[][] = [];
  for (const e of Array.isArray(c.runcmd) ? c.runcmd : []) {
    if (Array.isArray(e)) runcmd.push(e.map(String));
    else if (typeof e === 'string') runcmd.push(['sh', '-c', e]);
  }
  return { packages, runcmd };
}
