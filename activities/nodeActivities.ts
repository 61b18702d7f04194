import { createHash } from 'node:crypto';
import { ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import { bootActionId, bootActionIdentities, nodeBootActionKey } from '../common/bootActionKeys';
import type { RenderedBootAction } from '../common/bootActionProtocol';
import { BootActionRenderError, renderNodeAssets } from '../design/bootactions';
import type { EffectiveDesign, EffectiveNode } from '../design';
import type { BuildDataRecord } from '../drivers/buildData';
import type { HardwareInventory } from '../drivers/bmc';
import type { BmcReport, BootActionExpectation, MachineInfo, NodeRef, StartResult, StepReport } from './contract';
import { MissingDriverError } from './failures';
import {
  buildDataRecords,
  checkHardware,
  inventoryDifferences,
  lshwManifest,
  manifestSummary,
  nodeLogicalNames,
  profileDifferences,
  resultDigests,
  type HardwareManifest,
  type IntrospectionReport,
} from './introspection';
import type { OrchestrationDeps } from './orchestration';
import { deployUserData, networkPlan, nodeIdentity, platformPlan, storagePlan } from './plans';
import { resolvers } from './resolve';

/** Failure type of a boot action that cannot be rendered (a template error, an unknown pipeline segment, …). */
export const BOOT_ACTION_RENDER_ERROR = 'BootActionRenderError';

/** The per-node steps: MaaS (identify, commission, configure, deploy, release), the BMC, Promenade labels. */
export function createNodeActivities(deps: OrchestrationDeps) {
  const { nodeOf, provisioner, bmc } = resolvers(deps);
  /** Drydock's asset rendering for this node's deploy; a boot action that cannot be rendered is a design error. */
  const render = async (design: EffectiveDesign, node: EffectiveNode, ref: NodeRef, workflowId: string) => {
    const identity = bootActionIdentities({ ...deps.bootActions, workflowId, node: node.name, designRef: ref.designRef });
    try {
      return await renderNodeAssets(design, node.name, identity);
    } catch (e) {
      if (!(e instanceof BootActionRenderError)) throw e;
      const message = e.message.includes(e.bootAction) ? e.message : `Boot action ${e.bootAction}: ${e.message}`;
      throw ApplicationFailure.nonRetryable(message, BOOT_ACTION_RENDER_ERROR);
    }
  };
  /**
   * A prepared node's hardware manifest (the newest lshw build data) beside the BMC's inventory, and the BIOS
   * against the HardwareProfile's bios_version: the manifest and every difference for the task's messages. The
   * BMC's answer stands on its own: build data that cannot be read is said, not fatal.
   */
  const hardwareReport = async (ref: NodeRef, inv: HardwareInventory): Promise<{ text?: string; manifest?: BmcReport['manifest']; differences?: string[] }> => {
    const { design, node } = await nodeOf(ref);
    // The BIOS the HardwareProfile declares needs no build data: the BMC reports the one running now.
    const profileVerdict = (d: string[]) => (d.length ? `BIOS DIFFERS from the design: ${d.join('; ')}` : undefined);
    const text = (...parts: (string | undefined)[]) => parts.filter(Boolean).join('; ') || undefined;
    const withoutManifest = (why?: string) => ({ text: text(why, profileVerdict(profileDifferences(design, node, inv))) });
    if (!deps.buildData) return withoutManifest();
    let lshw: BuildDataRecord | undefined;
    try {
      lshw = (await deps.buildData.forNode(ref.node, { latest: true })).find((r) => r.generator === 'lshw');
    } catch (e) {
      return withoutManifest(`hardware manifest unavailable: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!lshw) return withoutManifest(`no hardware manifest: no lshw build data for ${ref.node} (prepare_nodes collects it when it commissions the node)`);
    const source = `lshw of task ${lshw.taskId}, ${lshw.collectedDate}`;
    let manifest: HardwareManifest;
    try {
      manifest = lshwManifest(lshw.data);
    } catch (e) {
      return withoutManifest(`hardware manifest (${source}) cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const differences = inventoryDifferences(manifest, inv);
    const fromProfile = profileDifferences(design, node, inv, manifest);
    const verdict = differences.length ? `BMC inventory DIFFERS from the hardware manifest: ${differences.join('; ')}` : 'BMC inventory agrees with the hardware manifest';
    return {
      text: text(`hardware manifest (${source}): ${manifestSummary(manifest)}`, verdict, profileVerdict(fromProfile)),
      manifest: { taskId: lshw.taskId, collectedDate: lshw.collectedDate },
      differences: [...differences, ...fromProfile],
    };
  };
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
    // Drydock loads the site with resolve_aliases for these two: aliases become the kernel names lshw reports.
    async applyNetworking(ref: NodeRef, systemId: string): Promise<StepReport> {
      const { design, node } = await nodeOf(ref);
      const names = nodeLogicalNames(design, node, await provisioner().commissioningResults(systemId));
      return provisioner().applyNetworking(systemId, networkPlan(design, node, names));
    },
    async applyStorage(ref: NodeRef, systemId: string): Promise<StepReport> {
      const { design, node } = await nodeOf(ref);
      const names = nodeLogicalNames(design, node, await provisioner().commissioningResults(systemId));
      return provisioner().applyStorage(systemId, storagePlan(design, node, names));
    },
    /**
     * Introspection after commissioning: MaaS's commissioning results checked against the HardwareProfile and
     * kept as build data (when a store is configured). Returns names, digests and problems only.
     */
    async introspectNode(ref: NodeRef, systemId: string): Promise<IntrospectionReport> {
      const { design, node } = await nodeOf(ref);
      const results = await provisioner().commissioningResults(systemId);
      const { logicalNames, problems } = checkHardware(design, node, results);
      const records = buildDataRecords(node.name, ref.taskId, results, new Date().toISOString());
      if (deps.buildData) await deps.buildData.put(records);
      return { results: resultDigests(results), logicalNames, problems, stored: deps.buildData ? records.length : 0 };
    },
    async resetStorage(_ref: NodeRef, systemId: string): Promise<StepReport> {
      return provisioner().resetStorage(systemId);
    },
    async deleteMachine(_ref: NodeRef, systemId: string): Promise<'deleted' | 'absent'> {
      return provisioner().deleteMachine(systemId);
    },
    async applyPlatform(ref: NodeRef, systemId: string): Promise<StepReport> {
      const { design, node } = await nodeOf(ref);
      return provisioner().applyPlatform(systemId, platformPlan(design, node));
    },
    async startDeploy(ref: NodeRef, systemId: string, workflowId: string): Promise<StartResult> {
      const { design, node } = await nodeOf(ref);
      const assets = await render(design, node, ref, workflowId);
      const key = nodeBootActionKey(deps.bootActions.secret, workflowId, node.name);
      const targeted = design.bootactions.some((b) => b.target_nodes.includes(node.name));
      const userData = deployUserData(node.name, assets, { key, reportUrl: deps.bootActions.reportUrl, targeted });
      return provisioner().startDeploy(systemId, {
        image: node.image ?? undefined,
        kernel: node.kernel ?? undefined,
        userData,
        ownerData: node.owner_data,
        nodeName: node.name,
        bootActionKey: key,
      });
    },
    async startRelease(_ref: NodeRef, systemId: string): Promise<StartResult> {
      return provisioner().startRelease(systemId);
    },
    async nodeBootActions(ref: NodeRef, workflowId: string): Promise<BootActionExpectation[]> {
      const { design } = await nodeOf(ref);
      return design.bootactions.filter((b) => b.target_nodes.includes(ref.node)).map((b) => ({ name: b.name, actionId: bootActionId(workflowId, b.name), signaling: b.signaling }));
    },
    /**
     * The node's boot actions rendered for this deploy, before it is deployed, so a boot action that cannot be
     * rendered fails the node at once instead of a node that never reports. Only ids and digests leave the
     * worker: the assets themselves are rendered again when the node fetches them.
     */
    async renderBootActions(ref: NodeRef, workflowId: string): Promise<RenderedBootAction[]> {
      const { design, node } = await nodeOf(ref);
      const assets = await render(design, node, ref, workflowId);
      return design.bootactions
        .filter((b) => b.target_nodes.includes(node.name))
        .map((b) => ({
          name: b.name,
          actionId: bootActionId(workflowId, b.name),
          signaling: b.signaling,
          assets: assets.filter((a) => a.bootAction === b.name).map((a) => ({ type: a.type, path: a.path, sha256: createHash('sha256').update(a.data).digest('hex') })),
        }));
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
      const hw = await hardwareReport(ref, inv);
      return {
        powerState: power,
        firmware,
        pciDevices: inv.pciDevices.length,
        drives: inv.drives.length,
        health: inv.health,
        alarms,
        summary:
          `power ${power}, health ${inv.health}, BMC firmware ${firmware.bmc ?? 'unknown'}, BIOS ${firmware.bios ?? 'unknown'}, ` +
          `${inv.pciDevices.length} PCI devices, ${inv.drives.length} drives, ${alarms.length} alarms` +
          (hw.text ? `; ${hw.text}` : ''),
        ...(hw.manifest && { manifest: hw.manifest, differences: hw.differences }),
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
}
