/**
 * Introspection after commissioning: what MaaS's commissioning scripts found on the machine, checked against
 * the node's HardwareProfile, and the aliases resolved to kernel names as Drydock's apply_logicalnames does
 * for ApplyNodeNetworking and ApplyNodeStorage. Pure functions over the design and the script outputs.
 */
import { createHash } from 'node:crypto';
import type { EffectiveDesign, EffectiveNode } from '../design';
import { aliasLogicalName, applyLogicalNames, lshwDevices, type LshwDevice } from '../design/lshw';
import type { DeviceAlias } from '../design/model';
import type { BuildDataRecord } from '../drivers/buildData';
import { calculateBytes } from '../drivers/maas/sizes';
import type { CommissioningResult } from '../drivers/provisioner';

/** The lshw script's name in MaaS 3.x and in MaaS 2.x (with `.out` before 2.2). */
const LSHW_NAMES = ['maas-lshw', '00-maas-01-lshw', '00-maas-01-lshw.out'];
/** The LLDP capture's name in MaaS 3.x and 2.x. */
const LLDP_NAMES = ['maas-capture-lldpd', '99-maas-01-capture-lldp', '99-maas-02-capture-lldp', '99-maas-02-capture-lldp.out'];

export function lshwOf(results: CommissioningResult[]): string | undefined {
  return results.find((r) => LSHW_NAMES.includes(r.name))?.data || undefined;
}

/** What the introspection step hands the workflow: names, digests and problems, never the outputs. */
export interface IntrospectionReport {
  /** Each commissioning result: its name and the sha256 of its output. */
  results: { name: string; sha256: string }[];
  /** Alias → kernel name, for every alias of the node's hardware profile (the alias itself when unresolved). */
  logicalNames: Record<string, string>;
  /** Why the hardware does not fit the design; empty when it does. */
  problems: string[];
  /** Build data records stored (0 without a build data store). */
  stored: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The node's HardwareProfile; the effective design guarantees it exists. */
function profileOf(design: EffectiveDesign, node: EffectiveNode) {
  return design.hardware_profiles.find((h) => h.name === node.hardware_profile);
}

/** Drydock's apply_logicalnames for one node, from MaaS's current lshw output. */
export function nodeLogicalNames(design: EffectiveDesign, node: EffectiveNode, results: CommissioningResult[]): Record<string, string> {
  const profile = profileOf(design, node);
  return profile ? applyLogicalNames(profile, lshwOf(results)) : {};
}

/**
 * The hardware against the design: every alias of the HardwareProfile must name a device the machine has,
 * and each disk the node's storage uses must hold its fixed-size partitions.
 */
export function checkHardware(design: EffectiveDesign, node: EffectiveNode, results: CommissioningResult[]): { logicalNames: Record<string, string>; problems: string[] } {
  const profile = profileOf(design, node);
  if (!profile) return { logicalNames: {}, problems: [`hardware profile ${node.hardware_profile ?? '(none)'} not found in the design`] };
  const lshw = lshwOf(results);
  if (!lshw) {
    return {
      logicalNames: {},
      problems: [`MaaS has no lshw output for ${node.name} (commissioning results: ${results.map((r) => r.name).join(', ') || 'none'}); commission it again`],
    };
  }
  let devices: LshwDevice[];
  try {
    devices = lshwDevices(lshw);
  } catch (e) {
    return { logicalNames: {}, problems: [`the lshw output MaaS holds for ${node.name} cannot be read: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const problems: string[] = [];
  for (const alias of profile.devices) {
    if (aliasLogicalName(devices, alias) !== undefined) continue;
    problems.push(
      `hardware profile ${profile.name}: alias ${alias.alias} (${alias.bus_type ?? '?'} ${alias.address ?? '?'}) not found on ${node.name}; found ${found(devices, alias)}`,
    );
  }
  const logicalNames = applyLogicalNames(profile, lshw);
  for (const dev of node.storage_devices) {
    const name = logicalNames[dev.name] ?? dev.name;
    const disk = devices.find((d) => d.class === 'disk' && d.logicalnames.some((l) => l.split('/').pop() === name));
    if (!disk?.size) continue;
    const need = fixedBytes(dev.partitions.map((p) => p.size ?? ''));
    if (need > disk.size) {
      problems.push(`storage device ${dev.name} (${name}) on ${node.name} has ${gb(disk.size)}; its partitions need at least ${gb(need)}`);
    }
  }
  return { logicalNames, problems };
}

/** What the machine has where the alias points: its NICs for a PCI alias, its disks for a SCSI one. */
function found(devices: LshwDevice[], alias: DeviceAlias): string {
  const nic = alias.bus_type === 'pci' && !devices.some((d) => d.class === 'storage' && d.businfo === `pci@${alias.address}`);
  const list = devices
    .filter((d) => d.logicalnames.length > 0 && d.businfo && (nic ? d.class === 'network' : d.class === 'disk' || d.class === 'storage'))
    .map((d) => `${d.logicalnames[0]!.split('/').pop()} ${d.businfo!.replace(/^[a-z]+@/, '')}`);
  return list.length ? list.join(', ') : `no ${nic ? 'NIC' : 'disk'}`;
}

/** The bytes the fixed sizes add up to (`>N` counts N; shares in % need no fixed room). */
function fixedBytes(sizes: string[]): number {
  let n = 0;
  for (const s of sizes) {
    const spec = s.trim().replace(/^>/, '');
    if (!spec || spec.endsWith('%')) continue;
    try {
      n += calculateBytes(spec, { size: Number.MAX_SAFE_INTEGER, availableSize: Number.MAX_SAFE_INTEGER });
    } catch {
      // A size the design validation already reports; nothing to add here.
    }
  }
  return n;
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/**
 * Drydock's build data from commissioning: each script's output as `commission:<name>` (text/plain), and the
 * lshw and LLDP documents under their own generators (text/xml), which alias resolution reads.
 */
export function buildDataRecords(node: string, taskId: string, results: CommissioningResult[], collectedDate: string): BuildDataRecord[] {
  const records: BuildDataRecord[] = results.map((r) => ({
    nodeName: node,
    taskId,
    collectedDate,
    generator: `commission:${r.name}`,
    dataFormat: 'text/plain',
    data: r.data,
  }));
  const lshw = lshwOf(results);
  if (lshw) records.push({ nodeName: node, taskId, collectedDate, generator: 'lshw', dataFormat: 'text/xml', data: lshw });
  const lldp = results.find((r) => LLDP_NAMES.includes(r.name))?.data;
  if (lldp) records.push({ nodeName: node, taskId, collectedDate, generator: 'lldp', dataFormat: 'text/xml', data: lldp });
  return records;
}

export function resultDigests(results: CommissioningResult[]): { name: string; sha256: string }[] {
  return results.map((r) => ({ name: r.name, sha256: sha256(r.data) }));
}

/**
 * The hardware manifest of a prepared node (the seed's VerifyNode: "the full hardware manifest"), from the lshw
 * document its commissioning left in build data: what the operating system saw, to set beside what the BMC says.
 */
export interface HardwareManifest {
  vendor?: string;
  product?: string;
  serial?: string;
  /** NICs by kernel name, with the PCI address and MAC lshw reports. */
  nics: { name: string; pci?: string; mac?: string }[];
  /** Disks by kernel name, with their size in bytes. */
  disks: { name: string; sizeBytes?: number; model?: string }[];
}

export function lshwManifest(xml: string): HardwareManifest {
  const devices = lshwDevices(xml);
  const system = devices.find((d) => d.class === 'system');
  const kernelName = (d: LshwDevice) => d.logicalnames[0]?.split('/').pop() ?? d.id;
  return {
    vendor: system?.vendor,
    product: system?.product,
    serial: system?.serial,
    nics: devices
      .filter((d) => d.class === 'network' && d.logicalnames.length > 0)
      .map((d) => ({ name: kernelName(d), pci: d.businfo?.replace(/^pci@/, ''), mac: d.serial?.toLowerCase() })),
    disks: devices.filter((d) => d.class === 'disk' && d.logicalnames.length > 0).map((d) => ({ name: kernelName(d), sizeBytes: d.size, model: d.product })),
  };
}

/** One line for the task's messages: identity, NICs and disks. */
export function manifestSummary(m: HardwareManifest): string {
  const identity = [m.vendor, m.product].filter(Boolean).join(' ') || 'unknown system';
  const nics = m.nics.map((n) => `${n.name}${n.mac ? ` ${n.mac}` : ''}`).join(', ') || 'none';
  const disks = m.disks.map((d) => `${d.name}${d.sizeBytes ? ` ${gb(d.sizeBytes)}` : ''}`).join(', ') || 'none';
  return `${identity}, serial ${m.serial ?? 'unknown'}; NICs ${nics}; disks ${disks}`;
}

/** What the BMC's inventory offers to compare: the fields `HardwareInventory` carries. */
export interface BmcHardware {
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  pciDevices: { macAddress?: string }[];
  drives: { capacityBytes?: number }[];
  /** Sections the BMC did not serve: not compared. */
  unavailable: string[];
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Where the BMC and the operating system disagree about the machine: a BMC that reports another serial, model or
 * maker manages another board (a swapped motherboard, a cabling or addressing mistake), and drives or NICs that
 * differ were added or removed since the node was commissioned. Only what both sides report is compared.
 */
export function inventoryDifferences(m: HardwareManifest, bmc: BmcHardware): string[] {
  const out: string[] = [];
  const field = (what: string, lshw: string | undefined, fromBmc: string | undefined) => {
    if (lshw && fromBmc && !same(lshw, fromBmc)) out.push(`${what}: lshw "${lshw}", BMC "${fromBmc}"`);
  };
  field('serial', m.serial, bmc.serialNumber);
  field('manufacturer', m.vendor, bmc.manufacturer);
  field('model', m.product, bmc.model);
  const sized = bmc.drives.filter((d) => d.capacityBytes !== undefined);
  if (!bmc.unavailable.some((u) => /drive|storage/i.test(u)) && sized.length > 0) {
    const lshwSizes = m.disks.map((d) => d.sizeBytes ?? 0).sort((a, b) => a - b);
    const bmcSizes = sized.map((d) => d.capacityBytes!).sort((a, b) => a - b);
    if (lshwSizes.join() !== bmcSizes.join()) {
      out.push(`drives: lshw ${m.disks.length} (${m.disks.map((d) => `${d.name} ${gb(d.sizeBytes ?? 0)}`).join(', ')}), BMC ${sized.length} (${bmcSizes.map(gb).join(', ')})`);
    }
  }
  const bmcMacs = new Set(bmc.pciDevices.map((p) => p.macAddress?.toLowerCase()).filter((x): x is string => !!x));
  if (bmcMacs.size > 0) {
    const lshwMacs = new Set(m.nics.map((n) => n.mac).filter((x): x is string => !!x));
    const onlyLshw = m.nics.filter((n) => n.mac && !bmcMacs.has(n.mac)).map((n) => `${n.name} ${n.mac}`);
    const onlyBmc = [...bmcMacs].filter((mac) => !lshwMacs.has(mac));
    if (onlyLshw.length) out.push(`NICs the BMC does not list: ${onlyLshw.join(', ')}`);
    if (onlyBmc.length) out.push(`NICs only the BMC lists: ${onlyBmc.join(', ')}`);
  }
  return out;
}
