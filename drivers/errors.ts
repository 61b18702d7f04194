/**
 * Driver errors say whether trying again can help. Activities map them onto Temporal's retry policy:
 * a TransientDriverError is retried with backoff, a PermanentDriverError fails the step at once.
 * Messages name the node, the peer address and the operation, never a credential.
 */
export interface DriverErrorContext {
  node?: string;
  /** BMC or API address, e.g. "127.10.0.11:623" or "http://127.0.0.1:5240/MAAS" */
  address?: string;
  operation: string;
  /** The kind of peer ("MaaS", "BMC", "Promenade"), for progress lines such as "MaaS unavailable (HTTP 500)". */
  peer?: string;
}

export abstract class DriverError extends Error {
  abstract readonly transient: boolean;
  constructor(
    message: string,
    readonly context: DriverErrorContext,
  ) {
    super(`${describe(context)}: ${message}`);
    this.name = new.target.name;
  }
}

/** Worth retrying: timeouts, connection refused, 5xx, 429, a BMC busy with another session. */
export class TransientDriverError extends DriverError {
  readonly transient = true;
}

/** Retrying will not help: bad credentials, unknown node, invalid request, unsupported operation. */
export class PermanentDriverError extends DriverError {
  readonly transient = false;
}

/** Authentication refused by the peer (401, bad IPMI password): permanent. */
export class AuthenticationError extends PermanentDriverError {}

/** The peer refused a state transition (MaaS 409): permanent for this attempt. */
export class StateConflictError extends PermanentDriverError {}

function describe(c: DriverErrorContext): string {
  return [c.operation, c.node && `node ${c.node}`, c.address && `at ${c.address}`].filter(Boolean).join(' ');
}
