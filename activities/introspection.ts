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
  /** The system firmware lshw read from SMBIOS (its `firmware` node): the BIOS the node booted at commissioning. */
  firmware?: { vendor?: string; version?: string; date?: string };
  /** Populated CPU sockets (enabled `processor` nodes), and their cores when lshw says. */
  cpuCount?: number;
  cpuCores?: number;
  /** Installed memory (the `memory` nodes: System Memory, one per memory array). */
  memoryBytes?: number;
  /** NICs by kernel name, with the PCI address and MAC lshw reports. */
  nics: { name: string; pci?: string; mac?: string }[];
  /** Disks by kernel name, with their size in bytes. */
  disks: { name: string; sizeBytes?: number; model?: string }[];
}

export function lshwManifest(xml: string): HardwareManifest {
  const devices = lshwDevices(xml);
  const system = devices.find((d) => d.class === 'system');
  const kernelName = (d: LshwDevice) => d.logicalnames[0]?.split('/').pop() ?? d.id;
  const bios = devices.find((d) => d.class === 'memory' && d.id === 'firmware');
  // An empty socket is a disabled processor node ("CPU [empty]"); caches and ROMs are memory nodes of other ids.
  const cpus = devices.filter((d) => d.class === 'processor' && /^cpu(:\d+)?$/.test(d.id) && !d.disabled);
  const cores = cpus.map((c) => Number(c.settings.enabledcores ?? c.settings.cores));
  const memory = devices.filter((d) => d.class === 'memory' && /^memory(:\d+)?$/.test(d.id) && d.size !== undefined);
  return {
    vendor: system?.vendor,
    product: system?.product,
    serial: system?.serial,
    ...(bios && { firmware: { vendor: bios.vendor, version: bios.version, date: bios.date } }),
    ...(cpus.length > 0 && { cpuCount: cpus.length }),
    ...(cpus.length > 0 && cores.every((n) => n > 0) && { cpuCores: cores.reduce((a, b) => a + b, 0) }),
    ...(memory.length > 0 && { memoryBytes: memory.reduce((n, d) => n + d.size!, 0) }),
    nics: devices
      .filter((d) => d.class === 'network' && d.logicalnames.length > 0)
      .map((d) => ({ name: kernelName(d), pci: d.businfo?.replace(/^pci@/, ''), mac: d.serial?.toLowerCase() })),
    disks: devices.filter((d) => d.class === 'disk' && d.logicalnames.length > 0).map((d) => ({ name: kernelName(d), sizeBytes: d.size, model: d.product })),
  };
}

const gib = (bytes: number) => `${Number((bytes / 2 ** 30).toFixed(1))} GiB`;
const biosText = (f: HardwareManifest['firmware']) => (f?.version ? `${f.version}${f.date ? ` (${f.date})` : ''}` : 'unknown');

/** One line for the task's messages: identity, BIOS, CPUs, memory, NICs and disks. */
export function manifestSummary(m: HardwareManifest): string {
  const identity = [m.vendor, m.product].filter(Boolean).join(' ') || 'unknown system';
  const cpus = m.cpuCount === undefined ? 'unknown' : `${m.cpuCount}${m.cpuCores === undefined ? '' : ` (${m.cpuCores} cores)`}`;
  const nics = m.nics.map((n) => `${n.name}${n.mac ? ` ${n.mac}` : ''}`).join(', ') || 'none';
  const disks = m.disks.map((d) => `${d.name}${d.sizeBytes ? ` ${gb(d.sizeBytes)}` : ''}`).join(', ') || 'none';
  return (
    `${identity}, serial ${m.serial ?? 'unknown'}; BIOS ${biosText(m.firmware)}; CPUs ${cpus}; memory ${m.memoryBytes === undefined ? 'unknown' : gib(m.memoryBytes)}; ` +
    `NICs ${nics}; disks ${disks}`
  );
}

/** What the BMC's inventory offers to compare: the fields `HardwareInventory` carries. */
export interface BmcHardware {
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  firmware?: { bios?: string };
  cpuCount?: number;
  cpuCores?: number;
  memoryBytes?: number;
  pciDevices: { macAddress?: string }[];
  drives: { capacityBytes?: number }[];
  /** Sections the BMC did not serve: not compared. */
  unavailable: string[];
}

/**
 * Whether a reported BIOS version names the expected one: the same string, or one that holds the version as a
 * word and its release date, since a BMC may fold the date SMBIOS keeps apart into its version string.
 */
function sameBios(expected: { version: string; date?: string }, reported: string): boolean {
  if (same(expected.version, reported)) return true;
  const words = reported.toLowerCase().split(/[\s()]+/);
  return words.includes(expected.version.trim().toLowerCase()) && (!expected.date || reported.includes(expected.date));
}

/**
 * lshw's memory is the sum of the DIMMs SMBIOS lists (or, without SMBIOS, what the kernel sees, a little less);
 * Redfish gives whole or rounded GiB. Below 1 GiB or 1% apart is the same memory: a DIMM is far more.
 */
const sameMemory = (a: number, b: number) => Math.abs(a - b) <= Math.max(2 ** 30, Math.max(a, b) / 100);

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
  // A BIOS flashed since commissioning (or another board): the BMC reads the version the firmware runs now.
  const bios = bmc.firmware?.bios;
  if (m.firmware?.version && bios && !sameBios({ version: m.firmware.version, date: m.firmware.date }, bios)) {
    out.push(`BIOS: lshw "${biosText(m.firmware)}", BMC "${bios}"`);
  }
  if (m.cpuCount !== undefined && bmc.cpuCount !== undefined && m.cpuCount !== bmc.cpuCount) out.push(`CPUs: lshw ${m.cpuCount}, BMC ${bmc.cpuCount}`);
  if (m.cpuCores !== undefined && bmc.cpuCores !== undefined && m.cpuCores !== bmc.cpuCores) out.push(`CPU cores: lshw ${m.cpuCores}, BMC ${bmc.cpuCores}`);
  if (m.memoryBytes !== undefined && bmc.memoryBytes !== undefined && !sameMemory(m.memoryBytes, bmc.memoryBytes)) {
    out.push(`memory: lshw ${gib(m.memoryBytes)}, BMC ${gib(bmc.memoryBytes)}`);
  }
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

/**
 * The BIOS against the node's HardwareProfile, which declares the version the site runs (Drydock's
 * HardwareProfile bios_version): the version the BMC reports now, else the one lshw saw at commissioning.
 */
export function profileDifferences(design: EffectiveDesign, node: EffectiveNode, bmc: BmcHardware, m?: HardwareManifest): string[] {
  const profile = profileOf(design, node);
  const declared = profile?.bios_version?.trim();
  const [source, running] = bmc.firmware?.bios ? ['BMC', bmc.firmware.bios] : ['lshw', m?.firmware?.version];
  if (!profile || !declared || !running || sameBios({ version: declared }, running)) return [];
  return [`hardware profile ${profile.name} declares BIOS "${declared}", ${source} reports "${running}"`];
}
