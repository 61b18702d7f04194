import { ConfigError } from '../../common/config';

/** Where the worker serves Drydock's API (boot action reports included): one port, Drydock's 9000. */
export interface ApiConfig {
  /** DRYDOCK_API_PORT; 0: any free port. */
  port: number;
  /** DRYDOCK_API_BIND. */
  host: string;
}

export const DEFAULT_API_PORT = 9000;

export function apiConfigFromEnv(env: Record<string, string | undefined> = process.env): ApiConfig {
  // One setting for the one server: the boot action routes are part of the API now.
  for (const old of ['DRYDOCK_BOOTACTION_API_PORT', 'DRYDOCK_BOOTACTION_API_BIND']) {
    if (env[old] !== undefined) throw new ConfigError(`${old} is now ${old.replace('BOOTACTION_', '')} (the boot action routes are part of Drydock's API)`);
  }
  const raw = env.DRYDOCK_API_PORT?.trim() || String(DEFAULT_API_PORT);
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new ConfigError(`invalid configuration: DRYDOCK_API_PORT: must be a port number 0-65535, got '${raw}'`);
  return { port, host: env.DRYDOCK_API_BIND?.trim() || '127.0.0.1' };
}
