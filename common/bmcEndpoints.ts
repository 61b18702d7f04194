/**
 * Where a BMC is really reached when that is not its design OOB address on the protocol's standard port
 * (DRYDOCK_BMC_ENDPOINTS): a lab BMC on another port, or the simulator, whose BMCs all listen on loopback
 * whatever address the design gives them. Keys are design OOB addresses; messages keep naming those.
 */
export interface BmcEndpoint {
  host: string;
  /** Unset: the protocol's standard port (IPMI 623, Redfish 443 or 80). */
  port?: number;
}

export type BmcEndpoints = Record<string, BmcEndpoint>;

/**
 * The JSON object of DRYDOCK_BMC_ENDPOINTS: each value "host:port", "[v6]:port", "host", or a port number
 * (the design address on that port). Empty or unset: no BMC is redirected.
 */
export function parseBmcEndpoints(json: string | undefined): BmcEndpoints {
  if (!json) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('must be a JSON object of OOB address → "host:port" or port');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('must be a JSON object of OOB address → "host:port" or port');
  const out: BmcEndpoints = {};
  for (const [address, value] of Object.entries(raw as Record<string, unknown>)) {
    const endpoint = typeof value === 'number' ? { host: address, port: value } : typeof value === 'string' ? parseHostPort(value) : undefined;
    if (!endpoint || !address || (endpoint.port !== undefined && !validPort(endpoint.port))) {
      throw new Error(`entry for ${address || '""'} must be "host:port", "host" or a port number`);
    }
    out[address] = endpoint;
  }
  return out;
}

/** The same map as DRYDOCK_BMC_ENDPOINTS JSON, for handing a simulated site's BMCs to a worker process. */
export function formatBmcEndpoints(endpoints: BmcEndpoints): string {
  return JSON.stringify(Object.fromEntries(Object.entries(endpoints).map(([a, e]) => [a, e.port === undefined ? e.host : `${hostForUrl(e.host)}:${e.port}`])));
}

/** Where to connect for a BMC at `address` (with the design's own port, if any). The map wins: it is set
 * deliberately for this worker, the design describes the site. */
export function reachBmc(endpoints: BmcEndpoints | undefined, address: string, designPort?: number): BmcEndpoint {
  return endpoints?.[address] ?? { host: address, port: designPort };
}

/** A host as it stands before `:port` in a URL or a message: IPv6 in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function parseHostPort(s: string): BmcEndpoint | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const parts = s.split(':');
  if (parts.length > 2) return { host: s }; // a bare IPv6 address
  const [host, port] = parts;
  if (!host) return undefined;
  if (port === undefined) return { host };
  return /^\d+$/.test(port) ? { host, port: Number(port) } : undefined;
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p > 0 && p < 65536;
}

/** How messages name a BMC: its design address, and where it was reached when that is elsewhere. */
export function describeBmc(address: string, reach: BmcEndpoint, defaultPort: number | undefined): string {
  const at = `${hostForUrl(reach.host)}${(reach.port ?? defaultPort) ? `:${reach.port ?? defaultPort}` : ''}`;
  return reach.host === address ? at : `${address} (reached at ${at})`;
}
