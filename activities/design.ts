import { ApplicationFailure } from '@temporalio/activity';
import { selectNodes, type NodeFilterSet, type ValidationStatus } from '../design';
import { publicDesignRef } from '../common/searchAttributes';
import type { DesignLock } from '../workflows/designLock';
import { takeoverRefusal, type DesignLockReader } from './designLocks';
import { DesignStore, DesignUnusableError } from './designStore';
import { DESIGN_UNUSABLE } from './contract';

export interface DesignValidation {
  /** False when the design could not be fetched or parsed (nothing was validated). */
  loaded: boolean;
  contentHash: string;
  status: ValidationStatus;
}

export interface TargetNodes {
  site: string;
  contentHash: string;
  nodes: string[];
  /** The site's design lock, when there is one: it holds this very design, or (lockTakeover) the one to take over. */
  lock?: DesignLock;
}

/** Activities that read the site design. Results are small: names and hashes, never documents. */
export function createDesignActivities(store: DesignStore, locks?: DesignLockReader) {
  return {
    /** ValidateDesign: the design's validation status; the design itself stays in the worker. */
    async validateDesign(input: { designRef: string }): Promise<DesignValidation> {
      const loaded = await store.fetch(input.designRef, { fresh: true });
      return { loaded: !loaded.loadError, contentHash: loaded.contentHash, status: loaded.status };
    },

    /** Drydock's get_target_nodes: the validated design's nodes selected by the filter. */
    async resolveTargetNodes(input: {
      designRef: string;
      nodeFilter: NodeFilterSet | null;
      contentHash?: string;
      /** update_site: this prepare_site task may take the site's lock over for its new design (when no task runs on the site). */
      lockTakeover?: { taskId: string };
      /** A read-only action (verify_site): any revision, locked or not; no lock is returned. */
      ignoreLock?: boolean;
    }): Promise<TargetNodes> {
      let targets: TargetNodes;
      try {
        const { design, contentHash } = await store.usable(input.designRef, input.contentHash);
        targets = { site: design.site, contentHash, nodes: selectNodes(design, input.nodeFilter) };
      } catch (e) {
        throw asFailure(e, input.designRef);
      }
      if (input.ignoreLock) return targets;
      const lock = await locks?.current(targets.site);
      if (lock && lock.contentHash !== targets.contentHash && input.lockTakeover) {
        const [running] = (await locks?.runningTasks?.(targets.site, input.lockTakeover.taskId)) ?? [];
        if (running) throw ApplicationFailure.nonRetryable(takeoverRefusal(lock, running, input.designRef), 'DesignLocked');
        // The lock (of another design) goes with the targets: prepare_site takes it over once its steps succeeded.
        return { ...targets, lock };
      }
      if (lock && lock.contentHash !== targets.contentHash) {
        throw ApplicationFailure.nonRetryable(
          `site ${targets.site}: its design is locked by prepare_site task ${lock.taskId} (${publicDesignRef(lock.designRef)}, ` +
            `content ${lock.contentHash.slice(0, 12)}); ${publicDesignRef(input.designRef)} has different content ` +
            `(${targets.contentHash.slice(0, 12)}). Use the locked design, or unlock it first: drydock site unlock ${targets.site}`,
          'DesignLocked',
        );
      }
      return lock ? { ...targets, lock } : targets;
    },
  };
}

/** Design problems do not heal by retrying: fail the step at once, with a message that names the reference. */
export function asFailure(e: unknown, designRef: string): Error {
  if (e instanceof DesignUnusableError) return ApplicationFailure.nonRetryable(e.message, DESIGN_UNUSABLE);
  const msg = e instanceof Error ? e.message : String(e);
  return ApplicationFailure.retryable(`loading site design ${publicDesignRef(designRef)}: ${msg}`, 'DesignLoadError');
}

export type DesignActivities = ReturnType<typeof createDesignActivities>;
