import type { Logger } from '../../common/logger';
import { TransientDriverError } from '../errors';
import type { BmcTarget, BootDevice, BootDeviceDriver, BootDeviceOptions, CallOptions, OobDrivers, PowerState } from '../bmc';
import { withDefaults } from './config';
import { DEFAULT_POWER_POLLING, PollingPowerDriver, PowerControl, PowerPollingConfig } from './power';
import { Fetch, findSystem, Json, RedfishClient, RedfishClientConfig } from './redfishClient';
import { RedfishInventory } from './redfishInventory';

export type RedfishDriverConfig = Partial<RedfishClientConfig> & Partial<PowerPollingConfig>;

/** PowerState values while a change is in progress count as the state being left. */
function toPowerState(v: unknown): PowerState | undefined {
  switch (v) {
    case 'On':
    case 'PoweringOff':
      return 'on';
    case 'Off':
    case 'PoweringOn':
      return 'off';
    default:
      return undefined;
  }
}

/** Power over Redfish: PowerState of the system and ComputerSystem.Reset On / ForceOff. */
export class RedfishPowerControl implements PowerControl {
  readonly protocol = 'redfish';
  constructor(private readonly client: RedfishClient) {}

  describeAddress(t: BmcTarget): string {
    return this.client.describe(t);
  }

  async validate(t: BmcTarget, opts: CallOptions = {}): Promise<void> {
    await this.client.withSession(t, 'validate', (s) => findSystem(this.client, s, t, 'validate'), opts.signal);
  }

  readPowerState(t: BmcTarget, opts: CallOptions = {}): Promise<PowerState> {
    return this.client.withSession(
      t,
      'power state',
      async (s) => {
        const { system } = await findSystem(this.client, s, t, 'power state');
        const state = toPowerState(system.PowerState);
        if (!state) throw new TransientDriverError(`unexpected PowerState ${JSON.stringify(system.PowerState)}`, this.client.context(t, 'power state'));
        return state;
      },
      opts.signal,
    );
  }

  requestPower(t: BmcTarget, state: PowerState, opts: CallOptions = {}): Promise<void> {
    const operation = `power ${state}`;
    return this.client.withSession(
      t,
      operation,
      async (s) => {
        const { path, system } = await findSystem(this.client, s, t, operation);
        const actions = system.Actions as Json | undefined;
        const target = (actions?.['#ComputerSystem.Reset'] as Json | undefined)?.target;
        const resetPath = typeof target === 'string' ? target : `${path}/Actions/ComputerSystem.Reset`;
        await s.send('POST', resetPath, { ResetType: state === 'on' ? 'On' : 'ForceOff' });
      },
      opts.signal,
    );
  }
}

const TARGETS: Record<'pxe' | 'disk', string> = { pxe: 'Pxe', disk: 'Hdd' };

/** Boot override over Redfish: the system's Boot.BootSourceOverride* properties. */
export class RedfishBootDevice implements BootDeviceDriver {
  constructor(private readonly client: RedfishClient) {}

  async validate(t: BmcTarget, opts: CallOptions = {}): Promise<void> {
    await this.client.withSession(t, 'validate', (s) => findSystem(this.client, s, t, 'validate'), opts.signal);
  }

  setBootDevice(t: BmcTarget, device: 'pxe' | 'disk', options: BootDeviceOptions = {}): Promise<void> {
    const operation = `set boot device ${device}`;
    return this.client.withSession(
      t,
      operation,
      async (s) => {
        const { path } = await findSystem(this.client, s, t, operation);
        const enabled = options.persistent ? 'Continuous' : 'Once';
        await s.send('PATCH', path, { Boot: { BootSourceOverrideEnabled: enabled, BootSourceOverrideTarget: TARGETS[device] } });
      },
      options.signal,
    );
  }

  getBootDevice(t: BmcTarget, opts: CallOptions = {}): Promise<BootDevice> {
    return this.client.withSession(
      t,
      'get boot device',
      async (s) => {
        const { system } = await findSystem(this.client, s, t, 'get boot device');
        const boot = (system.Boot as Json | undefined) ?? {};
        if (boot.BootSourceOverrideEnabled === 'Disabled') return 'none';
        const target = boot.BootSourceOverrideTarget;
        if (target === 'Pxe') return 'pxe';
        if (target === 'Hdd') return 'disk';
        if (target === 'None' || target === undefined || target === null) return 'none';
        return String(target).toLowerCase();
      },
      opts.signal,
    );
  }
}

export interface RedfishDeps {
  logger: Logger;
  fetch?: Fetch;
}

export function createRedfishDrivers(config: RedfishDriverConfig, deps: RedfishDeps): OobDrivers {
  const client = new RedfishClient(config, deps.logger, deps.fetch);
  const polling = withDefaults(DEFAULT_POWER_POLLING, config);
  return {
    power: new PollingPowerDriver(new RedfishPowerControl(client), polling, deps.logger),
    bootDevice: new RedfishBootDevice(client),
    inventory: new RedfishInventory(client),
  };
}
