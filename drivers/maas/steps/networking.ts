import { PermanentDriverError, StateConflictError, TransientDriverError } from '../../errors';
import type { MaasFabric, MaasInterface, MaasSubnet } from '../models/wire';
import type { InterfacePlan, NetworkAttachmentPlan, NodeNetworkPlan, StepReport } from '../../provisioner';
import type { StepDeps } from './common';
import { NodeStatus, STATUS_NAMES } from '../../../common/maasStatus';

/**
 * ApplyNodeNetworking (Drydock's MaaS driver): reset to the commissioned NICs, then per design interface attach the NIC
 * (or a new bond) to the link's fabric, fix the MTU, add VLAN sub-interfaces and link each network's subnet.
 * Starting from restore_networking_configuration makes a second run converge on the same result.
 */
export async function applyNetworking(deps: StepDeps, systemId: string, plan: NodeNetworkPlan): Promise<StepReport> {
  const { client, logger } = deps;
  const machine = await client.machines.get(systemId);
  const node = machine.hostname;
  const ctx = { operation: 'apply node networking', node, address: client.address };
  if (machine.status_name === STATUS_NAMES[NodeStatus.DEPLOYED]) {
    return { messages: [`Node ${node} is Deployed; networking left as is. Destroy node first if redeploy needed.`] };
  }
  if (machine.status_name === STATUS_NAMES[NodeStatus.FAILED_DEPLOYMENT]) {
    // Drydock releases a failed deployment before reconfiguring; the retry finds it Ready.
    await client.machines.release(systemId, { erase: false, quickErase: false, secureErase: false });
    throw new TransientDriverError('machine was in Failed deployment; released it, networking follows once it is Ready', ctx);
  }
  if (machine.status_name !== STATUS_NAMES[NodeStatus.READY]) {
    throw new StateConflictError(`machine is ${machine.status_name}; networking can be applied only to a Ready machine`, ctx);
  }
  await client.machines.restoreNetworkingConfiguration(systemId);
  const [fabrics, subnets] = await Promise.all([client.network.fabrics(), client.network.subnets()]);
  const messages: string[] = [];
  const failures: string[] = [];
  const successes: string[] = [];
  for (const iface of plan.interfaces) {
    if (iface.noconfig) continue;
    const fabric = fabrics.find((f) => f.name === iface.link);
    if (!fabric) {
      failures.push(`Interface ${iface.name}: fabric ${iface.link} not found in MaaS`);
      continue;
    }
    try {
      const parent = await attachInterface(deps, systemId, iface, fabric);
      for (const net of iface.networks) {
        const msg = await linkNetwork(deps, systemId, parent, fabric, subnets, net, iface.mtu);
        if (msg.ok) successes.push(net.name);
        else failures.push(msg.text);
        messages.push(msg.text);
      }
    } catch (e) {
      if (e instanceof PlanError) failures.push(`Interface ${iface.name}: ${e.message}`);
      else throw e;
    }
  }
  logger.info('Applied node networking', { node, system_id: systemId, linked: successes.length, failed: failures.length });
  if (failures.length > 0) throw new PermanentDriverError(`networking not fully applied: ${failures.join('; ')}`, ctx);
  return { messages, successes };
}

/** A design/MaaS mismatch that no retry will fix. */
class PlanError extends Error {}

function findNic(nics: MaasInterface[], ref: string): MaasInterface {
  const nic = nics.find((n) => n.name === ref || n.mac_address.toLowerCase() === ref.toLowerCase());
  if (!nic) throw new PlanError(`NIC ${ref} not found on the machine`);
  return nic;
}

async function attachInterface(deps: StepDeps, systemId: string, iface: InterfacePlan, fabric: MaasFabric): Promise<MaasInterface> {
  const api = deps.client.interfaces;
  const untagged = fabric.vlans.find((v) => v.vid === 0);
  if (!untagged) throw new PlanError(`fabric ${fabric.name} has no untagged VLAN`);
  let nics = await api.list(systemId);
  let target: MaasInterface;
  if (iface.bonding && iface.slaves.length >= 1) {
    const parents: number[] = [];
    for (const slave of iface.slaves) {
      const nic = findNic(nics, slave);
      if (iface.mtu) await api.update(systemId, nic.id, { mtu: iface.mtu });
      await api.disconnect(systemId, nic.id);
      await api.update(systemId, nic.id, { vlan: untagged.id });
      parents.push(nic.id);
    }
    const b = iface.bonding;
    target = await api.createBond(systemId, {
      name: iface.name,
      parents,
      mtu: iface.mtu,
      bondMode: b.mode,
      bondMiimon: b.miimon,
      bondDowndelay: b.downdelay,
      bondUpdelay: b.updelay,
      bondLacpRate: b.lacpRate,
      bondXmitHashPolicy: b.xmitHashPolicy,
    });
  } else {
    if (iface.slaves.length !== 1) throw new PlanError(`a non-bonded interface needs exactly 1 slave, has ${iface.slaves.length}`);
    target = findNic(nics, iface.slaves[0]!);
    if (target.vlan?.id !== untagged.id) target = await api.update(systemId, target.id, { vlan: untagged.id });
  }
  if (iface.mtu && target.effective_mtu !== iface.mtu) target = await api.update(systemId, target.id, { mtu: iface.mtu });
  nics = await api.list(systemId);
  return nics.find((n) => n.id === target.id) ?? target;
}

async function linkNetwork(
  deps: StepDeps,
  systemId: string,
  parent: MaasInterface,
  fabric: MaasFabric,
  subnets: MaasSubnet[],
  net: NetworkAttachmentPlan,
  linkMtu?: number,
): Promise<{ ok: boolean; text: string }> {
  const api = deps.client.interfaces;
  let target = parent;
  if (!net.native && net.vlan) {
    const vlan = fabric.vlans.find((v) => v.vid === net.vlan);
    if (!vlan) return { ok: false, text: `Network ${net.name}: VLAN ${net.vlan} not found on fabric ${fabric.name}` };
    const existing = (await api.list(systemId)).find((n) => n.type === 'vlan' && n.parents.includes(parent.name) && n.vlan?.vid === net.vlan);
    target = existing ?? (await api.createVlan(systemId, { vlan: vlan.id, parent: parent.id, mtu: net.mtu ?? linkMtu }));
  }
  const subnet = subnets.find((s) => s.cidr === net.cidr);
  if (!subnet) return { ok: false, text: `Network ${net.name}: subnet ${net.cidr} not found in MaaS` };
  const old = target.links.find((l) => l.subnet?.id === subnet.id);
  if (old) await api.unlinkSubnet(systemId, target.id, old.id);
  await api.linkSubnet(systemId, target.id, {
    subnet: subnet.id,
    mode: net.mode,
    ipAddress: net.mode === 'static' ? net.ip : undefined,
    defaultGateway: net.defaultGateway && !!subnet.gateway_ip,
  });
  const how = net.mode === 'static' ? `static ${net.ip}` : net.mode === 'dhcp' ? 'dhcp' : 'link_up (link is L2 only)';
  return { ok: true, text: `Linked ${target.name} to network ${net.name} (${net.cidr}) with ${how}` };
}
