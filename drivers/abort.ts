import { DriverError, type DriverErrorContext } from './errors';

/**
 * The caller aborted the call (an activity cancelled because its task was terminated). Not worth a retry:
 * the caller no longer wants the result. Nothing was sent to the peer after the abort.
 */
export class CallAbortedError extends DriverError {
  readonly transient = false;
  constructor(context: DriverErrorContext, reason?: unknown) {
    super('stopped, the call was cancelled', context);
    if (reason !== undefined) this.cause = reason;
  }
}

/** Throws CallAbortedError when `signal` has already been aborted: call it before each request to a peer. */
export function throwIfAborted(signal: AbortSignal | undefined, context: DriverErrorContext): void {
  if (signal?.aborted) throw new CallAbortedError(context, signal.reason);
}

/** Waits `ms`, or rejects with CallAbortedError as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, context: DriverErrorContext): Promise<void> {
  throwIfAborted(signal, context);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CallAbortedError(context, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
