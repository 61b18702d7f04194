/**
 * verify_nodes on a prepared node: the hardware manifest read from the lshw build data, and what differs from
 * the BMC's inventory (pure functions; the simulated site runs them in test/orchestrator/buildDataPostgres.test.ts).
 */
import { inventoryDifferences, lshwManifest, manifestSummary, type BmcHardware } from '../../activities/introspection';
import { renderLshw, type MachineHardware } from '../../emulators/maas/hardware';

const machine: MachineHardware = {
  vendor: 'HPE',
  product: 'ProLiant DL380 Gen10',
  serial: 'CZ2019ABCD',
  nics: [
    { name: 'eno1', mac: '94:40:c9:00:00:01', pciAddress: '0000:01:00.0', product: 'Ethernet 1Gb 4-port 331i', vendor: 'Broadcom Inc.', speed: 1e9 },
    { name: 'ens3f0', mac: '94:40:c9:00:00:02', pciAddress: '0000:5e:00.0', product: 'Ethernet Controller XL710', vendor: 'Intel Corporation', speed: 25e9 },
  ],
  disks: [
    { name: 'sda', bus: 'scsi', address: '0:0.0.0', size: 480_103_981_056, model: 'MK000480GWXFF', vendor: 'ATA', serial: 'S1' },
    { name: 'nvme0n1', bus: 'nvme', address: '0000:d8:00.0', size: 960_197_124_096, model: 'SAMSUNG MZQL2960HCJR-00A07', vendor: 'Samsung', serial: 'S2' },
  ],
};
const manifest = lshwManifest(renderLshw('n01', machine));
/** What a Redfish BMC of that machine reports. */
const redfish: BmcHardware = {
  manufacturer: 'HPE',
  model: 'ProLiant DL380 Gen10',
  serialNumber: 'CZ2019ABCD',
  pciDevices: [{ macAddress: '94:40:C9:00:00:01' }, { macAddress: '94:40:C9:00:00:02' }],
  drives: [{ capacityBytes: 960_197_124_096 }, { capacityBytes: 480_103_981_056 }],
  unavailable: [],
};

describe('hardware manifest against the BMC inventory', () => {
  test('the manifest from lshw: identity, NICs by kernel name with MACs, disks with sizes', () => {
    expect(manifest).toEqual({
      vendor: 'HPE',
      product: 'ProLiant DL380 Gen10',
      serial: 'CZ2019ABCD',
      nics: [
        { name: 'eno1', pci: '0000:01:00.0', mac: '94:40:c9:00:00:01' },
        { name: 'ens3f0', pci: '0000:5e:00.0', mac: '94:40:c9:00:00:02' },
      ],
      disks: [
        { name: 'sda', sizeBytes: 480_103_981_056, model: 'MK000480GWXFF' },
        { name: 'nvme0n1', sizeBytes: 960_197_124_096, model: undefined },
      ],
    });
    expect(manifestSummary(manifest)).toBe(
      'HPE ProLiant DL380 Gen10, serial CZ2019ABCD; NICs eno1 94:40:c9:00:00:01, ens3f0 94:40:c9:00:00:02; disks sda 480.1 GB, nvme0n1 960.2 GB',
    );
  });

  test('a BMC that reports the same machine: no difference (case and order do not matter)', () => {
    expect(inventoryDifferences(manifest, redfish)).toEqual([]);
    expect(inventoryDifferences(manifest, { ...redfish, manufacturer: 'hpe ' })).toEqual([]);
  });

  test("another board's identity, a drive gone, a NIC swapped: each named", () => {
    const bmc: BmcHardware = {
      ...redfish,
      serialNumber: 'MXQ81203ZZ',
      model: 'ProLiant DL360 Gen10',
      drives: [{ capacityBytes: 480_103_981_056 }],
      pciDevices: [{ macAddress: '94:40:c9:00:00:01' }, { macAddress: '3c:fd:fe:00:00:09' }],
    };
    expect(inventoryDifferences(manifest, bmc)).toEqual([
      'serial: lshw "CZ2019ABCD", BMC "MXQ81203ZZ"',
      'model: lshw "ProLiant DL380 Gen10", BMC "ProLiant DL360 Gen10"',
      'drives: lshw 2 (sda 480.1 GB, nvme0n1 960.2 GB), BMC 1 (480.1 GB)',
      'NICs the BMC does not list: ens3f0 94:40:c9:00:00:02',
      'NICs only the BMC lists: 3c:fd:fe:00:00:09',
    ]);
  });

  test('only what the BMC reports is compared: an IPMI BMC has FRU identity, no drives or MACs', () => {
    const ipmi: BmcHardware = {
      manufacturer: 'HPE',
      model: 'ProLiant DL380 Gen10',
      serialNumber: 'CZ2019ABCD',
      pciDevices: [],
      drives: [],
      unavailable: ['bios', 'pci', 'drives'],
    };
    expect(inventoryDifferences(manifest, ipmi)).toEqual([]);
    expect(inventoryDifferences(manifest, { ...ipmi, serialNumber: undefined, model: undefined })).toEqual([]);
    expect(inventoryDifferences(manifest, { ...ipmi, serialNumber: 'SIM0001' })).toEqual(['serial: lshw "CZ2019ABCD", BMC "SIM0001"']);
  });
});
