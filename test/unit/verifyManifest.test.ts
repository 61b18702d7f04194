/**
 * verify_nodes on a prepared node: the hardware manifest read from the lshw build data, and what differs from
 * the BMC's inventory and the HardwareProfile (pure functions; the simulated site runs them in
 * test/orchestrator/buildDataPostgres.test.ts).
 */
import { inventoryDifferences, lshwManifest, manifestSummary, profileDifferences, type BmcHardware } from '../../activities/introspection';
import type { EffectiveDesign } from '../../design';
import { memoryBytes, renderLshw, type MachineHardware } from '../../emulators/maas/hardware';
import { nodeHardware } from '../../emulators/site/designNodes';
import { demoDesign } from '../harness/demoSite';

const GIB = 2 ** 30;
const machine: MachineHardware = {
  vendor: 'HPE',
  product: 'ProLiant DL380 Gen10',
  serial: 'CZ2019ABCD',
  firmware: { vendor: 'HPE', version: 'U30', date: '10/21/2021' },
  cpus: [0, 1].map(() => ({ product: 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz', vendor: 'Intel Corp.', cores: 20, threads: 40, hz: 2.1e9 })),
  dimms: Array.from({ length: 8 }, (_, i) => ({
    slot: `PROC ${(i % 2) + 1} DIMM ${i + 1}`,
    size: 32 * GIB,
    product: 'M393A4K40DB3-CWE',
    vendor: 'Samsung',
    serial: `D${i}`,
    hz: 2.933e9,
  })),
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
  firmware: { bios: 'U30' },
  cpuCount: 2,
  cpuCores: 40,
  memoryBytes: 256 * GIB,
  pciDevices: [{ macAddress: '94:40:C9:00:00:01' }, { macAddress: '94:40:C9:00:00:02' }],
  drives: [{ capacityBytes: 960_197_124_096 }, { capacityBytes: 480_103_981_056 }],
  unavailable: [],
};

describe('hardware manifest against the BMC inventory', () => {
  test('the manifest from lshw: identity, BIOS, CPUs, memory, NICs by kernel name with MACs, disks with sizes', () => {
    expect(manifest).toEqual({
      vendor: 'HPE',
      product: 'ProLiant DL380 Gen10',
      serial: 'CZ2019ABCD',
      firmware: { vendor: 'HPE', version: 'U30', date: '10/21/2021' },
      cpuCount: 2,
      cpuCores: 40,
      memoryBytes: 256 * GIB,
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
      'HPE ProLiant DL380 Gen10, serial CZ2019ABCD; BIOS U30 (10/21/2021); CPUs 2 (40 cores); memory 256 GiB; NICs eno1 94:40:c9:00:00:01, ens3f0 94:40:c9:00:00:02; disks sda 480.1 GB, nvme0n1 960.2 GB',
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
      firmware: {},
      unavailable: ['bios', 'pci', 'drives'],
    };
    expect(inventoryDifferences(manifest, ipmi)).toEqual([]);
    expect(inventoryDifferences(manifest, { ...ipmi, serialNumber: undefined, model: undefined })).toEqual([]);
    expect(inventoryDifferences(manifest, { ...ipmi, serialNumber: 'SIM0001' })).toEqual(['serial: lshw "CZ2019ABCD", BMC "SIM0001"']);
  });

  test('a BIOS flashed since commissioning, a socket or DIMMs gone: each named', () => {
    const bmc: BmcHardware = { ...redfish, firmware: { bios: 'U32' }, cpuCount: 1, cpuCores: 20, memoryBytes: 224 * GIB };
    expect(inventoryDifferences(manifest, bmc)).toEqual([
      'BIOS: lshw "U30 (10/21/2021)", BMC "U32"',
      'CPUs: lshw 2, BMC 1',
      'CPU cores: lshw 40, BMC 20',
      'memory: lshw 256 GiB, BMC 224 GiB',
    ]);
  });

  test('the same BIOS with its release date folded in, memory rounded to whole GiB: no difference', () => {
    expect(inventoryDifferences(manifest, { ...redfish, firmware: { bios: 'U30 v2.60 (10/21/2021)' }, memoryBytes: 255.5 * GIB })).toEqual([]);
    // The same family letter with another date is another BIOS.
    expect(inventoryDifferences(manifest, { ...redfish, firmware: { bios: 'U30 v2.70 (03/01/2023)' } })).toEqual(['BIOS: lshw "U30 (10/21/2021)", BMC "U30 v2.70 (03/01/2023)"']);
  });

  test("an empty socket is not a CPU; a BMC without CPU or memory totals (sushy-tools' fake driver) is not compared", () => {
    // lshw lists an unpopulated socket as a disabled processor node.
    const oneEmpty = renderLshw('n01', machine).replace('<node id="cpu:1" claimed="true" class="processor"', '<node id="cpu:1" disabled="true" claimed="true" class="processor"');
    const m = lshwManifest(oneEmpty);
    expect([m.cpuCount, m.cpuCores]).toEqual([1, 20]);
    expect(inventoryDifferences(m, { ...redfish, cpuCount: undefined, cpuCores: undefined, memoryBytes: undefined })).toEqual([]);
    expect(inventoryDifferences(m, redfish)).toEqual(['CPUs: lshw 1, BMC 2', 'CPU cores: lshw 20, BMC 40']);
  });
});

describe('the BIOS against the HardwareProfile', () => {
  let design: EffectiveDesign;
  beforeAll(async () => {
    design = await demoDesign();
  });
  const n07 = () => design.baremetal_nodes.find((n) => n.name === 'n07')!;

  test("the BMC's BIOS, else lshw's, against the declared bios_version", () => {
    expect(design.hardware_profiles.find((h) => h.name === n07().hardware_profile)!.bios_version).toBe('1.0.0');
    expect(profileDifferences(design, n07(), { ...redfish, firmware: { bios: '1.0.0' } }, manifest)).toEqual([]);
    expect(profileDifferences(design, n07(), { ...redfish, firmware: { bios: '1.1.0' } }, manifest)).toEqual([
      'hardware profile demo-server-v1 declares BIOS "1.0.0", BMC reports "1.1.0"',
    ]);
    // An IPMI BMC has no BIOS version: the one lshw saw at commissioning.
    expect(profileDifferences(design, n07(), { ...redfish, firmware: {} }, manifest)).toEqual(['hardware profile demo-server-v1 declares BIOS "1.0.0", lshw reports "U30"']);
    expect(profileDifferences(design, n07(), { ...redfish, firmware: {} })).toEqual([]);
  });

  test('a profile without bios_version declares nothing', () => {
    const undeclared = { ...design, hardware_profiles: design.hardware_profiles.map((h) => ({ ...h, bios_version: undefined })) };
    expect(profileDifferences(undeclared, n07(), { ...redfish, firmware: { bios: '9.9' } }, manifest)).toEqual([]);
  });

  test("the simulated machine: the profile's BIOS, CPUs for its cpu_sets, memory for its hugepages, in lshw as in the description", () => {
    const plain = nodeHardware(design, n07());
    expect(lshwManifest(renderLshw('n07', plain))).toMatchObject({ firmware: { version: '1.0.0' }, cpuCount: 2, cpuCores: 32, memoryBytes: 256 * GIB });
    const big = {
      ...design,
      hardware_profiles: design.hardware_profiles.map((h) => ({ ...h, cpu_sets: { kvm: '4-43,48-87' }, hugepages_confs: { dpdk: { size: '1G', count: 300 } } })),
    };
    const hw = nodeHardware(big, n07());
    // CPU ids up to 87 need 88 threads: 2 sockets of 22 cores, 2 threads each; 300 GiB of hugepages and a quarter more.
    expect(hw.cpus!.map((c) => [c.cores, c.threads])).toEqual([
      [22, 44],
      [22, 44],
    ]);
    expect(memoryBytes(hw)).toBeGreaterThanOrEqual(375 * GIB);
    expect(lshwManifest(renderLshw('n07', hw)).memoryBytes).toBe(memoryBytes(hw));
  });
});
