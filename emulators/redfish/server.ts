import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BmcState, EmulatorCounters, EmulatorFaults } from './bmcState';
import { DEFAULT_HARDWARE, errorBody, RedfishPowerState, SystemHardware } from './resources';
import { RedfishService, Reply } from './service';

export type { EmulatorCounters, EmulatorFaults } from './bmcState';

/**
 * A small Redfish BMC for tests: one ComputerSystem per server (run one server per BMC), sessions and
 * Basic auth, power transitions that take time, boot override, inventory, and fault injection.
 * Test-only endpoints, unauthenticated: GET /emulator/counters, POST /emulator/faults (JSON EmulatorFaults),
 * POST /emulator/hardware (JSON Partial<SystemHardware>: what changed on the machine behind the BMC's
 * clients, e.g. a BIOS flashed from the host).
 */
export interface RedfishEmulatorOptions {
  address?: string;
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
  username: string;
  password: string;
  systemId?: string;
  /** How long On/Off take to show in PowerState (default 200 ms). */
  powerTransitionMs?: number;
  initialPowerState?: 'On' | 'Off';
  /** Offer SessionService (default true); false makes clients use Basic auth, like sushy-tools. */
  sessions?: boolean;
  hardware?: Partial<SystemHardware>;
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  tls?: { key: string; cert: string };
}

export interface RedfishEmulator {
  url: string;
  address: string;
  port: number;
  systemId: string;
  counters(): EmulatorCounters;
  /** Merges faults into the current ones; null clears them all. */
  setFault(faults: EmulatorFaults | null): void;
  /** Changes what the BMC reports from now on, as POST /emulator/hardware does. */
  setHardware(changes: Partial<SystemHardware>): void;
  powerState(): RedfishPowerState;
  bootOverride(): { enabled: string; target: string };
  /** Calls `listener` once a request that may change the BMC's state (not a GET) is handled, before it is answered. */
  onStateChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

export async function startRedfishEmulator(opts: RedfishEmulatorOptions): Promise<RedfishEmulator> {
  const address = opts.address ?? '127.0.0.1';
  const systemId = opts.systemId ?? 'System1';
  const state = new BmcState(opts.initialPowerState ?? 'Off', opts.powerTransitionMs ?? 200);
  // One object the service reads on every request: a change shows in the next answer.
  const hardware: SystemHardware = { ...DEFAULT_HARDWARE, ...opts.hardware };
  const service = new RedfishService(state, { username: opts.username, password: opts.password, systemId, sessions: opts.sessions ?? true, hardware });
  const setHardware = (changes: Partial<SystemHardware>) => {
    for (const [k, v] of Object.entries(changes)) if (k in DEFAULT_HARDWARE && v !== undefined) Object.assign(hardware, { [k]: v });
  };

  const control = (method: string, path: string, body: Record<string, unknown>): Reply => {
    if (method === 'GET' && path === '/emulator/counters') return { status: 200, body: structuredClone(state.counters) };
    if (method === 'POST' && path === '/emulator/faults') {
      state.faults = body as EmulatorFaults;
      return { status: 204 };
    }
    if (method === 'POST' && path === '/emulator/hardware') {
      setHardware(body as Partial<SystemHardware>);
      return { status: 204 };
    }
    return { status: 404, body: errorBody('ResourceMissingAtURI', `${path} not found`) };
  };

  /** Injected faults come before the service: latency, then an error status instead of the answer. */
  const redfish = async (method: string, path: string, req: http.IncomingMessage, body: Record<string, unknown>): Promise<Reply> => {
    state.counters.requests++;
    const f = state.faults;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    const retryAfter = state.takeUnavailable();
    if (retryAfter !== undefined) {
      state.counters.injectedErrors++;
      return {
        status: 503,
        body: errorBody('ServiceTemporarilyUnavailable', `The service is temporarily unavailable. Retry in ${retryAfter} seconds.`),
        headers: { 'Retry-After': String(retryAfter) },
      };
    }
    if ((f.failNext ?? 0) > 0 || (f.errorRate && Math.random() < f.errorRate)) {
      if (f.failNext) f.failNext--;
      state.counters.injectedErrors++;
      return { status: f.errorStatus ?? 503, body: errorBody('ServiceTemporarilyUnavailable', 'injected fault') };
    }
    return service.handle(method, path, req.headers, body);
  };

  const listeners = new Set<() => void>();
  const handler: http.RequestListener = (req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = normalise(new URL(req.url ?? '/', 'http://x').pathname);
      let body: Record<string, unknown>;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return send(res, { status: 400, body: errorBody('MalformedJSON', 'request body is not JSON') });
      }
      if (path.startsWith('/emulator/')) return send(res, control(method, path, body));
      void redfish(method, path, req, body).then((reply) => {
        if (method !== 'GET') for (const l of listeners) l();
        send(res, reply);
      });
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, address, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${opts.tls ? 'https' : 'http'}://${address}:${port}`,
    address,
    port,
    systemId,
    counters: () => structuredClone(state.counters),
    // Merges; an `unavailable` window given here starts now, one set before keeps its start.
    setFault: (faults) => {
      if (!faults) return void (state.faults = {});
      const { unavailable, ...rest } = faults;
      if (unavailable) state.faults = { ...state.faults, ...faults };
      else Object.assign(state.faults, rest);
    },
    setHardware,
    powerState: () => state.currentPower(),
    bootOverride: () => ({ ...state.boot }),
    onStateChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function normalise(path: string): string {
  if (path === '/redfish/v1' || path === '/redfish/v1/') return '/redfish/v1/';
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function send(res: http.ServerResponse, reply: Reply): void {
  const payload = reply.body && reply.status !== 204 ? JSON.stringify(reply.body) : '';
  res.writeHead(reply.status, { ...(payload ? { 'Content-Type': 'application/json', 'OData-Version': '4.0' } : {}), ...reply.headers });
  res.end(payload);
}
