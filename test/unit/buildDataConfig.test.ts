/**
 * Which build data store a worker gets from its configuration: files under DRYDOCK_STATE_DIR by default,
 * PostgreSQL with DRYDOCK_BUILD_DATA_URL, whose password no log line and no error message shows.
 */
import path from 'node:path';
import { driverConfigFromEnv, stateDirFromEnv } from '../../common/driverConfig';
import { memoryLogger } from '../../common/logger';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { FileBuildDataStore } from '../../drivers/buildDataFile';
import { PostgresBuildDataStore } from '../../drivers/buildDataPostgres';
import { buildDataStoreOf } from '../../worker/deps';
import { workerLogger } from '../../worker/secrets';

describe('build data configuration', () => {
  test('by default: files in <DRYDOCK_STATE_DIR>/builddata, the state directory npm start uses', () => {
    expect(driverConfigFromEnv({}).stateDir).toBe(path.join(PROJECT_ROOT, '.temporal'));
    expect(stateDirFromEnv({})).toBe(path.join(PROJECT_ROOT, '.temporal'));
    expect(stateDirFromEnv({ DRYDOCK_STATE_DIR: 'some/dir' })).toBe(path.resolve('some/dir'));
    const logger = memoryLogger();
    const store = buildDataStoreOf(driverConfigFromEnv({ DRYDOCK_STATE_DIR: '/var/lib/drydock' }), logger);
    expect(store).toBeInstanceOf(FileBuildDataStore);
    expect((store as FileBuildDataStore).dir).toBe('/var/lib/drydock/builddata');
    expect(logger.lines.join('\n')).toContain('"dir":"/var/lib/drydock/builddata"');
  });

  test('DRYDOCK_BUILD_DATA_URL: PostgreSQL; the log names the server, never the password', async () => {
    const url = 'postgresql://drydock:s3cr%40t-pass@db.example:5433/drydock';
    const drivers = driverConfigFromEnv({ DRYDOCK_BUILD_DATA_URL: url });
    const lines: string[] = [];
    const logger = workerLogger(drivers, { write: (l) => lines.push(l) });
    const store = buildDataStoreOf(drivers, logger);
    try {
      expect(store).toBeInstanceOf(PostgresBuildDataStore);
      expect(lines.join('\n')).toContain('postgresql://drydock:***@db.example:5433/drydock');
      // The last line of defence masks it too, as written and decoded.
      logger.info('oops', { a: url, b: 's3cr@t-pass' });
      expect(lines.join('\n')).not.toMatch(/s3cr/);
    } finally {
      await (store as PostgresBuildDataStore).close();
    }
  });

  test('a DRYDOCK_BUILD_DATA_URL that is not a PostgreSQL URL is refused, naming the variable, not the value', () => {
    for (const bad of ['mysql://u:hunter22@h/db', 'not a url hunter22']) {
      let message = '';
      try {
        driverConfigFromEnv({ DRYDOCK_BUILD_DATA_URL: bad });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe('invalid driver configuration: DRYDOCK_BUILD_DATA_URL: must be a postgresql://user:password@host:port/database URL');
    }
  });
});
