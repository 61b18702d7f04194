import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { publicDesignRef } from '../common/searchAttributes';
import { designLockWorkflowId, unlockDesignSignal, type DesignLock } from '../workflows/designLock';

/** A task running on a site: it uses the site's locked design. */
export interface SiteTask {
  taskId: string;
  action: string;
  workflowId: string;
}

/** Where the worker reads a site's design lock (taken by PrepareSite), and hands it over to a new design. */
export interface DesignLockReader {
  current(site: string): Promise<DesignLock | undefined>;
  /** Tasks other than `taskId` running on the site (their per-node workflows included), oldest first. */
  runningTasks?(site: string, taskId: string): Promise<SiteTask[]>;
  /** Ends the lock `lock` (and only that one), waiting until its workflow has closed. */
  release?(lock: DesignLock, by: string, reason: string): Promise<void>;
}

const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;

/** The lock is the running `<site>-design-lock` workflow; its memo holds the lock, so a describe suffices. */
export class TemporalDesignLocks implements DesignLockReader {
  constructor(private readonly client: Client) {}

  async current(site: string): Promise<DesignLock | undefined> {
    try {
      const d = await this.client.workflow.getHandle(designLockWorkflowId(site)).describe();
      if (d.status.name !== 'RUNNING') return undefined;
      return d.memo?.lock as DesignLock | undefined;
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return undefined;
      throw e;
    }
  }

  /**
   * Every task of the namespace on this site (the lock is per site in the namespace, whatever the task queue),
   * from the search attributes each action sets once it resolved its targets; each candidate's own state
   * confirms it still runs (visibility lags a close). A task started a moment ago may not be listed yet.
   */
  async runningTasks(site: string, taskId: string): Promise<SiteTask[]> {
    const query = `ExecutionStatus = 'Running' AND DrydockSite = ${quote(site)} AND DrydockTaskId != ${quote(taskId)} AND DrydockAction != 'site_design_lock'`;
    const found = new Map<string, SiteTask>();
    for await (const w of this.client.workflow.list({ query })) {
      const attrs = w.searchAttributes as Record<string, unknown[] | undefined>;
      const owner = String(attrs.DrydockParentTaskId?.[0] ?? attrs.DrydockTaskId?.[0] ?? '');
      if (!owner || owner === taskId || found.has(owner)) continue;
      const d = await this.client.workflow.getHandle(w.workflowId, w.runId).describe();
      if (d.status.name !== 'RUNNING') continue;
      found.set(owner, { taskId: owner, action: String(attrs.DrydockAction?.[0] ?? ''), workflowId: w.workflowId });
    }
    return [...found.values()];
  }

  async release(lock: DesignLock, by: string, reason: string): Promise<void> {
    const handle = this.client.workflow.getHandle(designLockWorkflowId(lock.site));
    const now = await this.current(lock.site);
    // Released already (a retried attempt), or another lock since: nothing of ours to end.
    if (!now || now.taskId !== lock.taskId || now.contentHash !== lock.contentHash) return;
    await handle.signal(unlockDesignSignal, { by, reason });
    await handle.result();
  }
}

/** The message that refuses a lock takeover while a task uses the locked design. */
export function takeoverRefusal(lock: DesignLock, running: SiteTask, designRef: string): string {
  return (
    `site ${lock.site}: its design is locked by prepare_site task ${lock.taskId} (${publicDesignRef(lock.designRef)}, content ` +
    `${lock.contentHash.slice(0, 12)}) and task ${running.taskId} (${running.action}) is running on it; ${publicDesignRef(designRef)} ` +
    `takes the lock over only when no task uses the site's design: retry once task ${running.taskId} has ended`
  );
}

/** Activities of the site design lock: PrepareSite reads it, and (Shipyard's update_site) takes it over for a new design. */
export function createDesignLockActivities(locks?: DesignLockReader) {
  return {
    /** The site's design lock now, if any (a read, safe to run twice). */
    async currentDesignLock(input: { site: string }): Promise<DesignLock | undefined> {
      return locks?.current(input.site);
    },
    /**
     * Ends the site's lock `previous` for the prepare_site task `taskId`, which locks its own design next;
     * refused (DesignLocked, naming the task) while another task runs on the site. Safe to run twice.
     */
    async takeOverDesignLock(input: { previous: DesignLock; taskId: string; designRef: string }): Promise<void> {
      if (!locks?.runningTasks || !locks.release) return;
      const [running] = await locks.runningTasks(input.previous.site, input.taskId);
      if (running) throw ApplicationFailure.nonRetryable(takeoverRefusal(input.previous, running, input.designRef), 'DesignLocked');
      await locks.release(input.previous, `prepare_site task ${input.taskId}`, `design update: ${publicDesignRef(input.designRef)}`);
    },
  };
}

export type DesignLockActivities = ReturnType<typeof createDesignLockActivities>;
