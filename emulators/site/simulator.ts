import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EffectiveDesign } from '../../design';
import { formatIp, parseCidr } from '../../design/ipmath';
import type { BmcEndpoints } from '../../common/bmcEndpoints';
import type { Logger } from '../../common/logger';
import { silentLogger } from '../../common/logger';
import { freeTcpPort, freeUdpPort } from '../../common/ports';
import { fruProductData, ipmiSimFruCommand } from '../bmc/fru';
import { startIpmiSim, type IpmiSim } from '../bmc/ipmiSim';
import type { SystemHardware } from '../redfish/resources';
import { startRedfishEmulator, type RedfishEmulator } from '../redfish/server';
import { startMaasEmulator, type MaasEmulator, type MaasEmulatorOptions } from '../maas';
import { memoryBytes, type MachineHardware } from '../maas/hardware';
import { DEFAULT_BOOT_RESOURCES } from '../maas/seed';
import { startPromenadeEmulator, type PromenadeEmulator } from '../promenade';
import { nodeAddresses, type SimulatedNodeSpec } from './designNodes';
import { startNodeAgent } from './nodeAgent';

/** One node's BMC: `address` is its design OOB address, `host`:`port` where it really listens (loopback). */
export type SimulatedBmc =
  | { node: string; type: 'ipmi'; address: string; host: string; port: number; sim: IpmiSim }
  | { node: string; type: 'redfish'; address: string; host: string; port: number; emulator: RedfishEmulator };

export interface SiteSimulator {
  maas: MaasEmulator;
  /** Kubernetes node labels (RelabelNodes), reached with `promenadeToken`. */
  promenade: PromenadeEmulator;
  promenadeToken: string;
  bmcs: Map<string, SimulatedBmc>;
  /** Design OOB address → where its BMC listens, for the drivers (DRYDOCK_BMC_ENDPOINTS). */
  bmcEndpoints: BmcEndpoints;
  nodes: SimulatedNodeSpec[];
  /** A node's `/` on this machine, where its cloud-init unpacked and wrote its files (nodeAgent.ts). */
  nodeRoot(name: string): string;
  stop(): Promise<void>;
}

export interface SiteSimulatorOptions {
  design: EffectiveDesign;
  maasApiKey?: string;
  maas?: Partial<MaasEmulatorOptions>;
  /**
   * `pxe-boot` (default): a node appears in MaaS when its BMC powers it on with PXE as boot device, as a real
   * node enlists; `enlisted`: every node is in MaaS (status New) from the start.
   */
  enlistment?: 'pxe-boot' | 'enlisted';
  /** Milliseconds a simulated BMC takes to change power state. */
  powerTransitionMs?: number;
  /**
   * What a node's BMC reports instead of the machine it manages, by node name: a BMC whose FRU data
   * was left from another board (a replaced motherboard) or that manages another chassis than the design
   * says. By default every BMC reports the machine it manages, as a correctly installed one does.
   */
  bmcReports?: Record<string, Partial<SystemHardware>>;
  /** Time limit of each cloud-init command a deployed node runs (default 10 minutes). */
  cloudInitCommandTimeoutMs?: number;
  logger?: Logger;
}

/**
 * A site on this machine: the MaaS emulator, and one BMC per node (ipmi_sim for IPMI nodes, the Redfish
 * emulator for Redfish nodes) listening on loopback (bmcEndpoints says where), so the drivers take exactly
 * the code path they take on a real site. Nodes enlist when they PXE boot and, once deployed, run their
 * cloud-init sandboxed in their own root directory: what reaches the boot action API is what their commands send.
 */
export async function startSiteSimulator(opts: SiteSimulatorOptions): Promise<SiteSimulator> {
  const logger = opts.logger ?? silentLogger;
  const apiKey = opts.maasApiKey ?? `${token(18)}:${token(18)}:${token(32)}`;
  const nodes = nodeAddresses(opts.design);
  const bmcs = new Map<string, SimulatedBmc>();
  const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-site-'));
  const stops: (() => Promise<void>)[] = [];
  const timers: NodeJS.Timeout[] = [];
  const stop = async () => {
    timers.forEach(clearInterval);
    await Promise.allSettled(stops.map((s) => s()));
    fs.rmSync(stateRoot, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      nodes.map(async (n) => {
        const bmc = await startBmc(n, path.join(stateRoot, n.name), opts.powerTransitionMs ?? 300, opts.bmcReports?.[n.name]);
        stops.push(() => (bmc.type === 'ipmi' ? bmc.sim.stop() : bmc.emulator.stop()));
        bmcs.set(n.name, bmc);
        logger.info('simulated BMC started', { node: n.name, type: n.oobType, address: bmc.address, listening: `${bmc.host}:${bmc.port}` });
      }),
    );
    const enlistAll = opts.enlistment === 'enlisted';
    const maas = await startMaasEmulator({
      apiKey,
      logger,
      machines: enlistAll ? nodes.map(enlistSpec) : [],
      rackControllers: [{ hostname: 'rack-01', subnet: provisioningSubnet(opts.design) }],
      bootResources: bootResources(opts.design),
      ...opts.maas,
    });
    stops.push(() => maas.stop());
    const promenadeToken = token(24);
    const promenade = await startPromenadeEmulator({ tokens: [promenadeToken], nodes: nodes.map((n) => n.name), logger });
    stops.push(() => promenade.stop());

    if (!enlistAll) {
      // Per enlisted node: undefined while MaaS knows it; once MaaS deleted it, the boots counted then.
      const enlisted = new Map<string, number | undefined>();
      const enlistIfBooting = (n: SimulatedNodeSpec, inMaas: (name: string) => boolean) => {
        const bmc = bmcs.get(n.name)!;
        if (enlisted.has(n.name)) {
          // A machine deleted from MaaS (Drydock's DestroyNode) enlists again on its next PXE boot.
          if (inMaas(n.name)) return;
          const bootsThen = enlisted.get(n.name);
          if (bootsThen === undefined) enlisted.set(n.name, boots(bmc));
          if (bootsThen === undefined || boots(bmc) <= bootsThen || !pxeBooting(bmc)) return;
        } else if (!pxeBooting(bmc)) return;
        enlisted.set(n.name, undefined);
        maas.enlist(enlistSpec(n));
        logger.info('node PXE booted and enlisted in MaaS', { node: n.name });
      };
      timers.push(
        setInterval(() => {
          // One look at MaaS per tick, not one per node (a 1,000-node site made this quadratic).
          const inMaas = maas.machineNames();
          for (const n of nodes) enlistIfBooting(n, (name) => inMaas.has(name));
        }, 250),
      );
      // A Redfish node boots as its BMC is told to (when its power change takes no time), not up to a tick later.
      for (const n of nodes) {
        const bmc = bmcs.get(n.name)!;
        if (bmc.type !== 'redfish') continue;
        // One machine looked up, not the set of all (a node's BMC answers several requests per action).
        const unsubscribe = bmc.emulator.onStateChange(() => enlistIfBooting(n, (name) => maas.hasMachine(name)));
        stops.push(async () => void unsubscribe());
      }
    }
    const agent = startNodeAgent({ maas, stateRoot, logger, commandTimeoutMs: opts.cloudInitCommandTimeoutMs });
    stops.push(() => agent.stop());

    const bmcEndpoints: BmcEndpoints = {};
    for (const b of bmcs.values()) bmcEndpoints[b.address] = { host: b.host, port: b.port };
    return { maas, promenade, promenadeToken, bmcs, bmcEndpoints, nodes, nodeRoot: (name) => agent.nodeRoot(name), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The network the rack controller serves DHCP on: the first design network with a DHCP range. MaaS has
 * discovered it on its rack before Drydock configures anything.
 */
function provisioningSubnet(design: EffectiveDesign): { cidr: string; ip: string } | undefined {
  const cidr = design.networks.find((n) => n.cidr && n.ranges.some((r) => r.type === 'dhcp'))?.cidr;
  const parsed = cidr ? parseCidr(cidr) : undefined;
  if (!cidr || !parsed) return undefined;
  return { cidr, ip: formatIp(parsed.version, parsed.network + 2n) };
}

/**
 * The boot images the site's MaaS region has imported: MaaS's usual ones and every image and kernel the
 * design's nodes ask for, as the operator of that site imports them before Drydock deploys anything
 * (Drydock's Platform Selection rule checks the design against this list, and MaaS refuses a deploy of
 * any other).
 */
function bootResources(design: EffectiveDesign): Array<{ name: string; architecture: string }> {
  const out = [...DEFAULT_BOOT_RESOURCES];
  for (const n of design.baremetal_nodes) {
    if (!n.image) continue;
    const r = { name: `ubuntu/${n.image}`, architecture: `amd64/${n.kernel || 'generic'}` };
    if (!out.some((b) => b.name === r.name && b.architecture === r.architecture)) out.push(r);
  }
  return out;
}

function enlistSpec(n: SimulatedNodeSpec) {
  return {
    hostname: n.enlistName,
    realName: n.name,
    power_type: n.oobType,
    power_address: n.oobAddress,
    hardware: n.hardware,
  };
}

/** How many times the node was powered on or reset: each is a boot. */
function boots(b: SimulatedBmc): number {
  if (b.type === 'ipmi') return b.sim.chassis().events.filter((e) => / (power 1|reset 1)$/.test(e)).length;
  const byType = b.emulator.counters().resetsByType;
  return (['On', 'ForceRestart', 'GracefulRestart', 'PushPowerButton'] as const).reduce((n, t) => n + (byType[t] ?? 0), 0);
}

/** Powered on with PXE as the boot device: the node is network booting into MaaS's enlistment. */
function pxeBooting(b: SimulatedBmc): boolean {
  if (b.type === 'ipmi') {
    const c = b.sim.chassis();
    return c.power === 'on' && c.boot === 'pxe';
  }
  return b.emulator.powerState() === 'On' && b.emulator.bootOverride().target === 'Pxe';
}

/**
 * Where a node's BMC listens: at its design address when that is on loopback (each BMC then has an address
 * of its own, as on a site), otherwise on 127.0.0.1, whatever network the design puts it on. The drivers
 * reach it there through DRYDOCK_BMC_ENDPOINTS, and keep naming the design address.
 */
function bmcHost(oobAddress: string): string {
  return /^127\.\d+\.\d+\.\d+$/.test(oobAddress) ? oobAddress : '127.0.0.1';
}

/**
 * The machine as its BMC describes it: the system's identity (an IPMI BMC's FRU); its BIOS version, CPUs,
 * memory, drives and NICs' MACs (Redfish). Read off the same description MaaS's lshw renders, so both agree.
 */
function bmcHardware(hw: MachineHardware): Partial<SystemHardware> {
  const cpus = hw.cpus ?? [];
  return {
    manufacturer: hw.vendor,
    model: hw.product,
    serialNumber: hw.serial,
    ...(hw.firmware && { biosVersion: hw.firmware.version }),
    ...(cpus.length && { processors: { count: cpus.length, coreCount: cpus.reduce((n, c) => n + c.cores, 0), model: cpus[0]!.product } }),
    ...(hw.dimms?.length && { totalMemoryGiB: memoryBytes(hw) / 2 ** 30 }),
    drives: hw.disks.map((d, i) => ({ id: String(i), model: d.model, capacityBytes: d.size })),
    nics: hw.nics.map((nic, i) => ({ id: `NIC.${i + 1}`, mac: nic.mac })),
    pcieDevices: [],
  };
}

async function startBmc(n: SimulatedNodeSpec, stateDir: string, powerTransitionMs: number, reports?: Partial<SystemHardware>): Promise<SimulatedBmc> {
  const host = bmcHost(n.oobAddress);
  const hw = { ...bmcHardware(n.hardware), ...reports };
  if (n.oobType === 'ipmi') {
    const port = await freeUdpPort(host);
    const fru = fruProductData({ manufacturer: hw.manufacturer ?? '', product: hw.model ?? '', serial: hw.serialNumber ?? '' });
    const sim = await startIpmiSim({ address: host, port, username: n.account, password: n.credential, stateDir, extraCommands: [ipmiSimFruCommand(fru)] });
    return { node: n.name, type: 'ipmi', address: n.oobAddress, host, port, sim };
  }
  const port = await freeTcpPort(host);
  const emulator = await startRedfishEmulator({
    address: host,
    port,
    username: n.account,
    password: n.credential,
    powerTransitionMs,
    initialPowerState: 'Off',
    hardware: hw,
  });
  return { node: n.name, type: 'redfish', address: n.oobAddress, host, port, emulator };
}

function token(n: number): string {
  return randomBytes(n).toString('hex').slice(0, n);
}
