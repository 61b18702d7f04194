import { ApplicationFailure } from '@temporalio/activity';
import { DriverError } from '../drivers/errors';
import { CallAbortedError } from '../drivers/abort';
import { DesignUnusableError } from './designStore';
import { CONFIGURATION_ERROR, DESIGN_UNUSABLE, TRANSIENT_ERROR, type TransientDetails } from './contract';

/** A worker without the driver a step needs (Drydock's "No NodeDriver enabled."): no retry can help. */
export class MissingDriverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingDriverError';
  }
}

/**
 * The one mapping from what activities throw to Temporal failures. The failure type tells the workflow what
 * to do: permanent types (bad credentials, refused transitions, unusable designs, missing configuration) fail
 * the step at once; a transient one carries the peer and a short reason, so the workflow can retry it for its
 * time window and say "MaaS unavailable (HTTP 500)" meanwhile. Messages are the drivers' own: they name node,
 * address and operation, never a credential.
 */
export function toFailure(e: unknown, peer: string): unknown {
  if (e instanceof ApplicationFailure) return e;
  // The activity was cancelled (task terminated): let the SDK report the cancellation.
  if (e instanceof CallAbortedError || (e instanceof Error && e.name === 'AbortError')) return e;
  if (e instanceof DesignUnusableError) return ApplicationFailure.nonRetryable(e.message, DESIGN_UNUSABLE);
  if (e instanceof MissingDriverError) return ApplicationFailure.nonRetryable(e.message, CONFIGURATION_ERROR);
  if (e instanceof DriverError) {
    if (e.transient) {
      const details: TransientDetails = { peer: e.context.peer ?? peer, reason: shortReason(e.message) };
      // Retryable as far as Temporal knows; the workflows' own retry (workflows/transient.ts) lists the type as
      // non-retryable for their activities, so that one layer retries, for a time window, and says so.
      return ApplicationFailure.create({ message: e.message, type: TRANSIENT_ERROR, details: [details] });
    }
    const type = e.constructor.name === 'PermanentDriverError' ? 'PermanentDriverError' : e.name;
    return ApplicationFailure.create({ message: e.message, type, nonRetryable: true });
  }
  return e;
}

/** "HTTP 500", "connection refused", "no answer": what an operator needs to read in a progress line. */
export function shortReason(message: string): string {
  const http = /\b(5\d\d|429)\b/.exec(message);
  if (http) return `HTTP ${http[1]}`;
  if (/ECONNREFUSED|connection refused/i.test(message)) return 'connection refused';
  if (/ECONNRESET|socket hang up|connection reset/i.test(message)) return 'connection reset';
  if (/timed? ?out|timeout|no answer|no response|did not answer/i.test(message)) return 'no answer';
  if (/unreachable/i.test(message)) return 'unreachable';
  return 'unavailable';
}

/** Wraps every function of an activity object with the mapping; `peerOf` names the peer each one talks to. */
export function mapFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T, peerOf: (name: string) => string): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const peer = peerOf(name);
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        throw toFailure(e, peer);
      }
    };
  }
  return wrapped as T;
}
