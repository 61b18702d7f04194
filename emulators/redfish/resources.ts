/** Redfish documents the emulator serves: one ComputerSystem with its BIOS, storage, NICs and PCIe devices. */

export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface SystemHardware {
  manufacturer: string;
  model: string;
  serialNumber: string;
  biosVersion: string;
  bmcFirmwareVersion: string;
  /** ComputerSystem's ProcessorSummary: populated sockets, their cores in all, and the model. */
  processors: { count: number; coreCount: number; model: string };
  /** ComputerSystem's MemorySummary.TotalSystemMemoryGiB. */
  totalMemoryGiB: number;
  health: 'OK' | 'Warning' | 'Critical';
  drives: { id: string; model: string; capacityBytes: number }[];
  nics: { id: string; mac: string }[];
  pcieDevices: { id: string; name: string; manufacturer: string }[];
}

export const DEFAULT_HARDWARE: SystemHardware = {
  manufacturer: 'Drydock Emulated',
  model: 'DD-1000',
  serialNumber: 'EMU0001',
  biosVersion: 'U30 v2.60',
  bmcFirmwareVersion: '2.80',
  processors: { count: 2, coreCount: 32, model: 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz' },
  totalMemoryGiB: 256,
  health: 'OK',
  drives: [
    { id: '0', model: 'EMU SSD 480G', capacityBytes: 480_103_981_056 },
    { id: '1', model: 'EMU HDD 2T', capacityBytes: 2_000_398_934_016 },
  ],
  nics: [
    { id: 'NIC.1', mac: '52:54:00:aa:00:01' },
    { id: 'NIC.2', mac: '52:54:00:aa:00:02' },
  ],
  pcieDevices: [
    { id: 'NIC1', name: 'Dual Port 25GbE Adapter', manufacturer: 'EmuNet' },
    { id: 'RAID1', name: 'SAS RAID Controller', manufacturer: 'EmuStor' },
  ],
};

export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart', 'PushPowerButton'] as const;
export type ResetType = (typeof RESET_TYPES)[number];
export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd', 'Cd', 'BiosSetup'];

const ref = (id: string) => ({ '@odata.id': id });
const collection = (id: string, name: string, members: string[]) => ({
  '@odata.id': id,
  '@odata.type': `#${name}.${name}`,
  Name: name,
  Members: members.map(ref),
  'Members@odata.count': members.length,
});

/** Paths of one system's resources, keyed by path: what GET serves. */
export function systemDocuments(systemId: string, hw: SystemHardware, state: { power: RedfishPowerState; boot: { enabled: string; target: string } }): Map<string, object> {
  const sys = `/redfish/v1/Systems/${systemId}`;
  const docs = new Map<string, object>();
  const status = { State: 'Enabled', Health: hw.health, HealthRollup: hw.health };
  docs.set('/redfish/v1/', {
    '@odata.id': '/redfish/v1/',
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Root Service',
    RedfishVersion: '1.6.0',
    Systems: ref('/redfish/v1/Systems'),
    Managers: ref('/redfish/v1/Managers'),
    Chassis: ref('/redfish/v1/Chassis'),
    SessionService: ref('/redfish/v1/SessionService'),
    Links: { Sessions: ref('/redfish/v1/SessionService/Sessions') },
  });
  docs.set('/redfish/v1/SessionService', {
    '@odata.id': '/redfish/v1/SessionService',
    Id: 'SessionService',
    ServiceEnabled: true,
    Sessions: ref('/redfish/v1/SessionService/Sessions'),
  });
  docs.set('/redfish/v1/Systems', collection('/redfish/v1/Systems', 'ComputerSystemCollection', [sys]));
  docs.set(sys, {
    '@odata.id': sys,
    '@odata.type': '#ComputerSystem.v1_10_0.ComputerSystem',
    Id: systemId,
    Name: systemId,
    Manufacturer: hw.manufacturer,
    Model: hw.model,
    SerialNumber: hw.serialNumber,
    BiosVersion: hw.biosVersion,
    ProcessorSummary: { Count: hw.processors.count, CoreCount: hw.processors.coreCount, Model: hw.processors.model, Status: status },
    MemorySummary: { TotalSystemMemoryGiB: hw.totalMemoryGiB, Status: status },
    PowerState: state.power,
    Status: status,
    Boot: { BootSourceOverrideEnabled: state.boot.enabled, BootSourceOverrideTarget: state.boot.target, 'BootSourceOverrideTarget@Redfish.AllowableValues': BOOT_TARGETS },
    Bios: ref(`${sys}/Bios`),
    Storage: ref(`${sys}/Storage`),
    SimpleStorage: ref(`${sys}/SimpleStorage`),
    EthernetInterfaces: ref(`${sys}/EthernetInterfaces`),
    PCIeDevices: hw.pcieDevices.map((d) => ref(`/redfish/v1/Chassis/1/PCIeDevices/${d.id}`)),
    Links: { ManagedBy: [ref('/redfish/v1/Managers/BMC')], Chassis: [ref('/redfish/v1/Chassis/1')] },
    Actions: { '#ComputerSystem.Reset': { target: `${sys}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': RESET_TYPES } },
  });
  docs.set(`${sys}/Bios`, { '@odata.id': `${sys}/Bios`, Id: 'Bios', Name: 'BIOS Configuration', Attributes: { BootMode: 'Uefi' } });
  docs.set(`${sys}/Storage`, collection(`${sys}/Storage`, 'StorageCollection', [`${sys}/Storage/1`]));
  docs.set(`${sys}/Storage/1`, {
    '@odata.id': `${sys}/Storage/1`,
    Id: '1',
    Name: 'Storage Controller',
    Status: status,
    Drives: hw.drives.map((d) => ref(`${sys}/Storage/1/Drives/${d.id}`)),
  });
  for (const d of hw.drives) {
    docs.set(`${sys}/Storage/1/Drives/${d.id}`, {
      '@odata.id': `${sys}/Storage/1/Drives/${d.id}`,
      Id: d.id,
      Name: `Drive ${d.id}`,
      Model: d.model,
      CapacityBytes: d.capacityBytes,
      Status: status,
    });
  }
  docs.set(`${sys}/SimpleStorage`, collection(`${sys}/SimpleStorage`, 'SimpleStorageCollection', [`${sys}/SimpleStorage/1`]));
  docs.set(`${sys}/SimpleStorage/1`, {
    '@odata.id': `${sys}/SimpleStorage/1`,
    Id: '1',
    Name: 'Simple Storage',
    Devices: hw.drives.map((d) => ({ Name: `Drive ${d.id}`, Model: d.model, CapacityBytes: d.capacityBytes, Status: status })),
  });
  docs.set(
    `${sys}/EthernetInterfaces`,
    collection(
      `${sys}/EthernetInterfaces`,
      'EthernetInterfaceCollection',
      hw.nics.map((n) => `${sys}/EthernetInterfaces/${n.id}`),
    ),
  );
  for (const n of hw.nics)
    docs.set(`${sys}/EthernetInterfaces/${n.id}`, { '@odata.id': `${sys}/EthernetInterfaces/${n.id}`, Id: n.id, Name: n.id, MACAddress: n.mac, Status: status });
  for (const d of hw.pcieDevices) {
    docs.set(`/redfish/v1/Chassis/1/PCIeDevices/${d.id}`, {
      '@odata.id': `/redfish/v1/Chassis/1/PCIeDevices/${d.id}`,
      Id: d.id,
      Name: d.name,
      Manufacturer: d.manufacturer,
      Status: status,
    });
  }
  docs.set('/redfish/v1/Managers', collection('/redfish/v1/Managers', 'ManagerCollection', ['/redfish/v1/Managers/BMC']));
  docs.set('/redfish/v1/Managers/BMC', {
    '@odata.id': '/redfish/v1/Managers/BMC',
    Id: 'BMC',
    Name: 'Manager',
    ManagerType: 'BMC',
    FirmwareVersion: hw.bmcFirmwareVersion,
    Status: status,
  });
  docs.set('/redfish/v1/Chassis', collection('/redfish/v1/Chassis', 'ChassisCollection', ['/redfish/v1/Chassis/1']));
  docs.set('/redfish/v1/Chassis/1', { '@odata.id': '/redfish/v1/Chassis/1', Id: '1', Name: 'Chassis', Status: status });
  return docs;
}

/** A Redfish error body (Base message registry style). */
export function errorBody(messageId: string, message: string): object {
  return { error: { code: `Base.1.8.${messageId}`, message, '@Message.ExtendedInfo': [{ MessageId: `Base.1.8.${messageId}`, Message: message }] } };
}
