import type { Logger } from '../../common/logger';
import { abortableSleep, throwIfAborted } from '../abort';
import { TransientDriverError } from '../errors';
import type { BmcTarget, CallOptions, PowerDriver, PowerState } from '../bmc';

/** Drydock's `[redfish_driver] power_state_change_*` options, in milliseconds here. */
export interface PowerPollingConfig {
  /** How many times to read the power state after a change (Drydock: 18). */
  powerStateChangeMaxRetries: number;
  /** Pause between two reads (Drydock: 10 s). */
  powerStateChangeRetryIntervalMs: number;
}

export const DEFAULT_POWER_POLLING: PowerPollingConfig = {
  powerStateChangeMaxRetries: 18,
  powerStateChangeRetryIntervalMs: 10_000,
};

/** The two protocol verbs a power driver needs; IPMI and Redfish each provide one. */
export interface PowerControl {
  readonly protocol: string;
  validate(target: BmcTarget, opts?: CallOptions): Promise<void>;
  readPowerState(target: BmcTarget, opts?: CallOptions): Promise<PowerState>;
  /** Asks the BMC for a hard power change and returns without waiting for it. */
  requestPower(target: BmcTarget, state: PowerState, opts?: CallOptions): Promise<void>;
  /** "host:port" for messages. */
  describeAddress(target: BmcTarget): string;
}

/** The BMC accepted a power change but never reported the new state within the polling bound. */
export class PowerStateTimeoutError extends TransientDriverError {}

/**
 * Power on/off/cycle over any PowerControl: skips no-ops, then polls until the state changes,
 * a bounded number of times. (Drydock's pyghmi driver sent "off" for PowerOnNode; this does not.)
 * An aborted signal ends the polling at once: no request is started after it.
 */
export class PollingPowerDriver implements PowerDriver {
  constructor(
    private readonly control: PowerControl,
    private readonly polling: PowerPollingConfig,
    private readonly logger: Logger,
  ) {}

  validate(target: BmcTarget, opts: CallOptions = {}): Promise<void> {
    return this.control.validate(target, opts);
  }

  powerState(target: BmcTarget, opts: CallOptions = {}): Promise<PowerState> {
    return this.control.readPowerState(target, opts);
  }

  powerOn(target: BmcTarget, opts: CallOptions = {}): Promise<void> {
    return this.setPower(target, 'on', 'power on', opts);
  }

  powerOff(target: BmcTarget, opts: CallOptions = {}): Promise<void> {
    return this.setPower(target, 'off', 'power off', opts);
  }

  async powerCycle(target: BmcTarget, opts: CallOptions = {}): Promise<void> {
    // Off then on, each confirmed, like Drydock's PowerCycleNode; never the protocol's own "cycle",
    // whose timing differs between BMCs and cannot be confirmed by polling.
    await this.setPower(target, 'off', 'power cycle', opts);
    await this.setPower(target, 'on', 'power cycle', opts);
  }

  private async setPower(target: BmcTarget, want: PowerState, operation: string, opts: CallOptions): Promise<void> {
    const attrs = { node: target.node, bmc: this.control.describeAddress(target), protocol: this.control.protocol };
    if ((await this.control.readPowerState(target, opts)) === want) {
      this.logger.info(`node already ${want}`, { ...attrs, operation });
      return;
    }
    throwIfAborted(opts.signal, this.context(target, operation));
    this.logger.info(`requesting power ${want}`, { ...attrs, operation });
    await this.control.requestPower(target, want, opts);
    await this.waitFor(target, want, operation, opts);
    this.logger.info(`node is ${want}`, { ...attrs, operation });
  }

  private async waitFor(target: BmcTarget, want: PowerState, operation: string, opts: CallOptions): Promise<void> {
    const { powerStateChangeMaxRetries: attempts, powerStateChangeRetryIntervalMs: interval } = this.polling;
    let last: PowerState | undefined;
    for (let i = 0; i < attempts; i++) {
      last = await this.control.readPowerState(target, opts);
      if (last === want) return;
      if (i < attempts - 1) await abortableSleep(interval, opts.signal, this.context(target, operation));
    }
    throw new PowerStateTimeoutError(`power state still ${last ?? 'unknown'} after ${attempts} checks ${interval} ms apart; expected ${want}`, this.context(target, operation));
  }

  private context(target: BmcTarget, operation: string) {
    return { node: target.node, address: this.control.describeAddress(target), operation };
  }
}
