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

/** A step's own report: what it did, in lines an operator reads in the task messages. */
export interface StepReport {
  messages: string[];
  /** Names that succeeded/failed inside a site-wide step (networks, keys, repositories). */
  successes?: string[];
  failures?: string[];
}

export interface SiteCheck {
  name: string;
  ok: boolean;
  message: string;
  /** Node name, rack controller id, ... */
  context?: string;
  contextType?: string;
}

export interface BmcReport {
  powerState: string;
  firmware: Record<string, string>;
  pciDevices: number;
  drives: number;
  health: string;
  alarms: string[];
  summary: string;
}

export interface BootActionExpectation {
  /** Boot action document name. */
  name: string;
  /** Unique id the node reports against. */
  actionId: string;
  signaling: boolean;
}

export type StartResult = 'started' | 'already';

/** Error type names that activities use for failures no retry can fix (the workflows' nonRetryableErrorTypes). */
export const PERMANENT_ERROR_TYPES = ['PermanentDriverError', 'AuthenticationError', 'StateConflictError', 'DesignUnusable', 'NodeNotFound'];
