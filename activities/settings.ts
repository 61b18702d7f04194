import type { OrchestratorSettings } from '../common/orchestratorConfig';

export function createSettingsActivities(settings: OrchestratorSettings) {
  return {
    /** The worker's timeouts and intervals; recorded in history, so a running task keeps its values. */
    async orchestratorSettings(): Promise<OrchestratorSettings> {
      return settings;
    },
  };
}
