import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../common/searchAttributes';
import { temporalCliPath } from '../common/temporalCli';
import { freeTcpPort, tcpPortOpen } from '../common/ports';
import { spawnPeer } from '../emulators/bmc/processGroup';

export interface DevServerOptions {
  ip?: string;
  /** gRPC port; 0 or undefined picks a free one. */
  port?: number;
  /** Web UI port; 0 or undefined picks a free one, null runs headless. */
  uiPort?: number | null;
  /** SQLite file; undefined keeps state in memory only. */
  dbFile?: string;
  namespace?: string;
  /** The codec server the Web UI calls to decode payloads. */
  uiCodecEndpoint?: string;
  /** Where the server's own log goes; inherited by default. */
  logFile?: string;
  startTimeoutMs?: number;
  /**
   * true (npm start): the server runs in its own process group, so a terminal's Ctrl-C reaches npm start
   * alone and it stops the server after the worker. false (default, the test harness): it stays in the
   * caller's group and a Ctrl-C of the run ends it too.
   */
  ownProcessGroup?: boolean;
  /** More `--dynamic-config-value` settings, e.g. { 'history.timerProcessorMaxTimeShift': '"1ms"' }. */
  dynamicConfig?: Record<string, string>;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  /** Resolves when the server process has exited, however: how it ended, e.g. "signal SIGKILL". */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` (SQLite, embedded Web UI) and waits until its frontend answers.
 * `npm start` and the test harness both use it, so both run the same real server.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  // Ports picked here are free when picked, not when the server binds them (with the ports it derives from
  // them): another process may take one meanwhile, and the server exits while starting. Then it starts again on
  // other ports; ports the caller chose are its own, and such an exit is the error.
  const picked = !opts.port && !opts.uiPort;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (e) {
      if (!(e instanceof ExitedWhileStarting) || !picked || attempt >= PICKED_PORT_ATTEMPTS) throw e;
    }
  }
}

const PICKED_PORT_ATTEMPTS = 3;

class ExitedWhileStarting extends Error {}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freeTcpPort(ip));
  const uiPort = opts.uiPort === null ? null : opts.uiPort || (await freeTcpPort(ip));
  for (const p of [port, uiPort]) {
    if (p !== null && (await tcpPortOpen(ip, p))) {
      throw new Error(`cannot start the Temporal dev server: ${ip}:${p} is already in use (another server running?)`);
    }
  }
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', opts.namespace ?? 'default'];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', ip);
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  args.push(...devServerSearchAttributeFlags());
  // Child workflow ids carry site, action and node names: keep the production limit so ids that work here work there.
  args.push('--dynamic-config-value', 'limit.maxIDLength=255');
  for (const [k, v] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${k}=${v}`);

  const logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'inherit';
  const peer = spawnPeer(temporalCliPath(), args, { stdio: ['ignore', logFd, logFd], ownProcessGroup: opts.ownProcessGroup ?? false });
  if (typeof logFd === 'number') fs.closeSync(logFd);
  const exited = peer.exited.then(() => {
    const { exitCode, signalCode } = peer.child;
    return signalCode ? `signal ${signalCode}` : `exit code ${exitCode}`;
  });
  let ended: string | null = null;
  void exited.then((how) => (ended = how));

  const address = `${ip}:${port}`;
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ended !== null) throw new ExitedWhileStarting(`Temporal dev server exited (${ended}) while starting on ${address}${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        await peer.stop(0);
        throw new Error(`Temporal dev server at ${address} did not answer within ${timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    address,
    uiUrl: uiPort === null ? undefined : `http://${ip}:${uiPort}`,
    pid: peer.child.pid!,
    exited,
    stop: () => peer.stop(5000),
  };
}

/** A server up this long has recovered: its next exit starts a fresh count of restart attempts. */
const STABLE_MS = 60_000;

export interface SupervisionOptions {
  /** Restart attempts in a row (failed starts, or servers that exit again within a minute) before giving up. */
  maxAttempts?: number;
  /** The first retry's delay; each next one doubles it. */
  backoffMs?: number;
  /** One line per event: the server exited and is back, a restart failed, supervision gives up. */
  say(line: string): void;
  /** Called once when supervision gives up; no server is running then. */
  onGiveUp(): void;
}

export interface SupervisedDevServer {
  address: string;
  uiUrl?: string;
  /** The running server's pid; undefined while it is being restarted. */
  pid(): number | undefined;
  /** No restart from now on; a running server keeps running (npm start stops its worker first). */
  endSupervision(): void;
  stop(): Promise<void>;
}

/**
 * `npm start`'s embedded server, kept running: when it exits unexpectedly it is started again on the same
 * database and the same ports, where the worker's and the clients' connections find it again by themselves
 * (both reconnect to the address they were given), after a growing delay; after `maxAttempts` restarts in a
 * row that did not hold, it gives up.
 */
export async function superviseDevServer(opts: DevServerOptions, sup: SupervisionOptions): Promise<SupervisedDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freeTcpPort(ip));
  const uiPort = opts.uiPort === null ? null : opts.uiPort || (await freeTcpPort(ip));
  const fixed: DevServerOptions = { ...opts, ip, port, uiPort, ownProcessGroup: true };
  const maxAttempts = sup.maxAttempts ?? 5;
  const backoffMs = sup.backoffMs ?? 500;

  let current: DevServer | undefined;
  let stopping = false;
  let attempts = 0;
  let wake: () => void = () => undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const watch = (server: DevServer) => {
    const startedAt = Date.now();
    current = server;
    void server.exited.then((how) => {
      if (stopping || current !== server) return;
      current = undefined;
      if (Date.now() - startedAt >= STABLE_MS) attempts = 0;
      void restart(how);
    });
  };

  const restart = async (how: string) => {
    const since = Date.now();
    while (!stopping) {
      if (attempts >= maxAttempts) {
        sup.say(
          `drydock: the embedded Temporal server exited (${how}) and ${maxAttempts} restarts in a row did not hold; giving up${opts.logFile ? ` (its log: ${opts.logFile})` : ''}`,
        );
        sup.onGiveUp();
        return;
      }
      attempts++;
      await pause(backoffMs * 2 ** (attempts - 1));
      if (stopping) return;
      try {
        const server = await startDevServer(fixed);
        if (stopping) return void (await server.stop());
        watch(server);
        sup.say(
          `drydock: the embedded Temporal server exited (${how}); restarted it on the same database and ports at ${server.address} in ${((Date.now() - since) / 1000).toFixed(1)} s (attempt ${attempts} of ${maxAttempts})`,
        );
        return;
      } catch (e) {
        sup.say(`drydock: restarting the embedded Temporal server failed (attempt ${attempts} of ${maxAttempts}): ${e instanceof Error ? e.message : e}`);
      }
    }
  };

  const endSupervision = () => {
    stopping = true;
    wake();
  };
  const first = await startDevServer(fixed);
  watch(first);
  return {
    address: first.address,
    uiUrl: first.uiUrl,
    pid: () => current?.pid,
    endSupervision,
    async stop() {
      endSupervision();
      await current?.stop();
    },
  };
}
