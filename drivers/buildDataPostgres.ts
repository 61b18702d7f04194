/**
 * Build data in PostgreSQL (DRYDOCK_BUILD_DATA_URL): Drydock's `build_data` table (statemgmt/db/tables.py,
 * alembic's build_data migration), created when missing, so every worker and the API read the same rows.
 * Two deliberate differences: `node_name` and `task_id` are text (Drydock's varchar(32) cut long node names,
 * and its bytea(16) task ids are UUIDs where ours may be any id a client gave), and an `id` column keeps the
 * order records were put in, which Drydock's table has no column for.
 */
import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../common/logger';
import { BUILD_DATA_COLUMNS, fromBuildDataRow, type BuildDataRecord, type BuildDataRow, type BuildDataStore } from './buildData';
import { AuthenticationError, PermanentDriverError, TransientDriverError, type DriverError } from './errors';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS build_data (
  id bigserial PRIMARY KEY,
  node_name text NOT NULL,
  task_id text NOT NULL,
  collected_date timestamptz NOT NULL,
  generator varchar(256) NOT NULL,
  data_format varchar(32) NOT NULL,
  data_element text NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_build_data_node_name ON build_data (node_name);
CREATE INDEX IF NOT EXISTS ix_build_data_task_id ON build_data (task_id);
`;

/** Two workers starting at once would both try CREATE TABLE; this lock makes one wait for the other. */
const SCHEMA_LOCK = 0x6264_6174; // "bdat"

const COLUMNS = BUILD_DATA_COLUMNS.join(', ');
const ORDER = 'collected_date DESC, id ASC';

type Row = Omit<BuildDataRow, 'collected_date'> & { collected_date: Date };

/** PostgreSQL hands collected_date back as a Date. */
const fromRow = (r: Row): BuildDataRecord => fromBuildDataRow({ ...r, collected_date: r.collected_date.toISOString() });

/** The URL without its password, for messages and logs. */
export function redactedPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://(unparsable URL)';
  }
}

/** host:port/database: where a failure happened, never who with which password. */
function addressOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** SQLSTATE classes and socket errors that pass: the server is restarting, overloaded or unreachable. */
const TRANSIENT_CODES = /^(08|53|57P0[1-3]|40001|40P01)|^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|EAI_AGAIN)$/;

function toDriverError(e: unknown, operation: string, address: string): DriverError {
  const err = e as { code?: string; message?: string };
  const message = err.message || String(e);
  const context = { operation, address, peer: 'PostgreSQL' };
  if (err.code === '28P01' || err.code === '28000') return new AuthenticationError(`PostgreSQL rejected the credentials: ${message}`, context);
  if ((err.code && TRANSIENT_CODES.test(err.code)) || /timeout|terminated|Connection terminated/i.test(message)) return new TransientDriverError(message, context);
  return new PermanentDriverError(message, context);
}

export interface PostgresBuildDataStoreOptions {
  /** postgresql://user:password@host:port/database */
  url: string;
  logger?: Logger;
  /** Connections kept open at most (default 4). */
  maxConnections?: number;
}

export class PostgresBuildDataStore implements BuildDataStore {
  private readonly pool: Pool;
  private readonly address: string;
  private ready?: Promise<void>;

  constructor(opts: PostgresBuildDataStoreOptions) {
    this.address = addressOf(opts.url);
    this.pool = new Pool({ connectionString: opts.url, max: opts.maxConnections ?? 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // An idle connection the server closes (a restart) must not take the worker down; the next query reconnects.
    this.pool.on('error', (e) => opts.logger?.warn('build data store: idle PostgreSQL connection lost', { address: this.address, error: e.message }));
  }

  async put(records: BuildDataRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One statement: every record of the put, or none; ids follow the order of the arrays.
    await this.query('store build data', (c) =>
      c.query(
        `INSERT INTO build_data (${COLUMNS})
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])`,
        [
          records.map((r) => r.nodeName),
          records.map((r) => r.taskId),
          records.map((r) => r.collectedDate),
          records.map((r) => r.generator),
          records.map((r) => r.dataFormat),
          records.map((r) => r.data),
        ],
      ),
    );
  }

  async forNode(node: string, opts: { latest?: boolean } = {}): Promise<BuildDataRecord[]> {
    if (!opts.latest) return this.select('read build data', `WHERE node_name = $1`, [node]);
    // Drydock's latest=true: the newest record of each generator, the same rule as latestPerGenerator.
    return this.select('read build data', `WHERE id IN (SELECT DISTINCT ON (generator) id FROM build_data WHERE node_name = $1 ORDER BY generator, ${ORDER})`, [node]);
  }

  async forTask(taskId: string): Promise<BuildDataRecord[]> {
    return this.select('read build data', `WHERE task_id = $1`, [taskId]);
  }

  /** Closes the connections; the store is unusable afterwards. */
  async close(): Promise<void> {
    await this.pool.end();
  }

  private async select(operation: string, where: string, params: unknown[]): Promise<BuildDataRecord[]> {
    const r = await this.query(operation, (c) => c.query<Row>(`SELECT ${COLUMNS} FROM build_data ${where} ORDER BY ${ORDER}`, params));
    return r.rows.map(fromRow);
  }

  private async query<T>(operation: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      await this.schema();
      client = await this.pool.connect();
    } catch (e) {
      throw toDriverError(e, operation, this.address);
    }
    try {
      const r = await fn(client);
      client.release();
      return r;
    } catch (e) {
      client.release(true); // a connection that failed a query is not handed out again
      throw toDriverError(e, operation, this.address);
    }
  }

  /** The table, created once per store (again after a failed attempt). */
  private schema(): Promise<void> {
    this.ready ??= (async () => {
      const c = await this.pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await c.query(SCHEMA);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }
}
