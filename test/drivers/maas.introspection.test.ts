/**
 * Commissioning results as MaaS gives them (commissioning-results/, base64 script outputs named as MaaS 3.x
 * names its scripts), on the hardware the simulator builds from the demo design's HardwareProfile, and what
 * introspection makes of them: aliases resolved to kernel names, missing devices named with what was found.
 */
import { memoryLogger } from '../../common/logger';
import { checkHardware, buildDataRecords, lshwOf, nodeLogicalNames } from '../../activities/introspection';
import { networkPlan, storagePlan } from '../../activities/plans';
import type { EffectiveDesign, EffectiveNode } from '../../design';
import { lshwDevices } from '../../design/lshw';
import { MemoryBuildDataStore } from '../../drivers/buildData';
import { MaasClient } from '../../drivers/maas/maasClient';
import { MaasProvisioner } from '../../drivers/maas/provisioner';
import { startMaasEmulator, type MaasEmulator } from '../../emulators/maas';
import { nodeAddresses } from '../../emulators/site/designNodes';
import { demoDesign } from '../harness/demoSite';
import { API_KEY } from './maasHelpers';

let design: EffectiveDesign;
let emu: MaasEmulator;
let provisioner: MaasProvisioner;
let client: MaasClient;
const node = (name: string): EffectiveNode => design.baremetal_nodes.find((n) => n.name === name)!;

beforeAll(async () => {
  design = await demoDesign();
  emu = await startMaasEmulator({ apiKey: API_KEY });
  client = new MaasClient({ apiUrl: emu.url, apiKey: API_KEY }, memoryLogger());
  provisioner = new MaasProvisioner(client, memoryLogger());
});
afterAll(async () => emu?.stop());

/** Enlists the simulated n01 (as it PXE boots) and commissions it; returns its system id. */
async function commissioned(name: string): Promise<string> {
  const spec = nodeAddresses(design).find((n) => n.name === name)!;
  const m = emu.enlist({ hostname: `${name}-enlisted`, realName: name, power_type: spec.oobType, power_address: spec.oobAddress, hardware: spec.hardware });
  expect(await provisioner.commissioningResults(m.system_id)).toEqual([]);
  await provisioner.startCommission(m.system_id);
  for (let i = 0; i < 100 && (await provisioner.machineStatus(m.system_id)).statusName !== 'Ready'; i++) await new Promise((r) => setTimeout(r, 20));
  return m.system_id;
}

describe('simulated hardware', () => {
  test('every node has a device at each alias address, under a kernel name that is never an alias, plus devices the design does not mention', () => {
    const aliases = new Set(design.hardware_profiles.flatMap((h) => h.devices.map((d) => d.alias)));
    for (const spec of nodeAddresses(design)) {
      const names = [...spec.hardware.nics.map((n) => n.name), ...spec.hardware.disks.map((d) => d.name)];
      for (const n of names) expect(aliases.has(n)).toBe(false);
      expect(new Set(names).size).toBe(names.length);
      // demo-server-v1: nic_pxe 0000:01:00.0, nic_data0/1 0000:02:00.0/.1, boot_disk scsi 0:0.0.0
      expect(spec.hardware.nics.map((n) => [n.name, n.pciAddress])).toEqual([
        ['eno1', '0000:01:00.0'],
        ['eno2', '0000:01:00.1'],
        ['enp2s0f0', '0000:02:00.0'],
        ['enp2s0f1', '0000:02:00.1'],
      ]);
      expect(spec.hardware.disks.map((d) => [d.name, d.bus, d.address])).toEqual([
        ['sda', 'scsi', '0:0.0.0'],
        ['nvme0n1', 'nvme', '0000:5e:00.0'],
      ]);
      // The PXE NIC carries the design's boot MAC.
      expect(spec.hardware.nics[0]!.mac).toBe(node(spec.name).boot_mac!.toLowerCase());
    }
  });
});

describe('MaaS commissioning results', () => {
  test('after commissioning, commissioning-results lists the scripts with base64 output; lshw describes the machine MaaS lists', async () => {
    const systemId = await commissioned('n01');
    const raw = (await client.results.list(systemId, 0)) as unknown as Record<string, unknown>[];
    expect(raw.map((r) => r.name)).toEqual([
      '20-maas-01-install-lldpd',
      '50-maas-01-commissioning',
      'maas-capture-lldpd',
      'maas-kernel-cmdline',
      'maas-list-modaliases',
      'maas-lshw',
    ]);
    for (const r of raw) {
      expect(r).toMatchObject({ result_type: 0, script_result: 0, node: { system_id: systemId }, resource_uri: '/MAAS/api/2.0/commissioning-scripts/' });
      expect(Buffer.from(String(r.data), 'base64').toString('base64')).toBe(r.data);
    }
    expect(await client.results.list(systemId, 2)).toEqual([]);

    const results = await provisioner.commissioningResults(systemId);
    const devices = lshwDevices(lshwOf(results)!);
    const nics = devices.filter((d) => d.class === 'network').map((d) => [d.logicalnames[0], d.businfo, d.serial]);
    const machine = await client.machines.get(systemId);
    // MaaS names interfaces and block devices as the kernel does: the same names, MACs and disks as lshw.
    expect(machine.interface_set.map((i) => [i.name, i.mac_address]).sort()).toEqual(nics.map(([n, , mac]) => [n, mac]).sort());
    expect(nics).toContainEqual(['eno1', 'pci@0000:01:00.0', '52:54:00:00:01:01']);
    expect(machine.blockdevice_set.map((b) => b.name)).toEqual(['sda', 'nvme0n1']);
    expect(devices.find((d) => d.businfo === 'scsi@0:0.0.0')).toMatchObject({ class: 'disk', logicalnames: ['/dev/sda'], size: 480e9 });
    const lldp = results.find((r) => r.name === 'maas-capture-lldpd')!.data;
    expect(lldp).toContain('<interface label="Interface" name="enp2s0f0" via="LLDP"');
  });

  test('introspection resolves every alias to its kernel name and the plans use those names', async () => {
    const systemId = await commissioned('n02');
    const results = await provisioner.commissioningResults(systemId);
    const n02 = node('n02');
    expect(checkHardware(design, n02, results)).toEqual({
      logicalNames: { nic_pxe: 'eno1', nic_data0: 'enp2s0f0', nic_data1: 'enp2s0f1', boot_disk: 'sda' },
      problems: [],
    });
    const names = nodeLogicalNames(design, n02, results);
    expect(networkPlan(design, n02, names).interfaces.map((i) => [i.name, i.slaves])).toEqual([
      ['pxe', ['eno1']],
      ['bond0', ['enp2s0f0', 'enp2s0f1']],
    ]);
    expect(storagePlan(design, n02, names).physicalDevices.map((d) => d.name)).toEqual(['sda']);

    const store = new MemoryBuildDataStore();
    await store.put(buildDataRecords('n02', 'task-1', results, '2026-11-27T12:00:00.000Z'));
    const latest = await store.forNode('n02', { latest: true });
    expect(latest.find((r) => r.generator === 'lshw')).toMatchObject({ dataFormat: 'text/xml', taskId: 'task-1' });
    expect((await store.forTask('task-1')).map((r) => r.generator)).toContain('commission:maas-list-modaliases');
  });

  test('an alias at an address the machine does not have: the problem names the alias, its address, the node and what was found', async () => {
    const systemId = await commissioned('n03');
    const results = await provisioner.commissioningResults(systemId);
    const moved = structuredClone(design);
    moved.hardware_profiles[0]!.devices.find((d) => d.alias === 'nic_pxe')!.address = '0000:81:00.0';
    const n03 = moved.baremetal_nodes.find((n) => n.name === 'n03')!;
    expect(checkHardware(moved, n03, results).problems).toEqual([
      'hardware profile demo-server-v1: alias nic_pxe (pci 0000:81:00.0) not found on n03; ' +
        'found eno1 0000:01:00.0, eno2 0000:01:00.1, enp2s0f0 0000:02:00.0, enp2s0f1 0000:02:00.1',
    ]);
  });

  test('a disk too small for the fixed-size partitions the design puts on it is a problem', async () => {
    const systemId = await commissioned('n04');
    const results = await provisioner.commissioningResults(systemId);
    const big = structuredClone(design);
    const n04 = big.baremetal_nodes.find((n) => n.name === 'n04')!;
    n04.storage_devices[0]!.partitions[0]!.size = '600g';
    expect(checkHardware(big, n04, results).problems).toEqual(['storage device boot_disk (sda) on n04 has 480.0 GB; its partitions need at least 601.0 GB']);
  });

  test('op=details answers the same lshw and LLDP documents, as BSON', async () => {
    const systemId = await commissioned('n05');
    const bson = await client.machines.details(systemId);
    const lshw = (await provisioner.commissioningResults(systemId)).find((r) => r.name === 'maas-lshw')!.data;
    expect(bson.includes(Buffer.from(lshw, 'utf8'))).toBe(true);
  });
});
