import { CancellationScope, isCancellation, patched, ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { DrydockAction, DrydockDesignRef, DrydockSite, DrydockTaskId, publicDesignRef } from '../common/searchAttributes';
import { designLockWorkflowId, site_design_lock, type DesignLock } from './designLock';
import type { StepReport } from '../activities/contract';
import type { DesignLockActivities } from '../activities/designLocks';
import { beginAction, failureMessage, finishAction, targetNodes, terminatedTasksComplete, type ActionContext, type Targets } from './action';
import { forEachBounded } from './nodeAction';
import { site } from './proxies';
import { retryTransient, waitLine } from './transient';
import type { ActionInput, Task } from './task';

const { currentDesignLock, takeOverDesignLock } = proxyActivities<DesignLockActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['DesignLocked'] },
});

/**
 * VerifySite (Drydock's VerifySite and ValidateNodeServices, extended): the node provisioner is reachable, authenticates, has boot images
 * and a healthy rack controller; every target node's BMC answers with its credentials. It changes nothing, so it
 * checks any design revision, the site's locked one or not (Shipyard's update_site runs it before prepare_site).
 */
export async function verify_site(input: ActionInput): Promise<Task> {
  const ctx = await beginAction('verify_site', input);
  const { task } = ctx;
  // update_site verifies the new revision before prepare_site locks it; histories from before required the lock.
  const targets = await targetNodes(ctx, input, patched('verify-site-any-design-revision') ? { lock: 'ignore' } : {});
  if (targets) {
    try {
      const checks = await siteCall(ctx, 'validate_node_services', () =>
        site.verifyProvisioner({ taskId: input.taskId, designRef: input.designRef, contentHash: targets.contentHash }),
      );
      for (const c of checks) {
        task.addMessage(c.message, { error: !c.ok, ctxType: c.contextType ?? 'cluster', ctx: c.context ?? 'maas' });
        if (c.ok) task.success();
        else task.failure();
      }
    } catch (e) {
      if (!isCancellation(e) || !terminatedTasksComplete()) throw e;
      task.failure();
    }
    await forEachBounded(targets.nodes, ctx.settings.max_parallel_nodes, async (n) => {
      const ref = { taskId: input.taskId, designRef: input.designRef, contentHash: targets.contentHash, node: n };
      if (CancellationScope.current().consideredCancelled) {
        task.failure(n);
        return;
      }
      try {
        task.addMessage(await siteCall(ctx, 'validate_oob_services', () => site.validateBmc(ref)), { ctxType: 'node', ctx: n });
        task.success(n);
      } catch (e) {
        if (isCancellation(e) && !terminatedTasksComplete()) throw e;
        task.addMessage(isCancellation(e) ? 'BMC check stopped: action terminated.' : failureMessage(e), { error: true, ctxType: 'node', ctx: n });
        task.failure(n);
      }
    });
  }
  finishAction(ctx);
  return task.snapshot();
}

/**
 * PrepareSite (Drydock's PrepareSite): network template, user credentials, provisioner configuration, in that order;
 * a failing step does not stop the later ones. When all succeed, the site design is locked: later actions
 * refuse a design with other content until `drydock site unlock <site>`. A new design (Shipyard's update_site)
 * takes the lock over when no task runs on the site, else it is refused naming that task.
 */
export async function prepare_site(input: ActionInput): Promise<Task> {
  const ctx = await beginAction('prepare_site', input);
  // Histories from before the takeover refused a new design when resolving the targets; they replay so.
  const targets = await targetNodes(ctx, input, patched('prepare-site-takes-over-design-lock') ? { lock: 'takeover' } : {});
  if (targets) {
    const ref = { taskId: input.taskId, designRef: input.designRef, contentHash: targets.contentHash };
    await siteStep(ctx, 'create_network_template', () => site.createNetworkTemplate(ref));
    await siteStep(ctx, 'configure_user_credentials', () => site.configureUserCredentials(ref));
    await siteStep(ctx, 'configure_node_provisioner', () => site.configureNodeProvisioner(ref));
    // Histories recorded before the lock existed replay without it.
    if (patched('prepare-site-locks-design') && ctx.task.result === 'success') await lockDesign(ctx, input, targets);
  }
  finishAction(ctx);
  return ctx.task.snapshot();
}

async function lockDesign(ctx: ActionContext, input: ActionInput, targets: Targets): Promise<void> {
  const { task } = ctx;
  const unlockHint = `unlock with: drydock site unlock ${targets.site}`;
  const previous = targets.lock;
  if (previous && previous.contentHash === targets.contentHash) {
    task.addMessage(`Site design already locked by task ${previous.taskId}; ${unlockHint}`, { ctxType: 'site', ctx: targets.site });
    return;
  }
  if (previous) {
    // update_site: the lock of the previous design ends here, unless a task started on the site meanwhile.
    try {
      await takeOverDesignLock({ previous, taskId: input.taskId, designRef: input.designRef });
    } catch (e) {
      if (isCancellation(e)) throw e;
      task.addMessage(failureMessage(e), { error: true, ctxType: 'site', ctx: targets.site });
      task.failure();
      return;
    }
    task.addMessage(`Site design lock of task ${previous.taskId} (content ${previous.contentHash.slice(0, 12)}) released for the new design`, {
      ctxType: 'site',
      ctx: targets.site,
    });
  }
  const lock: DesignLock = { site: targets.site, designRef: input.designRef, contentHash: targets.contentHash, taskId: input.taskId, lockedAt: new Date().toISOString() };
  try {
    await startChild(site_design_lock, {
      workflowId: designLockWorkflowId(targets.site),
      args: [lock],
      memo: { lock },
      // The lock outlives this task: it ends only on an explicit unlock.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: DrydockAction, value: 'site_design_lock' },
        { key: DrydockSite, value: targets.site },
        { key: DrydockTaskId, value: input.taskId },
        { key: DrydockDesignRef, value: publicDesignRef(input.designRef) },
      ],
    });
    task.addMessage(`Site design locked (content ${targets.contentHash.slice(0, 12)}); ${unlockHint}`, { ctxType: 'site', ctx: targets.site });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    // Another prepare_site locked the site since this task resolved its targets. Histories from before replay as
    // refused, whatever that lock held.
    const meanwhile = patched('prepare-site-same-design-lock-is-own') ? await currentDesignLock({ site: targets.site }) : undefined;
    if (meanwhile && meanwhile.contentHash === targets.contentHash) {
      // It holds this very design: what this task would have locked is locked, as when it was locked before.
      task.addMessage(`Site design locked meanwhile by task ${meanwhile.taskId} with this same content (${targets.contentHash.slice(0, 12)}); ${unlockHint}`, {
        ctxType: 'site',
        ctx: targets.site,
      });
      return;
    }
    const holder = meanwhile
      ? `task ${meanwhile.taskId} (${publicDesignRef(meanwhile.designRef)}, content ${meanwhile.contentHash.slice(0, 12)}), whose content differs from this task's (${targets.contentHash.slice(0, 12)})`
      : 'another task';
    task.addMessage(`Site design was locked meanwhile by ${holder}; ${unlockHint}`, { error: true, ctxType: 'site', ctx: targets.site });
    task.failure();
  }
}

async function siteStep(ctx: ActionContext, step: string, fn: () => Promise<StepReport>): Promise<void> {
  const { task } = ctx;
  // Terminated during an earlier step: the later ones are not started.
  if (CancellationScope.current().consideredCancelled) return;
  const id = `${workflowInfo().workflowId}/${step}`;
  task.registerSubtask(id, step);
  try {
    const r = await siteCall(ctx, step, fn);
    for (const m of r.messages) task.addMessage(m, { ctxType: 'task', ctx: step });
    for (const f of r.failures ?? []) {
      task.addMessage(`${step}: ${f} failed`, { error: true, ctxType: 'task', ctx: step });
    }
    if ((r.failures ?? []).length > 0) task.failure();
    else task.success();
  } catch (e) {
    if (isCancellation(e) && !terminatedTasksComplete()) throw e;
    task.addMessage(`${step}: ${isCancellation(e) ? 'stopped, action terminated' : failureMessage(e)}`, { error: true, ctxType: 'task', ctx: step });
    task.failure();
  }
  task.addMessage(`Collected subtask ${id}`, { ctxType: 'task', ctx: step });
}

/** A site step's activity call, riding out a peer outage for the transient retry window; the task says so once. */
function siteCall<T>(ctx: ActionContext, step: string, fn: () => Promise<T>): Promise<T> {
  return retryTransient(fn, {
    windowMinutes: ctx.settings.transient_retry_minutes ?? 10,
    onWait: (w) => {
      if (w.failures === 1) ctx.task.addMessage(`${step}: ${waitLine(w)}: ${w.message}`, { ctxType: 'task', ctx: step });
    },
    onRecovered: (failures) => ctx.task.addMessage(`${step}: peer answered again after ${failures} failed attempt(s)`, { ctxType: 'task', ctx: step }),
  });
}
