import { proxyActivities } from '@temporalio/workflow';
import type { DesignActivities } from '../activities/design';
import { beginAction, failureMessage, finishAction } from './action';
import type { ActionInput, Task } from './task';

const { validateDesign } = proxyActivities<DesignActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/**
 * ValidateDesign (Drydock's ValidateDesign, with its intent restored): load, render and validate the design in an
 * activity; the workflow only sees the reference, the content hash and the validation status.
 */
export async function validate_design(input: ActionInput): Promise<Task> {
  const ctx = await beginAction('validate_design', input);
  const { task } = ctx;
  try {
    const v = await validateDesign({ designRef: input.designRef });
    for (const m of v.status.details.messageList) {
      const doc = m.documents?.[0];
      task.addMessage(m.message, {
        error: m.error,
        ctxType: doc ? 'document' : 'NA',
        ctx: doc ? `${doc.schema}/${doc.name}` : 'NA',
        extra: { name: m.name, level: m.level, diagnostic: m.diagnostic },
      });
    }
    task.setResultMessage(v.status.message ?? '', v.status.reason ?? null);
    if (v.status.status === 'Success') task.success();
    else task.failure();
    task.setValidation({ loaded: v.loaded, contentHash: v.contentHash, status: v.status });
  } catch (e) {
    task.addMessage(failureMessage(e), { error: true, ctxType: 'task', ctx: input.taskId });
    task.failure();
  }
  finishAction(ctx);
  return task.snapshot();
}
