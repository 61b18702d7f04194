import fs from 'node:fs';
import path from 'node:path';
import { codecConfigFromEnv } from '../../common/codec';
import { silentLogger } from '../../common/logger';
import { installRuntime } from '../../worker/telemetry';
import { bundleForMatrix, markdownTable, runRow, selectRows, type RowOutcome } from '../../scripts/fault-matrix';

/**
 * The fault matrix's short rows (scripts/fault-matrix.ts, issue 11): each row runs on its own simulated site,
 * Temporal dev server and worker, injects its fault and must end as the row expects (result, node messages,
 * no deploy, commission or power cycle beyond what the fault demands). The long rows (the 5-minute outage)
 * run only in `npm run fault-matrix -- --long`.
 */
describe('fault matrix (short rows)', () => {
  const rows = selectRows(undefined, false);
  const outcomes: RowOutcome[] = [];
  let logRoot = '';
  // Concurrent tests start before beforeAll hooks run (a jest-circus behaviour), so each row awaits this instead.
  let ready: Promise<string> | undefined;
  const bundle = () =>
    (ready ??= (async () => {
      // The SDK's runtime logs every worker state change; the rows' own logs are in logRoot.
      try {
        installRuntime({ logger: silentLogger });
      } catch {
        // a runtime is already installed in this jest worker
      }
      logRoot = fs.mkdtempSync(path.join(process.env.DRYDOCK_TEST_DIR ?? '/tmp', 'fault-matrix-'));
      // The matrix runs with the SDK's data converter: the run's shared bundle fits unless it carries the codec's failure converter.
      return !codecConfigFromEnv().current && process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE ? process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE : bundleForMatrix(logRoot);
    })());
  afterAll(() => {
    if (outcomes.length) console.log(`fault matrix, logs in ${logRoot}\n${markdownTable(outcomes)}`);
  });

  // Rows mostly wait (a 60 s outage, a 30 s hang): they run side by side, each on its own server and site.
  test.concurrent.each(rows.map((r) => [r.id, r] as const))(
    '%s',
    async (_id, row) => {
      const bundlePath = await bundle();
      const outcome = await runRow(row, { bundlePath, logRoot });
      outcomes.push(outcome);
      expect({ row: row.id, problems: outcome.problems, messages: outcome.messages }).toEqual({ row: row.id, problems: [], messages: outcome.messages });
    },
    300_000,
  );
});
