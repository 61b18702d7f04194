import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * The Temporal Runtime of a test process with its logger at WARN: the SDK's default (INFO) prints a
 * "Worker state changed" line per worker and state, hundreds per `npm test`. Warnings and errors still show.
 *
 * The Runtime is a singleton made on first use: call this before the first NativeConnection. A test file
 * that installed its own Runtime first (metrics, encryption, …) keeps it.
 */
export function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (e) {
    // Already installed or instantiated in this process (this jest module registry).
    if (!(e instanceof IllegalStateError)) throw e;
  }
}
