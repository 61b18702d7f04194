import { cancellationSignal } from '@temporalio/activity';
import { bootActionId } from '../common/bootActionProtocol';
import type { BmcReport, BootActionExpectation, MachineInfo, NodeRef, StartResult, StepReport } from './contract';
import { MissingDriverError } from './failures';
import type { OrchestrationDeps } from './orchestration';
import { deployUserData, networkPlan, nodeIdentity, platformPlan, storagePlan } from './plans';
import { resolvers } from './resolve';

/** The per-node steps: MaaS (identify, commission, configure, deploy, release), the BMC, Promenade labels. */
export function createNodeActivities(deps: OrchestrationDeps) {
  const { nodeOf, provisioner, bmc } = resolvers(deps);
  return {
    async findMachine(ref: NodeRef): Promise<MachineInfo | null> {
      const { design, node } = await nodeOf(ref);
      const m = await provisioner().findMachine(nodeIdentity(design, node));
      return m ? { systemId: m.systemId, hostname: m.hostname, statusName: m.statusName } : null;
    },
    async updateIdentity(ref: NodeRef, systemId: string): Promise<void> {
      const { design, node } = await nodeOf(ref);
      await provisioner().identifyNode(systemId, nodeIdentity(design, node));
    },
    async setPxeBoot(ref: NodeRef): Promise<string> {
      const { target, drivers } = await bmc(ref);
      const signal = cancellationSignal(); // a terminated task stops talking to the BMC at once
      await drivers.bootDevice.setBootDevice(target, 'pxe', { signal });
      return String(await drivers.bootDevice.getBootDevice(target, { signal }));
    },
    async powerCycle(ref: NodeRef): Promise<void> {
      const { target, drivers } = await bmc(ref);
      await drivers.power.powerCycle(target, { signal: cancellationSignal() });
    },
    async startCommission(_ref: NodeRef, systemId: string): Promise<StartResult> {
      return provisioner().startCommission(systemId);
    },
    async machineStatus(_ref: NodeRef, systemId: string): Promise<MachineInfo> {
      const s = await provisioner().machineStatus(systemId);
      return { systemId, hostname: s.hostname, statusName: s.statusName };
    },
    async applyNetworking(ref: NodeRef, systemId: string): Promise<StepReport> {
      const { design, node } = await nodeOf(ref);
      return provisioner().applyNetworking(systemId, networkPlan(design, node));
    },
    async applyStorage(ref: NodeRef, systemId: string): Promise<StepReport> {
      const { design, node } = await nodeOf(ref);
      return provisioner().applyStorage(systemId, storagePlan(design, node));
    },
    async applyPlatform(ref: NodeRef, systemId: string): Promise<StepReport> {
      const { design, node } = await nodeOf(ref);
      return provisioner().applyPlatform(systemId, platformPlan(design, node));
    },
    async startDeploy(ref: NodeRef, systemId: string, workflowId: string): Promise<StartResult> {
      const { design, node } = await nodeOf(ref);
      const userData = deployUserData(design, node, workflowId, deps.bootActions);
      return provisioner().startDeploy(systemId, {
          image: node.image ?? undefined,
          kernel: node.kernel ?? undefined,
          userData,
          ownerData: node.owner_data,
          nodeName: node.name,
      });
    },
    async startRelease(_ref: NodeRef, systemId: string): Promise<StartResult> {
      return provisioner().startRelease(systemId);
    },
    async nodeBootActions(ref: NodeRef, workflowId: string): Promise<BootActionExpectation[]> {
      const { design } = await nodeOf(ref);
      return design.bootactions
        .filter((b) => b.target_nodes.includes(ref.node))
        .map((b) => ({ name: b.name, actionId: bootActionId(workflowId, b.name), signaling: b.signaling }));
    },
    async interrogateBmc(ref: NodeRef): Promise<BmcReport> {
      const { target, drivers } = await bmc(ref);
      const signal = cancellationSignal();
      const inv = await drivers.inventory.inventory(target, { signal });
      const power = inv.powerState ?? (await drivers.power.powerState(target, { signal }));
      const firmware: Record<string, string> = {};
      if (inv.firmware.bmc) firmware.bmc = inv.firmware.bmc;
      if (inv.firmware.bios) firmware.bios = inv.firmware.bios;
      const alarms = inv.alarms.map((a) => `${a.source}: ${a.message}`);
      return {
        powerState: power,
        firmware,
        pciDevices: inv.pciDevices.length,
        drives: inv.drives.length,
        health: inv.health,
        alarms,
        summary:
          `power ${power}, health ${inv.health}, BMC firmware ${firmware.bmc ?? 'unknown'}, BIOS ${firmware.bios ?? 'unknown'}, ` +
          `${inv.pciDevices.length} PCI devices, ${inv.drives.length} drives, ${alarms.length} alarms`,
      };
    },
    async relabelNode(ref: NodeRef): Promise<Record<string, string>> {
      const { node } = await nodeOf(ref);
      if (!deps.labels) throw new MissingDriverError('No KubernetesDriver enabled: set PROMENADE_URL');
      const labels = { ...(node.owner_data ?? {}) };
      await deps.labels!.relabel(ref.node, labels);
      return labels;
    },
  }
}
