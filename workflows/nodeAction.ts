import {
  CancellationScope,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
  ParentClosePolicy,
  ChildWorkflowCancellationType,
} from '@temporalio/workflow';
import type { createClaimActivities } from '../activities/nodeClaims';
import { DrydockAction, DrydockNodes, DrydockParentTaskId, DrydockSite, DrydockTaskId } from '../common/searchAttributes';
import { beginAction, failureMessage, finishAction, targetNodes, type ActionContext, type Targets } from './action';
import { nodeProgressSignal, nodeWorkflowId, type NodeActionInput, type NodeOutcome } from './node/nodeRun';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import type { ActionInput, Task, TaskRecorder } from './task';
import { mapBounded } from '../common/bounded';

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

  const plan: NodeChildPlan = {
    parentWorkflowId: workflowInfo().workflowId,
    taskId: input.taskId,
    designRef: input.designRef,
    contentHash: targets.contentHash,
    site: targets.site,
    retry,
    settings: ctx.settings,
  };
  const startable = targets.nodes.filter((n) => !busy.has(n));
  const batches = batchesOf(startable, ctx.settings);
  if (batches.length > 1 && patched('node-batches')) {
    for (const [n, refusal] of busy) record(ctx, { node: n, result: 'failure', step: 'queued', messages: [{ message: refusal, error: true }] });
    await runBatches(ctx, plan, childAction, batches);
    return;
  }
  await forEachBounded(targets.nodes, ctx.settings.max_parallel_nodes, async (nodeName) => {
    const refusal = busy.get(nodeName);
    if (refusal) {
      record(ctx, { node: nodeName, result: 'failure', step: 'queued', messages: [{ message: refusal, error: true }] });
      return;
    }
    const { outcome, workflowId } = await runNodeChild(task, plan, childAction, child, nodeName);
    record(ctx, outcome, workflowId);
  });
}

/** What every node child of one action is started with, besides its node. */
export interface NodeChildPlan {
  parentWorkflowId: string;
  taskId: string;
  designRef: string;
  contentHash: string;
  site: string;
  retry: number;
  settings: OrchestratorSettings;
}

/**
 * Starts one node's child workflow and waits for its outcome; `task` shows the node as starting meanwhile.
 * A node reached after the action was terminated is not started.
 */
export async function runNodeChild(
  task: TaskRecorder,
  plan: NodeChildPlan,
  childAction: string,
  child: NodeWorkflow,
  nodeName: string,
): Promise<{ outcome: NodeOutcome; workflowId?: string }> {
  if (CancellationScope.current().consideredCancelled) {
    // Terminated before this node's turn: nothing was done to it.
    return { outcome: { node: nodeName, result: 'failure', step: 'queued', messages: [{ message: 'Not started: action terminated.', error: true }] } };
  }
  const workflowId = nodeWorkflowId(plan.site, childAction, nodeName, plan.taskId, plan.retry);
  task.registerSubtask(workflowId, childAction);
  task.setNode(nodeName, { step: 'starting', result: 'incomplete', workflowId });
  let outcome: NodeOutcome;
  try {
    outcome = await executeChild<NodeWorkflow>(child, {
      workflowId,
      args: [
        {
          parentWorkflowId: plan.parentWorkflowId,
          taskId: plan.taskId,
          designRef: plan.designRef,
          contentHash: plan.contentHash,
          node: nodeName,
          retry: plan.retry,
          settings: plan.settings,
        },
      ],
      typedSearchAttributes: [
        { key: DrydockTaskId, value: plan.taskId },
        { key: DrydockParentTaskId, value: plan.taskId },
        { key: DrydockAction, value: childAction },
        { key: DrydockSite, value: plan.site },
        { key: DrydockNodes, value: [nodeName] },
      ],
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
  } catch (e) {
    outcome = { node: nodeName, result: 'failure', step: 'unknown', messages: [{ message: failureMessage(e), error: true }] };
  }
  return { outcome, workflowId };
}

/**
 * The nodes split into batches of at most `node_batch_size` (DRYDOCK_NODE_BATCH_SIZE), as many batches as
 * keep `max_parallel_nodes` busy to the end: a number of batches that divides it (each batch gets an equal
 * share), or a multiple of it (each lane runs as many batches). Histories recorded before the setting existed
 * carry settings without it: one batch, as they ran.
 */
export function batchesOf(nodes: readonly string[], settings: OrchestratorSettings): string[][] {
  const size = settings.node_batch_size;
  const max = settings.max_parallel_nodes;
  if (!size || nodes.length <= size) return [[...nodes]];
  const least = Math.ceil(nodes.length / size);
  let count = Math.ceil(least / max) * max;
  if (least <= max) for (count = least; max % count !== 0; count++);
  return Array.from({ length: count }, (_, i) => nodes.slice(Math.floor((i * nodes.length) / count), Math.floor(((i + 1) * nodes.length) / count)));
}

/**
 * A task over more nodes than one batch runs its node children through batch workflows (nodeBatch): the
 * task's history grows by a few events per batch instead of ~5 per node, so a 10,000-node task stays far
 * below Temporal's 51,200-event limit. At most `max_parallel_nodes` nodes are in flight over all batches.
 */
async function runBatches(ctx: ActionContext, plan: NodeChildPlan, childAction: string, batches: string[][]): Promise<void> {
  const { task } = ctx;
  const max = ctx.settings.max_parallel_nodes;
  const lanes = Math.min(batches.length, max);
  let next = 0;
  // Batches run `lanes` at a time; lane j's batch may run `share(j)` nodes at once: `max` in all.
  const share = (lane: number) => Math.floor(max / lanes) + (lane < max % lanes ? 1 : 0);
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (next < batches.length) {
        const i = next++;
        await runBatch(i, batches[i], share(lane));
      }
    }),
  );

  async function runBatch(i: number, nodes: string[], perBatch: number): Promise<void> {
    if (CancellationScope.current().consideredCancelled) {
      for (const n of nodes) record(ctx, { node: n, result: 'failure', step: 'queued', messages: [{ message: 'Not started: action terminated.', error: true }] });
      return;
    }
    const workflowId = nodeBatchWorkflowId(plan.site, childAction, i, plan.taskId, plan.retry);
    task.registerSubtask(workflowId, `${childAction}_batch`);
    // The client follows a node in flight through its batch to its own workflow (DrydockClient.getTask).
    for (const n of nodes) task.setNode(n, { step: 'queued', result: 'incomplete', workflowId });
    let results: NodeBatchResult[];
    try {
      results = await executeChild<NodeBatchWorkflow>('nodeBatch', {
        workflowId,
        args: [{ plan, childAction, nodes, maxParallelNodes: perBatch }],
        typedSearchAttributes: [
          { key: DrydockTaskId, value: plan.taskId },
          { key: DrydockParentTaskId, value: plan.taskId },
          { key: DrydockAction, value: `${childAction}_batch` },
          { key: DrydockSite, value: plan.site },
        ],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
    } catch (e) {
      const message = `Batch ${workflowId} failed: ${failureMessage(e)}`;
      results = nodes.map((n) => ({ outcome: { node: n, result: 'failure', step: 'unknown', messages: [{ message, error: true }] } }));
    }
    // The batch is the task's subtask; each node's workflow stays named in its node entry.
    for (const r of results) record(ctx, r.outcome, r.workflowId);
  }
}

export interface NodeBatchInput {
  plan: NodeChildPlan;
  childAction: string;
  nodes: string[];
  maxParallelNodes: number;
}

export interface NodeBatchResult {
  outcome: NodeOutcome;
  workflowId?: string;
}

export type NodeBatchWorkflow = (input: NodeBatchInput) => Promise<NodeBatchResult[]>;

export function nodeBatchWorkflowId(site: string, childAction: string, batch: number, taskId: string, retry: number): string {
  return `${site}-${childAction}-batch${batch}-${taskId}${retry ? `-r${retry}` : ''}`;
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
  await mapBounded(items, limit, fn);
}
