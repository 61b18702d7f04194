/** Loggers for tests: the SDK's (bundler, Runtime) kept quiet, and a sink that keeps our JSON log lines. */

/** The Temporal SDK's logger shape with every level dropped. */
export const silentSdkLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** For bundleWorkflowCode: webpack's chatter dropped, its warnings and errors shown. */
export const bundlerLogger = {
  ...silentSdkLogger,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** A `write` sink for jsonLogger/workerLogger that keeps every line. */
export function captureLines(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (l) => lines.push(l) };
}
