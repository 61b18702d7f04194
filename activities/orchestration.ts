import { ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import type { BmcTarget, OobDrivers } from '../drivers/bmc';
import type { LabelDriver } from '../drivers/labels';
import type { Provisioner } from '../drivers/provisioner';
import type { BmcReport, BootActionExpectation, MachineInfo, NodeRef, SiteCheck, StartResult, StepReport, DesignRefInput } from './contract';
import { DesignStore } from './designStore';
import { mapFailures, MissingDriverError } from './failures';
import { deployUserData, networkPlan, nodeIdentity, platformPlan, storagePlan, templatePlan } from './plans';
import { bootActionId } from '../common/bootActionProtocol';

export interface OrchestrationDeps {
  designs: DesignStore;
  /** The node provisioner (MaaS); undefined when none is configured (Drydock's "No NodeDriver enabled."). */
  provisioner?: Provisioner;
  oob: (type: 'ipmi' | 'redfish') => OobDrivers;
  labels?: LabelDriver;
  /** BMC address → port where a lab or the simulator does not use the protocol's standard port. */
  bmcPorts?: Record<string, number>;
  bootActions: { secret: string; reportUrl: string };
  logger: Logger;
}

/**
 * Thin adapters from workflow steps to drivers. Each resolves the node from the validated design inside the
 * worker (credentials included) and returns only names, ids and messages. Driver errors become Temporal
 * failures whose type tells the retry policy whether to try again.
 */
export function createOrchestrationActivities(deps: OrchestrationDeps) {
  const nodeOf = async (ref: NodeRef) => {
    const { design } = await deps.designs.usable(ref.designRef, ref.contentHash);
    const node = design.baremetal_nodes.find((n) => n.name === ref.node);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${ref.node} is not in the site design`, 'NodeNotFound');
    return { design, node };
  };
  const provisioner = (): Provisioner => {
    if (!deps.provisioner) throw new MissingDriverError('No NodeDriver enabled: set MAAS_API_URL and MAAS_API_KEY');
    return deps.provisioner;
  };
  const bmc = async (ref: NodeRef): Promise<{ target: BmcTarget; drivers: OobDrivers }> => {
    const { node } = await nodeOf(ref);
    const oob = node.oob;
    const type = oob.type;
    if (type !== 'ipmi' && type !== 'redfish') {
      throw ApplicationFailure.nonRetryable(`Node ${ref.node} OOB type ${type ?? '(none)'} is not supported.`, 'PermanentDriverError');
    }
    const address = node.addressing.find((a) => a.network === oob.network)?.address;
    if (!address) throw ApplicationFailure.nonRetryable(`OOB address missing for node ${ref.node}.`, 'PermanentDriverError');
    const port = typeof oob.port === 'number' ? oob.port : deps.bmcPorts?.[address];
    return {
      target: { node: ref.node, address, port, username: String(oob.account ?? ''), password: String(oob.credential ?? '') },
      drivers: deps.oob(type),
    };
  };

  const node = {
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
          image: node.platform.image ?? undefined,
          kernel: node.platform.kernel ?? undefined,
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
  };

  const site = {
    async verifyProvisioner(_input: DesignRefInput): Promise<SiteCheck[]> {
      if (!deps.provisioner) return [{ name: 'node_driver', ok: false, message: 'No node driver enabled, ending task.' }];
      return (await deps.provisioner!.validateServices()).map((c) => ({ ...c }));
    },
    async validateBmc(ref: NodeRef): Promise<string> {
      const { target, drivers } = await bmc(ref);
      await drivers.power.validate(target, { signal: cancellationSignal() });
      return `BMC of ${ref.node} at ${target.address} answers and accepts its credentials`;
    },
    async createNetworkTemplate(input: DesignRefInput): Promise<StepReport> {
      const { design } = await deps.designs.usable(input.designRef, input.contentHash);
      return provisioner().createNetworkTemplate(templatePlan(design));
    },
    async configureUserCredentials(input: DesignRefInput): Promise<StepReport> {
      const { design } = await deps.designs.usable(input.designRef, input.contentHash);
      return provisioner().configureUserCredentials(design.region?.authorized_keys ?? []);
    },
    async configureNodeProvisioner(input: DesignRefInput): Promise<StepReport> {
      const { design } = await deps.designs.usable(input.designRef, input.contentHash);
      return provisioner().configureNodeProvisioner(design.region?.repositories ?? { remove_unlisted: false, repositories: [] });
    },
  };

  return { node: mapFailures(node, peerOf), site: mapFailures(site, peerOf) };
}

const BMC_ACTIVITIES = new Set(['setPxeBoot', 'powerCycle', 'interrogateBmc', 'validateBmc']);
const peerOf = (activity: string): string => (BMC_ACTIVITIES.has(activity) ? 'BMC' : activity === 'relabelNode' ? 'Promenade' : 'MaaS');

export type NodeActivities = ReturnType<typeof createOrchestrationActivities>['node'];
export type SiteActivities = ReturnType<typeof createOrchestrationActivities>['site'];
