import type { Logger } from '../common/logger';
import type { OobDrivers } from '../drivers/bmc';
import type { BuildDataStore } from '../drivers/buildData';
import type { LabelDriver } from '../drivers/labels';
import type { Provisioner } from '../drivers/provisioner';
import type { DesignStore } from './designStore';
import { mapFailures } from './failures';
import { createNodeActivities } from './nodeActivities';
import { createSiteActivities } from './siteActivities';

export interface OrchestrationDeps {
  designs: DesignStore;
  /** The node provisioner (MaaS); undefined when none is configured (Drydock's "No NodeDriver enabled."). */
  provisioner?: Provisioner;
  oob: (type: 'ipmi' | 'redfish') => OobDrivers;
  labels?: LabelDriver;
  /** Where collected build data (commissioning results) is kept; none: it is checked, not kept. */
  buildData?: BuildDataStore;
  bootActions: { secret: string; reportUrl: string };
  logger: Logger;
}

/**
 * Thin adapters from workflow steps to drivers. Each resolves the node from the validated design inside the
 * worker (credentials included) and returns only names, ids and messages. Every error goes through the one
 * mapping to Temporal failures (activities/failures.ts).
 */
export function createOrchestrationActivities(deps: OrchestrationDeps) {
  const node = createNodeActivities(deps);
  const site = createSiteActivities(deps);
  return { node: mapFailures(node, peerOf), site: mapFailures(site, peerOf) };
}

const BMC_ACTIVITIES = new Set(['setPxeBoot', 'powerCycle', 'interrogateBmc', 'validateBmc']);
const peerOf = (activity: string): string => (BMC_ACTIVITIES.has(activity) ? 'BMC' : activity === 'relabelNode' ? 'Promenade' : 'MaaS');

export type NodeActivities = ReturnType<typeof createOrchestrationActivities>['node'];
export type SiteActivities = ReturnType<typeof createOrchestrationActivities>['site'];
