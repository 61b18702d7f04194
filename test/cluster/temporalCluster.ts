import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { grpc } from '@temporalio/proto';
import YAML from 'yaml';
import { temporalConfigFromEnv } from '../../common/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/searchAttributes';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { freeTcpPort, tcpPortOpen } from '../../common/ports';
import { spawnPeer, type PeerProcess } from '../../emulators/bmc/processGroup';
import { registerSearchAttributes } from '../../worker/registerSearchAttributes';
import { postgresUnavailable, startPostgres, type Postgres } from '../harness/postgres';

/**
 * The production shape of docker-compose.temporal.yml, run on this machine: PostgreSQL, the `temporal` and
 * `temporal_visibility` databases created and migrated by Temporal's SQL schema tool, the Temporal server itself
 * (frontend, history, matching and worker services in one process, as the temporalio/server image runs them) from a
 * config file written here, the `default` namespace and Drydock's search attributes. Everything on loopback on free
 * ports. The binaries come from scripts/build-temporal-server.js.
 */
export const SERVER_BIN = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal-server');
export const SQL_TOOL_BIN = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal-sql-tool');

export interface TemporalCluster {
  /** The frontend's host:port, what TEMPORAL_ADDRESS is set to. */
  address: string;
  namespace: string;
  postgres: Postgres;
  /** The running server's pid (changes with each restart). */
  serverPid(): number;
  /** SIGKILLs the server process, as a crashed host or an OOM kill would; resolves once it has exited. */
  killServer(): Promise<void>;
  /** Starts the server again on the same config, database and ports; resolves once its frontend answers. */
  startServer(): Promise<void>;
  /** The last lines of the server's log, for a failure message. */
  logTail(lines?: number): string;
  /** Stops the server and PostgreSQL, and removes their directories. */
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  namespace?: string;
  /** The frontend's gRPC port; a free one by default. */
  frontendPort?: number;
  /** false (default): fsync off, for tests. */
  durable?: boolean;
  /** Server log level (the log goes to a file in the cluster's directory). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** More dynamic config, e.g. { 'history.timerProcessorMaxTimeShift': '1ms' }. */
  dynamicConfig?: Record<string, unknown>;
  /** Called with each step as it starts ("creating the databases", …). */
  onStep?: (step: string) => void;
}

/** Why the cluster cannot run here, in one line; undefined when it can. */
export function temporalClusterUnavailable(): string | undefined {
  const pg = postgresUnavailable();
  if (pg) return pg;
  const missing = [SERVER_BIN, SQL_TOOL_BIN].filter((b) => !fs.existsSync(b));
  if (missing.length) return `${missing.map((b) => path.relative(PROJECT_ROOT, b)).join(' and ')} not built (node scripts/build-temporal-server.js, needs Go)`;
  return undefined;
}

const HOST = '127.0.0.1';

/**
 * A free TCP port below 32768. Temporal's cluster_membership table keeps rpc_port as a SMALLINT: a membership port
 * in the OS's ephemeral range (32768 and up) fails the server's start with "out of range for type smallint".
 */
async function freeMembershipPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, HOST, () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free TCP port found between 20000 and 32000 on 127.0.0.1');
}

/** The server's JSON log lines, as "level msg: error" (without stack traces). */
function readableLog(logFile: string, lines: number): string {
  if (!fs.existsSync(logFile)) return '';
  return fs
    .readFileSync(logFile, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => {
      try {
        const j = JSON.parse(l) as { level?: string; msg?: string; error?: string };
        return `${j.level} ${j.msg}${j.error ? `: ${j.error}` : ''}`;
      } catch {
        return l;
      }
    })
    .join('\n');
}
const SCHEMAS = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
];

export async function startTemporalCluster(opts: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const unavailable = temporalClusterUnavailable();
  if (unavailable) throw new Error(`cannot start the Temporal cluster: ${unavailable}`);
  const step = opts.onStep ?? (() => undefined);
  const namespace = opts.namespace ?? 'default';
  step('starting PostgreSQL');
  const postgres = await startPostgres({ user: 'temporal', database: 'temporal_admin', durable: opts.durable });
  const dir = path.join(postgres.dir, 'temporal');
  let server: PeerProcess | undefined;
  try {
    fs.mkdirSync(path.join(dir, 'config', 'dynamicconfig'), { recursive: true });

    step('creating and migrating the temporal and temporal_visibility databases (temporal-sql-tool)');
    const sqlEnv = { SQL_PLUGIN: 'postgres12', SQL_HOST: HOST, SQL_PORT: String(postgres.port), SQL_USER: postgres.user, SQL_PASSWORD: postgres.password };
    const sqlTool = (database: string, args: string[]) => {
      const r = spawnSync(SQL_TOOL_BIN, ['--quiet', '--db', database, ...args], {
        encoding: 'utf8',
        env: { ...process.env, ...sqlEnv, SQL_DATABASE: database },
      });
      if (r.status !== 0)
        throw new Error(`temporal-sql-tool --db ${database} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    };
    // As the admin-tools image's auto-setup: create, versioning tables at 0.0, then every versioned migration.
    for (const s of SCHEMAS) {
      sqlTool(s.database, ['create-database', '--defaultdb', postgres.database]);
      sqlTool(s.database, ['setup-schema', '-v', '0.0']);
      sqlTool(s.database, ['update-schema', '--schema-name', s.schema]);
    }

    const frontendPort = opts.frontendPort ?? (await freeTcpPort(HOST));
    const ports: number[] = [];
    while (ports.length < 8) {
      const p = await freeMembershipPort();
      if (p !== frontendPort && !ports.includes(p)) ports.push(p);
    }
    const [frontendHttp, frontendMember, historyGrpc, historyMember, matchingGrpc, matchingMember, workerGrpc, workerMember] = ports;
    const dynamicConfigFile = path.join(dir, 'config', 'dynamicconfig', 'drydock.yaml');
    const dynamicConfig: Record<string, unknown> = {
      // As docker-compose.temporal.yml and the dev server: child workflow ids carry site, action and node names.
      'limit.maxIDLength': 255,
      ...opts.dynamicConfig,
    };
    fs.writeFileSync(dynamicConfigFile, YAML.stringify(Object.fromEntries(Object.entries(dynamicConfig).map(([k, v]) => [k, [{ value: v, constraints: {} }]]))));
    const store = (database: string, maxConns: number) => ({
      sql: {
        pluginName: 'postgres12',
        databaseName: database,
        connectAddr: `${HOST}:${postgres.port}`,
        connectProtocol: 'tcp',
        user: postgres.user,
        password: postgres.password,
        maxConns,
        maxIdleConns: maxConns,
        maxConnLifetime: '1h',
      },
    });
    const rpc = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnIP: HOST, ...extra } });
    const config = {
      log: { stdout: true, level: opts.logLevel ?? 'info', format: 'json' },
      persistence: {
        defaultStore: 'default',
        visibilityStore: 'visibility',
        numHistoryShards: 4,
        datastores: { default: store('temporal', 20), visibility: store('temporal_visibility', 10) },
      },
      global: { membership: { maxJoinDuration: '30s', broadcastAddress: HOST } },
      services: {
        frontend: rpc(frontendPort, frontendMember, { httpPort: frontendHttp }),
        history: rpc(historyGrpc, historyMember),
        matching: rpc(matchingGrpc, matchingMember),
        worker: rpc(workerGrpc, workerMember),
      },
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${HOST}:${frontendPort}` } },
      },
      dcRedirectionPolicy: { policy: 'noop' },
      dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
    };
    // The config holds the database password: readable by this user only.
    fs.writeFileSync(path.join(dir, 'config', 'drydock.yaml'), YAML.stringify(config), { mode: 0o600 });

    const address = `${HOST}:${frontendPort}`;
    const logFile = path.join(dir, 'temporal-server.log');
    const launch = async () => {
      for (const p of [frontendPort, ...ports]) {
        if (await tcpPortOpen(HOST, p)) throw new Error(`cannot start the Temporal server: ${HOST}:${p} is in use`);
      }
      const logFd = fs.openSync(logFile, 'a');
      const peer = spawnPeer(SERVER_BIN, ['--root', dir, '--config', 'config', '--env', 'drydock', '--allow-no-auth', 'start'], {
        stdio: ['ignore', logFd, logFd],
        ownProcessGroup: false,
      });
      fs.closeSync(logFd);
      server = peer;
      await untilServing(address, peer, logFile);
    };
    step(`starting the Temporal server on ${address}`);
    await launch();

    step(`registering the ${namespace} namespace and Drydock's search attributes`);
    await registerNamespace(address, namespace);

    return {
      address,
      namespace,
      postgres,
      serverPid: () => server!.child.pid!,
      killServer: async () => {
        const s = server!;
        s.child.kill('SIGKILL');
        await s.exited;
      },
      startServer: launch,
      logTail: (lines = 20) => readableLog(logFile, lines),
      stop: async () => {
        await server?.stop(10_000);
        await postgres.stop();
      },
    };
  } catch (e) {
    await server?.stop(10_000);
    await postgres.stop();
    throw e;
  }
}

/** Until the frontend answers (its services joined the ring over PostgreSQL); the log's tail when the server exits first. */
async function untilServing(address: string, peer: PeerProcess, logFile: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    if (peer.hasExited()) {
      throw new Error(`the Temporal server exited at start:\n${readableLog(logFile, 5)}`);
    }
    const [host, port] = address.split(':');
    if (await tcpPortOpen(host, Number(port))) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 2000 });
        // SERVING once the frontend's membership and persistence checks pass (the compose file's health check asks the same).
        const { status } = await connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
        if (status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) return;
        last = `health ${status}`;
      } catch (e) {
        last = (e as Error).message;
      } finally {
        await connection?.close();
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Temporal server did not answer on ${address} within ${timeoutMs} ms${last ? `: ${last}` : ''}`);
}

// As docker-compose.temporal.yml (--retention 720h).
const RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * The namespace, then Drydock's search attributes through worker/registerSearchAttributes.ts, what the image's setup
 * job runs (docker-compose's temporal-setup, the Helm chart's Job); both idempotent.
 */
export async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION_MS) });
  } catch (e) {
    if (!/already exists|AlreadyExists/i.test((e as Error).message)) throw e;
  } finally {
    await connection.close();
  }
  await registerSearchAttributes(temporalConfigFromEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace }));
  await untilSearchAttributesUsable(address, namespace);
}

// The server's default system.namespaceCacheRefreshInterval.
const NAMESPACE_CACHE_REFRESH_MS = 2000;

/**
 * Registered is not yet usable: on SQL visibility the attributes are aliases in the namespace's config, which each
 * service (frontend, history) reads from its namespace cache, refreshed every 2 s. Until then a start with them fails
 * with "Namespace default has no mapping defined for search attribute DrydockTaskId". A visibility query naming every
 * attribute passes once the frontend's cache has them; one more refresh period covers the history service's cache.
 */
async function untilSearchAttributesUsable(address: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const query = ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name} = 'probe'`).join(' AND ');
  const connection = await Connection.connect({ address });
  try {
    for (const end = Date.now() + timeoutMs; ;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 });
        break;
      } catch (e) {
        if (Date.now() > end) throw new Error(`Drydock's search attributes are registered in ${namespace} but not usable: ${(e as Error).message}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await connection.close();
  }
  await new Promise((r) => setTimeout(r, NAMESPACE_CACHE_REFRESH_MS + 500));
}
