/**
 * Loaded by path (DataConverter.failureConverterPath, bundleWorkflowCode({ failureConverterPath })):
 * failure messages and stack traces become an encoded payload, so the payload codec encrypts them.
 * Imported inside the workflow sandbox too: only @temporalio/common, no I/O.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
