import { ApplicationFailure } from '@temporalio/activity';
import { selectNodes } from '../design';
import { publicDesignRef } from '../common/searchAttributes';
import type { NodeFilterSet } from '../workflows/task';
import { DesignStore, DesignUnusableError } from './designStore';

export interface TargetNodes {
  site: string;
  contentHash: string;
  nodes: string[];
}

/** Activities that read the site design. Results are small: names and hashes, never documents. */
export function createDesignActivities(store: DesignStore) {
  return {
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
