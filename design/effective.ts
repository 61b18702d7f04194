/**
 * The effective design (Drydock's `get_effective_site` minus validation): host profile inheritance,
 * hardware profiles (device aliases, kernel parameter references), domain/FQDN, boot action targets and
 * route domains. Pure: takes an ingested SiteDesign, returns a new, compiled one.
 */
import { clonePlain, inheritField, mergeDicts, mergeLists, mergeNamed } from './inheritance';
import type {
  Address,
  BaremetalNodeModel,
  BootActionModel,
  DeviceAlias,
  HardwareProfileModel,
  HostInterface,
  HostLogicalVolume,
  HostModel,
  HostPartition,
  HostStorageDevice,
  HostVolumeGroup,
  NetworkModel,
  SiteDesign,
} from './model';
import { selectNodes } from './nodeFilter';

/** A design that cannot be compiled (missing profile, inheritance loop...). */
export class DesignError extends Error {}

export interface EffectiveInterface extends HostInterface {
  /** Same as device_name; the name Drydock's API uses. */
  name: string;
}

export interface EffectiveNode extends BaremetalNodeModel {
  interfaces: EffectiveInterface[];
  tags: string[];
  owner_data: Record<string, string>;
  /** Kernel parameters after hardware-profile references are resolved; values are strings as in Drydock. */
  kernel_params: Record<string, string>;
  /** The OOB settings as one object: type plus every other `oob` key (network, account, credential, port...). */
  kernel_param_string: string;
  domain: string;
  fqdn: string;
}

/** A node's OOB settings as one object: Drydock's oob_type with its oob_parameters (network, account, credential...). */
export interface OobSettings {
  type: string | null;
  network?: string;
  account?: string;
  credential?: string;
  [key: string]: unknown;
}

/** Derived, never stored: the effective node keeps Drydock's oob_type and oob_parameters. */
export function oobOf(node: Pick<EffectiveNode, 'oob_type' | 'oob_parameters'>): OobSettings {
  return { ...(node.oob_parameters ?? {}), type: node.oob_type ?? null };
}

export interface EffectiveBootAction extends BootActionModel {
  target_nodes: string[];
}

export interface EffectiveDesign extends SiteDesign {
  /** The region (site) name, '' when the design has no Region document. */
  site: string;
  baremetal_nodes: EffectiveNode[];
  bootactions: EffectiveBootAction[];
}

/** Compile an ingested design. Throws DesignError on a design that cannot be compiled. */
export function compileDesign(design: SiteDesign): EffectiveDesign {
  const profiles = new Map(design.host_profiles.map((p) => [p.name, p]));
  const hwProfiles = new Map(design.hardware_profiles.map((h) => [h.name, h]));
  const networks = new Map(design.networks.map((n) => [n.name, n]));
  const compiled = new Map<string, HostModel>();
  const compileProfile = (name: string, chain: string[]): HostModel => {
    const done = compiled.get(name);
    if (done) return done;
    const profile = profiles.get(name);
    if (!profile) throw new DesignError(`Host profile ${name} not found in design (parent of ${chain[chain.length - 1]})`);
    if (chain.includes(name)) throw new DesignError(`Host profile inheritance loop: ${[...chain, name].join(' -> ')}`);
    const result = profile.parent_profile ? mergeHost(profile, compileProfile(profile.parent_profile, [...chain, name])) : profile;
    compiled.set(name, result);
    return result;
  };
  const nodes = design.baremetal_nodes.map((node) => {
    const parent = node.parent_profile ? compileProfile(node.parent_profile, [node.name]) : undefined;
    // A fresh object either way, so effectiveNode may complete it in place.
    const merged = parent ? mergeHost(node, parent) : clonePlain(node);
    merged.kind = 'BaremetalNode';
    merged.addressing = node.addressing.map((a) => ({ ...a }));
    return effectiveNode(merged, hwProfiles, networks);
  });
  const out: EffectiveDesign = {
    ...design,
    site: design.region?.name ?? '',
    host_profiles: design.host_profiles.map((p) => compileProfile(p.name, [])),
    baremetal_nodes: nodes,
    networks: design.networks.map((n) => ({ ...n, routes: n.routes.map((r) => ({ ...r })) })),
    bootactions: [],
  };
  out.bootactions = design.bootactions.map((ba) => ({ ...ba, target_nodes: selectNodes(out, ba.node_filter) }));
  renderRouteDomains(out.networks);
  return out;
}

/** One host (profile or node) merged over its compiled parent. */
function mergeHost<T extends HostModel>(child: T, parent: HostModel): T {
  return {
    ...child,
    hardware_profile: inheritField(child.hardware_profile, parent.hardware_profile),
    oob_type: inheritField(child.oob_type, parent.oob_type),
    rack: inheritField(child.rack, parent.rack),
    image: inheritField(child.image, parent.image),
    kernel: inheritField(child.kernel, parent.kernel),
    primary_network: inheritField(child.primary_network, parent.primary_network),
    boot_mac: inheritField(child.boot_mac, parent.boot_mac),
    oob_parameters: mergeDicts(child.oob_parameters, parent.oob_parameters),
    owner_data: mergeDicts(child.owner_data, parent.owner_data),
    kernel_params: mergeDicts(child.kernel_params, parent.kernel_params),
    tags: mergeLists(child.tags, parent.tags),
    interfaces: mergeNamed(child.interfaces, parent.interfaces, (i) => i.device_name, mergeInterface),
    storage_devices: mergeNamed(child.storage_devices, parent.storage_devices, (d) => d.name, mergeDevice),
    volume_groups: mergeNamed(child.volume_groups, parent.volume_groups, (v) => v.name, mergeVolumeGroup),
  };
}

function mergeInterface(c: HostInterface, p: HostInterface): HostInterface {
  return {
    device_name: c.device_name,
    network_link: inheritField(c.network_link, p.network_link),
    hardware_slaves: mergeLists(c.hardware_slaves, p.hardware_slaves),
    networks: mergeLists(c.networks, p.networks),
    // FIX (a quirk of Drydock's interface merge): Drydock dropped sriov, vf_count and trustedmode when interfaces merged.
    sriov: c.sriov || p.sriov,
    vf_count: c.sriov ? c.vf_count : p.vf_count,
    trustedmode: c.sriov ? c.trustedmode : p.trustedmode,
  };
}

function mergeDevice(c: HostStorageDevice, p: HostStorageDevice): HostStorageDevice {
  return {
    name: c.name,
    volume_group: inheritField(c.volume_group, p.volume_group),
    labels: mergeDicts(c.labels, p.labels),
    partitions: mergeNamed(c.partitions, p.partitions, (x) => x.name, mergePartition),
  };
}

const FS_FIELDS = ['mountpoint', 'fstype', 'mount_options', 'fs_uuid', 'fs_label'] as const;

function mergePartition(c: HostPartition, p: HostPartition): HostPartition {
  const out: HostPartition = { ...c, labels: mergeDicts(c.labels, p.labels) };
  for (const f of ['part_uuid', 'size', 'volume_group', 'bootable', ...FS_FIELDS] as const) {
    (out as unknown as Record<string, unknown>)[f] = inheritField(c[f], p[f]);
  }
  return out;
}

function mergeVolumeGroup(c: HostVolumeGroup, p: HostVolumeGroup): HostVolumeGroup {
  return {
    name: c.name,
    vg_uuid: inheritField(c.vg_uuid, p.vg_uuid),
    // FIX (a quirk of Drydock's storage merge): Drydock stored the merged LVs under the wrong attribute, losing them.
    logical_volumes: mergeNamed(c.logical_volumes, p.logical_volumes, (l) => l.name, mergeLogicalVolume),
  };
}

function mergeLogicalVolume(c: HostLogicalVolume, p: HostLogicalVolume): HostLogicalVolume {
  const out: HostLogicalVolume = { ...c };
  for (const f of ['lv_uuid', 'size', ...FS_FIELDS] as const) {
    (out as unknown as Record<string, unknown>)[f] = inheritField(c[f], p[f]);
  }
  return out;
}

/** A fully merged node (a fresh object, completed in place) → the effective node: '!' leftovers removed, hardware profile applied, names derived. */
function effectiveNode(node: BaremetalNodeModel, hwProfiles: Map<string, HardwareProfileModel>, networks: Map<string, NetworkModel>): EffectiveNode {
  if (!node.hardware_profile) throw new DesignError(`BaremetalNode ${node.name} has no hardware_profile (set it on the node or a host profile)`);
  const hw = hwProfiles.get(node.hardware_profile);
  if (!hw) throw new DesignError(`Hardware profile ${node.hardware_profile} of BaremetalNode ${node.name} not found in design`);
  const aliases = aliasMap(hw);
  // The merged node's interfaces, devices and volume groups are fresh copies too (mergeNamed/clonePlain):
  // completed in place, with the keys in the order a spread copy would give.
  const interfaces: EffectiveInterface[] = [];
  for (const i of node.interfaces as EffectiveInterface[]) {
    if (i.device_name.startsWith('!')) continue;
    const slaves = i.hardware_slaves ?? [];
    const selectors: DeviceAlias[] = [];
    for (const s of slaves) {
      const a = aliases.get(s);
      if (a !== undefined) selectors.push(a);
    }
    i.name = i.device_name;
    i.networks = withoutBang(i.networks ?? []);
    i.hardware_slaves = withoutBang(slaves);
    i.slave_selectors = selectors;
    interfaces.push(i);
  }
  const storage_devices: HostStorageDevice[] = [];
  for (const d of node.storage_devices) {
    if (d.name.startsWith('!')) continue;
    d.partitions = d.partitions.filter(notBanged);
    d.selector = aliases.get(d.name);
    storage_devices.push(d);
  }
  const volume_groups: HostVolumeGroup[] = [];
  for (const v of node.volume_groups) {
    if (v.name.startsWith('!')) continue;
    v.logical_volumes = v.logical_volumes.filter(notBanged);
    volume_groups.push(v);
  }
  const kernel_params = resolveKernelParams(stripBang(node.kernel_params ?? {}), hw);
  const kernel_param_string = kernelParamString(kernel_params);
  const domain = (node.primary_network && networks.get(node.primary_network)?.dns_domain) || 'local';
  const oobParams = stripBang(node.oob_parameters ?? {});
  // Completed in place (the caller's fresh merged object): same keys, same order as a spread copy.
  const out = node as EffectiveNode;
  out.interfaces = interfaces;
  out.storage_devices = storage_devices;
  out.volume_groups = volume_groups;
  out.tags = withoutBang(node.tags ?? []);
  out.owner_data = stripBang(node.owner_data ?? {});
  out.oob_parameters = oobParams;
  out.kernel_params = kernel_params;
  out.kernel_param_string = kernel_param_string;
  out.domain = domain;
  out.fqdn = `${node.name}.${domain}`;
  return out;
}

function stripBang<V>(d: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(d)) if (!k.startsWith('!')) out[k] = d[k];
  return out;
}

function withoutBang(list: string[]): string[] {
  const out: string[] = [];
  for (const x of list) if (!x.startsWith('!')) out.push(x);
  return out;
}

function notBanged(x: { name: string }): boolean {
  return !x.name.startsWith('!');
}

/** Device aliases by name, built once per hardware profile rather than once per node. */
const aliasMaps = new WeakMap<HardwareProfileModel, Map<string, DeviceAlias>>();

function aliasMap(hw: HardwareProfileModel): Map<string, DeviceAlias> {
  let m = aliasMaps.get(hw);
  if (!m) {
    m = new Map(hw.devices.map((d) => [d.alias, d]));
    aliasMaps.set(hw, m);
  }
  return m;
}

/**
 * `hardwareprofile:cpuset.<name>` and `hardwareprofile:hugepages.<conf>.size|count` take their value from
 * the node's hardware profile; an unresolvable reference keeps its raw text (Drydock logs a warning).
 * Values become strings the way Python's str() renders them (true → 'True').
 */
export function resolveKernelParams(params: Record<string, unknown>, hw: HardwareProfileModel): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(params)) out[k] = pyStr(resolveReference(params[k], hw));
  return out;
}

function resolveReference(value: unknown, hw: HardwareProfileModel): unknown {
  if (typeof value !== 'string' || !value.startsWith('hardwareprofile:')) return value;
  const ref = value.slice('hardwareprofile:'.length);
  const [refType, ...rest] = ref.split('.');
  if (refType === 'cpuset') return hw.cpu_sets[rest.join('.')] ?? value;
  if (refType === 'hugepages' && rest.length === 2) {
    const conf = hw.hugepages_confs[rest[0]];
    const field = rest[1] as 'size' | 'count';
    if (conf && (field === 'size' || field === 'count') && conf[field] !== undefined) return conf[field];
  }
  return value;
}

function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Drydock's kernel parameter string: `hugepagesz=X hugepages=Y` first, then each parameter in order, a
 * 'True' value as a bare flag. (Drydock also emits a leading space when there are no hugepages; trimmed.)
 */
export function kernelParamString(params: Record<string, string>): string {
  const parts: string[] = [];
  const hugepages = 'hugepagesz' in params && 'hugepages' in params;
  if (hugepages) parts.push(`hugepagesz=${params.hugepagesz}`, `hugepages=${params.hugepages}`);
  for (const k of Object.keys(params)) {
    if (hugepages && (k === 'hugepagesz' || k === 'hugepages')) continue;
    const v = params[k];
    parts.push(v === 'True' ? k : `${k}=${v}`);
  }
  return parts.join(' ');
}

/**
 * Route domains (Drydock `render_route_domains`): a network whose route names a routedomain (with gateway
 * and metric) gets that route to every *other* network of the domain. Only the first such route counts.
 */
export function renderRouteDomains(networks: NetworkModel[]): void {
  const domains = new Map<string, NetworkModel[]>();
  for (const n of networks) {
    if (!n.routedomain) continue;
    const list = domains.get(n.routedomain) ?? [];
    list.push(n);
    domains.set(n.routedomain, list);
  }
  for (const n of networks) {
    const route = n.routes.find((r) => r.routedomain);
    if (!route || !route.gateway || route.metric === null) continue;
    for (const other of domains.get(route.routedomain as string) ?? []) {
      if (other === n || !other.cidr) continue;
      n.routes.push({ subnet: other.cidr, gateway: route.gateway, metric: route.metric });
    }
  }
}

export type { Address };
