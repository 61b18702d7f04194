/**
 * The PostgreSQL build data store against a real server (Debian's PostgreSQL, started by the test): the
 * stores' contract, Drydock's build_data table created when missing, and failures that say what to do
 * without ever naming the password.
 */
import { AuthenticationError, TransientDriverError } from '../../drivers/errors';
import { PostgresBuildDataStore, redactedPostgresUrl } from '../../drivers/buildDataPostgres';
import { postgresUnavailable, startPostgres, type Postgres } from '../harness/postgres';
import { buildDataStoreContract } from './buildDataContract';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL build data tests: ${unavailable}`);
const describeIfPostgres = unavailable ? describe.skip : describe;

describeIfPostgres('PostgreSQL', () => {
  let pg: Postgres;
  let n = 0;
  /** A database of its own: empty storage for one test. */
  const freshUrl = () => {
    const db = `builddata_${++n}`;
    pg.psql(`CREATE DATABASE ${db} OWNER ${pg.user}`);
    return pg.url.replace(/\/[^/]+$/, `/${db}`);
  };
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  buildDataStoreContract('PostgreSQL', async () => {
    const url = freshUrl();
    const stores = [new PostgresBuildDataStore({ url })];
    return {
      store: stores[0]!,
      reopen: async () => {
        stores.push(new PostgresBuildDataStore({ url }));
        return stores[stores.length - 1]!;
      },
      close: async () => {
        for (const s of stores) await s.close();
      },
    };
  });

  test("Drydock's build_data table is created when missing, by one of two workers starting at once", async () => {
    const url = freshUrl();
    const a = new PostgresBuildDataStore({ url });
    const b = new PostgresBuildDataStore({ url });
    try {
      const rec = { nodeName: 'n01', taskId: 't1', collectedDate: new Date().toISOString(), generator: 'lshw', dataFormat: 'text/xml', data: '<list/>' };
      await Promise.all([a.put([rec]), b.put([{ ...rec, data: '<list></list>' }])]);
      const db = url.split('/').pop()!;
      const columns = pg.psql(`SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_name = 'build_data' ORDER BY ordinal_position`, db);
      expect(columns.trim().split('\n')).toEqual([
        'id bigint',
        'node_name text',
        'task_id text',
        'collected_date timestamp with time zone',
        'generator character varying',
        'data_format character varying',
        'data_element text',
      ]);
      expect(pg.psql('SELECT count(*) FROM build_data', db).trim()).toBe('2');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a wrong password fails at once as an authentication error; neither password is in the message', async () => {
    const url = freshUrl().replace(`:${pg.password}@`, ':not-the-password@');
    const s = new PostgresBuildDataStore({ url });
    try {
      const e = await s.forNode('n01').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AuthenticationError);
      expect((e as Error).message).toMatch(/^read build data at 127\.0\.0\.1:\d+\/builddata_\d+: PostgreSQL rejected the credentials: password authentication failed/);
      expect((e as Error).message).not.toContain('not-the-password');
      expect((e as Error).message).not.toContain(pg.password);
    } finally {
      await s.close();
    }
    expect(redactedPostgresUrl(pg.url)).toBe(pg.url.replace(pg.password, '***'));
  });

  test('a server that does not answer is a transient error (the workflow retries it)', async () => {
    const s = new PostgresBuildDataStore({ url: `postgresql://drydock:${pg.password}@127.0.0.1:1/drydock` });
    try {
      const e = await s
        .put([{ nodeName: 'n01', taskId: 't', collectedDate: new Date().toISOString(), generator: 'g', dataFormat: 'text/plain', data: 'd' }])
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TransientDriverError);
      expect((e as Error).message).toMatch(/^store build data at 127\.0\.0\.1:1\/drydock: .*ECONNREFUSED/);
    } finally {
      await s.close();
    }
  });
});
