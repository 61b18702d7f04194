import { memoryLogger } from '../../common/logger';
import { TransientDriverError } from '../../drivers/errors';
import { MaasClient } from '../../drivers/maas/maasClient';
import { MaasProvisioner } from '../../drivers/maas/provisioner';
import { DEMO_DURATIONS, startMaasEmulator, type MaasEmulator } from '../../emulators/maas';
import { API_KEY } from './maasHelpers';
import { failure } from '../harness/failure';

describe('MaaS emulator: clock, control API, timeouts', () => {
  let emu: MaasEmulator;
  let provisioner: MaasProvisioner;
  beforeAll(async () => {
    emu = await startMaasEmulator({ apiKey: API_KEY, clock: 'manual', stepDurations: DEMO_DURATIONS });
    provisioner = new MaasProvisioner(new MaasClient({ apiUrl: emu.url, apiKey: API_KEY }, memoryLogger()), memoryLogger());
  });
  afterAll(async () => emu.stop());

  it('moves through Commissioning and Testing only as the test advances the clock', async () => {
    const m = emu.enlist({ hostname: 'slow-sloth', realName: 'node07' });
    await provisioner.startCommission(m.system_id);
    emu.advance(DEMO_DURATIONS.commissioning - 1);
    expect((await provisioner.machineStatus(m.system_id)).statusName).toBe('Commissioning');
    emu.advance(1);
    expect(await provisioner.machineStatus(m.system_id)).toMatchObject({ statusName: 'Testing', status: 21 });
    emu.advance(DEMO_DURATIONS.testing);
    expect(await provisioner.machineStatus(m.system_id)).toMatchObject({ statusName: 'Ready', status: 4, powerState: 'off' });
  });

  it('keeps a hung machine in its transitional state', async () => {
    const m = emu.enlist({ hostname: 'stuck-stoat' });
    emu.setFault({ hang: ['stuck-stoat'] });
    await provisioner.startCommission(m.system_id);
    emu.advance(3_600_000);
    expect((await provisioner.machineStatus(m.system_id)).statusName).toBe('Commissioning');
    emu.clearFaults();
  });

  it('enlists machines and sets faults over the control HTTP API', async () => {
    const res = await fetch(`${emu.url}/emulator/machines`, {
      method: 'POST',
      body: JSON.stringify({ hostname: 'http-heron', power_type: 'redfish', power_address: '10.1.1.1', block_devices: [{ name: 'nvme0n1', size: 1e12 }] }),
    });
    const m = (await res.json()) as { system_id: string; blockdevice_set: Array<{ name: string; size: number }> };
    expect(m.blockdevice_set).toEqual([expect.objectContaining({ name: 'nvme0n1', size: 1e12 })]);
    expect(await provisioner.findMachine({ name: 'nodeX', oobType: 'redfish', oobAddress: '10.1.1.1' })).toMatchObject({ systemId: m.system_id, hostname: 'http-heron' });
    await fetch(`${emu.url}/emulator/faults`, { method: 'PUT', body: JSON.stringify({ failNext: 1, httpErrorStatus: 500 }) });
    expect(await provisioner.availableImages()).toEqual(['jammy', 'focal']);
    expect(emu.counters().faultsInjected).toBe(1);
    const state = (await (await fetch(`${emu.url}/emulator/machines/http-heron`)).json()) as { status_name: string };
    expect(state.status_name).toBe('New');
  });

  it('bounds a slow answer with the read timeout', async () => {
    emu.setFault({ latencyMs: 400 });
    try {
      const client = new MaasClient({ apiUrl: emu.url, apiKey: API_KEY, readTimeoutMs: 100, retries: 1, backoffMs: 1 }, memoryLogger());
      const err = await failure(client.region.bootResources());
      expect(err).toBeInstanceOf(TransientDriverError);
      expect(String(err)).toContain('no answer within 100 ms');
    } finally {
      emu.clearFaults();
    }
  });

  it('fails fast on a refused connection after bounded retries', async () => {
    const client = new MaasClient({ apiUrl: 'http://127.0.0.1:9/MAAS', apiKey: API_KEY, retries: 2, backoffMs: 1 }, memoryLogger());
    const err = await failure(client.region.version());
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(String(err)).toMatch(/MaaS unreachable after 3 attempts/);
    expect(String(err)).not.toContain(API_KEY.split(':')[2]);
  });
});

describe('MaaS emulator OAuth check', () => {
  it('accepts a key whose secret needs percent-encoding and refuses a missing header', async () => {
    const key = 'ck:tk:s3cr+t/with space';
    const emu = await startMaasEmulator({ apiKey: key });
    try {
      const client = new MaasClient({ apiUrl: emu.url, apiKey: key }, memoryLogger());
      expect(await client.region.listAuthorisationTokens()).toHaveLength(1);
      const anon = await fetch(`${emu.url}/api/2.0/machines/`);
      expect(anon.status).toBe(401);
      expect((await fetch(`${emu.url}/api/2.0/version/`)).status).toBe(200);
    } finally {
      await emu.stop();
    }
  });
});

describe('MaaS emulator region faults: outage window, unresponsive region', () => {
  /** The unauthenticated version endpoint: what a region answers before any handler runs. */
  const version = (emu: MaasEmulator, timeoutMs = 2000) =>
    fetch(`${emu.url}/api/2.0/version/`, { signal: AbortSignal.timeout(timeoutMs) }).then(
      (r) => r.status,
      // AbortSignal.timeout rejects with a DOMException (another realm than jest's Error).
      (e: { name?: string }) => (e?.name === 'TimeoutError' ? 'no answer' : Promise.reject(e)),
    );

  it('answers every request with the outage status for the window, on the manual clock', async () => {
    const emu = await startMaasEmulator({ apiKey: API_KEY, clock: 'manual' });
    try {
      await fetch(`${emu.url}/emulator/faults`, { method: 'PUT', body: JSON.stringify({ outage: { status: 500, forMs: 60_000 } }) });
      expect(await version(emu)).toBe(500);
      emu.advance(59_999);
      expect(await version(emu)).toBe(500);
      expect(emu.counters().faultsInjected).toBe(2);
      emu.advance(1);
      expect(await version(emu)).toBe(200);
      expect(emu.counters().faultsInjected).toBe(2);
    } finally {
      await emu.stop();
    }
  });

  it('ends an outage on the wall clock; clearing the faults ends it at once', async () => {
    const emu = await startMaasEmulator({ apiKey: API_KEY });
    try {
      emu.setFault({ outage: { forMs: 300 } });
      expect(await version(emu)).toBe(503);
      await new Promise((r) => setTimeout(r, 350));
      expect(await version(emu)).toBe(200);
      emu.setFault({ outage: { status: 500, forMs: 60_000 } });
      expect(await version(emu)).toBe(500);
      emu.clearFaults();
      expect(await version(emu)).toBe(200);
    } finally {
      await emu.stop();
    }
  });

  it('never answers a request that arrives while the region is unresponsive; later ones are answered', async () => {
    const emu = await startMaasEmulator({ apiKey: API_KEY });
    try {
      emu.setFault({ unresponsive: { forMs: 300 } });
      // Accepted during the window, still unanswered well after it ended.
      expect(await version(emu, 800)).toBe('no answer');
      expect(await version(emu)).toBe(200);
      expect(emu.counters().faultsInjected).toBe(1);
      emu.setFault({ unresponsive: {} });
      expect(await version(emu, 300)).toBe('no answer');
      emu.clearFaults();
      expect(await version(emu)).toBe(200);
      const client = new MaasClient({ apiUrl: emu.url, apiKey: API_KEY, readTimeoutMs: 200, retries: 0 }, memoryLogger());
      emu.setFault({ unresponsive: {} });
      const err = await client.region.version().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientDriverError);
      expect(String(err)).toContain('no answer within 200 ms');
    } finally {
      await emu.stop();
    }
  });
});
