import type {
  MaasBlockDevice,
  MaasFabric,
  MaasInterface,
  MaasIpRange,
  MaasLink,
  MaasMachine,
  MaasPartition,
  MaasRackController,
  MaasStaticRoute,
  MaasSubnet,
  MaasTag,
  MaasVlan,
  MaasVolumeGroup,
  MaasPackageRepository,
  MaasDomain,
  MaasBootResource,
} from '../../drivers/maas/models/wire';
import type { BlockDeviceRecord, InterfaceRecord, MachineRecord, MaasStore, PartitionRecord, RackControllerRecord, SubnetRecord, VlanRecord, VolumeGroupRecord } from './store';
import { STATUS_NAMES } from './status';

const API = '/MAAS/api/2.0';

/** Renders store records as MaaS 2.0 JSON. */
export class Views {
  constructor(private readonly store: MaasStore) {}

  vlan(v: VlanRecord): MaasVlan {
    const fabric = this.store.fabrics.get(v.fabricId);
    return {
      id: v.id,
      vid: v.vid,
      name: v.name,
      fabric: fabric?.name ?? '',
      fabric_id: v.fabricId,
      mtu: v.mtu,
      dhcp_on: v.dhcpOn,
      primary_rack: v.primaryRack,
      secondary_rack: v.secondaryRack,
      relay_vlan: v.relayVlan,
      resource_uri: `${API}/fabrics/${v.fabricId}/vlans/${v.vid}/`,
    };
  }

  fabric(id: number): MaasFabric {
    const f = this.store.fabrics.get(id)!;
    const vlans = [...this.store.vlans.values()].filter((v) => v.fabricId === id).map((v) => this.vlan(v));
    return { id: f.id, name: f.name, description: f.description, vlans, resource_uri: `${API}/fabrics/${f.id}/` };
  }

  subnet(s: SubnetRecord): MaasSubnet {
    return {
      id: s.id,
      name: s.name,
      cidr: s.cidr,
      vlan: this.vlan(this.store.vlans.get(s.vlanId)!),
      gateway_ip: s.gatewayIp,
      dns_servers: s.dnsServers,
      rdns_mode: s.rdnsMode,
      allow_proxy: s.allowProxy,
      resource_uri: `${API}/subnets/${s.id}/`,
    };
  }

  link(l: InterfaceRecord['links'][number]): MaasLink {
    const s = l.subnetId === null ? undefined : this.store.subnets.get(l.subnetId);
    return { id: l.id, mode: l.mode, subnet: s ? { id: s.id, cidr: s.cidr, vlan: s.vlanId } : null, ip_address: l.ip };
  }

  iface(systemId: string, all: InterfaceRecord[], i: InterfaceRecord): MaasInterface {
    const v = i.vlanId === null ? undefined : this.store.vlans.get(i.vlanId);
    const vlan = v ? { id: v.id, vid: v.vid, fabric_id: v.fabricId, fabric: this.store.fabrics.get(v.fabricId)?.name ?? '', mtu: v.mtu } : null;
    const name = (id: number) => all.find((x) => x.id === id)?.name ?? String(id);
    return {
      id: i.id,
      name: i.name,
      type: i.type,
      mac_address: i.mac,
      vlan,
      links: i.links.map((l) => this.link(l)),
      mtu: i.mtu ?? undefined,
      effective_mtu: i.mtu ?? v?.mtu ?? 1500,
      parents: i.parents.map(name),
      children: all.filter((c) => c.parents.includes(i.id)).map((c) => c.name),
      params: i.params,
      tags: i.tags,
      system_id: systemId,
      resource_uri: `${API}/nodes/${systemId}/interfaces/${i.id}/`,
    };
  }

  partition(systemId: string, d: BlockDeviceRecord, p: PartitionRecord, index: number): MaasPartition {
    return {
      id: p.id,
      uuid: p.uuid,
      size: p.size,
      bootable: p.bootable,
      path: `/dev/disk/by-dname/${d.name}-part${index + 1}`,
      type: 'partition',
      device_id: d.id,
      filesystem: p.filesystem,
      system_id: systemId,
      resource_uri: `${API}/nodes/${systemId}/blockdevices/${d.id}/partition/${p.id}`,
    };
  }

  blockDevice(m: MachineRecord, d: BlockDeviceRecord): MaasBlockDevice {
    // A whole-disk physical volume is fully used; otherwise only its partitions are.
    const wholeDiskPv = m.volumeGroups.some((vg) => vg.blockDevices.includes(d.id));
    const used = wholeDiskPv ? d.size : d.partitions.reduce((n, p) => n + p.size, 0);
    // MaaS keeps room for the partition table (and an EFI/BIOS partition) once partitioned.
    const overhead = d.partitionTable && !wholeDiskPv ? 4 * 1024 * 1024 : 0;
    return {
      id: d.id,
      name: d.name,
      path: `/dev/disk/by-dname/${d.name}`,
      id_path: d.type === 'physical' ? `/dev/disk/by-id/wwn-${d.serial}` : undefined,
      size: d.size,
      available_size: Math.max(0, d.size - used - overhead),
      used_size: Math.min(d.size, used + overhead),
      type: d.type,
      uuid: d.uuid,
      serial: d.serial,
      model: d.model,
      tags: d.tags,
      filesystem: d.filesystem,
      partitions: d.partitions.map((p, i) => this.partition(m.systemId, d, p, i)),
      partition_table_type: d.partitionTable,
      system_id: m.systemId,
      resource_uri: `${API}/nodes/${m.systemId}/blockdevices/${d.id}/`,
    };
  }

  vgSize(m: MachineRecord, vg: VolumeGroupRecord): number {
    const disks = vg.blockDevices.map((id) => m.blockDevices.find((d) => d.id === id)?.size ?? 0);
    const parts = vg.partitions.map((id) => m.blockDevices.flatMap((d) => d.partitions).find((p) => p.id === id)?.size ?? 0);
    return [...disks, ...parts].reduce((a, b) => a + b, 0);
  }

  volumeGroup(m: MachineRecord, vg: VolumeGroupRecord): MaasVolumeGroup {
    const lvs = m.blockDevices.filter((d) => d.volumeGroupId === vg.id);
    const size = this.vgSize(m, vg);
    const partName = (id: number) => {
      for (const d of m.blockDevices) {
        const i = d.partitions.findIndex((p) => p.id === id);
        if (i >= 0) return `${d.name}-part${i + 1}`;
      }
      return String(id);
    };
    return {
      id: vg.id,
      name: vg.name,
      uuid: vg.uuid,
      size,
      available_size: size - lvs.reduce((n, l) => n + l.size, 0),
      devices: [
        ...vg.blockDevices.map((id) => ({ id, name: m.blockDevices.find((d) => d.id === id)?.name ?? '', type: 'physical' as const })),
        ...vg.partitions.map((id) => ({ id, name: partName(id), type: 'partition' as const })),
      ],
      logical_volumes: lvs.map((l) => ({ id: l.id, name: l.name, uuid: l.uuid ?? '', size: l.size })),
      system_id: m.systemId,
      resource_uri: `${API}/nodes/${m.systemId}/volume-group/${vg.id}/`,
    };
  }

  /** Several machines: the tags are gone through once for all of them, not once per machine (a site has tags per node). */
  machines(ms: Iterable<MachineRecord>): MaasMachine[] {
    const tagNames = new Map<string, string[]>();
    for (const t of this.store.tags.values()) {
      for (const id of t.systemIds) {
        const names = tagNames.get(id);
        if (names) names.push(t.name);
        else tagNames.set(id, [t.name]);
      }
    }
    return [...ms].map((m) => this.machine(m, tagNames.get(m.systemId) ?? []));
  }

  machine(m: MachineRecord, tagNames?: string[]): MaasMachine {
    const domain = this.store.domains.get(m.domainId)!;
    const boot = m.interfaces.find((i) => i.id === m.bootInterfaceId) ?? m.interfaces[0];
    const disk = m.blockDevices.find((d) => d.id === m.bootDiskId) ?? m.blockDevices.find((d) => d.type === 'physical');
    return {
      system_id: m.systemId,
      hostname: m.hostname,
      fqdn: `${m.hostname}.${domain.name}`,
      domain: { id: domain.id, name: domain.name },
      status: m.status,
      status_name: STATUS_NAMES[m.status],
      power_type: m.powerType,
      power_state: m.powerState,
      boot_interface: boot ? { id: boot.id, name: boot.name, mac_address: boot.mac, links: boot.links.map((l) => this.link(l)) } : null,
      interface_set: m.interfaces.map((i) => this.iface(m.systemId, m.interfaces, i)),
      blockdevice_set: m.blockDevices.map((d) => this.blockDevice(m, d)),
      memory: m.memory,
      cpu_count: m.cpuCount,
      tag_names: tagNames ?? [...this.store.tags.values()].filter((t) => t.systemIds.has(m.systemId)).map((t) => t.name),
      owner: m.owner,
      owner_data: m.ownerData,
      osystem: m.osystem,
      distro_series: m.distroSeries,
      hwe_kernel: m.hweKernel,
      boot_disk: disk ? { id: disk.id, name: disk.name } : null,
      node_type_name: 'Machine',
      resource_uri: `${API}/machines/${m.systemId}/`,
    };
  }

  rackController(r: RackControllerRecord): MaasRackController {
    return {
      system_id: r.systemId,
      hostname: r.hostname,
      service_set: r.services.map((s) => ({ ...s })),
      interface_set: r.interfaces.map((i) => this.iface(r.systemId, r.interfaces, i)),
      node_type_name: 'Rack controller',
      resource_uri: `${API}/rackcontrollers/${r.systemId}/`,
    };
  }

  tag(name: string): MaasTag {
    const t = this.store.tags.get(name)!;
    return { name: t.name, definition: t.definition, comment: t.comment, kernel_opts: t.kernelOpts, resource_uri: `${API}/tags/${encodeURIComponent(t.name)}/` };
  }

  ipRange(id: number): MaasIpRange {
    const r = this.store.ipRanges.get(id)!;
    const s = this.store.subnets.get(r.subnetId);
    return {
      id: r.id,
      type: r.type,
      start_ip: r.startIp,
      end_ip: r.endIp,
      subnet: { id: r.subnetId, cidr: s?.cidr ?? '' },
      comment: r.comment,
      resource_uri: `${API}/ipranges/${r.id}/`,
    };
  }

  staticRoute(id: number): MaasStaticRoute {
    const r = this.store.staticRoutes.get(id)!;
    const cidr = (sid: number) => this.store.subnets.get(sid)?.cidr ?? '';
    return {
      id: r.id,
      source: { id: r.sourceId, cidr: cidr(r.sourceId) },
      destination: { id: r.destinationId, cidr: cidr(r.destinationId) },
      gateway_ip: r.gatewayIp,
      metric: r.metric,
      resource_uri: `${API}/static-routes/${r.id}/`,
    };
  }

  domain(id: number): MaasDomain {
    const d = this.store.domains.get(id)!;
    return { id: d.id, name: d.name, authoritative: d.authoritative, ttl: d.ttl, resource_uri: `${API}/domains/${d.id}/` };
  }

  repository(id: number): MaasPackageRepository {
    const r = this.store.repositories.get(id)!;
    return {
      id: r.id,
      name: r.name,
      url: r.url,
      key: r.key,
      enabled: r.enabled,
      distributions: r.distributions,
      components: r.components,
      disabled_components: r.disabledComponents,
      disabled_pockets: r.disabledPockets,
      arches: r.arches,
      resource_uri: `${API}/package-repositories/${r.id}/`,
    };
  }

  bootResource(i: number): MaasBootResource {
    const b = this.store.bootResources[i]!;
    return { id: b.id, type: 'Synced', name: b.name, architecture: b.architecture, subarches: 'generic', resource_uri: `${API}/boot-resources/${b.id}/` };
  }
}
