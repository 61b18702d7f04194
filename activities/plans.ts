import YAML from 'yaml';
import type { EffectiveDesign, EffectiveNode, NetworkModel } from '../design';
import type {
  InterfacePlan,
  NetworkTemplatePlan,
  NodeIdentity,
  NodeNetworkPlan,
  NodePlatformPlan,
  NodeStoragePlan,
  TemplateNetworkPlan,
} from '../drivers/provisioner';
import { bootActionId, bootActionKey } from '../common/bootActionProtocol';

/**
 * The effective design, translated into the plain plans the provisioner applies. Pure functions: the
 * activity resolves the design inside the worker and calls these, so the plans never reach a workflow.
 */

const hasNoconfig = (labels: Record<string, unknown> | undefined) => !!labels && 'noconfig' in labels;

export function oobAddress(node: EffectiveNode): string | undefined {
  return node.addressing.find((a) => a.network === node.oob.network)?.address;
}

export function nodeIdentity(_design: EffectiveDesign, node: EffectiveNode): NodeIdentity {
  return {
    name: node.name,
    oobType: node.oob.type ?? '',
    oobAddress: oobAddress(node),
    bootMac: node.boot_mac ?? undefined,
    domain: node.domain,
  };
}

export function networkPlan(design: EffectiveDesign, node: EffectiveNode): NodeNetworkPlan {
  const links = new Map(design.network_links.map((l) => [l.name, l]));
  const networks = new Map(design.networks.map((n) => [n.name, n]));
  const interfaces: InterfacePlan[] = [];
  for (const iface of node.interfaces) {
    const link = iface.network_link ? links.get(iface.network_link) : undefined;
    if (!link) continue;
    interfaces.push({
      name: iface.device_name,
      link: link.name,
      mtu: link.mtu,
      noconfig: hasNoconfig(link.metalabels),
      bonding:
        link.bonding_mode && link.bonding_mode !== 'disabled'
          ? {
              mode: link.bonding_mode,
              miimon: link.bonding_mon_rate,
              downdelay: link.bonding_down_delay,
              updelay: link.bonding_up_delay,
              lacpRate: link.bonding_peer_rate,
              xmitHashPolicy: link.bonding_xmit_hash,
            }
          : undefined,
      slaves: iface.hardware_slaves ?? [],
      networks: (iface.networks ?? []).flatMap((name) => {
        const net = networks.get(name);
        if (!net?.cidr) return [];
        const addr = node.addressing.find((a) => a.network === name);
        return [
          {
            name,
            cidr: net.cidr,
            vlan: vlanOf(net),
            mtu: net.mtu,
            native: link.native_network === name,
            mode: !addr ? ('link_up' as const) : addr.type === 'dhcp' ? ('dhcp' as const) : ('static' as const),
            ip: addr?.type === 'static' ? addr.address : undefined,
            defaultGateway: node.primary_network === name,
          },
        ];
      }),
    });
  }
  return { interfaces };
}

export function storagePlan(_design: EffectiveDesign, node: EffectiveNode): NodeStoragePlan {
  const fs = (f: { mountpoint?: string | null; fstype?: string | null; mount_options?: string | null; fs_uuid?: string | null; fs_label?: string | null }) =>
    f.mountpoint || f.fstype
      ? {
          mountpoint: f.mountpoint ?? undefined,
          fstype: f.fstype ?? undefined,
          mountOptions: f.mount_options ?? undefined,
          fsUuid: f.fs_uuid ?? undefined,
          fsLabel: f.fs_label ?? undefined,
        }
      : undefined;
  return {
    physicalDevices: node.storage_devices.map((d) => ({
      name: d.name,
      volumeGroup: d.volume_group ?? undefined,
      partitions: d.partitions.map((p) => ({
        name: p.name,
        size: p.size ?? '',
        partUuid: p.part_uuid ?? undefined,
        bootable: p.bootable ?? undefined,
        volumeGroup: p.volume_group ?? undefined,
        filesystem: fs(p),
      })),
    })),
    volumeGroups: node.volume_groups.map((vg) => ({
      name: vg.name,
      vgUuid: vg.vg_uuid ?? undefined,
      logicalVolumes: vg.logical_volumes.map((lv) => ({ name: lv.name, size: lv.size ?? '', lvUuid: lv.lv_uuid ?? undefined, filesystem: fs(lv) })),
    })),
  };
}

export function platformPlan(_design: EffectiveDesign, node: EffectiveNode): NodePlatformPlan {
  return {
    nodeName: node.name,
    kernelParams: node.kernel_param_string,
    tags: node.tags,
    image: node.image ?? undefined,
    kernel: node.kernel ?? undefined,
  };
}

export function templatePlan(design: EffectiveDesign): NetworkTemplatePlan {
  const networks = new Map(design.networks.map((n) => [n.name, n]));
  return {
    links: design.network_links.map((l) => ({
      name: l.name,
      mtu: l.mtu,
      noconfig: hasNoconfig(l.metalabels),
      networks: l.allowed_networks.flatMap((name) => {
        const n = networks.get(name);
        return n?.cidr ? [templateNetwork(n)] : [];
      }),
    })),
  };
}

function templateNetwork(n: NetworkModel): TemplateNetworkPlan {
  return {
    name: n.name,
    cidr: n.cidr!,
    vlan: vlanOf(n),
    mtu: n.mtu,
    dnsDomain: n.dns_domain,
    dnsServers: n.dns_servers ? n.dns_servers.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    ranges: n.ranges.flatMap((r) =>
      r.start && r.end && (r.type === 'dhcp' || r.type === 'reserved' || r.type === 'static') ? [{ type: r.type, start: r.start, end: r.end }] : [],
    ),
    routes: n.routes.flatMap((r) => (r.subnet && r.gateway ? [{ subnet: r.subnet, gateway: r.gateway, metric: r.metric ? Number(r.metric) : undefined }] : [])),
    dhcpRelayUpstream: n.dhcp_relay_upstream_target,
    noconfig: hasNoconfig(n.metalabels),
  };
}

function vlanOf(n: NetworkModel): number | undefined {
  const v = n.vlan_id === undefined || n.vlan_id === null ? NaN : Number(n.vlan_id);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/**
 * The cloud-config MaaS hands the deployed node: Drydock's pkg_list packages, and for each signaling boot
 * action a report to the boot action API with the action's key. The key goes to MaaS only, never to a
 * workflow history.
 */
export function deployUserData(
  design: EffectiveDesign,
  node: EffectiveNode,
  workflowId: string,
  reports: { secret: string; reportUrl: string },
): string | undefined {
  const actions = design.bootactions.filter((b) => b.target_nodes.includes(node.name));
  const packages: (string | [string, string])[] = [];
  for (const a of actions) {
    for (const asset of a.assets) {
      if (asset.type !== 'pkg_list' || !asset.package_list) continue;
      for (const [name, version] of Object.entries(asset.package_list)) packages.push(version ? [name, version] : name);
    }
  }
  const runcmd = actions
    .filter((a) => a.signaling)
    .map((a) => {
      const id = bootActionId(workflowId, a.name);
      return [
        // The report API may be restarting when the node boots: curl keeps trying for about five minutes.
        'curl', '-sf', '--retry', '30', '--retry-delay', '10', '--retry-connrefused', '-X', 'POST',
        '-H', 'Content-Type: application/json',
        '-H', `X-Bootaction-Key: ${bootActionKey(reports.secret, id)}`,
        '-d', JSON.stringify({ status: 'success', details: [{ message: `Boot action ${a.name} ran on ${node.name}`, error: false }] }),
        `${reports.reportUrl}${id}`,
      ];
    });
  if (packages.length === 0 && runcmd.length === 0) return undefined;
  const doc: Record<string, unknown> = {};
  if (packages.length) doc.packages = packages;
  if (runcmd.length) doc.runcmd = runcmd;
  return `#cloud-config\n${YAML.stringify(doc)}`;
}
