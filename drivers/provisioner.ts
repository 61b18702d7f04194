import type { Repository } from '../design/model';
/**
 * The node provisioner's contract: one method per Drydock node-driver step, plain data in and out.
 * Every method is idempotent and returns quickly; the orchestrator polls `machineStatus` with durable timers.
 */
export type StartResult = 'started' | 'already';

/** How Drydock finds a node in MaaS (the MaaS driver's find_node_in_maas). */
export interface NodeIdentity {
  /** The design node name; also the hostname MaaS gets once identified. */
  name: string;
  oobType: string;
  /** The node's address on its OOB network (ipmi/redfish lookups by power_address). */
  oobAddress?: string;
  /** metadata.boot_mac (lookups for other OOB types). */
  bootMac?: string;
  /** DNS domain of the primary network; Drydock falls back to `local`. Used by identifyNode. */
  domain?: string;
}

export interface Machine {
  systemId: string;
  hostname: string;
  statusName: string;
  status: number;
  powerState: string;
  powerType: string;
  domain: string;
  bootMac?: string;
  bootIp?: string;
  tags: string[];
  ownerData: Record<string, string>;
  /** Found among rack controllers: Drydock skips most steps for these. */
  rackController: boolean;
}

/** One machine as Drydock's GET /nodes lists it (MaaS machines/ with each machine's power parameters). */
export interface MachineSummary {
  systemId: string;
  hostname: string;
  statusName: string;
  powerState: string;
  /** MiB, as MaaS reports it. */
  memory: number;
  cpuCount: number;
  bootMac?: string;
  bootIp?: string;
  /** The BMC address MaaS powers the machine through. */
  powerAddress?: string;
}

export interface MachineStatus {
  systemId: string;
  hostname: string;
  statusName: string;
  status: number;
  powerState: string;
}

/** One check of VerifySite (Drydock's ValidateNodeServices). */
export interface ServiceCheck {
  name: string;
  ok: boolean;
  message: string;
  /** e.g. a rack controller's system_id, or "maas". */
  context?: string;
  contextType?: 'cluster' | 'rack_ctlr';
  /** The failure may go away by itself (MaaS unreachable, 5xx). */
  retry?: boolean;
}

/** What a step did, for the task's messages; site-wide steps name their successes and failures. */
/** A step's own report: what it did, in lines an operator reads in the task messages. */
export interface StepReport {
  messages: string[];
  /** Names that succeeded/failed inside a site-wide step (networks, keys, repositories). */
  successes?: string[];
  failures?: string[];
}

// ---- Networking (apply_node_networking) ----

export interface BondingPlan {
  /** MaaS bond_mode: 802.3ad, active-backup, balance-rr... */
  mode: string;
  miimon?: number;
  downdelay?: number;
  updelay?: number;
  lacpRate?: string;
  xmitHashPolicy?: string;
}

export interface NetworkAttachmentPlan {
  /** Design network name (used in messages and results). */
  name: string;
  cidr: string;
  /** VLAN tag; undefined or 0 = untagged. */
  vlan?: number;
  mtu?: number;
  /** The link's native network: attach on the interface itself rather than a VLAN sub-interface. */
  native: boolean;
  mode: 'dhcp' | 'static' | 'link_up';
  ip?: string;
  /** True for the node's primary network. */
  defaultGateway: boolean;
}

export interface InterfacePlan {
  /** Design interface name; becomes the bond's name. */
  name: string;
  /** Network link = MaaS fabric name. */
  link: string;
  mtu?: number;
  /** Set when the link is bonded (mode other than disabled). */
  bonding?: BondingPlan;
  /** Physical NIC names in MaaS (device aliases already resolved) or MAC addresses. */
  slaves: string[];
  networks: NetworkAttachmentPlan[];
  /** Links labelled noconfig are skipped. */
  noconfig?: boolean;
}

export interface NodeNetworkPlan {
  interfaces: InterfacePlan[];
}

// ---- Storage (apply_node_storage) ----

export interface FilesystemPlan {
  mountpoint?: string;
  fstype?: string;
  mountOptions?: string;
  fsUuid?: string;
  fsLabel?: string;
}

export interface PartitionPlan {
  name: string;
  /** Drydock size string: "10g", "300mb", "20%", ">50gib"... (see calculateBytes). */
  size: string;
  partUuid?: string;
  bootable?: boolean;
  volumeGroup?: string;
  filesystem?: FilesystemPlan;
}

export interface StorageDevicePlan {
  /** Block device name in MaaS (aliases resolved), e.g. sda. */
  name: string;
  /** Whole device becomes a physical volume of this VG. */
  volumeGroup?: string;
  partitions: PartitionPlan[];
}

export interface LogicalVolumePlan {
  name: string;
  size: string;
  lvUuid?: string;
  filesystem?: FilesystemPlan;
}

export interface VolumeGroupPlan {
  name: string;
  vgUuid?: string;
  logicalVolumes: LogicalVolumePlan[];
}

export interface NodeStoragePlan {
  physicalDevices: StorageDevicePlan[];
  volumeGroups: VolumeGroupPlan[];
}

// ---- Platform (apply_node_platform) and deploy ----

export interface NodePlatformPlan {
  /** The node name: kernel options go on tag `<node>_kp`. */
  nodeName: string;
  /** Drydock's kernel parameter string (see kernelParamString). Empty: no kp tag. */
  kernelParams: string;
  /** metadata.tags */
  tags: string[];
  image?: string;
  kernel?: string;
}

export interface DeployOptions {
  /** distro_series, e.g. jammy. */
  image?: string;
  /** hwe_kernel, e.g. ga-22.04. */
  kernel?: string;
  /** Cloud-config text; sent base64-encoded as MaaS expects. */
  userData?: string;
  /** metadata.owner_data, set as workload annotations once the machine is allocated. */
  ownerData?: Record<string, string>;
  /** With bootActionKey: tag `<node>__baid__<key>` replaces older ones (Drydock's boot action context). */
  nodeName?: string;
  bootActionKey?: string;
}

// ---- Site-wide steps ----

export interface IpRangePlan {
  type: 'dhcp' | 'reserved' | 'static';
  start: string;
  end: string;
}

export interface RoutePlan {
  /** Destination CIDR; 0.0.0.0/0 is the default route (its gateway becomes the subnet's gateway_ip). */
  subnet: string;
  gateway: string;
  metric?: number;
}

export interface TemplateNetworkPlan {
  name: string;
  cidr: string;
  vlan?: number;
  mtu?: number;
  dnsDomain?: string;
  dnsServers?: string[];
  ranges: IpRangePlan[];
  routes: RoutePlan[];
  /** dhcp_relay.upstream_target */
  dhcpRelayUpstream?: string;
  noconfig?: boolean;
}

export interface TemplateLinkPlan {
  name: string;
  mtu?: number;
  /** Networks allowed on the link. */
  networks: TemplateNetworkPlan[];
  noconfig?: boolean;
}

export interface NetworkTemplatePlan {
  links: TemplateLinkPlan[];
}

/** Region repository: the design's own shape (Region.repositories). */
export type RepositoryPlan = Repository;

export interface RepositoriesPlan {
  remove_unlisted: boolean;
  repositories: RepositoryPlan[];
}

/** One script's output from the machine's current commissioning run (MaaS commissioning-results). */
export interface CommissioningResult {
  /** The script name, e.g. `maas-lshw` (MaaS 3.x) or `00-maas-01-lshw` (MaaS 2.x). */
  name: string;
  exitStatus: number;
  /** When MaaS stored it, as MaaS writes it. */
  updated: string;
  /** The output, decoded as UTF-8. */
  data: string;
}

export interface Provisioner {
  validateServices(): Promise<ServiceCheck[]>;
  availableImages(): Promise<string[]>;
  availableKernels(image: string): Promise<string[]>;
  /** Every machine MaaS knows (not its rack controllers), for Drydock's node list. */
  listMachines(): Promise<MachineSummary[]>;
  findMachine(node: NodeIdentity): Promise<Machine | undefined>;
  identifyNode(systemId: string, node: NodeIdentity): Promise<Machine>;
  startCommission(systemId: string): Promise<StartResult>;
  machineStatus(systemId: string): Promise<MachineStatus>;
  applyNetworking(systemId: string, plan: NodeNetworkPlan): Promise<StepReport>;
  applyStorage(systemId: string, plan: NodeStoragePlan): Promise<StepReport>;
  applyPlatform(systemId: string, plan: NodePlatformPlan): Promise<StepReport>;
  startDeploy(systemId: string, opts: DeployOptions): Promise<StartResult>;
  startRelease(systemId: string): Promise<StartResult>;
  deleteMachine(systemId: string): Promise<'deleted' | 'absent'>;
  /** The outputs of the machine's current commissioning run (lshw XML, LLDP neighbours...). */
  commissioningResults(systemId: string): Promise<CommissioningResult[]>;
  /** Drydock's reset_storage_config: every logical volume, volume group and partition deleted. */
  resetStorage(systemId: string): Promise<StepReport>;
  createNetworkTemplate(plan: NetworkTemplatePlan): Promise<StepReport>;
  configureUserCredentials(sshKeys: string[]): Promise<StepReport>;
  configureNodeProvisioner(repositories: RepositoriesPlan): Promise<StepReport>;
}
