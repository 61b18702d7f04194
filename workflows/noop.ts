import { isCancellation, sleep } from '@temporalio/workflow';
import { beginAction, finishAction, targetNodes } from './action';
import type { ActionInput, Task } from './task';

/**
 * Drydock's Noop action: wait, then report success for every target node.
 * Cancelling the workflow (`drydock task terminate`) during the wait ends it terminated/failure.
 */
export async function noop(input: ActionInput): Promise<Task> {
  const ctx = await beginAction('noop', input);
  const { task } = ctx;
  const targets = await targetNodes(ctx, input);
  if (targets) {
    try {
      await sleep(ctx.settings.noop_wait * 1000);
      for (const node of targets.nodes) task.success(node);
      if (targets.nodes.length === 0) task.success();
      task.addMessage('Noop action.');
    } catch (e) {
      if (!isCancellation(e)) throw e;
      // finishAction records the termination.
      task.failure();
    }
  }
  finishAction(ctx);
  return task.snapshot();
}
