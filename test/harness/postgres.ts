import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, tcpPortOpen } from '../../common/ports';
import { spawnPeer } from '../../emulators/bmc/processGroup';

/**
 * A throwaway PostgreSQL for one test (or one `npm run cluster`): Debian's server binaries, a fresh cluster in a
 * temporary directory, listening on loopback on a free port, one database and one password user. PostgreSQL refuses
 * to run as root, so as root it runs as the unprivileged `postgres` user (created when missing) through `setpriv`.
 * The postmaster runs in the foreground as a recorded peer process (emulators/bmc/processGroup.ts), not daemonized
 * by pg_ctl, so a killed test run does not leave it behind.
 */
export interface Postgres {
  /** postgres://user:password@host:port/database */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The cluster's directory (data, socket, log). */
  dir: string;
  /** The postmaster's pid. */
  pid: number;
  /** Runs SQL through psql as the cluster's superuser over its Unix socket; stdout, unaligned, tuples only. */
  psql(sql: string, database?: string): string;
  /** Fast shutdown, then removes the directory. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  user?: string;
  password?: string;
  database?: string;
  /** false (default): fsync off, for tests. true: a crash-safe cluster. */
  durable?: boolean;
  startTimeoutMs?: number;
}

const OS_USER = 'postgres';
const SUPERUSER = 'postgres';

/** The directory holding initdb, postgres and psql: the newest of Debian's /usr/lib/postgresql/<major>/bin, else PATH's. */
export function postgresBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const majors = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .filter((v) => fs.existsSync(path.join(debian, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length > 0) return path.join(debian, majors[0], 'bin');
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0) {
    const dir = path.dirname(fs.realpathSync(onPath.stdout.trim()));
    if (['postgres', 'psql'].every((b) => fs.existsSync(path.join(dir, b)))) return dir;
  }
  return undefined;
}

/** Why PostgreSQL cannot run here, in one line; undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (!postgresBinDir()) return 'PostgreSQL server binaries not found (install the Debian package postgresql: `node scripts/bootstrap.js test` does as root)';
  if (isRoot() && !hasOsUser() && !commandExists('useradd')) return `running as root, there is no ${OS_USER} user to run PostgreSQL as, and no useradd to create one`;
  if (isRoot() && !commandExists('setpriv')) return 'running as root and setpriv (util-linux) is missing, so PostgreSQL cannot be run as an unprivileged user';
  return undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function commandExists(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function hasOsUser(): boolean {
  return spawnSync('id', ['-u', OS_USER]).status === 0;
}

function osUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, OS_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** `file args` as the unprivileged user when we are root, as ourselves otherwise. */
function asPostgresUser(file: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [file, args];
  return ['setpriv', ['--reuid', OS_USER, '--regid', OS_USER, '--init-groups', '--', file, ...args]];
}

function run(file: string, args: string[], what: string): string {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** SQL string literal / identifier quoting. */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function startPostgres(opts: PostgresOptions = {}): Promise<Postgres> {
  const unavailable = postgresUnavailable();
  if (unavailable) throw new Error(`cannot start PostgreSQL: ${unavailable}`);
  const bin = postgresBinDir()!;
  if (isRoot() && !hasOsUser()) {
    run('useradd', ['--system', '--user-group', '--home-dir', '/nonexistent', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], `creating the ${OS_USER} user`);
  }
  const user = opts.user ?? 'drydock';
  const password = opts.password ?? randomBytes(12).toString('hex');
  const database = opts.database ?? 'drydock';
  const host = '127.0.0.1';

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  let postmaster: ReturnType<typeof spawnPeer> | undefined;
  const cleanUp = async () => {
    await postmaster?.stop(10_000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (isRoot()) {
      const { uid, gid } = osUserIds();
      fs.chownSync(dir, uid, gid);
    }
    run(
      ...asPostgresUser(path.join(bin, 'initdb'), [
        '-D',
        dataDir,
        '-U',
        SUPERUSER,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-sync',
      ]),
      'initdb',
    );

    const port = await freeTcpPort(host);
    const settings = [
      `listen_addresses=${host}`,
      `port=${port}`,
      `unix_socket_directories=${dir}`,
      // The Temporal server opens a pool per service and store.
      'max_connections=300',
      ...(opts.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
    ];
    const logFd = fs.openSync(logFile, 'a');
    if (isRoot()) fs.fchownSync(logFd, osUserIds().uid, osUserIds().gid);
    const [file, args] = asPostgresUser(path.join(bin, 'postgres'), ['-D', dataDir, ...settings.flatMap((s) => ['-c', s])]);
    postmaster = spawnPeer(file, args, { stdio: ['ignore', logFd, logFd], ownProcessGroup: false });
    fs.closeSync(logFd);

    const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
    const psql = (sql: string, db = 'postgres') =>
      run(path.join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', SUPERUSER, '-d', db, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-A', '-t', '-c', sql], 'psql');
    for (;;) {
      if (postmaster.hasExited()) throw new Error(`PostgreSQL exited at start: ${fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ')}`);
      if ((await tcpPortOpen(host, port)) && spawnSync(path.join(bin, 'pg_isready'), ['-h', dir, '-p', String(port), '-q']).status === 0) break;
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections on ${host}:${port} within ${opts.startTimeoutMs ?? 30_000} ms (log: ${logFile})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // CREATEDB: the Temporal SQL schema tool creates its own databases (temporal, temporal_visibility).
    psql(`CREATE ROLE ${ident(user)} LOGIN CREATEDB PASSWORD ${literal(password)}`);
    psql(`CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);

    const pm = postmaster;
    return {
      url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`,
      host,
      port,
      user,
      password,
      database,
      dir,
      pid: pm.child.pid!,
      psql,
      stop: async () => {
        // SIGINT is PostgreSQL's fast shutdown: clients (a Temporal server) are disconnected, not waited for.
        if (!pm.hasExited()) pm.child.kill('SIGINT');
        await Promise.race([pm.exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
        await cleanUp();
      },
    };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}
