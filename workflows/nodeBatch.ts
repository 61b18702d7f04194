import { setHandler, workflowInfo } from '@temporalio/workflow';
import { taskQuery } from './messages';
import { forEachBounded, runNodeChild, type NodeBatchInput, type NodeBatchResult, type NodeWorkflow } from './nodeAction';
import { deployNode } from './node/deployNode';
import { destroyNode } from './node/destroyNode';
import { prepareNode } from './node/prepareNode';
import { relabelNode } from './node/relabelNode';
import { verifyNode } from './node/verifyNode';
import { TaskRecorder } from './task';

const NODE_WORKFLOWS: Record<string, NodeWorkflow> = {
  verify_node: verifyNode,
  prepare_node: prepareNode,
  deploy_node: deployNode,
  destroy_node: destroyNode,
  relabel_node: relabelNode,
};

/**
 * A slice of a large node action's nodes (workflows/nodeAction.ts runBatches): one child per node, as the
 * action itself runs them for a small task, and their outcomes returned to the action, which applies the
 * result rules. Its `task` query shows where each of its nodes stands, for DrydockClient.getTask.
 */
export async function nodeBatch(input: NodeBatchInput): Promise<NodeBatchResult[]> {
  const child = NODE_WORKFLOWS[input.childAction];
  if (!child) throw new Error(`nodeBatch: no node workflow for action ${input.childAction}`);
  const task = new TaskRecorder(
    `${input.childAction}_batch`,
    { taskId: input.plan.taskId, designRef: input.plan.designRef, nodeFilter: null, parentTaskId: input.plan.taskId },
    workflowInfo().workflowId,
  );
  setHandler(taskQuery, () => task.snapshot());
  task.setStatus('running');
  for (const n of input.nodes) task.setNode(n, { step: 'queued', result: 'incomplete' });
  const results: NodeBatchResult[] = [];
  await forEachBounded(input.nodes, input.maxParallelNodes, async (node) => {
    const r = await runNodeChild(task, input.plan, input.childAction, child, node);
    task.setNode(node, { step: r.outcome.step, result: r.outcome.result, workflowId: r.workflowId });
    results.push(r);
  });
  task.setStatus('complete');
  // In the batch's node order, whatever order they ended in.
  const order = new Map(input.nodes.map((n, i) => [n, i]));
  return results.sort((a, b) => order.get(a.outcome.node)! - order.get(b.outcome.node)!);
}
