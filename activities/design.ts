import { ApplicationFailure } from '@temporalio/activity';
import { selectNodes, type ValidationStatus } from '../design';
import { publicDesignRef } from '../common/searchAttributes';
import type { NodeFilterSet } from '../workflows/task';
import { DesignStore, DesignUnusableError } from './designStore';

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
}

/** Activities that read the site design. Results are small: names and hashes, never documents. */
export function createDesignActivities(store: DesignStore) {
  return {
    /** ValidateDesign: the design's validation status; the design itself stays in the worker. */
    async validateDesign(input: { designRef: string }): Promise<DesignValidation> {
      const loaded = await store.fetch(input.designRef, { fresh: true });
      return { loaded: !loaded.loadError, contentHash: loaded.contentHash, status: loaded.status };
    },

    /** Drydock's get_target_nodes: the validated design's nodes selected by the filter. */
    async resolveTargetNodes(input: { designRef: string; nodeFilter: NodeFilterSet | null; contentHash?: string }): Promise<TargetNodes> {
      try {
        const { design, contentHash } = await store.usable(input.designRef, input.contentHash);
        return { site: design.site, contentHash, nodes: selectNodes(design, input.nodeFilter) };
      } catch (e) {
        throw asFailure(e, input.designRef);
      }
    },
  };
}

/** Design problems do not heal by retrying: fail the step at once, with a message that names the reference. */
export function asFailure(e: unknown, designRef: string): Error {
  if (e instanceof DesignUnusableError) return ApplicationFailure.nonRetryable(e.message, 'DesignUnusable');
  const msg = e instanceof Error ? e.message : String(e);
  return ApplicationFailure.retryable(`loading site design ${publicDesignRef(designRef)}: ${msg}`, 'DesignLoadError');
}

export type DesignActivities = ReturnType<typeof createDesignActivities>;
