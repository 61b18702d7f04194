/**
 * Process-wide Temporal Runtime: SDK logs into our JSON logger and, when asked, worker metrics for
 * Prometheus. The Runtime is a singleton created on first use, so `installRuntime` must run once per
 * process, before the first NativeConnection or Worker.
 *
 *   DRYDOCK_METRICS_PORT=9464 npm start       # then: curl http://127.0.0.1:9464/metrics
 */
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { z } from 'zod';
import { ConfigError } from '../common/config';
import type { LogAttrs, Logger } from '../common/logger';

export interface TelemetryConfig {
  /** Prometheus endpoint port; undefined: no metrics. */
  metricsPort?: number;
  /** Address the metrics endpoint binds to. */
  metricsBind: string;
}

const TELEMETRY_ENV = { metricsPort: 'DRYDOCK_METRICS_PORT', metricsBind: 'DRYDOCK_METRICS_BIND' } as const;
const telemetrySchema = z.object({
  metricsPort: z.coerce.number().int().min(1).max(65535).optional(),
  metricsBind: z
    .string()
    .regex(/^[^\s/]+$/, 'must be an IP address or host name, e.g. 127.0.0.1')
    .default('127.0.0.1'),
});

/** DRYDOCK_METRICS_PORT (unset: metrics off), DRYDOCK_METRICS_BIND (127.0.0.1). */
export function telemetryConfigFromEnv(env: Record<string, string | undefined> = process.env): TelemetryConfig {
  const raw = Object.fromEntries(Object.entries(TELEMETRY_ENV).map(([k, v]) => [k, env[v] || undefined]));
  const r = telemetrySchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${TELEMETRY_ENV[i.path[0] as keyof typeof TELEMETRY_ENV] ?? i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  return r.data;
}

/**
 * Meta the SDK attaches at debug level that carries raw payloads (workflow activation jobs, activity
 * task starts with their input): dropped so a debug log never holds workflow arguments, and the task
 * token, which is long and opaque.
 */
const DROPPED = new Set(['taskToken', 'jobs', 'start', 'task', 'completion']);

/** The SDK's meta (workflowId, runId, activityId, attempt, sdkComponent, …) as flat log attributes. */
export function flattenSdkMeta(meta: LogMetadata | undefined): LogAttrs {
  const out: LogAttrs = {};
  if (!meta) return out;
  for (const [k, v] of Object.entries(meta)) {
    // Symbol keys (the SDK's LogTimestamp) are skipped by Object.entries already.
    if (DROPPED.has(k) || v === undefined) continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'bigint') out[k] = v.toString();
    else if (v instanceof Error) out[k] = v.message;
    else if (v instanceof Date) out[k] = v.toISOString();
    else {
      let s: string;
      try {
        s = JSON.stringify(v);
      } catch {
        s = String(v);
      }
      out[k] = s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
    }
  }
  return out;
}

/** A Temporal SDK logger that writes through our structured logger. TRACE goes to debug. */
export function sdkLoggerAdapter(logger: Logger): SdkLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const attrs = flattenSdkMeta(meta);
    switch (level) {
      case 'TRACE':
      case 'DEBUG':
        return logger.debug(message, attrs);
      case 'INFO':
        return logger.info(message, attrs);
      case 'WARN':
        return logger.warn(message, attrs);
      default:
        return logger.error(message, attrs);
    }
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

export interface InstallRuntimeOptions {
  /** Port of the Prometheus endpoint; undefined: no metrics. */
  metricsPort?: number;
  /** Default 127.0.0.1. */
  metricsBind?: string;
  logger: Logger;
  /** Native (Rust core) log level forwarded to `logger`; default WARN. */
  coreLogLevel?: LogLevel;
}

/**
 * Installs the Temporal Runtime with our logger (SDK, workflow, activity and core logs) and, when
 * `metricsPort` is set, a Prometheus endpoint at http://<bind>:<port>/metrics.
 * Returns the metrics URL, if any.
 */
export function installRuntime(opts: InstallRuntimeOptions): { metricsUrl?: string } {
  const bind = opts.metricsBind ?? '127.0.0.1';
  const hostPort = opts.metricsPort ? `${bind.includes(':') ? `[${bind}]` : bind}:${opts.metricsPort}` : undefined;
  const options: RuntimeOptions = {
    logger: sdkLoggerAdapter(opts.logger),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: opts.coreLogLevel ?? 'WARN', other: 'ERROR' } },
      ...(hostPort ? { metrics: { prometheus: { bindAddress: hostPort } } } : {}),
    },
  };
  try {
    Runtime.install(options);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot install the Temporal runtime (${msg}): call installRuntime once, before any NativeConnection or Worker`, { cause: e });
  }
  const metricsUrl = hostPort ? `http://${hostPort}/metrics` : undefined;
  if (metricsUrl) opts.logger.info('Prometheus metrics enabled', { metricsUrl });
  return { metricsUrl };
}

/**
 * Installs the process-wide Temporal Runtime with `logger` and, when DRYDOCK_METRICS_PORT is set, the
 * Prometheus endpoint. Call it before the first NativeConnection. If a Runtime already exists (something
 * connected first), it is kept: a warning says the metrics setting could not apply.
 */
export function installWorkerRuntime(logger: Logger): { metricsUrl?: string } {
  const telemetry = telemetryConfigFromEnv();
  try {
    return installRuntime({ logger, metricsPort: telemetry.metricsPort, metricsBind: telemetry.metricsBind });
  } catch (e) {
    if (!/already been (installed|instantiated)/.test(e instanceof Error ? e.message : String(e))) throw e;
    if (telemetry.metricsPort) logger.warn('the Temporal runtime was already running: DRYDOCK_METRICS_PORT not applied', { metricsPort: telemetry.metricsPort });
    return {};
  }
}
