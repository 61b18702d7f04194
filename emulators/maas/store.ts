import type { MaasFilesystem } from '../../drivers/maas/models/wire';
import type { MachineHardware } from './hardware';
import type { NodeStatusCode } from './status';

/** The emulator's records: ids and references, not JSON. views.ts renders them as MaaS answers. */
export interface LinkRecord {
  id: number;
  mode: 'auto' | 'dhcp' | 'static' | 'link_up';
  subnetId: number | null;
  ip: string | null;
}
export interface InterfaceRecord {
  id: number;
  name: string;
  type: 'physical' | 'bond' | 'vlan';
  mac: string;
  vlanId: number | null;
  links: LinkRecord[];
  mtu: number | null;
  parents: number[];
  params: Record<string, string | number>;
  tags: string[];
}
export interface PartitionRecord {
  id: number;
  uuid: string;
  size: number;
  bootable: boolean;
  filesystem: MaasFilesystem | null;
}
export interface BlockDeviceRecord {
  id: number;
  name: string;
  size: number;
  type: 'physical' | 'virtual';
  model: string;
  serial: string;
  tags: string[];
  uuid: string | null;
  filesystem: MaasFilesystem | null;
  partitions: PartitionRecord[];
  partitionTable: string | null;
  /** Logical volumes are virtual block devices owned by a volume group. */
  volumeGroupId: number | null;
}
export interface VolumeGroupRecord {
  id: number;
  name: string;
  uuid: string;
  blockDevices: number[];
  partitions: number[];
}
export interface MachineRecord {
  systemId: string;
  hostname: string;
  /** Name the site simulator knows the machine by (MaaS auto-names enlisted machines). */
  realName: string | null;
  domainId: number;
  status: NodeStatusCode;
  powerType: string;
  powerParameters: Record<string, string>;
  powerState: 'on' | 'off' | 'unknown';
  memory: number;
  cpuCount: number;
  owner: string | null;
  ownerData: Record<string, string>;
  osystem: string;
  distroSeries: string;
  hweKernel: string | null;
  userData: string | null;
  interfaces: InterfaceRecord[];
  blockDevices: BlockDeviceRecord[];
  volumeGroups: VolumeGroupRecord[];
  bootInterfaceId: number | null;
  bootDiskId: number | null;
  storageLayout: string | null;
  erased: boolean;
  /** What the machine physically has; its interfaces and block devices are named after it. */
  hardware: MachineHardware;
  /** The last commissioning run whose script results MaaS keeps (null: never commissioned). */
  commissioning: { at: number; failed: boolean } | null;
}
export interface FabricRecord {
  id: number;
  name: string;
  description: string;
}
export interface VlanRecord {
  id: number;
  vid: number;
  fabricId: number;
  name: string | null;
  mtu: number;
  dhcpOn: boolean;
  primaryRack: string | null;
  secondaryRack: string | null;
  relayVlan: number | null;
}
export interface SubnetRecord {
  id: number;
  name: string;
  cidr: string;
  vlanId: number;
  gatewayIp: string | null;
  dnsServers: string[];
  rdnsMode: number;
  allowProxy: boolean;
}
export interface IpRangeRecord {
  id: number;
  type: 'reserved' | 'dynamic';
  startIp: string;
  endIp: string;
  subnetId: number;
  comment: string;
}
export interface StaticRouteRecord {
  id: number;
  sourceId: number;
  destinationId: number;
  gatewayIp: string;
  metric: number;
}
export interface DomainRecord {
  id: number;
  name: string;
  authoritative: boolean;
  ttl: number | null;
}
export interface TagRecord {
  name: string;
  definition: string;
  comment: string;
  kernelOpts: string | null;
  systemIds: Set<string>;
}
export interface RackControllerRecord {
  systemId: string;
  hostname: string;
  services: Array<{ name: string; status: 'running' | 'off' | 'dead' }>;
  interfaces: InterfaceRecord[];
}
export interface BootResourceRecord {
  id: number;
  name: string;
  architecture: string;
}
export interface RepositoryRecord {
  id: number;
  name: string;
  url: string;
  key: string;
  enabled: boolean;
  distributions: string[];
  components: string[];
  disabledComponents: string[];
  disabledPockets: string[];
  arches: string[];
}

/** All emulator state in one place; integer ids come from one counter like a database sequence. */
export class MaasStore {
  private seq = 1;
  readonly machines = new Map<string, MachineRecord>();
  readonly fabrics = new Map<number, FabricRecord>();
  readonly vlans = new Map<number, VlanRecord>();
  readonly subnets = new Map<number, SubnetRecord>();
  readonly ipRanges = new Map<number, IpRangeRecord>();
  readonly staticRoutes = new Map<number, StaticRouteRecord>();
  readonly domains = new Map<number, DomainRecord>();
  readonly tags = new Map<string, TagRecord>();
  readonly sshKeys = new Map<number, string>();
  readonly repositories = new Map<number, RepositoryRecord>();
  readonly rackControllers = new Map<string, RackControllerRecord>();
  readonly bootResources: BootResourceRecord[] = [];
  importing = false;

  nextId(): number {
    return this.seq++;
  }
  /** A package repository as MaaS creates one: enabled, no distributions or components of its own, no key. */
  addRepository(name: string, url: string, arches: string[]): RepositoryRecord {
    const r: RepositoryRecord = { id: this.nextId(), name, url, key: '', enabled: true, distributions: [], components: [], disabledComponents: [], disabledPockets: [], arches };
    this.repositories.set(r.id, r);
    return r;
  }

  /** MaaS system ids: 6 characters of [a-z0-9]. */
  newSystemId(): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (;;) {
      let id = '';
      for (let i = 0; i < 6; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
      if (!this.machines.has(id) && !this.rackControllers.has(id)) return id;
    }
  }

  machineByHostname(hostname: string): MachineRecord | undefined {
    for (const m of this.machines.values()) if (m.hostname === hostname || m.realName === hostname) return m;
    return undefined;
  }

  fabricByName(name: string): FabricRecord | undefined {
    return [...this.fabrics.values()].find((f) => f.name === name);
  }

  vlanByVid(fabricId: number, vid: number): VlanRecord | undefined {
    return [...this.vlans.values()].find((v) => v.fabricId === fabricId && v.vid === vid);
  }

  /** Every fabric owns an untagged VLAN (vid 0), as in MaaS. */
  createFabric(name: string | undefined, description = ''): FabricRecord {
    const id = this.nextId();
    const fabric = { id, name: name || `fabric-${this.fabrics.size}`, description };
    this.fabrics.set(id, fabric);
    this.createVlan(id, 0, 'untagged', 1500);
    return fabric;
  }

  createVlan(fabricId: number, vid: number, name: string | null, mtu: number): VlanRecord {
    const v: VlanRecord = { id: this.nextId(), vid, fabricId, name, mtu, dhcpOn: false, primaryRack: null, secondaryRack: null, relayVlan: null };
    this.vlans.set(v.id, v);
    return v;
  }

  private defaultFabricId: number | undefined;

  /** The untagged VLAN of the fabric MaaS discovered first (it may have been renamed since). */
  defaultVlan(): VlanRecord {
    let fabric = this.defaultFabricId === undefined ? undefined : this.fabrics.get(this.defaultFabricId);
    if (!fabric) {
      fabric = this.createFabric('fabric-0');
      this.defaultFabricId = fabric.id;
    }
    return this.vlanByVid(fabric.id, 0) ?? this.createVlan(fabric.id, 0, 'untagged', 1500);
  }
}
