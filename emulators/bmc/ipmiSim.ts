import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeUdpPort } from '../../common/ports';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { runCommand } from '../../drivers/oob/runCommand';
import { spawnPeer } from './processGroup';

/** Where the lan.conf template, command file and chassis_control script live. */
export const IPMI_SIM_FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/ipmi_sim');

/** Fault hooks honoured by chassis_control.sh (see its header). */
export type IpmiSimFault = 'fail' | 'stuck' | 'ignore' | 'delay';
const FAULTS: IpmiSimFault[] = ['fail', 'stuck', 'ignore', 'delay'];

/** A SEL record: temperature sensor 0x30, upper critical going high, asserted (ipmi_sim has no
 * Platform Event command, so `ipmitool event` cannot create one at run time). */
export const SEL_TEMPERATURE_CRITICAL = 'sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x01 0x30 0x01 0x09 0xff 0xff';

export interface IpmiSimOptions {
  /** Loopback address to bind (default 127.0.0.1). */
  address?: string;
  /** UDP port; a free one is picked when absent. */
  port?: number;
  username: string;
  password: string;
  /** Scratch directory for lan.conf, ipmi_sim's state and the chassis state; a temp dir by default. */
  stateDir?: string;
  /** More ipmi_sim commands (ipmi_sim_cmd(5)) run after bmc.emu, e.g. SEL_TEMPERATURE_CRITICAL. */
  extraCommands?: string[];
  /** How long to wait for the BMC to answer `mc info` (default 10 s). */
  startTimeoutMs?: number;
}

export interface IpmiSim {
  address: string;
  port: number;
  stateDir: string;
  /** The chassis state directory: files `power`, `boot`, `events.log` and the fault hooks. */
  chassisDir: string;
  /** Sets one fault hook (`seconds` for delay/stuck), or clears them all with null. */
  setFault(kind: IpmiSimFault | null, seconds?: number): void;
  /** The chassis as the script keeps it: power 'on'|'off' and the boot selector. */
  chassis(): { power: 'on' | 'off'; boot: string; events: string[] };
  stop(): Promise<void>;
}

/** Starts one simulated BMC (one ipmi_sim process) on loopback and waits until it answers IPMI. */
export async function startIpmiSim(opts: IpmiSimOptions): Promise<IpmiSim> {
  const address = opts.address ?? '127.0.0.1';
  for (const [what, value] of [
    ['username', opts.username],
    ['password', opts.password],
  ]) {
    // lan.conf quotes them; these characters cannot be expressed there.
    if (!value || /["\\\n\r]/.test(value)) throw new Error(`ipmi_sim ${what} must be non-empty without quotes, backslashes or newlines`);
  }
  const port = opts.port ?? (await freeUdpPort(address));
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ipmi-sim-'));
  const chassisDir = path.join(stateDir, 'chassis');
  const simDir = path.join(stateDir, 'sim');
  fs.mkdirSync(chassisDir, { recursive: true });
  fs.mkdirSync(simDir, { recursive: true });
  const lanConf = path.join(stateDir, 'lan.conf');
  fs.writeFileSync(lanConf, renderLanConf({ name: `bmc-${port}`, address, port, chassisDir, username: opts.username, password: opts.password }), { mode: 0o600 });

  const emu = path.join(stateDir, 'bmc.emu');
  fs.writeFileSync(emu, [fs.readFileSync(path.join(IPMI_SIM_FIXTURES, 'bmc.emu'), 'utf8'), ...(opts.extraCommands ?? [])].join('\n') + '\n');
  const log = fs.openSync(path.join(stateDir, 'ipmi_sim.log'), 'a');
  // Its own process group: stop() also ends chassis_control.sh and a `stuck` sleep.
  const peer = spawnPeer('ipmi_sim', ['-n', '-c', lanConf, '-f', emu, '-s', simDir], {
    cwd: stateDir,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);

  const sim: IpmiSim = {
    address,
    port,
    stateDir,
    chassisDir,
    setFault(kind, seconds) {
      for (const f of FAULTS) fs.rmSync(path.join(chassisDir, f), { force: true });
      if (kind) fs.writeFileSync(path.join(chassisDir, kind), seconds !== undefined ? `${seconds}\n` : '');
    },
    chassis() {
      const read = (f: string, dflt: string) => (fs.existsSync(path.join(chassisDir, f)) ? fs.readFileSync(path.join(chassisDir, f), 'utf8').trim() : dflt);
      return { power: read('power', '0') === '1' ? 'on' : 'off', boot: read('boot', 'default'), events: read('events.log', '').split('\n').filter(Boolean) };
    },
    async stop() {
      await peer.stop();
      if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };

  try {
    await waitUntilAnswering(sim, opts, peer.exited, opts.startTimeoutMs ?? 10_000);
  } catch (err) {
    await peer.stop(); // keeps stateDir: the error points at its log
    throw err;
  }
  return sim;
}

function renderLanConf(v: { name: string; address: string; port: number; chassisDir: string; username: string; password: string }): string {
  const fields: Record<string, string> = {
    NAME: v.name,
    ADDRESS: v.address,
    PORT: String(v.port),
    GUID: v.port.toString(16).padStart(32, '0'),
    CHASSIS_CONTROL: path.join(IPMI_SIM_FIXTURES, 'chassis_control.sh'),
    CHASSIS_DIR: v.chassisDir,
    USER: v.username,
    PASSWORD: v.password,
  };
  const template = fs.readFileSync(path.join(IPMI_SIM_FIXTURES, 'lan.conf.template'), 'utf8');
  return template.replace(/@([A-Z_]+)@/g, (_, k: string) => {
    if (!(k in fields)) throw new Error(`lan.conf.template: unknown field @${k}@`);
    return fields[k];
  });
}

/** ipmi_sim prints nothing when ready; probe it with an authenticated `mc info`. */
async function waitUntilAnswering(sim: IpmiSim, opts: IpmiSimOptions, exited: Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`ipmi_sim exited at start; see ${path.join(sim.stateDir, 'ipmi_sim.log')}`);
    const r = await runCommand('ipmitool', ['-I', 'lanplus', '-C', '3', '-N', '1', '-R', '1', '-H', sim.address, '-p', String(sim.port), '-U', opts.username, '-E', 'mc', 'info'], {
      env: { IPMI_PASSWORD: opts.password },
      timeoutMs: 3000,
    });
    if (r.code === 0) return;
    await delay(100);
  }
  throw new Error(`ipmi_sim on ${sim.address}:${sim.port} did not answer within ${timeoutMs} ms; see ${path.join(sim.stateDir, 'ipmi_sim.log')}`);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
