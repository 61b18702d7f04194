import { ActivityFailure, ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import { TRANSIENT_ERROR, type TransientDetails } from '../activities/contract';

/** What a step is waiting out, for its progress line. */
export interface TransientWait extends TransientDetails {
  /** Milliseconds of the retry window left. */
  leftMs: number;
  /** How many times the call failed so far. */
  failures: number;
  message: string;
}

export interface TransientRetryOptions {
  /** How long transient errors are retried, from the first one (DRYDOCK_TRANSIENT_RETRY_MINUTES). */
  windowMinutes: number;
  /** Told before each wait. */
  onWait?: (w: TransientWait) => void;
  /** Told when the call succeeds after failures. */
  onRecovered?: (failures: number) => void;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/**
 * Runs an activity call and retries it while it fails with a transient peer error (MaaS 5xx, a BMC that
 * does not answer), with capped exponential backoff, for the time window; permanent errors and cancellation
 * go through at once. This is the one retry layer for peer outages: the activities do not retry inside, and
 * Temporal retries only attempts lost with their worker.
 */
export async function retryTransient<T>(call: () => Promise<T>, opts: TransientRetryOptions): Promise<T> {
  let firstFailure: number | undefined;
  let failures = 0;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    try {
      const result = await call();
      if (failures > 0) opts.onRecovered?.(failures);
      return result;
    } catch (e) {
      const t = transientOf(e);
      // Histories from before the window failed here (Temporal had retried the error 5 times); they replay so.
      if (!t || !patched('transient-retry-window')) throw e;
      failures++;
      firstFailure ??= Date.now();
      const leftMs = firstFailure + opts.windowMinutes * 60_000 - Date.now();
      if (leftMs <= 0) throw new TransientWindowExhausted(t, opts.windowMinutes, failures);
      opts.onWait?.({ ...t.details, leftMs, failures, message: t.message });
      await sleep(Math.min(delay, leftMs));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

/** The peer stayed unavailable for the whole window. */
export class TransientWindowExhausted extends Error {
  constructor(t: { message: string; details: TransientDetails }, windowMinutes: number, failures: number) {
    super(`${t.details.peer} unavailable for ${windowMinutes} min (${t.details.reason}, ${failures} attempts): ${t.message}`);
    this.name = 'TransientWindowExhausted';
  }
}

function transientOf(e: unknown): { message: string; details: TransientDetails } | undefined {
  // An activity's failure comes wrapped in an ActivityFailure; a local activity's as the activity threw it.
  const failure = e instanceof ActivityFailure ? e.cause : e;
  if (!(failure instanceof ApplicationFailure) || failure.type !== TRANSIENT_ERROR) return undefined;
  const d = (failure.details?.[0] ?? {}) as Partial<TransientDetails>;
  return { message: failure.message, details: { peer: d.peer ?? 'peer', reason: d.reason ?? 'unavailable' } };
}

/** "MaaS unavailable (HTTP 500), retrying, 3 min left" */
export function waitLine(w: TransientWait): string {
  const min = w.leftMs / 60_000;
  const left = min >= 1 ? `${Math.floor(min)} min` : `${Math.max(1, Math.round(w.leftMs / 1000))} s`;
  return `${w.peer} unavailable (${w.reason}), retrying, ${left} left`;
}
