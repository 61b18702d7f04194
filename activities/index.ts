import type { Logger } from '../common/logger';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { createDesignActivities } from './design';
import { DesignStore } from './designStore';
import { createOrchestrationActivities, type OrchestrationDeps } from './orchestration';
import { createSettingsActivities } from './settings';

export interface ActivityDeps extends OrchestrationDeps {
  settings: OrchestratorSettings;
  designs: DesignStore;
  logger: Logger;
}

/** All activities, built from their dependencies: the worker passes real drivers, tests pass emulator-backed ones. */
export function createActivities(deps: ActivityDeps) {
  const { node, site } = createOrchestrationActivities(deps);
  return {
    ...createSettingsActivities(deps.settings),
    ...createDesignActivities(deps.designs),
    ...node,
    ...site,
  };
}
export type Activities = ReturnType<typeof createActivities>;
