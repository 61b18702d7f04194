import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { codecConfigFromEnv, FAILURE_CONVERTER_PATH } from '../../common/codec';
import { startDevServer } from '../../worker/devServer';
import { bundlerLogger } from './logging';

/**
 * One real Temporal dev server (the CLI built from source) and one workflow bundle for the whole test run.
 * Tests find them through environment variables, which jest's worker processes inherit.
 * A run of test/unit alone (`npx jest test/unit`) needs neither and starts neither.
 */
export default async function globalSetup(globalConfig: { testPathPattern: string }): Promise<void> {
  if (onlyUnitTests(globalConfig.testPathPattern)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-test-'));
  // Workers default to the data converter from DRYDOCK_CODEC_KEY: with a key set, the bundle needs its failure converter.
  const failureConverterPath = codecConfigFromEnv().current ? FAILURE_CONVERTER_PATH : undefined;
  const [server, bundle] = await Promise.all([
    // The server batches timers up to 1 s late by default; the tests' short polls want them on time.
    startDevServer({ uiPort: 0, logFile: path.join(dir, 'temporal.log'), dynamicConfig: { 'history.timerProcessorMaxTimeShift': '"1ms"' } }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), failureConverterPath, logger: bundlerLogger }),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  process.env.DRYDOCK_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.DRYDOCK_TEST_TEMPORAL_UI = server.uiUrl ?? '';
  process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.DRYDOCK_TEST_DIR = dir;
  (globalThis as { __drydockServer?: unknown }).__drydockServer = server;
}

/** Whether every path pattern given on the command line lies under test/unit/ (none given: the whole suite). */
export function onlyUnitTests(testPathPattern: string): boolean {
  const patterns = testPathPattern.split('|').filter(Boolean);
  return patterns.length > 0 && patterns.every((p) => /(^|[\\/])test[\\/]+unit([\\/]|$)/.test(p));
}
