import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './temporalCli';
import { parseBmcEndpoints } from './bmcEndpoints';

/**
 * Driver configuration from the environment (Drydock's [maasdriver], [redfish_driver], [pyghmi_driver] and
 * [bootactions] groups). Secrets (MAAS_API_KEY, DRYDOCK_BOOTACTION_SECRET) are read here and handed to the
 * drivers; they never enter a workflow.
 */
const schema = z.object({
  maasApiUrl: z.string().url().optional(),
  maasApiKey: z
    .string()
    .regex(/^[^:]+:[^:]+:[^:]+$/, 'must be consumer_key:token_key:token_secret')
    .optional(),
  promenadeUrl: z.string().url().optional(),
  promenadeToken: z.string().optional(),
  ipmiCipherSuite: z.coerce.number().int().min(0).max(17).default(3),
  ipmiCommandTimeout: z.coerce.number().positive().default(20),
  redfishUseSsl: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  redfishInsecure: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  powerStateChangeMaxRetries: z.coerce.number().int().positive().default(18),
  powerStateChangeRetryInterval: z.coerce.number().positive().default(10),
  /**
   * JSON object design OOB address → where that BMC is really reached: "host:port", "host", or a port on
   * the design address. For labs whose BMCs are not on 623/443 and for the simulator, whose BMCs all listen
   * on loopback; production leaves it unset and every BMC is reached at its design address.
   */
  bmcEndpoints: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseBmcEndpoints(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  bootActionSecret: z.string().min(16).optional(),
  bootActionReportUrl: z.string().url().default('http://127.0.0.1:9000/api/v1.0/bootactions/'),
  /** Where `npm start` keeps the embedded server's database and logs, and where build data is kept by default. */
  stateDir: z
    .string()
    .min(1)
    .default(path.join(PROJECT_ROOT, '.temporal'))
    .transform((p) => path.resolve(p)),
  /** Build data in PostgreSQL (Drydock's build_data table) instead of files under the state directory. */
  buildDataUrl: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^postgres(ql)?:$/.test(URL.canParse(v) ? new URL(v).protocol : ''), 'must be a postgresql://user:password@host:port/database URL'),
});

const ENV = {
  maasApiUrl: 'MAAS_API_URL',
  maasApiKey: 'MAAS_API_KEY',
  promenadeUrl: 'PROMENADE_URL',
  promenadeToken: 'PROMENADE_TOKEN',
  ipmiCipherSuite: 'DRYDOCK_IPMI_CIPHER_SUITE',
  ipmiCommandTimeout: 'DRYDOCK_IPMI_COMMAND_TIMEOUT',
  redfishUseSsl: 'DRYDOCK_REDFISH_USE_SSL',
  redfishInsecure: 'DRYDOCK_REDFISH_INSECURE_SKIP_VERIFY',
  powerStateChangeMaxRetries: 'DRYDOCK_POWER_STATE_CHANGE_MAX_RETRIES',
  powerStateChangeRetryInterval: 'DRYDOCK_POWER_STATE_CHANGE_RETRY_INTERVAL',
  bmcEndpoints: 'DRYDOCK_BMC_ENDPOINTS',
  bootActionSecret: 'DRYDOCK_BOOTACTION_SECRET',
  bootActionReportUrl: 'DRYDOCK_BOOTACTION_REPORT_URL',
  stateDir: 'DRYDOCK_STATE_DIR',
  buildDataUrl: 'DRYDOCK_BUILD_DATA_URL',
} as const;

export type DriverConfig = z.infer<typeof schema> & { bootActionSecret: string };

export function driverConfigFromEnv(env: Record<string, string | undefined> = process.env): DriverConfig {
  const raw = Object.fromEntries(Object.entries(ENV).map(([k, v]) => [k, env[v] || undefined]));
  // The address → port map it replaced: refused rather than silently ignored (its JSON is valid as is).
  if (env.DRYDOCK_BMC_PORTS) throw new Error('invalid driver configuration: DRYDOCK_BMC_PORTS is now DRYDOCK_BMC_ENDPOINTS (same JSON, ports stay valid values)');
  const r = schema.safeParse(raw);
  if (!r.success) {
    // Name the variable, never echo its value (it may be a key).
    const issues = r.error.issues.map((i) => `${ENV[i.path[0] as keyof typeof ENV] ?? i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid driver configuration: ${issues.join('; ')}`);
  }
  if (!!r.data.maasApiUrl !== !!r.data.maasApiKey) throw new Error('invalid driver configuration: set both MAAS_API_URL and MAAS_API_KEY, or neither');
  // Without a configured secret, keys are valid only for this worker process's lifetime.
  return { ...r.data, bootActionSecret: r.data.bootActionSecret ?? randomBytes(32).toString('hex') };
}

/** DRYDOCK_STATE_DIR alone, for `npm start`, which needs it before (and whether or not) any driver is configured. */
export function stateDirFromEnv(env: Record<string, string | undefined> = process.env): string {
  const r = schema.shape.stateDir.safeParse(env[ENV.stateDir] || undefined);
  if (!r.success) throw new Error(`invalid driver configuration: ${ENV.stateDir}: ${r.error.issues[0]?.message}`);
  return r.data;
}
