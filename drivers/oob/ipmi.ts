import type { Logger } from '../../common/logger';
import { AuthenticationError, PermanentDriverError, TransientDriverError } from '../errors';
import type { BmcTarget, BootDevice, BootDeviceDriver, BootDeviceOptions, CallOptions, HardwareInventory, InventoryDriver, OobDrivers, PowerState } from '../bmc';
import { withDefaults } from './config';
import { Ipmitool, IpmitoolConfig } from './ipmitool';
import { DEFAULT_POWER_POLLING, PollingPowerDriver, PowerControl, PowerPollingConfig } from './power';
import type { RunCommand } from './runCommand';

export type IpmiDriverConfig = Partial<IpmitoolConfig> & Partial<PowerPollingConfig>;

/** Chassis power over IPMI: Get Chassis Status and Chassis Control (up/down). */
export class IpmiPowerControl implements PowerControl {
  readonly protocol = 'ipmi';
  constructor(private readonly ipmi: Ipmitool) {}

  describeAddress(t: BmcTarget): string {
    return this.ipmi.describeAddress(t);
  }

  async validate(t: BmcTarget, opts: CallOptions = {}): Promise<void> {
    await this.readPowerState(t, opts, 'validate');
  }

  async readPowerState(t: BmcTarget, opts: CallOptions = {}, operation = 'power state'): Promise<PowerState> {
    const out = await this.ipmi.exec(t, operation, ['chassis', 'power', 'status'], opts.signal);
    const m = /Chassis Power is (on|off)/i.exec(out);
    if (!m) throw new TransientDriverError(`unexpected ipmitool output "${out.trim()}"`, { node: t.node, address: this.describeAddress(t), operation });
    return m[1].toLowerCase() as PowerState;
  }

  async requestPower(t: BmcTarget, state: PowerState, opts: CallOptions = {}): Promise<void> {
    await this.ipmi.exec(t, `power ${state}`, ['chassis', 'power', state], opts.signal);
  }
}

// Boot device selector, bits 5:2 of boot-flags data byte 2 (IPMI 2.0 table 28-14).
const SELECTORS: Record<number, BootDevice> = { 0: 'none', 1: 'pxe', 2: 'disk', 3: 'disk-safe-mode', 4: 'diagnostic', 5: 'cdrom', 6: 'bios', 11: 'remote-disk', 15: 'floppy' };

/** Decodes `chassis bootparam get 5`. The selector is read even when the BMC leaves the "valid" bit
 * clear: ipmi_sim always does, which made Drydock's pyghmi boot device check fail. */
export function parseBootFlags(out: string): BootDevice | undefined {
  const m = /Boot parameter data:\s*([0-9a-f]{4,})/i.exec(out);
  if (!m) return undefined;
  const selector = (parseInt(m[1].slice(2, 4), 16) >> 2) & 0x0f;
  return SELECTORS[selector] ?? `selector-${selector}`;
}

/** Boot device over IPMI: Set/Get System Boot Options, parameter 5. */
export class IpmiBootDevice implements BootDeviceDriver {
  constructor(private readonly ipmi: Ipmitool) {}

  async validate(t: BmcTarget, opts: CallOptions = {}): Promise<void> {
    await this.getBootDevice(t, opts, 'validate');
  }

  async setBootDevice(t: BmcTarget, device: 'pxe' | 'disk', options: BootDeviceOptions = {}): Promise<void> {
    const args = ['chassis', 'bootdev', device, ...(options.persistent ? ['options=persistent'] : [])];
    await this.ipmi.exec(t, `set boot device ${device}`, args, options.signal);
  }

  async getBootDevice(t: BmcTarget, opts: CallOptions = {}, operation = 'get boot device'): Promise<BootDevice> {
    const out = await this.ipmi.exec(t, operation, ['chassis', 'bootparam', 'get', '5'], opts.signal);
    const device = parseBootFlags(out);
    if (!device) throw new PermanentDriverError('BMC returned no boot flags', { node: t.node, address: this.ipmi.describeAddress(t), operation });
    return device;
  }
}

/** "Key : value" lines of ipmitool's `mc info` / `fru print`. */
export function parseColonList(out: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^\s*([^:]+?)\s+:\s*(.*?)\s*$/.exec(line);
    if (m && m[2] && !(m[1] in fields)) fields[m[1]] = m[2];
  }
  return fields;
}

/** `ipmitool -v sel list`: one "Key : value" block per record, blank-line separated. */
export function parseSel(out: string): HardwareInventory['alarms'] {
  return out
    .split(/\n\s*\n/)
    .map(parseColonList)
    .filter((r) => r['SEL Record ID'])
    .map((r) => {
      const text = `${r['Description'] ?? r['Event Type'] ?? 'event'}${r['Event Direction'] ? ` (${r['Event Direction']})` : ''}`;
      return {
        source: `${r['Sensor Type'] ?? 'SEL'}${r['Sensor Number'] ? ` #0x${r['Sensor Number']}` : ''}`,
        message: text,
        severity: /critical|non-recoverable|fail/i.test(text) ? 'critical' : 'warning',
      };
    });
}

/** Inventory over IPMI: `mc info` (BMC firmware), `fru print 0` and the SEL, each as far as the BMC offers it.
 * IPMI has no BIOS version, PCI or drive inventory; those stay empty. */
export class IpmiInventory implements InventoryDriver {
  constructor(
    private readonly ipmi: Ipmitool,
    private readonly power: IpmiPowerControl,
    private readonly logger: Logger,
  ) {}

  async validate(t: BmcTarget, opts: CallOptions = {}): Promise<void> {
    await this.ipmi.exec(t, 'validate', ['mc', 'info'], opts.signal);
  }

  async inventory(t: BmcTarget, opts: CallOptions = {}): Promise<HardwareInventory> {
    const mc = parseColonList(await this.ipmi.exec(t, 'inventory', ['mc', 'info'], opts.signal));
    const fru = parseColonList(await this.optional(t, ['fru', 'print', '0'], opts.signal));
    const alarms = parseSel(await this.optional(t, ['sel', 'list'], opts.signal));
    return {
      manufacturer: fru['Product Manufacturer'] ?? fru['Board Mfg'] ?? mc['Manufacturer Name'],
      model: fru['Product Name'] ?? fru['Board Product'],
      serialNumber: fru['Product Serial'] ?? fru['Board Serial'],
      firmware: { bmc: mc['Firmware Revision'] },
      powerState: await this.power.readPowerState(t, opts, 'inventory'),
      health: alarms.some((a) => a.severity === 'critical') ? 'critical' : alarms.length ? 'warning' : 'ok',
      pciDevices: [],
      drives: [],
      alarms,
      unavailable: ['bios', 'pci', 'drives', ...(fru['Product Name'] || fru['Board Product'] ? [] : ['fru'])],
    };
  }

  /** A section the BMC may not implement (ipmi_sim has no FRU by default): empty instead of failing. */
  private async optional(t: BmcTarget, command: string[], signal?: AbortSignal): Promise<string> {
    try {
      return await this.ipmi.exec(t, 'inventory', command, signal);
    } catch (err) {
      if (!(err instanceof PermanentDriverError) || err instanceof AuthenticationError) throw err;
      this.logger.debug('BMC does not offer inventory section', { node: t.node, section: command.join(' ') });
      return '';
    }
  }
}

export interface IpmiDeps {
  logger: Logger;
  runCommand?: RunCommand;
}

export function createIpmiDrivers(config: IpmiDriverConfig, deps: IpmiDeps): OobDrivers {
  const ipmi = new Ipmitool(config, deps.logger, deps.runCommand);
  const control = new IpmiPowerControl(ipmi);
  const polling = withDefaults(DEFAULT_POWER_POLLING, config);
  return {
    power: new PollingPowerDriver(control, polling, deps.logger),
    bootDevice: new IpmiBootDevice(ipmi),
    inventory: new IpmiInventory(ipmi, control, deps.logger),
  };
}
