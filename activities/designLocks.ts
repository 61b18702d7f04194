import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { designLockWorkflowId, type DesignLock } from '../workflows/designLock';

/** Where the worker reads a site's design lock (taken by PrepareSite). */
export interface DesignLockReader {
  current(site: string): Promise<DesignLock | undefined>;
}

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
}
