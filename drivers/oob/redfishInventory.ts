import type { Alarm, BmcTarget, Drive, HardwareInventory, Health, InventoryDriver, PciDevice, PowerState } from '../types';
import { findSystem, Json, linkOf, RedfishClient, RedfishSession } from './redfishClient';

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
 * Inventory over Redfish: the ComputerSystem (model, BIOS version, health), its manager's firmware,
 * drives (Storage, else SimpleStorage) and PCI devices (PCIeDevices, else EthernetInterfaces).
 * A collection the service does not offer is left empty rather than failing the whole inventory.
 */
export class RedfishInventory implements InventoryDriver {
  constructor(private readonly client: RedfishClient) {}

  async validate(t: BmcTarget): Promise<void> {
    await this.client.withSession(t, 'validate', (s) => findSystem(this.client, s, t, 'validate'));
  }

  inventory(t: BmcTarget): Promise<HardwareInventory> {
    return this.client.withSession(t, 'inventory', async (s) => {
      const { system } = await findSystem(this.client, s, t, 'inventory');
      const manager = linkOf(((system.Links as Json | undefined)?.ManagedBy as unknown[] | undefined)?.[0]);
      const drives = await this.drives(s, system);
      const systemHealth = health(system.Status);
      const alarms: Alarm[] = [];
      if (systemHealth === 'warning' || systemHealth === 'critical') alarms.push({ source: 'System', message: `system health ${systemHealth}`, severity: systemHealth });
      return {
        manufacturer: str(system.Manufacturer),
        model: str(system.Model),
        serialNumber: str(system.SerialNumber),
        firmware: { bios: str(system.BiosVersion), bmc: manager ? str((await optional(s, manager))?.FirmwareVersion) : undefined },
        powerState: system.PowerState === 'On' ? 'on' : system.PowerState === 'Off' ? 'off' : (undefined as PowerState | undefined),
        health: systemHealth,
        pciDevices: await this.pciDevices(s, system),
        drives,
        alarms,
      };
    });
  }

  private async drives(s: RedfishSession, system: Json): Promise<Drive[]> {
    const storage = await members(s, linkOf(system.Storage));
    if (storage.length) {
      const links = storage.flatMap((st) => ((st.Drives as unknown[] | undefined) ?? []).map(linkOf)).filter((l): l is string => !!l);
      const drives = await Promise.all(links.map((l) => optional(s, l)));
      return drives.filter((d): d is Json => !!d).map((d) => ({ id: String(d.Id), name: str(d.Name), model: str(d.Model), capacityBytes: num(d.CapacityBytes) }));
    }
    const simple = await members(s, linkOf(system.SimpleStorage));
    return simple.flatMap((ss) =>
      ((ss.Devices as Json[] | undefined) ?? []).map((d, i) => ({ id: `${String(ss.Id)}-${i}`, name: str(d.Name), model: str(d.Model), capacityBytes: num(d.CapacityBytes) })),
    );
  }

  private async pciDevices(s: RedfishSession, system: Json): Promise<PciDevice[]> {
    const pcie = ((system.PCIeDevices as unknown[] | undefined) ?? []).map(linkOf).filter((l): l is string => !!l);
    if (pcie.length) {
      const devices = await Promise.all(pcie.map((l) => optional(s, l)));
      return devices.filter((d): d is Json => !!d).map((d) => ({ id: String(d.Id), name: str(d.Name), manufacturer: str(d.Manufacturer) }));
    }
    const nics = await members(s, linkOf(system.EthernetInterfaces));
    return nics.map((n) => ({ id: String(n.Id), name: str(n.Name), macAddress: str(n.MACAddress) }));
  }
}

/** GET that yields undefined for a resource the service does not have (4xx other than auth). */
async function optional(s: RedfishSession, path: string): Promise<Json | undefined> {
  try {
    return await s.get(path);
  } catch (err) {
    if ((err as { transient?: boolean }).transient === false && (err as Error).name !== 'AuthenticationError') return undefined;
    throw err;
  }
}

async function members(s: RedfishSession, collection: string | undefined): Promise<Json[]> {
  if (!collection) return [];
  const links = (((await optional(s, collection))?.Members as unknown[] | undefined) ?? []).map(linkOf).filter((l): l is string => !!l);
  return (await Promise.all(links.map((l) => optional(s, l)))).filter((m): m is Json => !!m);
}
