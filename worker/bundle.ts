/**
 * The workflow bundles `npm run build` makes beside the compiled code, so a compiled worker starts without
 * webpack. Two, because a bundle carries its failure converter: one for the SDK default data converter, one
 * for the codec's (common/codec.ts FAILURE_CONVERTER_PATH). In development (tsx) there are none and
 * Worker.create bundles the workflows at start, as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, type WorkflowBundlePath } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/codec';

/** dist/ when this file runs compiled (dist/worker/bundle.js), else undefined. */
const COMPILED_ROOT = __filename.endsWith('.js') ? path.resolve(__dirname, '..') : undefined;

const bundleFile = (root: string, withFailureConverter: boolean) => path.join(root, withFailureConverter ? 'workflow-bundle-codec.js' : 'workflow-bundle.js');

/**
 * The prebuilt bundle matching the data converter, when this code runs compiled and the build made it;
 * undefined otherwise (the worker then bundles at start).
 */
export function prebuiltWorkflowBundle(dataConverter: DataConverter | undefined): WorkflowBundlePath | undefined {
  if (!COMPILED_ROOT) return undefined;
  const codePath = bundleFile(COMPILED_ROOT, Boolean(dataConverter?.failureConverterPath));
  return fs.existsSync(codePath) ? { codePath } : undefined;
}

/** Builds both bundles into `outDir` (the build calls this on the compiled code, with outDir = dist). */
export async function writeWorkflowBundles(outDir: string): Promise<string[]> {
  const workflowsPath = require.resolve('../workflows');
  // webpack's progress chatter dropped; its warnings and errors shown.
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
  const written: string[] = [];
  for (const withFailureConverter of [false, true]) {
    const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath: withFailureConverter ? FAILURE_CONVERTER_PATH : undefined, logger });
    const file = bundleFile(outDir, withFailureConverter);
    fs.writeFileSync(file, code);
    written.push(file);
  }
  return written;
}
