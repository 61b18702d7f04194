import { createHash } from 'node:crypto';
import { oobOf, type EffectiveDesign } from '../../design';
import type { DeviceAlias } from '../../design/model';
import type { CpuHardware, DiskHardware, DimmHardware, MachineHardware, NicHardware } from '../maas/hardware';

/** What the simulator needs to know of each node to stand up its BMC and enlist it in MaaS. */
export interface SimulatedNodeSpec {
  name: string;
  oobType: 'ipmi' | 'redfish';
  oobAddress: string;
  account: string;
  credential: string;
  /** MaaS names machines itself at enlistment; Drydock renames them when it identifies them. */
  enlistName: string;
  /** The machine as built: NICs and disks at the addresses its HardwareProfile declares, with kernel names. */
  hardware: MachineHardware;
}

/** The design's nodes as the simulator sees them; every node must have an ipmi or redfish OOB address. */
export function nodeAddresses(design: EffectiveDesign): SimulatedNodeSpec[] {
  return design.baremetal_nodes.map((n) => {
    const oob = oobOf(n);
    const type = oob.type;
    if (type !== 'ipmi' && type !== 'redfish') {
      throw new Error(`node ${n.name}: the simulator has BMCs for oob.type ipmi and redfish, not ${type ?? 'none'}`);
    }
    const oobNetwork = String(oob.network ?? '');
    const addr = n.addressing.find((a) => a.network === oobNetwork && a.type === 'static');
    if (!addr) throw new Error(`node ${n.name}: no static address on its OOB network ${oobNetwork || '(unset)'}`);
    return {
      name: n.name,
      oobType: type,
      oobAddress: addr.address,
      account: String(oob.account ?? ''),
      credential: String(oob.credential ?? ''),
      enlistName: `${adjective(n.name)}-${noun(n.name)}-${createHash('md5').update(n.name).digest('hex').slice(0, 4)}`,
      hardware: nodeHardware(design, n),
    };
  });
}

type Node = EffectiveDesign['baremetal_nodes'][number];

/**
 * The server the node is: one device at each address of its HardwareProfile's device_aliases, a NIC or disk
 * for each name the design uses without an alias, and a spare NIC and NVMe disk the design does not mention.
 * Devices get the names the kernel would give them (systemd's eno/enp names, sd/nvme disks), never an
 * alias: Drydock has to resolve aliases from the lshw output MaaS collects.
 */
export function nodeHardware(design: EffectiveDesign, n: Node): MachineHardware {
  const profile = design.hardware_profiles.find((h) => h.name === n.hardware_profile);
  const aliases = new Map((profile?.devices ?? []).map((d) => [d.alias, d]));
  const slaves = n.interfaces.flatMap((i) => i.hardware_slaves ?? []);
  const diskNames = new Set(n.storage_devices.map((d) => d.name));
  // A design may name a SCSI disk by its kernel name (`sda`): that is whichever disk the kernel calls so, made
  // below in address order, not a name to keep free.
  const namedSd = [...diskNames].filter((d) => !aliases.has(d) && sdIndex(d) !== undefined);
  const taken = new Set<string>([...aliases.keys(), ...slaves.filter((s) => !aliases.has(s)), ...[...diskNames].filter((d) => !aliases.has(d) && !namedSd.includes(d))]);
  const claim = (candidates: Iterable<string>): string => {
    for (const c of candidates) {
      if (!taken.has(c)) {
        taken.add(c);
        return c;
      }
    }
    throw new Error(`node ${n.name}: no free kernel name`);
  };

  const isDisk = (a: DeviceAlias) =>
    diskNames.has(a.alias) || (!slaves.includes(a.alias) && (a.bus_type === 'scsi' || /nvme|ssd|disk|drive|raid|sata|sas\b/i.test(a.dev_type ?? '')));
  const nicAliases = [...aliases.values()].filter((a) => !isDisk(a));
  const diskAliases = [...aliases.values()].filter(isDisk);
  // Every PCI alias keeps its address (a `regexp:` one gets the first address it matches) before spares are placed.
  const usedPci = new Set<string>();
  const aliasPci = new Map<DeviceAlias, string>();
  for (const a of aliases.values()) {
    if (a.bus_type !== 'pci') continue;
    const addr = a.address ?? '';
    const concrete = addr.startsWith('regexp:') ? firstMatchingPci(addr.slice('regexp:'.length), usedPci) : addr;
    usedPci.add(concrete);
    aliasPci.set(a, concrete);
  }
  const pciOf = (a: DeviceAlias): string => aliasPci.get(a) ?? a.address ?? '';

  // NICs: every NIC alias at its address, every slave named without an alias, one spare onboard port.
  const nicSpecs: { pci: string; alias?: DeviceAlias; name?: string; wired: boolean }[] = nicAliases.map((a) => ({ pci: pciOf(a), alias: a, wired: true }));
  for (const s of slaves) if (!aliases.has(s) && !isMac(s)) nicSpecs.push({ pci: freePci(usedPci, 0x18), name: s, wired: true });
  nicSpecs.push({ pci: freePci(usedPci, 0x01), wired: false });
  const nics: NicHardware[] = [];
  const onboard = nicSpecs.filter((s) => !s.name && pciBus(s.pci) <= 0x01).sort((a, b) => a.pci.localeCompare(b.pci));
  const switchName = torSwitch(design, n);
  for (const s of [...nicSpecs].sort((a, b) => a.pci.localeCompare(b.pci))) {
    const index = onboard.indexOf(s);
    const name = s.name ?? claim(kernelNicNames(s.pci, index >= 0 ? index + 1 : undefined));
    const devType = s.alias?.dev_type ?? 'I350 Gigabit Network Connection';
    nics.push({
      name,
      mac: mac(n.name, s.pci),
      pciAddress: s.pci,
      product: devType,
      vendor: vendorOf(devType),
      speed: s.wired ? speedOf(devType) : undefined,
      neighbour: s.wired ? { switchName, switchMac: mac(switchName, 'chassis'), port: `Ethernet${nics.length + 1}` } : undefined,
    });
  }
  // The NIC that PXE boots (the first slave of the first interface) carries the design's boot_mac, as on a
  // real server whose boot MAC was read off it; MaaS makes it the boot interface.
  const pxeSlave = n.interfaces.find((i) => (i.hardware_slaves ?? []).length > 0)?.hardware_slaves?.[0];
  const pxeAlias = pxeSlave ? aliases.get(pxeSlave) : undefined;
  const pxe = nics.find((x) => (pxeAlias ? x.pciAddress === pciOf(pxeAlias) : x.name === pxeSlave)) ?? nics[0];
  if (pxe && n.boot_mac) pxe.mac = n.boot_mac.toLowerCase();
  if (pxe) {
    nics.splice(nics.indexOf(pxe), 1);
    nics.unshift(pxe);
  }

  // Disks. The kernel names SCSI disks sda, sdb... in the order it finds them, SCSI address order: every SCSI
  // alias at its address, then as many more disks as the design's own sdX names need. So a design that puts
  // its root on `sda` and declares an alias at 2:0.0.0 (Drydock's fullsite sample) gets what such a machine
  // has: the alias is sda. A PCI (NVMe) alias is an nvme namespace.
  const disks: DiskHardware[] = [];
  const size = (...names: string[]) => Math.max(...names.map((name) => diskSize(n, name)));
  const scsiAliases = diskAliases.filter((a) => a.bus_type !== 'pci').sort((a, b) => scsiKey(a.address ?? '') - scsiKey(b.address ?? ''));
  let nvmeIndex = 0;
  const nvmeName = () =>
    claim(
      (function* () {
        for (;;) yield `nvme${nvmeIndex++}n1`;
      })(),
    );
  let nextScsi = Math.max(-1, ...scsiAliases.map((a) => Number((a.address ?? '0').split(':')[0]) || 0)) + 1;
  const scsi: { alias?: DeviceAlias; address: string }[] = scsiAliases.map((a) => ({ alias: a, address: a.address ?? '0:0.0.0' }));
  const scsiNeeded = Math.max(scsi.length, ...namedSd.map((d) => sdIndex(d)! + 1));
  while (scsi.length < scsiNeeded) scsi.push({ address: `${nextScsi++}:0.0.0` });
  for (const d of scsi) {
    const name = claim(sdNames());
    const what = d.alias?.alias ?? name;
    const model = d.alias?.dev_type ?? 'SSD';
    disks.push({ name, bus: 'scsi', address: d.address, size: size(what, name), model, vendor: vendorOf(d.alias?.dev_type ?? 'ATA'), serial: serial(n.name, what) });
  }
  for (const d of diskNames) {
    if (aliases.has(d) || namedSd.includes(d)) continue;
    disks.push({
      name: d,
      bus: d.startsWith('nvme') ? 'nvme' : 'scsi',
      address: d.startsWith('nvme') ? freePci(usedPci, 0x5e) : `${nextScsi++}:0.0.0`,
      size: size(d),
      model: 'SSD',
      vendor: 'ATA',
      serial: serial(n.name, d),
    });
  }
  for (const a of diskAliases.filter((x) => x.bus_type === 'pci')) {
    disks.push({
      name: nvmeName(),
      bus: 'nvme',
      address: pciOf(a),
      size: size(a.alias),
      model: a.dev_type ?? 'NVMe SSD',
      vendor: vendorOf(a.dev_type ?? 'NVMe'),
      serial: serial(n.name, a.alias),
    });
  }
  disks.push({
    name: nvmeName(),
    bus: 'nvme',
    address: freePci(usedPci, 0x5e),
    size: 960_197_124_096,
    model: 'SAMSUNG MZQL2960HCJR-00A07',
    vendor: 'Samsung Electronics Co Ltd',
    serial: serial(n.name, 'spare'),
  });

  return {
    vendor: profile?.vendor ?? 'Generic',
    product: `${profile?.vendor ?? 'Generic'} server generation ${profile?.generation ?? '1'} (hw ${profile?.hw_version ?? '1'})`,
    serial: serial(n.name, 'chassis').toUpperCase(),
    // The BIOS the profile declares is the one the machine was delivered with.
    firmware: { vendor: profile?.vendor ?? 'Generic', version: profile?.bios_version ?? '1.0.0', date: '01/15/2024' },
    cpus: cpusFor(profile?.cpu_sets ?? {}),
    dimms: dimmsFor(n.name, profile?.hugepages_confs ?? {}),
    nics,
    disks,
  };
}

/** Two sockets of 16 cores with 2 threads each, or more cores when the profile's cpu_sets name higher CPU ids. */
function cpusFor(cpuSets: Record<string, string>): CpuHardware[] {
  const highest = Math.max(-1, ...Object.values(cpuSets).flatMap((set) => set.split(',').map((part) => Number(part.split('-').pop()) || 0)));
  const cores = Math.max(16, Math.ceil((highest + 1) / 4));
  return [0, 1].map(() => ({ product: 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz', vendor: 'Intel Corp.', cores, threads: cores * 2, hz: 2.1e9 }));
}

const GIB = 2 ** 30;

/** 256 GiB of DIMMs, or room for the profile's hugepages with a quarter more for the system, in at most 24 slots. */
function dimmsFor(node: string, hugepages: Record<string, { size?: string; count?: number | string }>): DimmHardware[] {
  let reserved = 0;
  for (const conf of Object.values(hugepages)) {
    const m = /^(\d+)\s*([KMGT])/i.exec(String(conf.size ?? '').trim());
    const unit = m ? { K: 2 ** 10, M: 2 ** 20, G: GIB, T: 2 ** 40 }[m[2]!.toUpperCase() as 'K'] : 0;
    reserved += (m ? Number(m[1]) * unit : 0) * (Number(conf.count) || 0);
  }
  const need = Math.max(256 * GIB, reserved * 1.25);
  const moduleGib = [32, 64, 128, 256].find((g) => Math.ceil(need / (g * GIB)) <= 24) ?? 256;
  const count = Math.max(8, 2 * Math.ceil(need / (moduleGib * GIB) / 2));
  return Array.from({ length: count }, (_, i) => ({
    slot: `PROC ${(i % 2) + 1} DIMM ${Math.floor(i / 2) + 1}`,
    size: moduleGib * GIB,
    product: `M393A${moduleGib}G40-CWE`,
    vendor: 'Samsung',
    serial: serial(node, `dimm${i}`).slice(0, 8).toUpperCase(),
    hz: 2_933_000_000,
  }));
}

const isMac = (s: string) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s);
const pciBus = (pci: string) => parseInt(pci.split(':')[1] ?? '0', 16);

/** systemd's names for a NIC: eno<N> for onboard ports (firmware index), else the PCI path enp<bus>s<slot>f<fn>. */
function* kernelNicNames(pci: string, onboardIndex?: number): Generator<string> {
  const [, bus, devfn] = pci.split(':');
  const [dev, fn] = (devfn ?? '0.0').split('.');
  if (onboardIndex !== undefined) yield `eno${onboardIndex}`;
  const path = `enp${parseInt(bus ?? '0', 16)}s${parseInt(dev ?? '0', 16)}`;
  yield `${path}f${parseInt(fn ?? '0', 16)}`;
  yield path;
  for (let slot = 1; ; slot++) yield `ens${slot}f${parseInt(fn ?? '0', 16)}`;
}

/** 0 for sda, 1 for sdb, ... 26 for sdaa; undefined for a name that is not a SCSI disk's. */
function sdIndex(name: string): number | undefined {
  const m = /^sd([a-z])([a-z])?$/.exec(name);
  if (!m) return undefined;
  return m[2] ? (m[1]!.charCodeAt(0) - 96) * 26 + m[2].charCodeAt(0) - 97 : m[1]!.charCodeAt(0) - 97;
}

function* sdNames(): Generator<string> {
  for (let i = 0; ; i++) yield `sd${i < 26 ? String.fromCharCode(97 + i) : String.fromCharCode(96 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26))}`;
}

/** The first PCI address from `bus` on that is free. */
function freePci(used: Set<string>, bus: number): string {
  for (let b = bus; b < 0x100; b++) {
    for (let fn = 0; fn < 4; fn++) {
      const a = `0000:${b.toString(16).padStart(2, '0')}:00.${fn}`;
      if (!used.has(a)) {
        used.add(a);
        return a;
      }
    }
  }
  throw new Error('no free PCI address');
}

/** A concrete address a `regexp:` alias matches at its start, as Drydock's re.match does. */
function firstMatchingPci(pattern: string, used: Set<string>): string {
  const re = new RegExp(pattern);
  for (let b = 0; b < 0x100; b++) {
    for (let dev = 0; dev < 4; dev++) {
      for (let fn = 0; fn < 4; fn++) {
        const a = `0000:${b.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
        if (!used.has(a) && re.exec(a)?.index === 0) return a;
      }
    }
  }
  throw new Error(`no PCI address matches regexp:${pattern}`);
}

function scsiKey(address: string): number {
  const [h, rest] = address.split(':');
  const [c, t, l] = (rest ?? '0.0.0').split('.').map(Number);
  return (Number(h) || 0) * 1e9 + (c || 0) * 1e6 + (t || 0) * 1e3 + (l || 0);
}

const STANDARD_SIZES = [240e9, 480e9, 960e9, 1920e9, 3840e9, 7680e9, 15360e9];
const UNITS: Record<string, number> = { m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40 };

/** A standard drive size with room for the design's fixed-size partitions on it (480 GB at least). */
function diskSize(n: Node, device: string): number {
  const dev = n.storage_devices.find((d) => d.name === device);
  let need = 0;
  for (const p of dev?.partitions ?? []) {
    const m = /^(\d+)([a-z]+)$/i.exec(String(p.size ?? '').trim());
    if (m && UNITS[m[2]!.toLowerCase()]) need += Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  }
  return STANDARD_SIZES.find((s) => s >= Math.max(480e9, need * 1.25)) ?? STANDARD_SIZES[STANDARD_SIZES.length - 1]!;
}

function vendorOf(devType: string): string {
  if (/intel|i350|x710|x520|82540|e810/i.test(devType)) return 'Intel Corporation';
  if (/broadcom|netxtreme|bcm/i.test(devType)) return 'Broadcom Inc. and subsidiaries';
  if (/mellanox|connectx/i.test(devType)) return 'Mellanox Technologies';
  return devType.split(/\s+/)[0] || 'Unknown';
}

function speedOf(devType: string): number {
  const m = /(\d+)\s*G(?:bE|b|bps|igabit)?\b/i.exec(devType);
  return m ? Number(m[1]) * 1e9 : 1e9;
}

function torSwitch(design: EffectiveDesign, n: Node): string {
  const rack = design.racks.find((r) => r.name === n.rack);
  return Object.keys(rack?.tor_switches ?? {})[0] ?? `tor-${n.rack ?? 'switch'}`;
}

function mac(node: string, key: string): string {
  const h = createHash('sha256').update(`${node}/${key}`).digest();
  return ['52', '54', '00', h[0], h[1], h[2]].map((b) => (typeof b === 'number' ? b.toString(16).padStart(2, '0') : b)).join(':');
}

function serial(node: string, what: string): string {
  return createHash('sha256').update(`${node}/serial/${what}`).digest('hex').slice(0, 14);
}

const ADJ = ['amber', 'brave', 'calm', 'deft', 'eager', 'fair', 'glad', 'hale', 'keen', 'lush', 'merry', 'noble'];
const NOUN = ['otter', 'heron', 'lynx', 'mole', 'newt', 'orca', 'puma', 'quail', 'raven', 'stoat', 'tern', 'vole'];
function adjective(s: string): string {
  return ADJ[createHash('md5').update(s).digest()[0] % ADJ.length];
}
function noun(s: string): string {
  return NOUN[createHash('md5').update(s).digest()[1] % NOUN.length];
}
