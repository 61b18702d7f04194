/**
 * Exports a workflow's history from a Temporal server into test/histories/ for the replay test:
 *   npm run record-history -- <workflowId> [--name file-stem]
 * Uses TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE like the CLI (default 127.0.0.1:7233, the embedded server).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TEMPORAL_ADDRESS, temporalConfigFromEnv } from '../common/config';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'test', 'histories');

export async function recordHistory(client: Client, workflowId: string, name?: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const file = path.join(HISTORIES_DIR, `${name ?? workflowId}.json`);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(file, historyToJSON(history) + '\n');
  return file;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workflowId = args.find((a) => !a.startsWith('--'));
  const nameIdx = args.indexOf('--name');
  if (!workflowId) throw new Error('usage: npm run record-history -- <workflowId> [--name file-stem]');
  const cfg = temporalConfigFromEnv();
  const connection = await Connection.connect({ address: cfg.address ?? DEFAULT_TEMPORAL_ADDRESS, connectTimeout: cfg.connectTimeout * 1000 });
  try {
    const file = await recordHistory(new Client({ connection, namespace: cfg.namespace }), workflowId, nameIdx >= 0 ? args[nameIdx + 1] : undefined);
    console.log(`recorded ${workflowId} → ${path.relative(process.cwd(), file)}`);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`record-history: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
