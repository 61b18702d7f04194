/** Faults the tests and the demo can switch on: HTTP errors, latency, scripted machine outcomes. */
export interface MaasFaults {
  /** Fraction (0..1) of API requests answered with `httpErrorStatus` at random. */
  httpErrorRate?: number;
  /** Status for `httpErrorRate` and `failNext`; default 503. */
  httpErrorStatus?: number;
  /** The next N API requests fail with `httpErrorStatus` (deterministic, for retry tests). */
  failNext?: number;
  /**
   * A region outage (a MaaS region restarting, its database away): every API request is answered `status`
   * (default 503) for `forMs` from the moment the fault is set, on the emulator's clock.
   */
  outage?: { status?: number; forMs: number };
  /**
   * A wedged region: requests are accepted and never answered (the connection stays open until the client
   * gives up), for `forMs` from the moment the fault is set, or until cleared when `forMs` is absent.
   */
  unresponsive?: { forMs?: number };
  /** Added delay before every API answer. */
  latencyMs?: number;
  /** Hostnames (MaaS or real name) whose commissioning ends in Failed commissioning. */
  failCommissioning?: string[];
  /** Hostnames whose deployment ends in Failed deployment. */
  failDeployment?: string[];
  /** Hostnames whose release ends in Releasing failed / Failed disk erasing. */
  failRelease?: string[];
  /** Hostnames whose transitions never complete (MaaS's own timeout is not emulated). */
  hang?: string[];
  /** A rack service reported `dead` (http, dhcpd, rackd or tftp). */
  rackServiceDown?: string;
  /** boot-resources/?op=is_importing answers true. */
  importing?: boolean;
}

export type StepOutcome = 'ok' | 'fail' | 'hang';

/** What to do with one API request before it is served. */
export type RequestFault = { kind: 'status'; status: number } | { kind: 'no-answer' } | undefined;

export class FaultState {
  private faults: MaasFaults = {};
  /** When the time-window faults end, on `now()`'s clock. */
  private outageEnds?: number;
  private unresponsiveEnds?: number;
  injected = 0;

  /** `now`: the emulator's clock in ms (wall time, or the manual clock tests advance). */
  constructor(private readonly now: () => number = Date.now) {}

  set(f: MaasFaults): void {
    this.faults = { ...this.faults, ...f };
    if (f.outage) this.outageEnds = this.now() + f.outage.forMs;
    if (f.unresponsive) this.unresponsiveEnds = f.unresponsive.forMs === undefined ? Infinity : this.now() + f.unresponsive.forMs;
  }
  clear(): void {
    this.faults = {};
    this.outageEnds = undefined;
    this.unresponsiveEnds = undefined;
  }
  get current(): Readonly<MaasFaults> {
    return this.faults;
  }

  /** A fault to apply to this API request instead of serving it, or undefined. */
  requestFault(): RequestFault {
    const now = this.now();
    if (this.unresponsiveEnds !== undefined && now < this.unresponsiveEnds) {
      this.injected++;
      return { kind: 'no-answer' };
    }
    if (this.outageEnds !== undefined && now < this.outageEnds) {
      this.injected++;
      return { kind: 'status', status: this.faults.outage?.status ?? 503 };
    }
    const status = this.httpFault();
    return status === undefined ? undefined : { kind: 'status', status };
  }

  private httpFault(): number | undefined {
    const status = this.faults.httpErrorStatus ?? 503;
    if (this.faults.failNext && this.faults.failNext > 0) {
      this.faults.failNext--;
      this.injected++;
      return status;
    }
    if (this.faults.httpErrorRate && Math.random() < this.faults.httpErrorRate) {
      this.injected++;
      return status;
    }
    return undefined;
  }

  outcome(names: Array<string | null>, step: 'commission' | 'deploy' | 'release'): StepOutcome {
    const hit = (list?: string[]) => names.some((n) => n !== null && list?.includes(n));
    if (hit(this.faults.hang)) return 'hang';
    const list = step === 'commission' ? this.faults.failCommissioning : step === 'deploy' ? this.faults.failDeployment : this.faults.failRelease;
    return hit(list) ? 'fail' : 'ok';
  }
}
