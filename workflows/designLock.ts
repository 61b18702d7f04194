import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

/** The site design PrepareSite locked: later actions on the site must use this design. */
export interface DesignLock {
  site: string;
  designRef: string;
  contentHash: string;
  /** The prepare_site task that took the lock. */
  taskId: string;
  lockedAt: string;
}

export interface DesignUnlock {
  by?: string;
  reason?: string;
}

export const designLockQuery = defineQuery<DesignLock>('designLock');
export const unlockDesignSignal = defineSignal<[DesignUnlock]>('unlockDesign');

/** One lock per site, visible in the Web UI as a running workflow. */
export function designLockWorkflowId(site: string): string {
  return `${site}-design-lock`;
}

/**
 * Holds a site's design lock until an explicit unlock (`drydock site unlock <site>`). The lock itself is in
 * the workflow's memo too, so the worker reads it with a describe, without waiting on a query.
 */
export async function site_design_lock(lock: DesignLock): Promise<DesignLock & { unlock: DesignUnlock }> {
  let unlock: DesignUnlock | undefined;
  setHandler(designLockQuery, () => lock);
  setHandler(unlockDesignSignal, (u) => {
    unlock ??= u;
  });
  await condition(() => unlock !== undefined);
  return { ...lock, unlock: unlock! };
}
