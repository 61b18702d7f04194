import { heartbeat } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { createDesignActivities } from './design';
import type { DesignLockReader } from './designLocks';
import { DesignStore } from './designStore';
import { createOrchestrationActivities, type OrchestrationDeps } from './orchestration';
import { createSettingsActivities } from './settings';

export interface ActivityDeps extends OrchestrationDeps {
  settings: OrchestratorSettings;
  designs: DesignStore;
  logger: Logger;
  /** Site design locks (PrepareSite); without a reader, locks are not enforced. */
  designLocks?: DesignLockReader;
}

/** All activities, built from their dependencies: the worker passes real drivers, tests pass emulator-backed ones. */
export function createActivities(deps: ActivityDeps) {
  const { node, site } = createOrchestrationActivities(deps);
  return {
    ...createSettingsActivities(deps.settings),
    ...createDesignActivities(deps.designs, deps.designLocks),
    ...heartbeating(node),
    ...heartbeating(site),
  };
}

const HEARTBEAT_EVERY_MS = 3000;

/**
 * Driver calls heartbeat while they run, so Temporal notices a worker that died mid-call within the
 * heartbeat timeout (workflows/proxies.ts) and retries elsewhere, instead of waiting out start-to-close.
 */
function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await fn(...args);
      } finally {
        clearInterval(beat);
      }
    };
  }
  return wrapped as T;
}
export type Activities = ReturnType<typeof createActivities>;
