import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { DEFAULT_HARDWARE, errorBody, RESET_TYPES, ResetType, RedfishPowerState, SystemHardware, BOOT_TARGETS, systemDocuments } from './resources';

/**
 * A small Redfish BMC for tests: one ComputerSystem per server (run one server per BMC), sessions and
 * Basic auth, power transitions that take time, boot override, inventory, and fault injection.
 * Test-only endpoints, unauthenticated: GET /emulator/counters, POST /emulator/faults (JSON EmulatorFaults).
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

export interface EmulatorFaults {
  /** Fraction (0..1) of Redfish requests answered with `errorStatus`. */
  errorRate?: number;
  /** The next N Redfish requests are answered with `errorStatus`. */
  failNext?: number;
  errorStatus?: number;
  /** Added to every Redfish request before it is handled. */
  latencyMs?: number;
  /** Resets are accepted (204) but PowerState stays in transition forever. */
  powerNeverCompletes?: boolean;
}

export interface EmulatorCounters {
  requests: number;
  resets: number;
  resetsByType: Partial<Record<ResetType, number>>;
  bootChanges: number;
  sessionsCreated: number;
  sessionsDeleted: number;
  activeSessions: number;
  authFailures: number;
  injectedErrors: number;
}

export interface RedfishEmulator {
  url: string;
  address: string;
  port: number;
  systemId: string;
  counters(): EmulatorCounters;
  setFault(faults: EmulatorFaults | null): void;
  powerState(): RedfishPowerState;
  bootOverride(): { enabled: string; target: string };
  stop(): Promise<void>;
}

type Reply = { status: number; body?: object; headers?: Record<string, string> };

class BmcState {
  power: 'On' | 'Off';
  pending?: { to: 'On' | 'Off'; at: number };
  boot = { enabled: 'Disabled', target: 'None' };
  faults: EmulatorFaults = {};
  readonly sessions = new Map<string, string>(); // token -> session id
  readonly counters: EmulatorCounters = { requests: 0, resets: 0, resetsByType: {}, bootChanges: 0, sessionsCreated: 0, sessionsDeleted: 0, activeSessions: 0, authFailures: 0, injectedErrors: 0 };

  constructor(initial: 'On' | 'Off', private readonly transitionMs: number) {
    this.power = initial;
  }

  /** The PowerState a GET sees now; pending transitions complete lazily. */
  currentPower(): RedfishPowerState {
    if (this.pending && Date.now() >= this.pending.at) {
      this.power = this.pending.to;
      this.pending = undefined;
    }
    if (this.pending) return this.pending.to === 'On' ? 'PoweringOn' : 'PoweringOff';
    return this.power;
  }

  reset(type: ResetType): void {
    this.counters.resets++;
    this.counters.resetsByType[type] = (this.counters.resetsByType[type] ?? 0) + 1;
    const now = this.currentPower();
    const isOn = now === 'On' || now === 'PoweringOn';
    const to: 'On' | 'Off' = type === 'On' ? 'On' : type === 'PushPowerButton' ? (isOn ? 'Off' : 'On') : type.endsWith('Restart') ? 'On' : 'Off';
    if (type.endsWith('Restart')) this.power = 'Off';
    if (!type.endsWith('Restart') && (to === 'On') === isOn && !this.pending) return; // already there
    this.pending = { to, at: this.faults.powerNeverCompletes ? Infinity : Date.now() + this.transitionMs };
  }
}

export async function startRedfishEmulator(opts: RedfishEmulatorOptions): Promise<RedfishEmulator> {
  const address = opts.address ?? '127.0.0.1';
  const systemId = opts.systemId ?? 'System1';
  const hw: SystemHardware = { ...DEFAULT_HARDWARE, ...opts.hardware };
  const state = new BmcState(opts.initialPowerState ?? 'Off', opts.powerTransitionMs ?? 200);
  const sessionsEnabled = opts.sessions ?? true;
  const systemPath = `/redfish/v1/Systems/${systemId}`;
  const expectedBasic = 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64');

  const authorized = (req: http.IncomingMessage): boolean => {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && state.sessions.has(token)) return true;
    return req.headers.authorization === expectedBasic;
  };

  const documents = () => {
    const docs = systemDocuments(systemId, hw, { power: state.currentPower(), boot: state.boot });
    if (!sessionsEnabled) {
      const root = docs.get('/redfish/v1/') as Record<string, unknown>;
      delete root.SessionService;
      delete root.Links;
      docs.delete('/redfish/v1/SessionService');
    }
    return docs;
  };

  const handleRedfish = (method: string, path: string, req: http.IncomingMessage, body: Record<string, unknown>): Reply => {
    const sessionsPath = '/redfish/v1/SessionService/Sessions';
    if (method === 'GET' && (path === '/redfish' || path === '/redfish/v1/')) {
      return path === '/redfish' ? { status: 200, body: { v1: '/redfish/v1/' } } : { status: 200, body: documents().get('/redfish/v1/')! };
    }
    if (sessionsEnabled && method === 'POST' && path === sessionsPath) return createSession(body);
    if (!authorized(req)) {
      state.counters.authFailures++;
      return { status: 401, body: errorBody('NoValidSession', 'Authentication required'), headers: { 'WWW-Authenticate': 'Basic realm="redfish-emulator"' } };
    }
    if (sessionsEnabled && path.startsWith(`${sessionsPath}/`)) return sessionResource(method, path.slice(sessionsPath.length + 1));
    if (method === 'POST' && path === `${systemPath}/Actions/ComputerSystem.Reset`) {
      const type = body.ResetType as ResetType;
      if (!RESET_TYPES.includes(type)) return { status: 400, body: errorBody('ActionParameterValueNotInList', `ResetType ${String(type)} is not supported`) };
      state.reset(type);
      return { status: 204 };
    }
    if (method === 'PATCH' && path === systemPath) return patchBoot(body.Boot as Record<string, unknown> | undefined);
    if (method === 'GET' && path === sessionsPath && sessionsEnabled) {
      const ids = [...state.sessions.values()].map((id) => ({ '@odata.id': `${sessionsPath}/${id}` }));
      return { status: 200, body: { '@odata.id': sessionsPath, Members: ids, 'Members@odata.count': ids.length } };
    }
    const doc = method === 'GET' ? documents().get(path) : undefined;
    if (doc) return { status: 200, body: doc };
    return documents().has(path) ? { status: 405, body: errorBody('ActionNotSupported', `${method} not allowed on ${path}`) } : { status: 404, body: errorBody('ResourceMissingAtURI', `${path} not found`) };
  };

  const createSession = (body: Record<string, unknown>): Reply => {
    if (body.UserName !== opts.username || body.Password !== opts.password) {
      state.counters.authFailures++;
      return { status: 401, body: errorBody('ResourceAtUriUnauthorized', 'Invalid username or password') };
    }
    const token = randomBytes(16).toString('hex');
    const id = String(++state.counters.sessionsCreated);
    state.sessions.set(token, id);
    state.counters.activeSessions = state.sessions.size;
    const location = `/redfish/v1/SessionService/Sessions/${id}`;
    return { status: 201, body: { '@odata.id': location, Id: id, UserName: opts.username }, headers: { 'X-Auth-Token': token, Location: location } };
  };

  const sessionResource = (method: string, id: string): Reply => {
    const token = [...state.sessions].find(([, sid]) => sid === id)?.[0];
    if (!token) return { status: 404, body: errorBody('ResourceMissingAtURI', `session ${id} not found`) };
    if (method === 'GET') return { status: 200, body: { '@odata.id': `/redfish/v1/SessionService/Sessions/${id}`, Id: id, UserName: opts.username } };
    if (method !== 'DELETE') return { status: 405, body: errorBody('ActionNotSupported', `${method} not allowed`) };
    state.sessions.delete(token);
    state.counters.sessionsDeleted++;
    state.counters.activeSessions = state.sessions.size;
    return { status: 204 };
  };

  const patchBoot = (boot: Record<string, unknown> | undefined): Reply => {
    const enabled = boot?.BootSourceOverrideEnabled ?? state.boot.enabled;
    const target = boot?.BootSourceOverrideTarget ?? state.boot.target;
    if (!boot || !['Once', 'Continuous', 'Disabled'].includes(String(enabled)) || !BOOT_TARGETS.includes(String(target))) {
      return { status: 400, body: errorBody('PropertyValueNotInList', 'invalid Boot override') };
    }
    state.boot = { enabled: String(enabled), target: String(target) };
    state.counters.bootChanges++;
    return { status: 200, body: documents().get(systemPath)! };
  };

  const handleControl = (method: string, path: string, body: Record<string, unknown>): Reply => {
    if (method === 'GET' && path === '/emulator/counters') return { status: 200, body: structuredClone(state.counters) };
    if (method === 'POST' && path === '/emulator/faults') {
      state.faults = body as EmulatorFaults;
      return { status: 204 };
    }
    return { status: 404, body: errorBody('ResourceMissingAtURI', `${path} not found`) };
  };

  const handler: http.RequestListener = (req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (d: string) => (raw += d));
    req.on('end', () => {
      void (async () => {
        const method = req.method ?? 'GET';
        const path = normalise(new URL(req.url ?? '/', 'http://x').pathname);
        let body: Record<string, unknown> = {};
        try {
          body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
          return send(res, { status: 400, body: errorBody('MalformedJSON', 'request body is not JSON') });
        }
        if (path.startsWith('/emulator/')) return send(res, handleControl(method, path, body));
        state.counters.requests++;
        const f = state.faults;
        if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
        if ((f.failNext ?? 0) > 0 || (f.errorRate && Math.random() < f.errorRate)) {
          if (f.failNext) f.failNext--;
          state.counters.injectedErrors++;
          return send(res, { status: f.errorStatus ?? 503, body: errorBody('ServiceTemporarilyUnavailable', 'injected fault') });
        }
        send(res, handleRedfish(method, path, req, body));
      })();
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
    setFault: (faults) => void (state.faults = faults ? { ...state.faults, ...faults } : {}),
    powerState: () => state.currentPower(),
    bootOverride: () => ({ ...state.boot }),
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
