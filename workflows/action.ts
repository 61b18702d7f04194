import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as designActivities from '../activities/design';
import type { TargetNodes } from '../activities/design';
import type * as settingsActivities from '../activities/settings';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { DrydockNodes, DrydockResult, DrydockSite } from '../common/searchAttributes';
import { taskQuery } from './messages';
import { TaskRecorder, taskSizeLimits, type ActionInput } from './task';
import { DESIGN_UNUSABLE } from '../activities/contract';

type DesignActivities = ReturnType<typeof designActivities.createDesignActivities>;
type SettingsActivities = ReturnType<typeof settingsActivities.createSettingsActivities>;

const { orchestratorSettings } = proxyLocalActivities<SettingsActivities>({ startToCloseTimeout: '10 seconds' });
const { resolveTargetNodes } = proxyActivities<DesignActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 4, nonRetryableErrorTypes: [DESIGN_UNUSABLE] },
});

export interface ActionContext {
  task: TaskRecorder;
  settings: OrchestratorSettings;
}

/** Starts every action the same way: task state with its query, status running, the worker's settings. */
export async function beginAction(action: string, input: ActionInput): Promise<ActionContext> {
  const task = new TaskRecorder(action, input, workflowInfo().workflowId);
  setHandler(taskQuery, () => task.snapshot());
  task.setStatus('running');
  const settings = await orchestratorSettings();
  // Histories recorded before the setting existed carry settings without it: unbounded, as they ran.
  if (settings.task_result_limit_bytes) task.limitSize(taskSizeLimits(settings.task_result_limit_bytes, () => patched('bounded-task-result')));
  return { task, settings };
}

/** The targets an action resolved (activities/design.ts resolveTargetNodes). */
export type Targets = TargetNodes;

/**
 * Drydock's get_target_nodes. A design that cannot be rendered fails the task with a message, instead of
 * leaving it `running` as Drydock's BaseAction does. A design other than the site's locked one is refused, except
 * for update_site: prepare_site (`lock: 'takeover'`) accepts it when no task runs on the site, the lock coming
 * with the targets; verify_site (`lock: 'ignore'`) only reads the site, so it checks any revision.
 */
export async function targetNodes(ctx: ActionContext, input: ActionInput, opts: { lock?: 'takeover' | 'ignore' } = {}): Promise<Targets | undefined> {
  try {
    const lock = opts.lock === 'takeover' ? { lockTakeover: { taskId: input.taskId } } : opts.lock === 'ignore' ? { ignoreLock: true } : {};
    const targets = await resolveTargetNodes({ designRef: input.designRef, nodeFilter: input.nodeFilter, ...lock });
    const listed = fitsSearchAttribute(targets.nodes);
    upsertSearchAttributes([{ key: DrydockSite, value: targets.site }, ...(listed ? [{ key: DrydockNodes, value: targets.nodes }] : [])]);
    if (!listed) {
      // Each node's child workflow carries its node: `drydock task list --node` finds the task through it.
      ctx.task.addMessage(
        `${targets.nodes.length} target nodes: too many to list in the task's DrydockNodes search attribute (Temporal's size limit); each node's workflow lists its node.`,
        { ctxType: 'task', ctx: input.taskId },
      );
    }
    return targets;
  } catch (e) {
    if (isCancellation(e)) {
      if (!terminatedTasksComplete()) throw e;
      ctx.task.failure();
      return undefined;
    }
    ctx.task.addMessage(failureMessage(e), { error: true, ctxType: 'task', ctx: input.taskId });
    ctx.task.failure();
    return undefined;
  }
}

/** Temporal refuses a search attribute value over 2 KiB (limit.searchAttributesSizeOfValueLimit's default). */
const SEARCH_ATTRIBUTE_VALUE_LIMIT = 2048;

function fitsSearchAttribute(values: string[]): boolean {
  return JSON.stringify(values).length <= SEARCH_ATTRIBUTE_VALUE_LIMIT;
}

/**
 * Whether a terminated action (`drydock task terminate` cancels the workflow) ends with its task, messages
 * and node results kept. Histories from before ended as a cancelled workflow with no task; they replay so.
 */
export function terminatedTasksComplete(): boolean {
  return patched('terminated-tasks-complete');
}

/** Ends the task: status complete (or terminated), the result kept as a search attribute. */
export function finishAction(ctx: ActionContext): void {
  if (CancellationScope.current().consideredCancelled && ctx.task.status !== 'terminated') {
    ctx.task.addMessage('Action terminated.', { ctxType: 'task', ctx: ctx.task.snapshot().task_id });
    ctx.task.markTerminated(null);
  }
  if (ctx.task.status !== 'terminated') ctx.task.setStatus('complete');
  upsertSearchAttributes([{ key: DrydockResult, value: ctx.task.result }]);
}

/** The innermost message of an activity or child failure: what an operator needs to read. */
export function failureMessage(e: unknown): string {
  let cur: unknown = e;
  while (cur instanceof Error && (cur as { cause?: unknown }).cause instanceof Error) cur = (cur as { cause?: unknown }).cause;
  if (cur instanceof ApplicationFailure || cur instanceof Error) return cur.message;
  return String(cur);
}
