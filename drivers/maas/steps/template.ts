import { MaasRequestError } from '../errors';
import type { MaasFabric, MaasSubnet, MaasVlan } from '../models/wire';
import type { NetworkTemplatePlan, StepReport, TemplateLinkPlan, TemplateNetworkPlan } from '../../provisioner';
import type { StepDeps } from './common';

/**
 * CreateNetworkTemplate (Drydock's MaaS driver): one fabric per network link, VLANs and subnets per network, IP ranges,
 * domains and static routes. Everything is looked up before it is created, so reruns converge.
 * DHCP on a VLAN needs a rack controller on it; see enableDhcp.
 */
export async function createNetworkTemplate(deps: StepDeps, plan: NetworkTemplatePlan): Promise<StepReport> {
  const raced: string[] = [];
  for (;;) {
    try {
      const report = await templateOnce(deps, plan);
      return raced.length
        ? { ...report, messages: [`Another task created part of the template meanwhile (${raced.join('; ')}); looked up again`, ...(report.messages ?? [])] }
        : report;
    } catch (e) {
      // Another task templating the same MaaS created a fabric, VLAN or subnet between our lookup and our create
      // (MaaS answers 400 "... already exists"): it is there now, and the next pass looks it up. Each lost race is
      // one more object in place, so the passes end; the bound only guards against a MaaS that never converges.
      if (!(e instanceof MaasRequestError && e.status === 400 && /already exists/.test(e.body)) || raced.length >= MAX_RACED_PASSES) throw e;
      raced.push(e.body.trim());
    }
  }
}

const MAX_RACED_PASSES = 10;

async function templateOnce(deps: StepDeps, plan: NetworkTemplatePlan): Promise<StepReport> {
  const report: Required<StepReport> = { messages: [], successes: [], failures: [] };
  const links = plan.links.filter((l) => !l.noconfig);
  if (links.length === 0) return { messages: ['No network links defined, no work to do.'], successes: [], failures: [] };
  for (const link of links) await templateLink(deps, link, report);
  await templateRoutes(deps, links, report);
  // Final check: every configured network must now exist as a subnet.
  const subnets = await deps.client.network.subnets();
  for (const net of links.flatMap((l) => l.networks).filter((n) => !n.noconfig)) {
    if (subnets.some((s) => s.cidr === net.cidr)) report.successes.push(net.name);
    else if (!report.failures.includes(net.name)) report.failures.push(net.name);
  }
  report.successes = [...new Set(report.successes)].filter((n) => !report.failures.includes(n));
  return report;
}

async function templateLink(deps: StepDeps, link: TemplateLinkPlan, report: Required<StepReport>): Promise<void> {
  const api = deps.client.network;
  const subnets = await api.subnets();
  const fabricIds = new Set(subnets.filter((s) => link.networks.some((n) => n.cidr === s.cidr)).map((s) => s.vlan.fabric_id));
  if (fabricIds.size > 1) {
    report.messages.push(`MaaS self-discovered network incompatible with NetworkLink ${link.name}`);
    report.failures.push(...link.networks.map((n) => n.name));
    return;
  }
  const fabrics = await api.fabrics();
  let fabric: MaasFabric | undefined = fabricIds.size === 1 ? fabrics.find((f) => f.id === [...fabricIds][0]) : fabrics.find((f) => f.name === link.name);
  if (fabric && fabric.name !== link.name) {
    fabric = await api.updateFabric(fabric.id, { name: link.name });
    report.messages.push(`Renamed fabric ${fabric.id} to ${link.name}`);
  } else if (!fabric) {
    fabric = await api.createFabric({ name: link.name, description: 'Created by Drydock' });
    report.messages.push(`Created fabric ${link.name}`);
  }
  const untagged = fabric.vlans.find((v) => v.vid === 0);
  if (link.mtu && untagged && untagged.mtu !== link.mtu) await api.updateVlan(fabric.id, 0, { mtu: link.mtu });
  for (const net of link.networks) {
    if (net.noconfig) continue;
    await templateNetwork(deps, fabric, net, report);
  }
}

async function templateNetwork(deps: StepDeps, fabric: MaasFabric, net: TemplateNetworkPlan, report: Required<StepReport>): Promise<void> {
  const api = deps.client.network;
  if (net.dnsDomain) await api.ensureDomain(net.dnsDomain);
  const vid = net.vlan ?? 0;
  const vlanFields = { name: net.name, mtu: net.mtu };
  const gateway = net.routes.find((r) => r.subnet === '0.0.0.0/0')?.gateway;
  let subnet = (await api.subnets()).find((s) => s.cidr === net.cidr);
  let vlan: MaasVlan;
  if (!subnet) {
    const existing = (await api.vlans(fabric.id)).find((v) => v.vid === vid);
    vlan = existing ? await api.updateVlan(fabric.id, vid, clean(vlanFields)) : await api.createVlan(fabric.id, clean({ vid, ...vlanFields }) as { vid: number });
    subnet = await api.createSubnet(clean({ name: net.name, cidr: net.cidr, vlan: vlan.id, dns_servers: net.dnsServers?.join(' ') }));
    report.messages.push(`Created subnet ${net.cidr} for network ${net.name}`);
  } else {
    subnet = await api.updateSubnet(subnet.id, clean({ name: net.name, dns_servers: net.dnsServers?.join(' ') }));
    const current = subnet.vlan;
    if (!current) {
      report.failures.push(net.name);
      return;
    }
    vlan = await api.updateVlan(current.fabric_id, current.vid, clean({ ...vlanFields, vid }));
  }
  subnet = await api.updateSubnet(subnet.id, { gateway_ip: gateway ?? '' });
  const hasDhcp = await templateRanges(deps, subnet, net, report);
  if (hasDhcp) await enableDhcp(deps, vlan, net, report);
}

async function templateRanges(deps: StepDeps, subnet: MaasSubnet, net: TemplateNetworkPlan, report: Required<StepReport>): Promise<boolean> {
  const api = deps.client.network;
  const existing = await api.ipRanges();
  let dhcp = existing.some((r) => r.subnet.id === subnet.id && r.type === 'dynamic');
  for (const r of net.ranges) {
    if (r.type === 'static') continue; // static ranges are Drydock's own bookkeeping
    if (existing.some((e) => e.start_ip === r.start && e.end_ip === r.end)) {
      if (r.type === 'dhcp') dhcp = true;
      continue;
    }
    await api.createIpRange({ type: r.type === 'dhcp' ? 'dynamic' : 'reserved', start_ip: r.start, end_ip: r.end, subnet: subnet.id, comment: 'Configured by Drydock' });
    report.messages.push(`Created ${r.type} range ${r.start}-${r.end} on ${net.name}`);
    if (r.type === 'dhcp') dhcp = true;
  }
  return dhcp;
}

/** A relay to the upstream's VLAN, or DHCP served by a healthy rack controller on this VLAN. */
async function enableDhcp(deps: StepDeps, vlan: MaasVlan, net: TemplateNetworkPlan, report: Required<StepReport>): Promise<void> {
  const racks = await Promise.all((await deps.client.region.rackControllers()).map((r) => deps.client.region.rackController(r.system_id)));
  const healthy = racks.filter((r) => ['http', 'dhcpd', 'rackd', 'tftp'].every((s) => ['running', 'off'].includes(r.service_set.find((x) => x.name === s)?.status ?? '')));
  if (net.dhcpRelayUpstream) {
    const iface = healthy.flatMap((r) => r.interface_set).find((i) => i.links.some((l) => l.ip_address === net.dhcpRelayUpstream));
    if (iface?.vlan) {
      if (vlan.relay_vlan !== iface.vlan.id) await deps.client.network.updateVlan(vlan.fabric_id, vlan.vid, { relay_vlan: iface.vlan.id });
      return;
    }
  }
  const rack = healthy.find((r) => r.interface_set.some((i) => i.vlan?.id === vlan.id));
  if (!rack) {
    report.messages.push(`Network ${net.name} requires DHCP, but could not locate a rack controller to serve it.`);
    report.failures.push(net.name);
    return;
  }
  if (vlan.dhcp_on && (vlan.primary_rack === rack.system_id || vlan.secondary_rack === rack.system_id)) return;
  const fields = !vlan.primary_rack ? { primary_rack: rack.system_id, dhcp_on: true } : !vlan.secondary_rack ? { secondary_rack: rack.system_id, dhcp_on: true } : undefined;
  if (!fields) {
    report.messages.push(`VLAN for ${net.name} already has a primary and secondary rack controller`);
    return;
  }
  await deps.client.network.updateVlan(vlan.fabric_id, vlan.vid, fields);
  report.messages.push(`Enabled DHCP on ${net.name} served by rack controller ${rack.hostname}`);
}

async function templateRoutes(deps: StepDeps, links: TemplateLinkPlan[], report: Required<StepReport>): Promise<void> {
  const api = deps.client.network;
  for (const net of links.flatMap((l) => l.networks)) {
    for (const route of net.routes.filter((r) => r.subnet !== '0.0.0.0/0')) {
      const subnets = await api.subnets();
      const source = subnets.find((s) => s.cidr === net.cidr);
      const dest = subnets.find((s) => s.cidr === route.subnet);
      if (!source || !dest) {
        report.messages.push(`Route ${net.cidr} -> ${route.subnet}: destination subnet not found in MaaS`);
        report.failures.push(net.name);
        continue;
      }
      const metric = route.metric ?? 100;
      const existing = (await api.staticRoutes()).find((r) => r.source.id === source.id && r.destination.id === dest.id);
      if (existing && existing.gateway_ip === route.gateway && existing.metric === metric) continue;
      if (existing) await api.deleteStaticRoute(existing.id);
      await api.createStaticRoute({ source: source.id, destination: dest.id, gateway_ip: route.gateway, metric });
      report.messages.push(`Static route ${net.cidr} -> ${route.subnet} via ${route.gateway}`);
    }
  }
}

function clean<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
