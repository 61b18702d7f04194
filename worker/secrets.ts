import { jsonLogger, type Logger } from '../common/logger';
import type { DriverConfig } from '../common/driverConfig';
import { keystoneSecrets, keystoneSettingsFromEnv } from '../common/keystone';
import { oobOf, type EffectiveDesign } from '../design';

/**
 * The credentials a worker is configured with: the MaaS API key and each of its parts, the boot action secret,
 * the Promenade token, the build data database's password (as written in the URL and decoded), the Keystone
 * service password (DRYDOCK_KEYSTONE_PASSWORD).
 */
export function configuredSecrets(drivers: DriverConfig, env: Record<string, string | undefined> = process.env): string[] {
  const key = drivers.maasApiKey;
  const keystone = keystoneSecrets(keystoneSettingsFromEnv(env));
  return [...(key ? [key, ...key.split(':')] : []), drivers.bootActionSecret, drivers.promenadeToken, ...urlPassword(drivers.buildDataUrl), ...keystone].filter(
    (s): s is string => !!s,
  );
}

function urlPassword(url: string | undefined): string[] {
  if (!url || !URL.canParse(url)) return [];
  const p = new URL(url).password;
  return p ? [p, decodeURIComponent(p)] : [];
}

/** The BMC passwords a site design carries (those long enough to mask without false matches). */
export function designCredentials(design: EffectiveDesign): string[] {
  return design.baremetal_nodes.map((n) => String(oobOf(n).credential ?? '')).filter((c) => c.length >= 4);
}

/**
 * The worker's JSON logger (stderr): every line has the configured credentials masked, as a last line of
 * defence (drivers never log them). BMC passwords come from designs and are not known here: drivers keep
 * them out of messages (see the driver tests and test/operators/secretsInHistory.test.ts).
 */
export function workerLogger(drivers: DriverConfig, opts: { write?: (line: string) => void } = {}): Logger {
  const secrets = configuredSecrets(drivers);
  return jsonLogger({ base: { component: 'worker' }, secrets: () => secrets, write: opts.write });
}
