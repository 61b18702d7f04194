import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../common/logger';
import { Counters, type Emu, type Reply } from './context';
import { HttpError } from './errors';
import { FaultState, type MaasFaults } from './faults';
import { Lifecycle, TEST_DURATIONS, type StepDurations } from './lifecycle';
import { parseBody } from './multipart';
import { checkOAuth } from './oauth';
import { Params } from './params';
import { maasRoutes } from './routes';
import { Scheduler } from './scheduler';
import { DEFAULT_BOOT_RESOURCES, enlistMachine, seedRegion, type EnlistSpec, type RackSpec } from './seed';
import { STATUS_NAMES, type NodeStatusCode } from './status';
import { MaasStore, type MachineRecord } from './store';
import { Views } from './views';
import { controlRoutes } from './control';
import type { MaasMachine } from '../../drivers/maas/models/wire';

export interface MaasEmulatorOptions {
  port?: number;
  address?: string;
  /** consumer_key:token_key:token_secret accepted by the emulator. */
  apiKey: string;
  stepDurations?: Partial<StepDurations>;
  /** `manual`: transitions wait for `advance(ms)` (tests that control time). Default `real`. */
  clock?: 'real' | 'manual';
  faults?: MaasFaults;
  machines?: EnlistSpec[];
  rackControllers?: RackSpec[];
  bootResources?: Array<{ name: string; architecture: string }>;
  logger?: Logger;
}

export interface MaasCounters {
  /** Per machine hostname: accepted operations (commission, deploy, release, allocate, link_subnet...). */
  machines: Record<string, Record<string, number>>;
  /** Per machine hostname: the same operations by the interface or disk they were on (by name, e.g. `bond0`, `sda`). */
  objects: Record<string, Record<string, Record<string, number>>>;
  requests: { total: number; byRoute: Record<string, number> };
  faultsInjected: number;
}

export interface MaasEmulator {
  /** The maas_api_url, e.g. http://127.0.0.1:PORT/MAAS */
  url: string;
  apiKey: string;
  enlist(spec: EnlistSpec): MaasMachine;
  setFault(f: MaasFaults): void;
  clearFaults(): void;
  counters(): MaasCounters;
  machine(hostname: string): MaasMachine | undefined;
  machines(): MaasMachine[];
  /** Every machine's MaaS hostname and real name, without rendering their views (the simulator's cheap check). */
  machineNames(): Set<string>;
  /** What each machine booted with (the simulated node's own view; not part of the MaaS API). */
  deployments(): { systemId: string; hostname: string; statusName: string; userData: string | null }[];
  /** Whether MaaS has a machine of that hostname (or real name), without rendering it. */
  hasMachine(hostname: string): boolean;
  /** Calls `listener` after each machine status change MaaS makes; returns the unsubscribe. */
  onStatusChange(listener: (systemId: string, statusName: string) => void): () => void;
  /** Manual clock: run the transitions due within `ms`. */
  advance(ms: number): void;
  /**
   * Puts a machine in a status as an operator, an earlier failure or a MaaS restart can leave it (tests of
   * resuming from any status); a status that is a transition in progress then runs on as MaaS would run it.
   */
  placeMachine(hostname: string, statusName: string): void;
  stop(): Promise<void>;
}

/** The emulator's state and behaviour, independent of the socket. */
export class MaasEmulatorCore {
  readonly emu: Emu;
  private readonly scheduler: Scheduler;
  private readonly router = maasRoutes();
  /** Manual clock: the time tests advanced, so time-window faults follow the same clock as transitions. */
  private manualMs = 0;

  constructor(private readonly opts: MaasEmulatorOptions) {
    const store = new MaasStore();
    const logger = opts.logger ?? silentLogger;
    this.scheduler = new Scheduler(opts.clock ?? 'real');
    const faults = new FaultState(opts.clock === 'manual' ? () => this.manualMs : Date.now);
    if (opts.faults) faults.set(opts.faults);
    const lifecycle = new Lifecycle(store, this.scheduler, faults, { ...TEST_DURATIONS, ...opts.stepDurations }, logger);
    this.emu = { store, views: new Views(store), lifecycle, faults, counters: new Counters(), logger };
    seedRegion(store, opts.bootResources ?? DEFAULT_BOOT_RESOURCES, opts.rackControllers ?? [{ hostname: 'rack-01' }]);
    for (const m of opts.machines ?? []) this.enlist(m);
  }

  enlist(spec: EnlistSpec): MaasMachine {
    const m = enlistMachine(this.emu.store, spec);
    this.emu.logger.info('MaaS emulator: machine enlisted', { system_id: m.systemId, hostname: m.hostname, real_name: m.realName, status: STATUS_NAMES[m.status] });
    return this.emu.views.machine(m);
  }

  machine(hostname: string): MaasMachine | undefined {
    const m = this.emu.store.machineByHostname(hostname);
    return m && this.emu.views.machine(m);
  }

  counters(): MaasCounters {
    const machines: Record<string, Record<string, number>> = {};
    const objects: MaasCounters['objects'] = {};
    const c = this.emu.counters;
    for (const id of c.systemIds()) {
      const name = this.emu.store.machines.get(id)?.hostname ?? c.deletedNames.get(id) ?? id;
      machines[name] = c.of(id);
      objects[name] = c.objectsOf(id);
    }
    return { machines, objects, requests: { total: c.total, byRoute: { ...c.requests } }, faultsInjected: this.emu.faults.injected };
  }

  placeMachine(hostname: string, statusName: string): void {
    const m = [...this.emu.store.machines.values()].find((x) => x.hostname === hostname || x.realName === hostname);
    if (!m) throw new Error(`no machine ${hostname}`);
    const code = (Object.keys(STATUS_NAMES) as unknown as NodeStatusCode[]).find((c) => STATUS_NAMES[c] === statusName);
    if (code === undefined) throw new Error(`${statusName} is not a MaaS status`);
    this.emu.lifecycle.place(m, Number(code) as NodeStatusCode);
  }

  advance(ms: number): void {
    this.manualMs += ms;
    this.scheduler.advance(ms);
  }

  stop(): void {
    this.scheduler.stop();
  }

  /** One MaaS API request (path relative to /MAAS/api/2.0/). */
  async api(method: string, rel: string, url: URL, headers: http.IncomingHttpHeaders, body: Buffer): Promise<Reply> {
    const op = url.searchParams.get('op') ?? undefined;
    this.emu.counters.request(`${method} ${rel}${op ? `?op=${op}` : ''}`);
    const latency = this.emu.faults.current.latencyMs;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const injected = this.emu.faults.requestFault();
    // A wedged region accepts the request and never answers; stop() closes the connection.
    if (injected?.kind === 'no-answer') return new Promise<Reply>(() => {});
    if (injected) return { status: injected.status, text: injected.status === 503 ? 'Service Unavailable (emulated fault)' : 'Emulated fault' };
    if (rel !== 'version/') {
      const auth = checkOAuth(headers.authorization, [this.opts.apiKey]);
      if (!auth.ok) return { status: 401, text: auth.reason };
    }
    const params = Params.empty();
    for (const [k, v] of url.searchParams) if (k !== 'op') params.add(k, v);
    // Real MaaS ignores GET bodies (Drydock's NodeResults sends one).
    if (method !== 'GET') parseBody(headers['content-type'], body, params);
    try {
      return await this.router.handle(rel, { method, op, params, emu: this.emu });
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, text: err.message };
      this.emu.logger.error('MaaS emulator: handler failed', { method, path: rel, op, error: String(err) });
      return { status: 500, text: 'Internal server error' };
    }
  }
}

function send(res: http.ServerResponse, reply: Reply): void {
  const status = reply.status ?? 200;
  if (reply.body) {
    res.writeHead(status, { 'Content-Type': reply.contentType ?? 'application/octet-stream' }).end(reply.body);
  } else if (reply.json !== undefined) {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.json));
  } else {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(reply.text ?? '');
  }
}

/** Starts the MaaS emulator on loopback; `url` is the maas_api_url to configure the driver with. */
export async function startMaasEmulator(opts: MaasEmulatorOptions): Promise<MaasEmulator> {
  const core = new MaasEmulatorCore(opts);
  const control = controlRoutes(core);
  const logger = opts.logger ?? silentLogger;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://emulator');
      const method = req.method ?? 'GET';
      const handle = async (): Promise<Reply> => {
        if (url.pathname.startsWith('/MAAS/api/2.0/')) return core.api(method, url.pathname.slice('/MAAS/api/2.0/'.length), url, req.headers, body);
        if (url.pathname.startsWith('/MAAS/emulator/')) return control(method, url.pathname.slice('/MAAS/emulator/'.length), body);
        return { status: 404, text: 'Not Found' };
      };
      handle()
        .then((reply) => {
          logger.debug('MaaS emulator request', { method, path: url.pathname, op: url.searchParams.get('op'), status: reply.status ?? 200 });
          send(res, reply);
        })
        .catch((err: unknown) => send(res, { status: 500, text: String(err) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.address ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}/MAAS`;
  logger.info('MaaS emulator listening', { url });
  return {
    url,
    apiKey: opts.apiKey,
    enlist: (spec) => core.enlist(spec),
    setFault: (f) => core.emu.faults.set(f),
    clearFaults: () => core.emu.faults.clear(),
    counters: () => core.counters(),
    machine: (hostname) => core.machine(hostname),
    machines: () => core.emu.views.machines(core.emu.store.machines.values()),
    machineNames: () => new Set([...core.emu.store.machines.values()].flatMap((m) => [m.hostname, ...(m.realName ? [m.realName] : [])])),
    deployments: () => [...core.emu.store.machines.values()].map((m) => ({ systemId: m.systemId, hostname: m.hostname, statusName: STATUS_NAMES[m.status], userData: m.userData })),
    hasMachine: (hostname) => core.emu.store.machineByHostname(hostname) !== undefined,
    onStatusChange: (listener) => {
      const l = (m: MachineRecord) => listener(m.systemId, STATUS_NAMES[m.status]);
      core.emu.lifecycle.statusListeners.add(l);
      return () => core.emu.lifecycle.statusListeners.delete(l);
    },
    advance: (ms) => core.advance(ms),
    placeMachine: (hostname, statusName) => core.placeMachine(hostname, statusName),
    stop: () =>
      new Promise<void>((resolve) => {
        core.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
