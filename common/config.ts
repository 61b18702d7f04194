import { z } from 'zod';

/**
 * Configuration from environment variables, validated once. Names follow Drydock's option names where
 * Drydock has one (timeouts.*, poll_interval, maasdriver.*), upper-cased with a DRYDOCK_ prefix.
 */
const durationSeconds = (def: number) => z.coerce.number().nonnegative().default(def);

export const temporalConfigSchema = z.object({
  /** host:port of the Temporal frontend. Unset: the embedded dev server (npm start) / 127.0.0.1:7233 (CLI). */
  address: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).default('drydock'),
  /** Seconds to wait for the frontend before giving up with a one-line error. */
  connectTimeout: durationSeconds(5),
});
export type TemporalConfig = z.infer<typeof temporalConfigSchema>;

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

export function temporalConfigFromEnv(env: Env = process.env): TemporalConfig {
  const raw = Object.fromEntries(Object.entries(TEMPORAL_ENV).map(([k, v]) => [k, env[v] || undefined]));
  return parse(temporalConfigSchema, raw, TEMPORAL_ENV);
}
