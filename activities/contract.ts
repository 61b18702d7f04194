/**
 * What workflows may ask of activities, and the shapes they exchange. Everything here is small plain data:
 * node names, design references and hashes, MaaS system ids, messages. Never a credential or a document:
 * activities resolve those inside the worker.
 */

/** Identifies one node of one validated design; activities look everything else up from it. */
export interface NodeRef {
  taskId: string;
  designRef: string;
  contentHash: string;
  node: string;
}

export interface DesignRefInput {
  taskId: string;
  designRef: string;
  contentHash: string;
}

export interface MachineInfo {
  systemId: string;
  hostname: string;
  /** MaaS status name, e.g. "Ready", "Deployed", "Failed commissioning". */
  statusName: string;
}

/** The provisioner's own shapes travel to workflows unchanged. */
export type { StartResult, StepReport, ServiceCheck as SiteCheck } from '../drivers/provisioner';

export interface BmcReport {
  powerState: string;
  firmware: Record<string, string>;
  pciDevices: number;
  drives: number;
  health: string;
  alarms: string[];
  summary: string;
  /** The build data the hardware manifest came from (a prepared node); absent without lshw build data. */
  manifest?: { taskId: string; collectedDate: string };
  /** Where the BMC's inventory and the hardware manifest disagree; empty when they agree. */
  differences?: string[];
}

export interface BootActionExpectation {
  /** Boot action document name. */
  name: string;
  /** Unique id the node reports against. */
  actionId: string;
  signaling: boolean;
}

/** Failure type of a design that cannot be used (does not validate, changed, locked to other content). */
export const DESIGN_UNUSABLE = 'DesignUnusable';
/** Failure type of a worker without the driver a step needs (no MaaS, no Promenade configured). */
export const CONFIGURATION_ERROR = 'ConfigurationError';
/**
 * Failure type of a transient peer error (5xx, connection refused, no answer). Temporal does not retry it:
 * the workflow does, for its time window, so the node's progress can say what it is waiting for.
 */
export const TRANSIENT_ERROR = 'TransientDriverError';

/** The details of a TRANSIENT_ERROR failure. */
export interface TransientDetails {
  /** "MaaS", "BMC", "Promenade" */
  peer: string;
  /** "HTTP 500", "connection refused", "no answer" */
  reason: string;
}

/** Error type names that activities use for failures no retry can fix (the workflows' nonRetryableErrorTypes). */
export const PERMANENT_ERROR_TYPES = [
  'PermanentDriverError',
  'AuthenticationError',
  'StateConflictError',
  'MaasNotFoundError',
  'MaasRequestError',
  DESIGN_UNUSABLE,
  CONFIGURATION_ERROR,
  'NodeNotFound',
];
