import { MaasNotFoundError } from '../../drivers/maas';
import { startRig, type MaasRig } from './maasHelpers';

/** Shared status polling against the MaaS emulator: reads within the window become one list request. */
describe('machine status reads share one request', () => {
  let rig: MaasRig;
  beforeAll(async () => {
    rig = await startRig({
      machines: Array.from({ length: 10 }, (_, i) => ({ hostname: `node-${i}`, power_type: 'manual' as const, mac_addresses: [`52:54:00:bb:00:${String(i).padStart(2, '0')}`] })),
    });
  });
  afterAll(() => rig.emu.stop());

  test('ten nodes polled together cost one GET machines/?id=…, each gets its own machine', async () => {
    const machines = rig.emu.machines();
    const before = rig.emu.counters().requests.byRoute;
    const statuses = await Promise.all(machines.map((m) => rig.provisioner.machineStatus(m.system_id)));
    const after = rig.emu.counters().requests.byRoute;
    const delta = (route: string) => (after[route] ?? 0) - (before[route] ?? 0);
    expect(statuses.map((s) => s.hostname)).toEqual(machines.map((m) => m.hostname));
    expect(statuses.every((s) => s.statusName === 'New')).toBe(true);
    expect(delta('GET machines/')).toBe(1);
    expect(Object.keys(after).filter((r) => /^GET machines\/[^/?]+\/$/.test(r) && delta(r) > 0)).toEqual([]);
  });

  test('a machine gone from MaaS is a not-found error for its caller only', async () => {
    const [m] = rig.emu.machines();
    const [gone, present] = await Promise.allSettled([rig.provisioner.machineStatus('no-such-id'), rig.provisioner.machineStatus(m.system_id)]);
    expect(gone.status === 'rejected' && gone.reason).toBeInstanceOf(MaasNotFoundError);
    expect(present).toMatchObject({ status: 'fulfilled', value: { systemId: m.system_id } });
  });
});
