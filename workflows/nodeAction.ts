import {
  CancellationScope, executeChild, isCancellation, patched, proxyActivities, setHandler, workflowInfo, ParentClosePolicy, ChildWorkflowCancellationType,
} from '@temporalio/workflow';
import type { createClaimActivities } from '../activities/nodeClaims';
import { DrydockAction, DrydockNodes, DrydockParentTaskId, DrydockSite, DrydockTaskId } from '../common/searchAttributes';
import { beginAction, failureMessage, finishAction, targetNodes, type ActionContext, type Targets } from './action';
import { nodeProgressSignal, nodeWorkflowId, type NodeActionInput, type NodeOutcome } from './node/nodeRun';
import type { ActionInput, Task } from './task';

export type NodeWorkflow = (input: NodeActionInput) => Promise<NodeOutcome>;

const { busyNodes } = proxyActivities<ReturnType<typeof createClaimActivities>>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

/** Actions that only read a node (its BMC) run beside any other task. */
const READ_ONLY_NODE_ACTIONS = new Set(['verify_node']);

/**
 * A node action: one child workflow per target node, at most `max_parallel_nodes` in flight, results
 * aggregated with Drydock's rules (success / partial_success / failure). One failing node never stops the
 * others. A retry (`drydock task retry`) targets the previous run's failures and keeps its successes.
 */
export async function runNodeAction(action: string, childAction: string, child: NodeWorkflow, input: ActionInput): Promise<Task> {
  const ctx = await beginAction(action, input);
  const targets = await targetNodes(ctx, input);
  if (targets) {
    for (const n of input.retryOf?.successes ?? []) ctx.task.success(n);
    if (input.retryOf) ctx.task.addMessage(`Retrying task ${input.taskId} on previous failed entities.`, { ctxType: 'task', ctx: input.taskId });
    if (targets.nodes.length === 0) {
      ctx.task.addMessage('No nodes in scope, no work to do.');
      ctx.task.success();
    } else {
      await runChildren(ctx, input, targets, childAction, child);
    }
  }
  finishAction(ctx);
  return ctx.task.snapshot();
}

async function runChildren(ctx: ActionContext, input: ActionInput, targets: Targets, childAction: string, child: NodeWorkflow): Promise<void> {
  const { task } = ctx;
  const retry = task.snapshot().retry;
  setHandler(nodeProgressSignal, (u) => {
    const cur = task.snapshot().nodes[u.node];
    task.setNode(u.node, { ...cur, step: u.step, result: u.result, message: u.message });
  });
  for (const n of targets.nodes) task.setNode(n, { step: 'queued', result: 'incomplete' });

  // One task per node at a time: a node another task is changing is refused, naming that task.
  const busy = new Map<string, string>();
  if (!READ_ONLY_NODE_ACTIONS.has(childAction) && patched('one-task-per-node')) {
    try {
      for (const b of await busyNodes({ site: targets.site, nodes: targets.nodes, taskId: input.taskId })) {
        busy.set(b.node, `Node ${b.node} is busy in task ${b.taskId} (${b.action} ${b.workflowId}); not started: retry once that task has ended.`);
      }
    } catch (e) {
      // Terminated meanwhile: the loop below reports every node as not started.
      if (!isCancellation(e)) task.addMessage(`Could not check for other tasks on these nodes: ${failureMessage(e)}`, { error: true, ctxType: 'task', ctx: input.taskId });
    }
  }

  await forEachBounded(targets.nodes, ctx.settings.max_parallel_nodes, async (nodeName) => {
    const workflowId = nodeWorkflowId(targets.site, childAction, nodeName, input.taskId, retry);
    const refusal = busy.get(nodeName);
    if (refusal) {
      record(ctx, { node: nodeName, result: 'failure', step: 'queued', messages: [{ message: refusal, error: true }] });
      return;
    }
    if (CancellationScope.current().consideredCancelled) {
      // Terminated before this node's turn: nothing was done to it.
      record(ctx, { node: nodeName, result: 'failure', step: 'queued', messages: [{ message: 'Not started: action terminated.', error: true }] });
      return;
    }
    task.registerSubtask(workflowId, childAction);
    task.setNode(nodeName, { step: 'starting', result: 'incomplete', workflowId });
    let outcome: NodeOutcome;
    try {
      outcome = await executeChild(child, {
        workflowId,
        args: [
          {
            parentWorkflowId: workflowInfo().workflowId,
            taskId: input.taskId,
            designRef: input.designRef,
            contentHash: targets.contentHash,
            node: nodeName,
            retry,
            settings: ctx.settings,
          },
        ],
        typedSearchAttributes: [
          { key: DrydockTaskId, value: input.taskId },
          { key: DrydockParentTaskId, value: input.taskId },
          { key: DrydockAction, value: childAction },
          { key: DrydockSite, value: targets.site },
          { key: DrydockNodes, value: [nodeName] },
        ],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
    } catch (e) {
      outcome = { node: nodeName, result: 'failure', step: 'unknown', messages: [{ message: failureMessage(e), error: true }] };
    }
    record(ctx, outcome, workflowId);
  });
}

function record(ctx: ActionContext, o: NodeOutcome, workflowId?: string): void {
  const { task } = ctx;
  const last = [...o.messages].reverse().find((m) => m.error) ?? o.messages[o.messages.length - 1];
  task.setNode(o.node, { step: o.step, result: o.result, workflowId, message: last?.message });
  for (const m of o.messages.filter((x) => x.error || x.parent)) {
    task.addMessage(m.message, { error: m.error, ctxType: 'node', ctx: o.node });
  }
  if (o.result === 'success') task.success(o.node);
  else task.failure(o.node);
}

/** Runs `fn` over `items` with at most `limit` in flight; deterministic, as workflow code must be. */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}
