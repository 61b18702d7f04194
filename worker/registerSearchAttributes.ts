/**
 * Registers Drydock's search attributes (common/searchAttributes.ts, their one definition) in the namespace of
 * the connection configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profile), as the Helm chart's
 * Job and docker-compose's setup run it from the image. Idempotent: attributes already there are kept; one of the
 * same name with another type is reported, never changed.
 *
 *   node dist/worker/registerSearchAttributes.js      (npx tsx worker/registerSearchAttributes.ts in development)
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectionOptions, temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { ALL_SEARCH_ATTRIBUTES } from '../common/searchAttributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** The attributes added (those already registered are left as they are). */
export async function registerSearchAttributes(cfg: TemporalConfig, opts: { timeoutMs?: number } = {}): Promise<string[]> {
  const wanted = new Map(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}` as keyof typeof IndexedValueType]]));
  const connection = await Connection.connect({ ...connectionOptions(cfg), connectTimeout: cfg.connectTimeout * 1000 });
  try {
    // A namespace just created reaches the frontend's cache a few seconds later: retry until the deadline.
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      try {
        const listed = (await connection.operatorService.listSearchAttributes({ namespace: cfg.namespace })).customAttributes ?? {};
        const clash = [...wanted].filter(([n, t]) => n in listed && listed[n] !== t);
        if (clash.length) {
          throw new Error(
            `search attribute(s) registered with another type: ${clash.map(([n, t]) => `${n} is ${IndexedValueType[listed[n]]}, Drydock needs ${IndexedValueType[t]}`).join('; ')}`,
          );
        }
        const missing = [...wanted].filter(([n]) => !(n in listed));
        if (missing.length) await connection.operatorService.addSearchAttributes({ namespace: cfg.namespace, searchAttributes: Object.fromEntries(missing) });
        return missing.map(([n]) => n);
      } catch (e) {
        if ((e as Error).message.startsWith('search attribute(s) registered') || Date.now() > deadline) throw e;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  const cfg = temporalConfigFromEnv();
  registerSearchAttributes(cfg).then(
    (added) => {
      const names = ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ');
      console.log(`drydock search attributes in ${cfg.namespace}: ${added.length ? `added ${added.join(', ')}` : 'all there already'} (${names})`);
    },
    (e: unknown) => {
      console.error(`drydock search attributes: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      process.exit(1);
    },
  );
}
