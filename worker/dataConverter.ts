import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { WorkerOptions } from '@temporalio/worker';
import { codecConfigFromEnv, createDataConverter, FAILURE_CONVERTER_PATH } from '../common/codec';
import type { Logger } from '../common/logger';

let codecWarningLogged = false;

/** The data converter from the environment (DRYDOCK_CODEC_*); logs the "encryption is off" warning once per process. */
export function dataConverterFromEnv(logger: Logger): DataConverter | undefined {
  const { dataConverter, warning } = createDataConverter(codecConfigFromEnv());
  if (warning && !codecWarningLogged) {
    codecWarningLogged = true;
    logger.warn(warning);
  }
  return dataConverter;
}

/**
 * The module a pre-built workflow bundle loads as its failure converter (bundleWorkflowCode's
 * failureConverterPath), e.g. `./common/failureConverter.ts`; undefined when it was built without one.
 * Webpack names the module after the comment the SDK's bundler puts on that require.
 */
export function bundleFailureConverterModule(bundle: NonNullable<WorkerOptions['workflowBundle']>): string | undefined {
  const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath, 'utf8');
  const m = /\/\*! __temporal_custom_failure_converter \*\/ "([^"]+)"/.exec(code);
  // Without a failure converter the request is an ignored module, named "?<hash>".
  return m && !m[1].startsWith('?') ? m[1] : undefined;
}

/** Whether the bundle was built with `failureConverterPath` (same file name, so the same converter). */
export function bundleHasFailureConverter(bundle: NonNullable<WorkerOptions['workflowBundle']>, failureConverterPath = FAILURE_CONVERTER_PATH): boolean {
  const mod = bundleFailureConverterModule(bundle);
  const stem = (p: string) => path.basename(p).replace(/\.[cm]?[jt]s$/, '');
  return mod !== undefined && stem(mod) === stem(failureConverterPath);
}
