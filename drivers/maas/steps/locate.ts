import { PermanentDriverError } from '../../errors';
import type { MaasMachine, MaasRackController } from '../models/wire';
import type { Machine, NodeIdentity } from '../../provisioner';
import { toMachine, type StepDeps } from './common';

type Lookup = {
  list(filter: { hostname?: string; mac_address?: string }): Promise<Array<MaasMachine | MaasRackController>>;
  powerParameters(): Promise<Record<string, Record<string, string | undefined>>>;
  get(systemId: string): Promise<MaasMachine | MaasRackController>;
};

/**
 * Drydock's lookup order (find_node_in_maas): hostname, then power_address for ipmi/redfish or the boot MAC
 * otherwise; the same against rack controllers when no machine matches.
 */
export async function findMachine(deps: StepDeps, node: NodeIdentity, byHostname = true): Promise<Machine | undefined> {
  const { machines, region } = deps.client;
  const machineLookup: Lookup = {
    list: (f) => machines.list(f),
    powerParameters: () => machines.powerParameters(),
    get: (id) => machines.get(id),
  };
  const rackLookup: Lookup = {
    list: (f) => region.rackControllers(f),
    powerParameters: () => region.rackPowerParameters(),
    get: (id) => region.rackController(id),
  };
  const hit = await lookup(machineLookup, node, byHostname);
  if (hit) return toMachine(hit as MaasMachine);
  const rack = await lookup(rackLookup, node, byHostname);
  if (rack) {
    deps.logger.info('Node is a MaaS rack controller', { node: node.name, system_id: rack.system_id });
    return toMachine(rack as unknown as MaasMachine, true);
  }
  return undefined;
}

async function lookup(api: Lookup, node: NodeIdentity, byHostname: boolean): Promise<MaasMachine | MaasRackController | undefined> {
  if (byHostname) {
    const [first] = await api.list({ hostname: node.name });
    if (first) return first;
  }
  if (node.oobType === 'ipmi' || node.oobType === 'redfish') {
    if (!node.oobAddress) {
      throw new PermanentDriverError(`no address on the OOB network for a ${node.oobType} node`, { operation: 'find machine', node: node.name });
    }
    const params = await api.powerParameters();
    const systemId = Object.keys(params).find((id) => params[id]?.power_address === node.oobAddress);
    return systemId ? api.get(systemId) : undefined;
  }
  if (node.bootMac) {
    const [first] = await api.list({ mac_address: node.bootMac });
    return first;
  }
  return undefined;
}

/** IdentifyNode's update_identity: hostname = node name, domain = primary network domain (or `local`). */
export async function identifyNode(deps: StepDeps, systemId: string, node: NodeIdentity): Promise<Machine> {
  const current = await deps.client.machines.get(systemId);
  const domain = node.domain ?? 'local';
  if (current.hostname === node.name && current.domain?.name === domain) return toMachine(current);
  // MaaS refuses an unknown domain; create it the way create_network_template would.
  await deps.client.network.ensureDomain(domain);
  const updated = await deps.client.machines.update(systemId, { hostname: node.name, domain });
  deps.logger.info('Node identified in MaaS', { node: node.name, system_id: systemId, domain });
  return toMachine(updated);
}
