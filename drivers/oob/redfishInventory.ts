import { CallAbortedError } from '../abort';
import { AuthenticationError, DriverError } from '../errors';
import type { Alarm, BmcTarget, CallOptions, Drive, HardwareInventory, Health, InventoryDriver, PciDevice, PowerState } from '../bmc';
import { findSystem, Json, linkOf, RedfishClient, RedfishSession } from './redfishClient';

/** GETs of optional sections: a failure leaves the section out and is noted in `gaps`. */
class SectionReader {
  readonly gaps: string[] = [];
  constructor(private readonly s: RedfishSession) {}

  async get(path: string): Promise<Json | undefined> {
    try {
      return await this.s.get(path);
    } catch (err) {
      // Bad credentials or an abort fail the whole inventory; anything else only makes it partial.
      if (err instanceof AuthenticationError || err instanceof CallAbortedError || !(err instanceof DriverError)) throw err;
      this.gaps.push(`${path}: ${err.message.slice(err.message.indexOf(': ') + 2)}`);
      return undefined;
    }
  }

  async members(collection: string | undefined): Promise<Json[]> {
    if (!collection) return [];
    const links = (((await this.get(collection))?.Members as unknown[] | undefined) ?? []).map(linkOf).filter((l): l is string => !!l);
    return (await Promise.all(links.map((l) => this.get(l)))).filter((m): m is Json => !!m);
  }
}

function health(status: unknown): Health {
  const s = status as Json | undefined;
  switch (s?.HealthRollup ?? s?.Health) {
    case 'OK':
      return 'ok';
    case 'Warning':
      return 'warning';
    case 'Critical':
      return 'critical';
    default:
      return 'unknown';
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * The ComputerSystem's ProcessorSummary and MemorySummary, as far as the service fills them: sushy-tools' fake
 * driver, for one, serves both with a Status and no count. A count the service leaves out stays out.
 */
function summaries(system: Json): Pick<HardwareInventory, 'cpuCount' | 'cpuCores' | 'memoryBytes'> {
  const cpu = system.ProcessorSummary as Json | undefined;
  const gib = num((system.MemorySummary as Json | undefined)?.TotalSystemMemoryGiB);
  const out: Pick<HardwareInventory, 'cpuCount' | 'cpuCores' | 'memoryBytes'> = {};
  if (num(cpu?.Count) !== undefined) out.cpuCount = num(cpu?.Count);
  if (num(cpu?.CoreCount) !== undefined) out.cpuCores = num(cpu?.CoreCount);
  if (gib !== undefined) out.memoryBytes = Math.round(gib * 2 ** 30);
  return out;
}

/**
 * Inventory over Redfish: the ComputerSystem (model, BIOS version, CPU and memory summaries, health), its manager's firmware,
 * drives (Storage, else SimpleStorage) and PCI devices (PCIeDevices, else EthernetInterfaces).
 * A section the service does not offer is left empty and listed in `unavailable`.
 */
export class RedfishInventory implements InventoryDriver {
  constructor(private readonly client: RedfishClient) {}

  async validate(t: BmcTarget, opts: CallOptions = {}): Promise<void> {
    await this.client.withSession(t, 'validate', (s) => findSystem(this.client, s, t, 'validate'), opts.signal);
  }

  inventory(t: BmcTarget, opts: CallOptions = {}): Promise<HardwareInventory> {
    return this.client.withSession(
      t,
      'inventory',
      async (s) => {
        const { system } = await findSystem(this.client, s, t, 'inventory');
        const r = new SectionReader(s);
        const manager = linkOf(((system.Links as Json | undefined)?.ManagedBy as unknown[] | undefined)?.[0]);
        const [drives, pciDevices, managerDoc] = await Promise.all([this.drives(r, system), this.pciDevices(r, system), manager ? r.get(manager) : undefined]);
        const systemHealth = health(system.Status);
        const alarms: Alarm[] = [];
        if (systemHealth === 'warning' || systemHealth === 'critical') alarms.push({ source: 'System', message: `system health ${systemHealth}`, severity: systemHealth });
        return {
          manufacturer: str(system.Manufacturer),
          model: str(system.Model),
          serialNumber: str(system.SerialNumber),
          firmware: { bios: str(system.BiosVersion), bmc: str(managerDoc?.FirmwareVersion) },
          ...summaries(system),
          powerState: system.PowerState === 'On' ? 'on' : system.PowerState === 'Off' ? 'off' : (undefined as PowerState | undefined),
          health: systemHealth,
          pciDevices,
          drives,
          alarms,
          unavailable: r.gaps,
        };
      },
      opts.signal,
    );
  }

  private async drives(r: SectionReader, system: Json): Promise<Drive[]> {
    const storage = await r.members(linkOf(system.Storage));
    if (storage.length) {
      const links = storage.flatMap((st) => ((st.Drives as unknown[] | undefined) ?? []).map(linkOf)).filter((l): l is string => !!l);
      const drives = await Promise.all(links.map((l) => r.get(l)));
      return drives.filter((d): d is Json => !!d).map((d) => ({ id: String(d.Id), name: str(d.Name), model: str(d.Model), capacityBytes: num(d.CapacityBytes) }));
    }
    const simple = await r.members(linkOf(system.SimpleStorage));
    return simple.flatMap((ss) =>
      ((ss.Devices as Json[] | undefined) ?? []).map((d, i) => ({ id: `${String(ss.Id)}-${i}`, name: str(d.Name), model: str(d.Model), capacityBytes: num(d.CapacityBytes) })),
    );
  }

  private async pciDevices(r: SectionReader, system: Json): Promise<PciDevice[]> {
    const pcie = ((system.PCIeDevices as unknown[] | undefined) ?? []).map(linkOf).filter((l): l is string => !!l);
    if (pcie.length) {
      const devices = await Promise.all(pcie.map((l) => r.get(l)));
      return devices.filter((d): d is Json => !!d).map((d) => ({ id: String(d.Id), name: str(d.Name), manufacturer: str(d.Manufacturer) }));
    }
    const nics = await r.members(linkOf(system.EthernetInterfaces));
    return nics.map((n) => ({ id: String(n.Id), name: str(n.Name), macAddress: str(n.MACAddress) }));
  }
}
