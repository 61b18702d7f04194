import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { createDesignActivities } from './design';
import { createDesignLockActivities, type DesignLockReader } from './designLocks';
import { DesignStore } from './designStore';
import { createClaimActivities, type NodeClaims } from './nodeClaims';
import { createOrchestrationActivities, type OrchestrationDeps } from './orchestration';
import { createSettingsActivities } from './settings';

export interface ActivityDeps extends OrchestrationDeps {
  settings: OrchestratorSettings;
  designs: DesignStore;
  logger: Logger;
  /** Site design locks (PrepareSite); without a reader, locks are not enforced. */
  designLocks?: DesignLockReader;
  /** Which nodes other tasks are working on (one task per node); without a reader, nothing is refused. */
  nodeClaims?: NodeClaims;
}

/** All activities, built from their dependencies: the worker passes real drivers, tests pass emulator-backed ones. */
export function createActivities(deps: ActivityDeps) {
  const { node, site } = createOrchestrationActivities(deps);
  return {
    ...createSettingsActivities(deps.settings),
    ...createDesignActivities(deps.designs, deps.designLocks),
    ...createDesignLockActivities(deps.designLocks),
    ...createClaimActivities(deps.nodeClaims),
    ...heartbeating(node),
    ...heartbeating(site),
  };
}

/**
 * How often a running activity heartbeats. A cancellation (a terminated task) reaches an activity only in the
 * answer to a heartbeat, so this bounds how late a BMC or MaaS call learns that it must stop; the worker's
 * heartbeat throttle is set to it (worker/worker.ts), else the SDK would send one per 80% of the heartbeat timeout.
 */
export const HEARTBEAT_EVERY_MS = 1000;

/**
 * Driver calls heartbeat while they run, so Temporal notices a worker that died mid-call within the
 * heartbeat timeout (workflows/proxies.ts) and retries elsewhere, instead of waiting out start-to-close.
 * The activity's cancellation signal aborts the driver call (activities/orchestration.ts passes it); once it
 * has, the activity ends with the SDK's CancelledFailure, reported as cancelled, whatever the call threw.
 */
function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      // A local activity has no heartbeat: the workflow task it runs in is kept alive instead.
      const beat = activityInfo().isLocal ? undefined : setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await fn(...args);
      } catch (e) {
        const signal = cancellationSignal();
        if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
        throw e;
      } finally {
        clearInterval(beat);
      }
    };
  }
  return wrapped as T;
}
export type Activities = ReturnType<typeof createActivities>;
