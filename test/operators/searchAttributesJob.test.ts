/**
 * The search attribute registration the Helm chart's Job and docker-compose run from the image, against the
 * test server: a namespace of its own, registered from scratch, then again (idempotent).
 */
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporalConfigFromEnv } from '../../common/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/searchAttributes';
import { registerSearchAttributes } from '../../worker/registerSearchAttributes';
import { temporalAddress } from '../harness/temporal';

test('registers every Drydock search attribute once, then finds them all there', async () => {
  const namespace = `sa-job-${randomUUID().slice(0, 8)}`;
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const cfg = temporalConfigFromEnv({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: namespace });
    const added = await registerSearchAttributes(cfg);
    expect(added.sort()).toEqual(ALL_SEARCH_ATTRIBUTES.map((k) => k.name).sort());
    const listed = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    for (const k of ALL_SEARCH_ATTRIBUTES) expect(listed[k.name]).toBeDefined();
    expect(await registerSearchAttributes(cfg)).toEqual([]);
  } finally {
    await connection.close();
  }
}, 90_000);
