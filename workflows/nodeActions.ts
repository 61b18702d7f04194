import { runNodeAction } from './nodeAction';
import { deployNode } from './node/deployNode';
import { destroyNode } from './node/destroyNode';
import { prepareNode } from './node/prepareNode';
import { relabelNode } from './node/relabelNode';
import { verifyNode } from './node/verifyNode';
import type { ActionInput, Task } from './task';

/** VerifyNodes: interrogate each target node's BMC. */
export async function verify_nodes(input: ActionInput): Promise<Task> {
  return runNodeAction('verify_nodes', 'verify_node', verifyNode, input);
}

/** PrepareNodes: PXE boot, power cycle, identify and commission each target node. */
export async function prepare_nodes(input: ActionInput): Promise<Task> {
  return runNodeAction('prepare_nodes', 'prepare_node', prepareNode, input);
}

/** DeployNodes: networking, storage, platform, deploy, boot action reports, port to production. */
export async function deploy_nodes(input: ActionInput): Promise<Task> {
  return runNodeAction('deploy_nodes', 'deploy_node', deployNode, input);
}

/** DestroyNodes: release and wipe each target node so it can be redeployed. */
export async function destroy_nodes(input: ActionInput): Promise<Task> {
  return runNodeAction('destroy_nodes', 'destroy_node', destroyNode, input);
}

/** RelabelNodes: push each node's owner_data to Kubernetes as labels. */
export async function relabel_nodes(input: ActionInput): Promise<Task> {
  return runNodeAction('relabel_nodes', 'relabel_node', relabelNode, input);
}
