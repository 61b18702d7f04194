import fs from 'node:fs';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/**
 * Configuration from environment variables, validated once. Names follow Drydock's option names where
 * Drydock has one (timeouts.*, poll_interval, maasdriver.*), upper-cased with a DRYDOCK_ prefix.
 */
const durationSeconds = (def: number) => z.coerce.number().nonnegative().default(def);

/** host:port, the host a name, an IPv4 address or an IPv6 address in brackets (`[::1]:7233`). */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+(%[\w.-]+)?\]|[^\s:[\]]+):\d{1,5}$/;

export const temporalConfigSchema = z.object({
  /** host:port of the Temporal frontend. Unset: the embedded dev server (npm start) / 127.0.0.1:7233 (CLI). */
  address: z.string().regex(HOST_PORT, 'must be host:port, e.g. 127.0.0.1:7233 or [::1]:7233').optional(),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).default('drydock'),
  /** Seconds to wait for the frontend before giving up with a one-line error. */
  connectTimeout: durationSeconds(5),
});

/**
 * Where and how to reach Temporal. Address, namespace, API key, TLS and gRPC metadata come the Temporal way
 * (@temporalio/envconfig: a profile of a TOML file, overridden by TEMPORAL_* variables), as the Temporal CLI
 * and SDKs read them; task queue and connect timeout are Drydock's own.
 */
export type TemporalConfig = z.infer<typeof temporalConfigSchema> & {
  /** TLS: true for TLS with the system's CAs, or certificates; unset: plaintext (TLS when an API key is set). */
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
  /** The profile read, for messages; unset when no config file was read. */
  profile?: string;
};

/** What Connection.connect (client) and NativeConnection.connect (worker) both take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function parse<T extends z.ZodType>(schema: T, raw: Record<string, unknown>, names: Record<string, string>): z.infer<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
}

const TEMPORAL_ENV = {
  address: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  taskQueue: 'DRYDOCK_TASK_QUEUE',
  connectTimeout: 'TEMPORAL_CONNECT_TIMEOUT',
} as const;

/** Command-line choices, which win over the environment and the profile. */
export interface TemporalOverrides {
  address?: string;
  namespace?: string;
  profile?: string;
}

/**
 * The Temporal configuration: a profile of the TOML file (TEMPORAL_CONFIG_FILE, else Temporal's default
 * location; TEMPORAL_PROFILE or `overrides.profile`, else "default"), then the TEMPORAL_* variables over it,
 * then `overrides`. A bad file, a missing profile or an unreadable certificate is a ConfigError of one line.
 */
export function temporalConfigFromEnv(env: Env = process.env, overrides: TemporalOverrides = {}): TemporalConfig {
  const profileName = overrides.profile ?? (env.TEMPORAL_PROFILE || undefined);
  const connect = loadProfile(env, profileName);
  const raw = {
    address: overrides.address ?? (connect.connectionOptions.address || undefined),
    namespace: overrides.namespace ?? (connect.namespace || undefined),
    taskQueue: env.DRYDOCK_TASK_QUEUE || undefined,
    connectTimeout: env.TEMPORAL_CONNECT_TIMEOUT || undefined,
  };
  const names = { ...TEMPORAL_ENV, ...(overrides.address ? { address: '--address' } : {}), ...(overrides.namespace ? { namespace: '--namespace' } : {}) };
  const base = parse(temporalConfigSchema, raw, names);
  const { tls, apiKey, metadata } = connect.connectionOptions;
  return {
    ...base,
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(typeof apiKey === 'string' && apiKey ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length ? { metadata: metadata as Record<string, string> } : {}),
    ...(profileName ? { profile: profileName } : {}),
  };
}

type ConnectConfig = ReturnType<typeof import('@temporalio/envconfig').loadClientConnectConfig>;

function loadProfile(env: Env, profile: string | undefined): ConnectConfig {
  // Loaded here, not at the top: the CLI's commands that never connect don't pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadClientConnectConfig } = require('@temporalio/envconfig') as typeof import('@temporalio/envconfig');
  // envconfig passes over a missing file silently (none at the default location is normal); a named one must exist.
  if (env.TEMPORAL_CONFIG_FILE && !fs.existsSync(env.TEMPORAL_CONFIG_FILE)) {
    throw new ConfigError(`TEMPORAL_CONFIG_FILE: no such file: ${env.TEMPORAL_CONFIG_FILE}`);
  }
  // An empty variable is an unset one (as for Drydock's own), except TEMPORAL_GRPC_META_*, where empty removes a header.
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && (e[1] !== '' || e[0].startsWith('TEMPORAL_GRPC_META_'))));
  try {
    return loadClientConnectConfig({ profile, overrideEnvVars: vars });
  } catch (e) {
    const file = env.TEMPORAL_CONFIG_FILE ? ` (TEMPORAL_CONFIG_FILE ${env.TEMPORAL_CONFIG_FILE})` : '';
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new ConfigError(`invalid Temporal connection configuration${file}: ${msg}`);
  }
}

/** The options for Connection.connect and NativeConnection.connect; the address defaults to the CLI's. */
export function connectionOptions(cfg: Pick<TemporalConfig, 'address' | 'tls' | 'apiKey' | 'metadata'>): TemporalConnectionOptions {
  return {
    address: cfg.address ?? DEFAULT_TEMPORAL_ADDRESS,
    ...(cfg.tls !== undefined ? { tls: cfg.tls } : {}),
    ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}),
    ...(cfg.metadata ? { metadata: cfg.metadata } : {}),
  };
}

/** How the connection is secured, for banners: "mutual TLS", "TLS", "API key over TLS" or "plaintext". */
export function describeSecurity(cfg: Pick<TemporalConfig, 'tls' | 'apiKey'>): string {
  const tls = cfg.tls ?? (cfg.apiKey ? true : false);
  if (!tls) return 'plaintext';
  const mutual = typeof tls === 'object' && tls.clientCertPair;
  return `${cfg.apiKey ? 'API key over ' : ''}${mutual ? 'mutual TLS' : 'TLS'}`;
}
