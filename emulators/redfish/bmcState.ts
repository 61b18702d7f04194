import { RedfishPowerState, ResetType } from './resources';

export interface EmulatorFaults {
  /** Fraction (0..1) of Redfish requests answered with `errorStatus`. */
  errorRate?: number;
  /** The next N Redfish requests are answered with `errorStatus`. */
  failNext?: number;
  /** Status of injected errors (default 503). */
  errorStatus?: number;
  /** Added to every Redfish request before it is handled. */
  latencyMs?: number;
  /** Resets are accepted (204) but PowerState stays in transition forever. */
  powerNeverCompletes?: boolean;
  /**
   * The BMC is busy (a firmware update, its management controller restarting): every Redfish request is
   * answered 503 Service Unavailable with a Retry-After, for `forMs` from the moment the fault is set or for
   * the next `requests` requests, whichever ends first (neither: until cleared).
   */
  unavailable?: { forMs?: number; requests?: number; retryAfterSeconds?: number };
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

/** What one emulated BMC remembers: power (with transitions that take time), boot override, sessions. */
export class BmcState {
  private power: 'On' | 'Off';
  private pending?: { to: 'On' | 'Off'; at: number };
  boot = { enabled: 'Disabled', target: 'None' };
  private active: EmulatorFaults = {};
  /** The `unavailable` window: when it ends (ms since epoch) and how many requests it still takes. */
  private unavailableEnds = 0;
  private unavailableLeft = 0;
  /** token -> session id */
  readonly sessions = new Map<string, string>();
  readonly counters: EmulatorCounters = {
    requests: 0,
    resets: 0,
    resetsByType: {},
    bootChanges: 0,
    sessionsCreated: 0,
    sessionsDeleted: 0,
    activeSessions: 0,
    authFailures: 0,
    injectedErrors: 0,
  };

  constructor(
    initial: 'On' | 'Off',
    private readonly transitionMs: number,
  ) {
    this.power = initial;
  }

  get faults(): EmulatorFaults {
    return this.active;
  }

  /** Replaces the faults; an `unavailable` window starts now. */
  set faults(f: EmulatorFaults) {
    this.active = f;
    const u = f.unavailable;
    this.unavailableEnds = u ? (u.forMs === undefined ? Infinity : Date.now() + u.forMs) : 0;
    this.unavailableLeft = u ? (u.requests ?? Infinity) : 0;
  }

  /** Seconds for the Retry-After of a 503 when the BMC is unavailable for this request, else undefined. */
  takeUnavailable(): number | undefined {
    if (this.unavailableLeft <= 0 || Date.now() >= this.unavailableEnds) return undefined;
    this.unavailableLeft--;
    return this.active.unavailable?.retryAfterSeconds ?? 5;
  }

  /** The PowerState a GET sees now; a pending transition completes lazily once its time has come. */
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
    const restart = type.endsWith('Restart');
    const to: 'On' | 'Off' = type === 'On' || restart ? 'On' : type === 'PushPowerButton' ? (isOn ? 'Off' : 'On') : 'Off';
    if (restart)
      this.power = 'Off'; // goes down at once, comes back after the transition
    else if ((to === 'On') === isOn && !this.pending) return; // already there
    this.pending = { to, at: this.faults.powerNeverCompletes ? Infinity : Date.now() + this.transitionMs };
  }

  openSession(token: string): string {
    const id = String(++this.counters.sessionsCreated);
    this.sessions.set(token, id);
    this.counters.activeSessions = this.sessions.size;
    return id;
  }

  closeSession(id: string): boolean {
    const token = [...this.sessions].find(([, sid]) => sid === id)?.[0];
    if (!token) return false;
    this.sessions.delete(token);
    this.counters.sessionsDeleted++;
    this.counters.activeSessions = this.sessions.size;
    return true;
  }
}
