/**
 * The site design as Drydock's object model sees it: documents after field processing (defaults applied,
 * keys renamed to Drydock's attribute names). The same shapes hold before and after compilation; compiled
 * nodes additionally carry the fields of `EffectiveNode`.
 */

/** A reference to the document a message is about, as Drydock serialises it. */
export interface DocumentRef {
  schema: string;
  name: string;
}

export interface Repository {
  name: string;
  repo_type?: string;
  url?: string;
  distributions?: string[];
  subrepos?: string[];
  components?: string[];
  gpgkey?: string;
  arches: string[];
  options?: Record<string, unknown>;
}

export interface Site {
  name: string;
  docRef: DocumentRef;
  tag_definitions: { tag?: string; definition_type?: string; definition?: string }[];
  authorized_keys: string[];
  repositories: { remove_unlisted: boolean; repositories: Repository[] };
}

export interface NetworkLinkModel {
  name: string;
  docRef: DocumentRef;
  metalabels: Record<string, unknown>;
  bonding_mode: string;
  bonding_xmit_hash?: string;
  bonding_peer_rate?: string;
  bonding_mon_rate?: number;
  bonding_up_delay?: number;
  bonding_down_delay?: number;
  mtu: number;
  linkspeed: string;
  trunk_mode: string;
  native_network?: string;
  allowed_networks: string[];
}

export interface Route {
  subnet: string | null;
  gateway: string | null;
  /** Drydock stores route values as strings (metric 10 → '10'). */
  metric: string | null;
  routedomain?: string | null;
}

export interface NetworkModel {
  name: string;
  docRef: DocumentRef;
  cidr?: string;
  vlan_id?: string;
  mtu?: number;
  dns_domain: string;
  dns_servers?: string;
  ranges: { type?: string; start?: string; end?: string }[];
  routes: Route[];
  routedomain?: string;
  dhcp_relay_self_ip?: string;
  dhcp_relay_upstream_target?: string;
  metalabels: Record<string, unknown>;
}

export interface DeviceAlias {
  alias: string;
  address?: string;
  dev_type?: string;
  bus_type?: string;
}

export interface HardwareProfileModel {
  name: string;
  docRef: DocumentRef;
  vendor?: string;
  generation?: string;
  hw_version?: string;
  bios_version?: string;
  boot_mode?: string;
  bootstrap_protocol?: string;
  pxe_interface?: number;
  devices: DeviceAlias[];
  cpu_sets: Record<string, string>;
  hugepages_confs: Record<string, { size?: string; count?: number | string }>;
}

export interface RackModel {
  name: string;
  docRef: DocumentRef;
  tor_switches: Record<string, unknown>;
  location: Record<string, unknown>;
  local_networks: string[];
  labels: Record<string, unknown>;
}

export interface Filesystem {
  mountpoint?: string | null;
  fstype?: string | null;
  mount_options?: string | null;
  fs_uuid?: string | null;
  fs_label?: string | null;
}

export interface HostPartition extends Filesystem {
  name: string;
  size?: string | null;
  part_uuid?: string | null;
  volume_group?: string | null;
  labels?: Record<string, string> | null;
  bootable?: boolean | null;
}

export interface HostStorageDevice {
  name: string;
  volume_group?: string | null;
  labels?: Record<string, string> | null;
  partitions: HostPartition[];
  /** After compilation: the hardware-profile alias this device name refers to, if any. */
  selector?: DeviceAlias;
}

export interface HostLogicalVolume extends Filesystem {
  name: string;
  size?: string | null;
  lv_uuid?: string | null;
}

export interface HostVolumeGroup {
  name: string;
  vg_uuid?: string | null;
  logical_volumes: HostLogicalVolume[];
}

export interface HostInterface {
  device_name: string;
  network_link?: string | null;
  hardware_slaves: string[] | null;
  networks: string[] | null;
  sriov: boolean;
  vf_count: number;
  trustedmode: boolean;
  /** After compilation: hardware-profile aliases resolved for each slave. */
  slave_selectors?: DeviceAlias[];
}

export interface Address {
  type: 'dhcp' | 'static';
  address: string;
  network: string;
}

export interface HostModel {
  kind: 'HostProfile' | 'BaremetalNode';
  name: string;
  docRef: DocumentRef;
  parent_profile?: string | null;
  hardware_profile?: string | null;
  oob_type?: string | null;
  oob_parameters: Record<string, unknown> | null;
  storage_devices: HostStorageDevice[];
  volume_groups: HostVolumeGroup[];
  interfaces: HostInterface[];
  tags: string[] | null;
  owner_data: Record<string, string> | null;
  rack?: string | null;
  image?: string | null;
  kernel?: string | null;
  kernel_params: Record<string, unknown> | null;
  primary_network?: string | null;
  boot_mac?: string | null;
}

export interface BaremetalNodeModel extends HostModel {
  kind: 'BaremetalNode';
  addressing: Address[];
}

/** Drydock's node filter: a set of filters combined by union or intersection (task node filters, boot actions). */
export interface NodeFilterSet {
  filter_set_type: 'union' | 'intersection';
  filter_set: NodeFilter[];
}
export interface NodeFilter {
  filter_type: 'union' | 'intersection';
  node_names?: string[];
  node_tags?: string[];
  node_labels?: Record<string, string>;
  rack_names?: string[];
  rack_labels?: Record<string, string>;
}

export interface BootActionAsset {
  type: 'unit' | 'file' | 'pkg_list';
  path?: string;
  location?: string;
  data?: string;
  package_list?: Record<string, string | null>;
  location_pipeline: string[];
  data_pipeline: string[];
  /** Octal permissions as a number (e.g. '555' → 0o555). */
  permissions?: number;
}

export interface BootActionModel {
  name: string;
  docRef: DocumentRef;
  signaling: boolean;
  assets: BootActionAsset[];
  node_filter: NodeFilterSet | null;
  /** After compilation: the names of the nodes the filter selects, in design order. */
  target_nodes?: string[];
}

/** What ingestion produces: documents sorted by kind, in document order. */
export interface SiteDesign {
  /** The Region document (Drydock's `site`). */
  region?: Site;
  networks: NetworkModel[];
  network_links: NetworkLinkModel[];
  host_profiles: HostModel[];
  hardware_profiles: HardwareProfileModel[];
  baremetal_nodes: BaremetalNodeModel[];
  racks: RackModel[];
  bootactions: BootActionModel[];
}

export function emptySiteDesign(): SiteDesign {
  return {
    networks: [],
    network_links: [],
    host_profiles: [],
    hardware_profiles: [],
    baremetal_nodes: [],
    racks: [],
    bootactions: [],
  };
}
