/**
 * Field processing, one function per document kind (Drydock's ingester plugin `process_drydock_*`): a
 * schema-checked document's data becomes the design model.
 */
import type { BaremetalNodeData, BootActionData, HardwareProfileData, HostProfileData, NetworkData, NetworkLinkData, RackData, RegionData } from './schemas';
import type { Kind } from './schemas';
import { hasNonStringKeys } from './yamlParse';
import type {
  Address,
  BaremetalNodeModel,
  BootActionAsset,
  BootActionModel,
  DocumentRef,
  HardwareProfileModel,
  HostInterface,
  HostModel,
  HostStorageDevice,
  HostVolumeGroup,
  NetworkLinkModel,
  NetworkModel,
  NodeFilterSet,
  RackModel,
  Site,
  SiteDesign,
} from './model';

type Processor<T> = (name: string, docRef: DocumentRef, data: T, design: SiteDesign, raw: unknown) => void;

/** Field processing failures (Drydock's IngesterError → "Error processing document: ..."). */
export class IngesterError extends Error {}

export const PROCESSORS: { [K in Kind]: Processor<never> } = {
  Region: processRegion as Processor<never>,
  NetworkLink: processNetworkLink as Processor<never>,
  Network: processNetwork as Processor<never>,
  HardwareProfile: processHardwareProfile as Processor<never>,
  HostProfile: processHostProfile as Processor<never>,
  BaremetalNode: processBaremetalNode as Processor<never>,
  BootAction: processBootAction as Processor<never>,
  Rack: processRack as Processor<never>,
};

function processRegion(name: string, docRef: DocumentRef, data: RegionData | undefined, design: SiteDesign): void {
  const d = data ?? {};
  const repos = d.repositories ?? {};
  const site: Site = {
    name,
    docRef,
    tag_definitions: d.tag_definitions ?? [],
    authorized_keys: d.authorized_keys ?? [],
    repositories: {
      remove_unlisted: repos.remove_unlisted === true,
      repositories: Object.entries(repos)
        .filter(([k]) => k !== 'remove_unlisted')
        .map(([repoName, r]) => ({ name: repoName, ...(isObject(r) ? r : {}), arches: arrayOr(isObject(r) ? r.arches : undefined, ['amd64']) })),
    },
  };
  design.region = site;
}

function processNetworkLink(name: string, docRef: DocumentRef, data: NetworkLinkData | undefined, design: SiteDesign): void {
  const d = data ?? {};
  const bonding = d.bonding ?? {};
  const mode = bonding.mode ?? 'disabled';
  const link: NetworkLinkModel = {
    name,
    docRef,
    metalabels: d.labels ?? {},
    bonding_mode: mode,
    mtu: d.mtu ?? 1500,
    linkspeed: d.linkspeed ?? 'auto',
    trunk_mode: d.trunking?.mode ?? 'disabled',
    native_network: d.trunking?.default_network,
    allowed_networks: d.allowed_networks ?? [],
  };
  if (['802.3ad', 'active-backup', 'balance-rr'].includes(mode)) {
    link.bonding_mon_rate = bonding.mon_rate ?? 100;
    link.bonding_up_delay = bonding.up_delay ?? 200;
    link.bonding_down_delay = bonding.down_delay ?? 200;
  } else {
    link.bonding_mon_rate = bonding.mon_rate;
    link.bonding_up_delay = bonding.up_delay;
    link.bonding_down_delay = bonding.down_delay;
  }
  link.bonding_xmit_hash = bonding.hash ?? (mode === '802.3ad' ? 'layer3+4' : undefined);
  link.bonding_peer_rate = bonding.peer_rate ?? (mode === '802.3ad' ? 'fast' : undefined);
  design.network_links.push(link);
}

function processNetwork(name: string, docRef: DocumentRef, data: NetworkData | undefined, design: SiteDesign): void {
  const d = data ?? {};
  const net: NetworkModel = {
    name,
    docRef,
    cidr: d.cidr,
    vlan_id: d.vlan,
    mtu: d.mtu,
    dns_domain: d.dns?.domain ?? 'local',
    dns_servers: d.dns?.servers,
    ranges: d.ranges ?? [],
    routes: (d.routes ?? []).map((r) => ({
      subnet: r.subnet ?? null,
      gateway: r.gateway ?? null,
      metric: r.metric === undefined ? null : String(r.metric),
      routedomain: r.routedomain ?? null,
    })),
    routedomain: d.routedomain,
    dhcp_relay_self_ip: d.dhcp_relay?.self_ip,
    dhcp_relay_upstream_target: d.dhcp_relay?.upstream_target,
    metalabels: d.labels ?? {},
  };
  design.networks.push(net);
}

function processHardwareProfile(name: string, docRef: DocumentRef, data: HardwareProfileData | undefined, design: SiteDesign): void {
  const d = data ?? {};
  const profile: HardwareProfileModel = {
    name,
    docRef,
    vendor: d.vendor,
    generation: d.generation,
    hw_version: d.hw_version,
    bios_version: d.bios_version,
    boot_mode: d.boot_mode,
    bootstrap_protocol: d.bootstrap_protocol,
    pxe_interface: d.pxe_interface,
    devices: Object.entries(d.device_aliases ?? {}).map(([alias, v]) => {
      const a = isObject(v) ? v : {};
      return { alias, address: optStr(a.address), dev_type: optStr(a.dev_type), bus_type: optStr(a.bus_type) };
    }),
    cpu_sets: d.cpu_sets ?? {},
    hugepages_confs: Object.fromEntries(Object.entries(d.hugepages ?? {}).map(([k, v]) => [k, { size: optStr(v.size), count: v.count as number | string | undefined }])),
  };
  design.hardware_profiles.push(profile);
}

function processRack(name: string, docRef: DocumentRef, data: RackData | undefined, design: SiteDesign): void {
  const d = data ?? {};
  const rack: RackModel = {
    name,
    docRef,
    tor_switches: d.tor_switches ?? {},
    location: d.location ?? {},
    local_networks: d.local_networks ?? [],
    labels: d.labels ?? {},
  };
  design.racks.push(rack);
}

function processHostProfile(name: string, docRef: DocumentRef, data: HostProfileData | undefined, design: SiteDesign): void {
  design.host_profiles.push(hostFields('HostProfile', name, docRef, data ?? {}));
}

function processBaremetalNode(name: string, docRef: DocumentRef, data: BaremetalNodeData | undefined, design: SiteDesign): void {
  const d = data ?? {};
  const addressing: Address[] = [];
  for (const a of d.addressing ?? []) {
    if (a.address === undefined || a.address === '') continue;
    addressing.push({ type: a.address === 'dhcp' ? 'dhcp' : 'static', address: a.address, network: a.network ?? '' });
  }
  if (addressing.length === 0) throw new IngesterError('BaremetalNode needs at least 1 assigned address');
  const host = hostFields('BaremetalNode', name, docRef, d as HostProfileData);
  const node: BaremetalNodeModel = { ...host, kind: 'BaremetalNode', addressing };
  design.baremetal_nodes.push(node);
}

function hostFields(kind: HostModel['kind'], name: string, docRef: DocumentRef, d: HostProfileData): HostModel {
  const oob = d.oob ?? {};
  const { type: oobType, ...oobParams } = oob;
  return {
    kind,
    name,
    docRef,
    parent_profile: d.host_profile,
    hardware_profile: d.hardware_profile,
    oob_type: oobType,
    oob_parameters: d.oob ? oobParams : null,
    storage_devices: storageDevices(d.storage?.physical_devices),
    volume_groups: volumeGroups(d.storage?.volume_groups),
    interfaces: interfaces(d.interfaces),
    tags: d.metadata?.tags ?? null,
    owner_data: d.metadata?.owner_data ?? null,
    rack: d.metadata?.rack,
    image: d.platform?.image,
    kernel: d.platform?.kernel,
    kernel_params: d.platform?.kernel_params ?? null,
    primary_network: d.primary_network,
    boot_mac: d.metadata?.boot_mac,
  };
}

type StorageData = NonNullable<HostProfileData['storage']>;

function storageDevices(devices: StorageData['physical_devices']): HostStorageDevice[] {
  return Object.entries(devices ?? {}).map(([name, dev]) => {
    // Drydock: a device is either a volume group member or partitioned; with volume_group, partitions are ignored.
    if (dev.volume_group !== undefined) return { name, labels: dev.labels ?? null, volume_group: dev.volume_group, partitions: [] };
    return {
      name,
      labels: dev.labels ?? null,
      volume_group: null,
      partitions: (dev.partitions ?? []).map((p) => ({
        name: p.name ?? '',
        size: p.size ?? null,
        part_uuid: p.part_uuid ?? null,
        labels: p.labels ?? null,
        // FIX (a quirk of Drydock's YAML ingester): Drydock read the partition's volume_group from a non-existent key, so it
        // was always None. The value written in the design is kept here.
        volume_group: p.volume_group ?? null,
        bootable: p.bootable ?? null,
        ...filesystem(p.filesystem),
      })),
    };
  });
}

function filesystem(fs: { mountpoint?: string; fstype?: string; mount_options?: string; fs_uuid?: string; fs_label?: string } | undefined) {
  if (!fs) return { mountpoint: null, fstype: null, mount_options: null, fs_uuid: null, fs_label: null };
  return {
    mountpoint: fs.mountpoint ?? null,
    fstype: fs.fstype ?? 'ext4',
    mount_options: fs.mount_options ?? 'defaults',
    fs_uuid: fs.fs_uuid ?? null,
    fs_label: fs.fs_label ?? null,
  };
}

function volumeGroups(vgs: StorageData['volume_groups']): HostVolumeGroup[] {
  return Object.entries(vgs ?? {}).map(([name, vg]) => ({
    name,
    vg_uuid: vg.vg_uuid ?? null,
    logical_volumes: (vg.logical_volumes ?? []).map((lv) => ({
      name: lv.name ?? '',
      size: lv.size ?? null,
      lv_uuid: lv.lv_uuid ?? null,
      ...filesystem(lv.filesystem),
    })),
  }));
}

function interfaces(ifaces: HostProfileData['interfaces']): HostInterface[] {
  const out: HostInterface[] = [];
  for (const [name, i] of Object.entries(ifaces ?? {})) {
    // FIX (a quirk of Drydock's YAML ingester): a null interface was silently dropped; it now removes the inherited
    // interface, exactly like a '!name' key.
    if (i === null) {
      out.push(emptyInterface(name.startsWith('!') ? name : `!${name}`));
      continue;
    }
    const sriov = isObject(i.sriov) ? i.sriov : undefined;
    out.push({
      device_name: name,
      network_link: i.device_link ?? null,
      hardware_slaves: i.slaves ?? null,
      networks: i.networks ?? null,
      sriov: sriov !== undefined,
      vf_count: typeof sriov?.vf_count === 'number' ? sriov.vf_count : 0,
      // Drydock reads `trustedmode` while its schema documents `trustmode`; both are accepted.
      trustedmode: sriov?.trustedmode === true || sriov?.trustmode === true,
    });
  }
  return out;
}

function emptyInterface(name: string): HostInterface {
  return { device_name: name, network_link: null, hardware_slaves: null, networks: null, sriov: false, vf_count: 0, trustedmode: false };
}

function processBootAction(name: string, docRef: DocumentRef, data: BootActionData | undefined, design: SiteDesign, raw: unknown): void {
  const d = data ?? {};
  const rawAssets = isObject(raw) && Array.isArray(raw.assets) ? raw.assets : [];
  const assets = (d.assets ?? []).map((a, i) => bootActionAsset(a, rawAssets[i]));
  const ba: BootActionModel = {
    name,
    docRef,
    signaling: d.signaling ?? true,
    assets,
    node_filter: (d.node_filter as NodeFilterSet | undefined) ?? null,
  };
  design.bootactions.push(ba);
}

type AssetData = NonNullable<BootActionData['assets']>[number];

function bootActionAsset(a: AssetData, raw: unknown): BootActionAsset {
  const asset: BootActionAsset = {
    type: a.type,
    path: a.path,
    location: a.location,
    location_pipeline: a.location_pipeline ?? [],
    data_pipeline: a.data_pipeline ?? [],
    permissions: a.permissions === undefined ? undefined : parseInt(a.permissions, 8),
  };
  if (a.type === 'pkg_list' && a.data !== undefined && typeof a.data === 'object') {
    const rawData = isObject(raw) ? raw.data : undefined;
    // Drydock raises InvalidPackageListFormat (not an IngesterError), hence "Unexpected error processing document".
    if (hasNonStringKeys(rawData)) throw new Error('Keys and values must be strings.');
    asset.package_list = a.data;
  } else if (typeof a.data === 'string') {
    asset.data = a.data;
  }
  return asset;
}

function arrayOr(v: unknown, fallback: string[]): string[] {
  return Array.isArray(v) ? v.map(String) : fallback;
}

function optStr(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
