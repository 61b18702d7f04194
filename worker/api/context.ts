import type { Client } from '@temporalio/client';
import type { DrydockClient } from '../../client/drydockClient';
import type { Logger } from '../../common/logger';
import type { DesignStore } from '../../activities/designStore';
import type { BuildDataStore } from '../../drivers/buildData';
import type { Provisioner } from '../../drivers/provisioner';

/** What the API reads besides Temporal: the worker's own drivers (its ActivityDeps), so both see the same site. */
export interface ApiDeps {
  designs: DesignStore;
  /** The node provisioner (MaaS); without one GET /nodes says so. */
  provisioner?: Provisioner;
  /** Where the worker keeps build data; without one there is none to serve. */
  buildData?: BuildDataStore;
}

/** What every route module is given. */
export interface ApiContext {
  /** The Temporal client (the worker's data converter). */
  client: Client;
  /** Tasks, as the CLI sees them, on `taskQueue`. */
  drydock: DrydockClient;
  /** The Drydock this API serves; unset: tasks of every queue are listed and deploys of every queue serve boot actions. */
  taskQueue?: string;
  /**
   * Read on every request: a simulated site starts its API before the worker it points at exists, and
   * hands the API the worker's drivers once they are made (worker/simulatedSite.ts).
   */
  deps: ApiDeps;
  logger: Logger;
  bootActions: { secret: string; reportUrl: string };
}
