import { randomBytes } from 'node:crypto';
import { logicalCpus, memoryBytes, virtualHardware, type MachineHardware } from './hardware';
import { NodeStatus, STATUS_NAMES, type NodeStatusCode } from './status';
import type { BlockDeviceRecord, InterfaceRecord, LinkRecord, MachineRecord, MaasStore } from './store';

/** A machine as it PXE-boots and enlists. */
export interface EnlistSpec {
  /** MaaS's name for it; by default a generated "adjective-noun" like MaaS's own. */
  hostname?: string;
  /** The design node this machine really is (the site simulator's truth; MaaS does not know it). */
  realName?: string;
  /** Initial status: a code or name; default New. */
  status?: NodeStatusCode | string;
  power_type?: 'ipmi' | 'redfish' | 'virsh' | 'manual';
  power_address?: string;
  power_parameters?: Record<string, string>;
  /** Physical NICs eth0.. with these MACs (used when `interfaces` is absent). */
  mac_addresses?: string[];
  interfaces?: Array<{ name: string; mac_address?: string }>;
  /** Disks; size in bytes. Default: sda 500 GB. */
  block_devices?: Array<{ name: string; size: number; model?: string; serial?: string; tags?: string[] }>;
  memory?: number;
  cpu_count?: number;
  /**
   * The machine's real hardware (PCI and SCSI addresses, products); its NICs and disks then replace
   * `interfaces` and `block_devices`. Without it the machine is a VM: virtio NICs and QEMU disks.
   */
  hardware?: MachineHardware;
}

const ADJECTIVES = ['able', 'brave', 'calm', 'eager', 'fair', 'glad', 'keen', 'lucky', 'noble', 'proud', 'quick', 'sharp', 'tidy', 'vivid', 'witty'];
const NOUNS = ['badger', 'crane', 'dingo', 'egret', 'ferret', 'gecko', 'heron', 'ibis', 'koala', 'lemur', 'marten', 'otter', 'panda', 'quail', 'raven'];

function petName(store: MaasStore): string {
  for (;;) {
    const pick = <T>(a: T[]) => a[Math.floor(Math.random() * a.length)]!;
    const name = `${pick(ADJECTIVES)}-${pick(NOUNS)}`;
    if (!store.machineByHostname(name)) return name;
  }
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

function statusOf(s: EnlistSpec['status']): NodeStatusCode {
  if (s === undefined) return NodeStatus.NEW;
  if (typeof s === 'number') return s;
  const hit = Object.entries(STATUS_NAMES).find(([, name]) => name.toLowerCase() === s.toLowerCase());
  if (!hit) throw new Error(`unknown MaaS status ${s}`);
  return Number(hit[0]) as NodeStatusCode;
}

export function enlistMachine(store: MaasStore, spec: EnlistSpec): MachineRecord {
  const vlan = store.defaultVlan();
  const hostname = spec.hostname ?? petName(store);
  const hardware =
    spec.hardware ??
    virtualHardware(
      hostname,
      (spec.interfaces ?? (spec.mac_addresses ?? [randomMac()]).map((mac, i) => ({ name: `eth${i}`, mac_address: mac }))).map((n) => ({
        name: n.name,
        mac: (n.mac_address ?? randomMac()).toLowerCase(),
      })),
      spec.block_devices ?? [{ name: 'sda', size: 500_000_000_000 }],
      { cpuCount: spec.cpu_count ?? 8, memoryMiB: spec.memory ?? 16384 },
    );
  // MaaS names what commissioning found after the kernel.
  const interfaces: InterfaceRecord[] = hardware.nics.map((n) => ({
    id: store.nextId(),
    name: n.name,
    type: 'physical',
    mac: n.mac.toLowerCase(),
    vlanId: vlan.id,
    links: [],
    mtu: null,
    parents: [],
    params: {},
    tags: [],
  }));
  const tagsOf = (name: string) => spec.block_devices?.find((d) => d.name === name)?.tags ?? (name.startsWith('nvme') ? ['ssd', 'nvme'] : ['ssd']);
  const blockDevices: BlockDeviceRecord[] = hardware.disks.map((d) => ({
    id: store.nextId(),
    name: d.name,
    size: d.size,
    type: 'physical',
    model: d.model,
    serial: d.serial,
    tags: tagsOf(d.name),
    uuid: null,
    filesystem: null,
    partitions: [],
    partitionTable: null,
    volumeGroupId: null,
  }));
  if (store.machineByHostname(hostname)?.hostname === hostname) throw new Error(`a machine named ${hostname} is already enlisted`);
  const powerParameters = { ...(spec.power_parameters ?? {}) };
  if (spec.power_address) powerParameters.power_address = spec.power_address;
  const m: MachineRecord = {
    systemId: store.newSystemId(),
    hostname,
    realName: spec.realName ?? null,
    domainId: defaultDomain(store),
    status: statusOf(spec.status),
    powerType: spec.power_type ?? 'manual',
    powerParameters,
    powerState: 'off',
    // What commissioning found: MaaS's memory (MiB) and cpu_count (threads) come from the hardware lshw describes.
    memory: spec.memory ?? (Math.floor(memoryBytes(hardware) / 2 ** 20) || 16384),
    cpuCount: spec.cpu_count ?? (logicalCpus(hardware) || 8),
    owner: null,
    ownerData: {},
    osystem: '',
    distroSeries: '',
    hweKernel: null,
    userData: null,
    interfaces,
    blockDevices,
    volumeGroups: [],
    bootInterfaceId: interfaces[0]?.id ?? null,
    bootDiskId: blockDevices[0]?.id ?? null,
    storageLayout: null,
    erased: false,
    hardware,
    commissioning: null,
  };
  // A machine enlisted past New was commissioned before: MaaS keeps that run's results.
  if (m.status !== NodeStatus.NEW && m.status !== NodeStatus.COMMISSIONING) m.commissioning = { at: Date.now(), failed: m.status === NodeStatus.FAILED_COMMISSIONING };
  // Commissioning discovers the boot NIC with a DHCP ("auto") link.
  if (interfaces[0]) interfaces[0].links.push(bootLink(store, vlan.id));
  store.machines.set(m.systemId, m);
  return m;
}

/** `auto` on the subnet MaaS knows for the VLAN, else an unconfigured `link_up`. */
export function bootLink(store: MaasStore, vlanId: number): LinkRecord {
  const subnet = [...store.subnets.values()].find((s) => s.vlanId === vlanId);
  return { id: store.nextId(), mode: subnet ? 'auto' : 'link_up', subnetId: subnet?.id ?? null, ip: null };
}

export function defaultDomain(store: MaasStore): number {
  const d = [...store.domains.values()].find((x) => x.name === 'maas');
  if (d) return d.id;
  const id = store.nextId();
  store.domains.set(id, { id, name: 'maas', authoritative: true, ttl: null });
  return id;
}

export interface RackSpec {
  hostname: string;
  services?: Record<string, 'running' | 'off' | 'dead'>;
  mac_address?: string;
  /** The subnet eth0 sits on (the provisioning network MaaS discovers on its own rack); default: none. */
  subnet?: { cidr: string; ip: string };
}

export function addRackController(store: MaasStore, spec: RackSpec): void {
  const names = ['http', 'dhcpd', 'dhcpd6', 'rackd', 'tftp', 'ntp_rack', 'dns_rack', 'proxy_rack', 'syslog_rack'];
  const services = names.map((name) => ({ name, status: spec.services?.[name] ?? (name === 'dhcpd6' ? 'off' : 'running') }) as const);
  const vlan = store.defaultVlan();
  const systemId = store.newSystemId();
  const links: LinkRecord[] = [];
  if (spec.subnet) {
    // MaaS discovers the subnet its rack controller is attached to: it exists on the default fabric before
    // anyone configures the site, and Drydock's network template adopts that fabric.
    let subnet = [...store.subnets.values()].find((x) => x.cidr === spec.subnet!.cidr);
    if (!subnet) {
      subnet = { id: store.nextId(), name: spec.subnet.cidr, cidr: spec.subnet.cidr, vlanId: vlan.id, gatewayIp: null, dnsServers: [], rdnsMode: 2, allowProxy: true };
      store.subnets.set(subnet.id, subnet);
    }
    links.push({ id: store.nextId(), mode: 'static', subnetId: subnet.id, ip: spec.subnet.ip });
  }
  store.rackControllers.set(systemId, {
    systemId,
    hostname: spec.hostname,
    services: services.map((s) => ({ ...s })),
    interfaces: [
      { id: store.nextId(), name: 'eth0', type: 'physical', mac: spec.mac_address ?? randomMac(), vlanId: vlan.id, links, mtu: null, parents: [], params: {}, tags: [] },
    ],
  });
}

export const DEFAULT_BOOT_RESOURCES = [
  { name: 'ubuntu/jammy', architecture: 'amd64/ga-22.04' },
  { name: 'ubuntu/jammy', architecture: 'amd64/hwe-22.04' },
  { name: 'ubuntu/focal', architecture: 'amd64/ga-20.04' },
  { name: 'ubuntu/focal', architecture: 'amd64/hwe-20.04' },
];

/** What a fresh region holds: default domain, fabric-0, the two default archives. */
export function seedRegion(store: MaasStore, bootResources: Array<{ name: string; architecture: string }>, racks: RackSpec[]): void {
  defaultDomain(store);
  store.defaultVlan();
  for (const b of bootResources) store.bootResources.push({ id: store.nextId(), ...b });
  for (const r of racks) addRackController(store, r);
  for (const [name, url] of [
    ['main_archive', 'http://archive.ubuntu.com/ubuntu'],
    ['ports_archive', 'http://ports.ubuntu.com/ubuntu-ports'],
  ] as const) {
    store.addRepository(name, url, name === 'main_archive' ? ['amd64', 'i386'] : ['armhf', 'arm64', 'ppc64el', 's390x']);
  }
}
