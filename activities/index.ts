import type { Logger } from '../common/logger';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { createDesignActivities } from './design';
import { DesignStore } from './designStore';
import { createSettingsActivities } from './settings';

export interface ActivityDeps {
  settings: OrchestratorSettings;
  designs: DesignStore;
  logger: Logger;
}

/** All activities, built from their dependencies: the worker passes real ones, tests may pass others. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSettingsActivities(deps.settings),
    ...createDesignActivities(deps.designs),
  };
}
export type Activities = ReturnType<typeof createActivities>;
