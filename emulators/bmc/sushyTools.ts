import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '../../common/ports';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { spawnPeer } from './processGroup';

const ROOT = PROJECT_ROOT;
export const SUSHY_FIXTURES = path.join(ROOT, 'test/fixtures/sushy');
const VENV_BIN = path.join(ROOT, '.tools/venv/bin');

export interface SushyOptions {
  address?: string;
  /** TCP port; a free one when absent. */
  port?: number;
  username: string;
  password: string;
  /** Name of the one fake system (its UUID is random). */
  systemName?: string;
  workDir?: string;
  startTimeoutMs?: number;
}

export interface SushyEmulator {
  url: string;
  address: string;
  port: number;
  systemUuid: string;
  workDir: string;
  stop(): Promise<void>;
}

/** Installs sushy-tools into .tools/venv when missing (scripts/ensure-sushy-tools.js); returns sushy-emulator's path. */
export function ensureSushyTools(): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/ensure-sushy-tools.js'), '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`sushy-tools unavailable: ${r.stderr.trim() || `ensure-sushy-tools exited ${r.status}`}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** Starts one sushy-tools emulator (fake driver, Basic auth) on loopback and waits until it answers. */
export async function startSushyEmulator(opts: SushyOptions): Promise<SushyEmulator> {
  const emulator = ensureSushyTools();
  const address = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (await freeTcpPort(address));
  const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sushy-'));
  fs.mkdirSync(path.join(workDir, 'state'), { recursive: true });
  const systemUuid = randomUUID();
  const authFile = path.join(workDir, 'htpasswd');
  writeHtpasswd(authFile, opts.username, opts.password);
  const fields: Record<string, string> = {
    STATE_DIR: path.join(workDir, 'state'),
    ADDRESS: address,
    PORT: String(port),
    AUTH_FILE: authFile,
    UUID: systemUuid,
    NAME: opts.systemName ?? 'node1',
  };
  const conf = fs.readFileSync(path.join(SUSHY_FIXTURES, 'emulator.conf.template'), 'utf8').replace(/@([A-Z_]+)@/g, (_, k: string) => fields[k]);
  const confFile = path.join(workDir, 'emulator.conf');
  fs.writeFileSync(confFile, conf);

  const log = fs.openSync(path.join(workDir, 'sushy.log'), 'a');
  const peer = spawnPeer(emulator, ['--config', confFile], { cwd: workDir, stdio: ['ignore', log, log] });
  fs.closeSync(log);

  const url = `http://${address}:${port}`;
  const sushy: SushyEmulator = {
    url,
    address,
    port,
    systemUuid,
    workDir,
    async stop() {
      await peer.stop();
      if (!opts.workDir) fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  try {
    await waitForServiceRoot(url, peer.exited, opts.startTimeoutMs ?? 30_000, workDir);
  } catch (err) {
    await peer.stop(); // keeps workDir: the error points at its log
    throw err;
  }
  return sushy;
}

/** bcrypt entry made by the venv's python; the password goes through the environment, not argv. */
function writeHtpasswd(file: string, username: string, password: string): void {
  const r = spawnSync(
    path.join(VENV_BIN, 'python3'),
    ['-c', 'import bcrypt, os, sys; sys.stdout.write(bcrypt.hashpw(os.environ["SUSHY_PW"].encode(), bcrypt.gensalt()).decode())'],
    {
      env: { ...process.env, SUSHY_PW: password },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`could not hash the htpasswd entry: ${r.stderr.trim()}`);
  fs.writeFileSync(file, `${username}:${r.stdout}\n`, { mode: 0o600 });
}

async function waitForServiceRoot(url: string, exited: Promise<void>, timeoutMs: number, workDir: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`sushy-emulator exited at start; see ${workDir}/sushy.log`);
    try {
      const res = await fetch(`${url}/redfish/v1/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`sushy-emulator at ${url} did not answer within ${timeoutMs} ms; see ${workDir}/sushy.log`);
}
