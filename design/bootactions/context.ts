/**
 * The Jinja2 context Drydock gives a boot action asset's `template` segment
 * (BootActionAsset._get_template_context): `node` from the effective design, `action` from the boot
 * action's identity on that node.
 */
import type { EffectiveDesign, EffectiveNode } from '../effective';

/** A boot action's identity on one node: what Drydock's boot action context holds for it. */
export interface BootActionIdentity {
  /** The 128-bit ULID in base32, as templates see it (`action.action_id`). */
  actionId: string;
  /** The action key in hex (`action.action_key`). */
  actionKey: string;
  /** Where the node reports the boot action's status (`action.report_url`). */
  reportUrl: string;
  /** The design reference the deployment ran with (`action.design_ref`). */
  designRef: string;
}

export interface NetworkContext {
  ip: string;
  cidr: string | null;
  dns_suffix: string | null;
}

export interface InterfaceContext {
  sriov: boolean;
  vf_count?: number;
  trustedmode?: boolean;
}

export interface NodeContext {
  hostname: string;
  domain: string;
  tags: string[];
  labels: Record<string, string>;
  network: Record<string, NetworkContext>;
  interfaces: Record<string, InterfaceContext>;
}

export interface TemplateContext {
  node: NodeContext;
  action: { action_id: string; action_key: string; report_url: string; design_ref: string };
}

export class NodeContextError extends Error {}

export function templateContext(design: EffectiveDesign, nodeName: string, identity: BootActionIdentity): TemplateContext {
  return {
    node: nodeContext(design, nodeName),
    action: { action_id: identity.actionId, action_key: identity.actionKey, report_url: identity.reportUrl, design_ref: identity.designRef },
  };
}

/** Drydock's _get_node_context. Throws NodeContextError when the node or one of its networks is not in the design. */
export function nodeContext(design: EffectiveDesign, nodeName: string): NodeContext {
  const node = design.baremetal_nodes.find((n) => n.name === nodeName);
  if (!node) throw new NodeContextError(`BaremetalNode ${nodeName} not found in design`);
  return {
    hostname: nodeName,
    domain: node.domain,
    tags: [...node.tags],
    labels: { ...node.owner_data },
    network: networkContext(design, node),
    interfaces: interfaceContext(node),
  };
}

/** Each network the node has an address on (DHCP ones have none, as in Drydock), plus `default` for the primary network. */
export function networkContext(design: EffectiveDesign, node: EffectiveNode): Record<string, NetworkContext> {
  const out: Record<string, NetworkContext> = {};
  for (const a of node.addressing) {
    if (a.type === 'dhcp' || !a.address) continue;
    const net = design.networks.find((n) => n.name === a.network);
    if (!net) throw new NodeContextError(`Network ${a.network} of BaremetalNode ${node.name} not found in design`);
    out[a.network] = { ip: a.address, cidr: net.cidr ?? null, dns_suffix: net.dns_domain ?? null };
    if (a.network === node.primary_network) out.default = out[a.network];
  }
  return out;
}

/** Every interface's `sriov`; `vf_count` and `trustedmode` only on SR-IOV interfaces (Drydock's _get_node_interface_context). */
export function interfaceContext(node: EffectiveNode): Record<string, InterfaceContext> {
  const out: Record<string, InterfaceContext> = {};
  for (const i of node.interfaces) {
    out[i.device_name] = i.sriov ? { sriov: true, vf_count: i.vf_count, trustedmode: i.trustedmode } : { sriov: i.sriov };
  }
  return out;
}
