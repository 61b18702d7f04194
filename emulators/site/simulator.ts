import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EffectiveDesign } from '../../design';
import type { Logger } from '../../common/logger';
import { silentLogger } from '../../common/logger';
import { freeTcpPort, freeUdpPort } from '../../common/ports';
import { startIpmiSim } from '../bmc/ipmiSim';
import { startRedfishEmulator } from '../redfish/server';
import { startMaasEmulator, type MaasEmulator, type MaasEmulatorOptions } from '../maas';
import { nodeAddresses } from './designNodes';

export interface SimulatedBmc {
  node: string;
  type: 'ipmi' | 'redfish';
  address: string;
  port: number;
  setFault(kind: string | null): Promise<void> | void;
  stop(): Promise<void>;
}

export interface SiteSimulator {
  maas: MaasEmulator;
  bmcs: Map<string, SimulatedBmc>;
  /** BMC address → port, for drivers whose BMCs do not listen on the protocol's standard port. */
  bmcPorts: Record<string, number>;
  stop(): Promise<void>;
}

export interface SiteSimulatorOptions {
  design: EffectiveDesign;
  maasApiKey?: string;
  maas?: Partial<MaasEmulatorOptions>;
  /** Bind BMCs at the design's OOB addresses (must be loopback) or all on 127.0.0.1. */
  bmcAddresses?: 'design' | 'localhost';
  logger?: Logger;
}

/**
 * A site on this machine: the MaaS emulator with the design's nodes enlisted, and one BMC per node
 * (ipmi_sim for IPMI nodes, the Redfish emulator for Redfish nodes) listening at the node's OOB address on
 * loopback, so the drivers take exactly the code path they take on a real site.
 */
export async function startSiteSimulator(opts: SiteSimulatorOptions): Promise<SiteSimulator> {
  const logger = opts.logger ?? silentLogger;
  const apiKey = opts.maasApiKey ?? `${token(18)}:${token(18)}:${token(32)}`;
  const bmcs = new Map<string, SimulatedBmc>();
  const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-site-'));
  const started: { stop(): Promise<void> }[] = [];
  try {
    const nodes = nodeAddresses(opts.design);
    for (const n of nodes) {
      const address = opts.bmcAddresses === 'localhost' ? '127.0.0.1' : n.oobAddress;
      if (!address.startsWith('127.')) {
        throw new Error(`node ${n.name}: OOB address ${address} is not on loopback; the simulator only binds 127.0.0.0/8`);
      }
      const bmc = await startBmc(n, address, stateRoot);
      started.push(bmc);
      bmcs.set(n.name, bmc);
      logger.info('simulated BMC started', { node: n.name, type: n.oobType, address, port: bmc.port });
    }
    const maas = await startMaasEmulator({
      apiKey,
      machines: nodes.map((n) => ({
        hostname: n.enlistName,
        realName: n.name,
        power_type: n.oobType,
        power_address: opts.bmcAddresses === 'localhost' ? '127.0.0.1' : n.oobAddress,
        interfaces: n.interfaces.map((i) => ({ name: i.name, mac_address: i.mac })),
        block_devices: n.blockDevices.map((b) => ({ name: b.name, size: b.sizeBytes })),
      })),
      ...opts.maas,
    });
    started.push(maas);
    const bmcPorts: Record<string, number> = {};
    for (const b of bmcs.values()) bmcPorts[b.address] = b.port;
    return {
      maas,
      bmcs,
      bmcPorts,
      stop: async () => {
        await Promise.allSettled(started.map((s) => s.stop()));
        fs.rmSync(stateRoot, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw e;
  }
}

async function startBmc(n: ReturnType<typeof nodeAddresses>[number], address: string, stateRoot: string): Promise<SimulatedBmc> {
  if (n.oobType === 'ipmi') {
    const port = await freeUdpPort(address);
    const sim = await startIpmiSim({ address, port, username: n.account, password: n.credential, stateDir: path.join(stateRoot, n.name) });
    return { node: n.name, type: 'ipmi', address, port, setFault: (k) => sim.setFault(k as never), stop: () => sim.stop() };
  }
  const port = await freeTcpPort(address);
  const emu = await startRedfishEmulator({ address, port, username: n.account, password: n.credential });
  return { node: n.name, type: 'redfish', address, port, setFault: (k) => emu.setFault(k as never), stop: () => emu.stop() };
}

function token(n: number): string {
  return randomBytes(n).toString('base64url').slice(0, n);
}
