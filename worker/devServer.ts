import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../common/searchAttributes';
import { temporalCliPath } from '../common/temporalCli';
import { freeTcpPort, tcpPortOpen } from '../common/ports';

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
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` (SQLite, embedded Web UI) and waits until its frontend answers.
 * `npm start` and the test harness both use it, so both run the same real server.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
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

  const logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'inherit';
  const child: ChildProcess = spawn(temporalCliPath(), args, { stdio: ['ignore', logFd, logFd] });
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));

  const address = `${ip}:${port}`;
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`Temporal dev server exited with code ${exited} while starting on ${address}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server at ${address} did not answer within ${timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    address,
    uiUrl: uiPort === null ? undefined : `http://${ip}:${uiPort}`,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}
