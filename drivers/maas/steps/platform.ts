import { MaasRequestError } from '../errors';
import type { MaasTag } from '../models/wire';
import type { NodePlatformPlan, StepReport } from '../../provisioner';
import type { StepDeps } from './common';
import { NodeStatus, STATUS_NAMES } from '../../../common/maasStatus';

/**
 * ApplyNodePlatform (Drydock's MaaS driver): kernel options on tag `<node>_kp`, plus the node's static tags.
 * Tags are only created and applied when missing, so a rerun changes nothing.
 */
export async function applyPlatform(deps: StepDeps, systemId: string, plan: NodePlatformPlan): Promise<StepReport> {
  const { client } = deps;
  const tags = await client.region.tags();
  const machine = await client.machines.get(systemId);
  if (machine.status_name === STATUS_NAMES[NodeStatus.DEPLOYED]) return { messages: [`Node ${machine.hostname} is Deployed; platform left as is.`] };
  const messages: string[] = [];
  if (plan.kernelParams) {
    const name = `${plan.nodeName}_kp`;
    const existing = tags.find((t) => t.name === name);
    if (existing && existing.kernel_opts !== plan.kernelParams) await client.region.deleteTag(name);
    const created = !existing || existing.kernel_opts !== plan.kernelParams;
    if (created) {
      await client.region.createTag({ name, kernel_opts: plan.kernelParams, comment: `Kernel parameters for ${plan.nodeName} (Drydock)` });
      messages.push(`Created tag ${name} with kernel_opts "${plan.kernelParams}"`);
    }
    // A tag made just now has no machine yet, whatever tag_names said of the one it replaces.
    if (await applyTag(deps, name, systemId, created ? [] : machine.tag_names)) messages.push(`Applied tag ${name}`);
  }
  for (const tag of plan.tags) {
    await ensureTag(deps, tags, tag);
    if (await applyTag(deps, tag, systemId, machine.tag_names)) messages.push(`Applied tag ${tag}`);
  }
  deps.logger.info('Applied node platform', { node: plan.nodeName, system_id: systemId, tags: plan.tags.length });
  return { messages };
}

/** Creates a tag unless it exists; losing a creation race ("already exists") is fine. */
export async function ensureTag(deps: StepDeps, known: MaasTag[], name: string, extra: { kernel_opts?: string; comment?: string } = {}): Promise<void> {
  if (known.some((t) => t.name === name)) return;
  try {
    await deps.client.region.createTag({ name, ...extra });
  } catch (e) {
    if (!(e instanceof MaasRequestError && e.body.includes('Tag with this Name already exists.'))) throw e;
  }
}

/**
 * Adds the machine to the tag unless it is already there; true when it changed something. `applied`: the
 * machine's tag_names as just read. Drydock (MaasTag.apply_to_node) lists the tag's nodes instead: for a tag
 * every node has (`compute`), that is every machine of the site in full, per node (at 1,000 nodes, 3 MB
 * or more per node deployed); a machine's own tag_names says the same.
 */
export async function applyTag(deps: StepDeps, name: string, systemId: string, applied?: readonly string[]): Promise<boolean> {
  if (applied ? applied.includes(name) : (await deps.client.region.tagNodes(name)).some((n) => n.system_id === systemId)) return false;
  await deps.client.region.tagUpdateNodes(name, { add: [systemId] });
  return true;
}
