/**
 * End to end: a worker and a client with the encrypting data converter, a workflow whose input and
 * whose failing activity carry a "password"; the history on the server holds it nowhere, in any form.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../../common/codec';
import { orchestratorSettingsSchema } from '../../common/orchestratorConfig';
import { jsonLogger } from '../../common/logger';
import { temporalCliPath } from '../../common/temporalCli';
import { installRuntime } from '../../worker/telemetry';
import { scanHistoriesForSecrets } from '../../scripts/scan-histories';
import { silentSdkLogger } from '../harness/logging';

beforeAll(() => installRuntime({ logger: jsonLogger({ level: 'warn' }) }));

test.each([
  ['encrypted', true],
  ['plain (control: the scan does see the secret without the codec)', false],
])('%s: secret in workflow input and in an activity failure message', async (_label, encrypt) => {
  const address = process.env.DRYDOCK_TEST_TEMPORAL_ADDRESS!;
  const secret = `bmc-pw-${randomUUID().slice(0, 12)}`;
  const { dataConverter } = createDataConverter(encrypt ? { current: { id: 'k1', key: randomBytes(32) }, old: [] } : { old: [] });
  // The workflow sandbox converts workflow failures itself: the bundle needs the same failure converter.
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: silentSdkLogger,
  });
  const taskQueue = `test-encryption-${randomUUID().slice(0, 8)}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
    dataConverter,
    activities: {
      orchestratorSettings: async () => orchestratorSettingsSchema.parse({ poll_interval: 0.2, noop_wait: 0.2 }),
      // A careless driver error that quotes the password.
      resolveTargetNodes: async () => {
        throw ApplicationFailure.nonRetryable(`IPMI login failed for admin/${secret}`, 'DesignUnusable');
      },
    },
  });
  const clientConn = await Connection.connect({ address });
  const client = new Client({ connection: clientConn, dataConverter });
  const workflowId = `noop-enc-${randomUUID()}`;
  let outcome: unknown;
  try {
    await worker.runUntil(async () => {
      const handle = await client.workflow.start('noop', {
        taskQueue,
        workflowId,
        args: [{ taskId: randomUUID(), designRef: `file:///site.yaml?token=${secret}`, nodeFilter: null, createdBy: secret }],
        workflowExecutionTimeout: '60s',
      });
      outcome = await handle.result().catch((e: unknown) => e);
    });
  } finally {
    await clientConn.close();
    await connection.close();
  }
  // The client decodes with the same key: whatever the workflow returned or failed with is readable here.
  expect(JSON.stringify(outcome, Object.getOwnPropertyNames(outcome ?? {})) + String(outcome)).toContain(secret);

  const findings = await scanHistoriesForSecrets({
    temporalCli: temporalCliPath(),
    address,
    namespace: 'default',
    query: `WorkflowId = '${workflowId}'`,
    secrets: [secret],
  });
  if (encrypt) {
    expect(findings).toEqual([]);
  } else {
    expect(findings.map((f) => f.form)).toEqual(expect.arrayContaining(['decoded-base64', 'clear']));
  }
});
