import YAML from 'yaml';
import { oobOf, type EffectiveDesign, type EffectiveNode, type NetworkModel } from '../design';
import { logicalName } from '../design/lshw';
import type { RenderedAsset } from '../design/bootactions';
import type { InterfacePlan, NetworkTemplatePlan, NodeIdentity, NodeNetworkPlan, NodePlatformPlan, NodeStoragePlan, TemplateNetworkPlan } from '../drivers/provisioner';

/**
 * The effective design, translated into the plain plans the provisioner applies. Pure functions: the
 * activity resolves the design inside the worker and calls these, so the plans never reach a workflow.
 */

const hasNoconfig = (labels: Record<string, unknown> | undefined) => !!labels && 'noconfig' in labels;

export function oobAddress(node: EffectiveNode): string | undefined {
  return node.addressing.find((a) => a.network === oobOf(node).network)?.address;
}

export function nodeIdentity(_design: EffectiveDesign, node: EffectiveNode): NodeIdentity {
  return {
    name: node.name,
    oobType: node.oob_type ?? '',
    oobAddress: oobAddress(node),
    bootMac: node.boot_mac ?? undefined,
    domain: node.domain,
  };
}

/**
 * `names` maps the hardware profile's aliases to the kernel's names (Drydock's apply_logicalnames, from the
 * lshw output of commissioning); a slave or device without one keeps its name, as get_logicalname does.
 */
export function networkPlan(design: EffectiveDesign, node: EffectiveNode, names: Record<string, string> = {}): NodeNetworkPlan {
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
      slaves: (iface.hardware_slaves ?? []).map((s) => logicalName(names, s)),
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

export function storagePlan(_design: EffectiveDesign, node: EffectiveNode, names: Record<string, string> = {}): NodeStoragePlan {
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
      name: logicalName(names, d.name),
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
    dnsServers: n.dns_servers
      ? n.dns_servers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
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

/** What the user data needs of a node's rendered boot action assets. */
export type DeliveredAsset = Pick<RenderedAsset, 'type' | 'path' | 'packages'>;

/**
 * The cloud-config MaaS hands the deployed node, as Drydock's DeployNode builds it: the pkg_list packages;
 * then, for a node some boot action targets, fetch its units and files tarballs from the boot action API with
 * the node's key, unpack them at `/` and enable the units. Whether a boot action succeeded is for its own
 * assets to report (they are rendered with action.report_url, action_id and action_key): nothing here does.
 * The key goes to MaaS only, never to a workflow history.
 */
export function deployUserData(hostname: string, assets: DeliveredAsset[], delivery: { key: string; reportUrl: string; targeted: boolean }): string | undefined {
  const packages: (string | [string, string])[] = [];
  for (const a of assets) {
    if (a.type !== 'pkg_list') continue;
    for (const [name, version] of Object.entries(a.packages ?? {})) packages.push(version ? [name, version] : name);
  }
  const runcmd: string[][] = [];
  if (delivery.targeted) {
    for (const type of ['units', 'files']) {
      const url = `${delivery.reportUrl}nodes/${encodeURIComponent(hostname)}/${type}`;
      // The API may be restarting when the node boots: curl tries again for a while.
      const fetch = `curl -fsS --retry 10 --retry-connrefused --retry-delay 2 -H ${shq(`X-Bootaction-Key: ${delivery.key}`)} ${shq(url)}`;
      runcmd.push(['sh', '-c', `${fetch} | tar -xz -C /`]);
    }
    runcmd.push(['systemctl', 'daemon-reload']);
    const units = assets.filter((a) => a.type === 'unit' && a.path).map((a) => a.path!.slice(a.path!.lastIndexOf('/') + 1));
    if (units.length) runcmd.push(['systemctl', 'enable', '--now', ...units]);
  }
  if (packages.length === 0 && runcmd.length === 0) return undefined;
  const doc = new YAML.Document({});
  if (packages.length) doc.set('packages', doc.createNode(packages));
  if (runcmd.length) doc.set('runcmd', doc.createNode(runcmd.map((c) => doc.createNode(c, { flow: true }))));
  return `#cloud-config\n${doc.toString({ lineWidth: 0 })}`;
}

/** One shell word, single-quoted. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
