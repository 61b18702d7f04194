/**
 * MaaS 2.0 JSON objects as the API returns them, limited to the fields Drydock reads
 * (the fields Drydock's MaaS models read). Shared by the client and the emulator so both speak one shape.
 */
export interface MaasLink {
  id: number;
  mode: 'auto' | 'dhcp' | 'static' | 'link_up';
  subnet?: { id: number; cidr: string; vlan?: number } | null;
  ip_address?: string | null;
}

export interface MaasVlanRef {
  id: number;
  vid: number;
  fabric_id: number;
  fabric: string;
  mtu: number;
}

export interface MaasInterface {
  id: number;
  name: string;
  type: 'physical' | 'bond' | 'vlan' | 'bridge';
  mac_address: string;
  vlan: MaasVlanRef | null;
  links: MaasLink[];
  mtu?: number;
  effective_mtu: number;
  parents: string[];
  children: string[];
  params?: Record<string, string | number>;
  tags: string[];
  system_id: string;
  resource_uri: string;
}

export interface MaasFilesystem {
  fstype: string;
  uuid?: string | null;
  label?: string | null;
  mount_point?: string | null;
  mount_options?: string | null;
}

export interface MaasPartition {
  id: number;
  uuid: string;
  size: number;
  bootable: boolean;
  path: string;
  type: 'partition';
  device_id: number;
  filesystem: MaasFilesystem | null;
  system_id: string;
  resource_uri: string;
}

export interface MaasBlockDevice {
  id: number;
  name: string;
  path: string;
  id_path?: string;
  size: number;
  available_size: number;
  used_size: number;
  type: 'physical' | 'virtual';
  uuid?: string | null;
  serial?: string;
  model?: string;
  tags: string[];
  filesystem: MaasFilesystem | null;
  partitions: MaasPartition[];
  /** Partition table; set when the layout or a partition was created. */
  partition_table_type?: string | null;
  system_id: string;
  resource_uri: string;
}

export interface MaasLogicalVolume {
  id: number;
  name: string;
  uuid: string;
  size: number;
}

export interface MaasVolumeGroup {
  id: number;
  name: string;
  uuid: string;
  size: number;
  available_size: number;
  devices: Array<{ id: number; name: string; type: 'physical' | 'partition' }>;
  logical_volumes: MaasLogicalVolume[];
  system_id: string;
  resource_uri: string;
}

export interface MaasMachine {
  system_id: string;
  hostname: string;
  fqdn?: string;
  domain: { id: number; name: string };
  status: number;
  status_name: string;
  power_type: string;
  power_state: 'on' | 'off' | 'unknown' | 'error';
  boot_interface: { id: number; name: string; mac_address: string; links: MaasLink[] } | null;
  interface_set: MaasInterface[];
  blockdevice_set: MaasBlockDevice[];
  memory: number;
  cpu_count: number;
  tag_names: string[];
  owner: string | null;
  owner_data: Record<string, string>;
  osystem: string;
  distro_series: string;
  hwe_kernel: string | null;
  boot_disk: { id: number; name: string } | null;
  node_type_name?: string;
  resource_uri: string;
}

export interface MaasPowerParameters {
  power_address?: string;
  power_user?: string;
  power_pass?: string;
  power_id?: string;
  [k: string]: string | undefined;
}

export interface MaasService {
  name: string;
  status: 'running' | 'off' | 'dead' | 'degraded' | 'unknown';
  status_info?: string;
}

export interface MaasRackController {
  system_id: string;
  hostname: string;
  service_set: MaasService[];
  interface_set: MaasInterface[];
  node_type_name: string;
  resource_uri: string;
}

export interface MaasBootResource {
  id: number;
  type: 'Synced' | 'Uploaded' | 'Generated';
  name: string;
  architecture: string;
  subarches?: string;
  resource_uri: string;
}

export interface MaasFabric {
  id: number;
  name: string;
  description?: string;
  vlans: MaasVlan[];
  resource_uri: string;
}

export interface MaasVlan {
  id: number;
  vid: number;
  name: string | null;
  fabric: string;
  fabric_id: number;
  mtu: number;
  dhcp_on: boolean;
  primary_rack: string | null;
  secondary_rack: string | null;
  relay_vlan: number | null;
  resource_uri: string;
}

export interface MaasSubnet {
  id: number;
  name: string;
  cidr: string;
  vlan: MaasVlan;
  gateway_ip: string | null;
  dns_servers: string[];
  rdns_mode: number;
  allow_proxy: boolean;
  resource_uri: string;
}

export interface MaasIpRange {
  id: number;
  type: 'reserved' | 'dynamic';
  start_ip: string;
  end_ip: string;
  subnet: { id: number; cidr: string };
  comment: string;
  resource_uri: string;
}

export interface MaasStaticRoute {
  id: number;
  source: { id: number; cidr: string };
  destination: { id: number; cidr: string };
  gateway_ip: string;
  metric: number;
  resource_uri: string;
}

export interface MaasDomain {
  id: number;
  name: string;
  authoritative: boolean;
  ttl: number | null;
  resource_uri: string;
}

export interface MaasTag {
  name: string;
  definition: string;
  comment: string;
  kernel_opts: string | null;
  resource_uri: string;
}

export interface MaasSshKey {
  id: number;
  key: string;
  resource_uri: string;
}

export interface MaasPackageRepository {
  id: number;
  name: string;
  url: string;
  key: string;
  enabled: boolean;
  distributions: string[];
  components: string[];
  disabled_components: string[];
  disabled_pockets: string[];
  arches: string[];
  resource_uri: string;
}

export interface MaasVersion {
  capabilities: string[];
  version: string;
  subversion: string;
}

/** One script result of commissioning-results/ (NodeResultsHandler). */
export interface MaasNodeResult {
  id: number;
  name: string;
  /** The script's exit status. */
  script_result: number;
  result_type: number;
  created: string;
  updated: string;
  node: { system_id: string };
  /** The script's output, base64. */
  data: string;
  resource_uri: string;
}
