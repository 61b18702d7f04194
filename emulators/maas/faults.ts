/** Faults the tests and the demo can switch on: HTTP errors, latency, scripted machine outcomes. */
export interface MaasFaults {
  /** Fraction (0..1) of API requests answered with `httpErrorStatus` at random. */
  httpErrorRate?: number;
  /** Status for `httpErrorRate` and `failNext`; default 503. */
  httpErrorStatus?: number;
  /** The next N API requests fail with `httpErrorStatus` (deterministic, for retry tests). */
  failNext?: number;
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

export class FaultState {
  private faults: MaasFaults = {};
  injected = 0;

  set(f: MaasFaults): void {
    this.faults = { ...this.faults, ...f };
  }
  clear(): void {
    this.faults = {};
  }
  get current(): Readonly<MaasFaults> {
    return this.faults;
  }

  /** A status to answer instead of serving the request, or undefined. */
  httpFault(): number | undefined {
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
