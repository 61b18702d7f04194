import { startRedfishEmulator, type RedfishEmulator } from '../../emulators/redfish/server';

/** The Redfish emulator's busy-BMC fault: 503 Service Unavailable with a Retry-After, as BMCs answer while busy. */
describe('Redfish emulator: 503 with Retry-After', () => {
  let bmc: RedfishEmulator;
  const auth = { Authorization: 'Basic ' + Buffer.from('admin:secret-pw').toString('base64') };
  const get = (path = '/redfish/v1/Systems/System1') => fetch(`${bmc.url}${path}`, { headers: auth });

  beforeEach(async () => {
    bmc = await startRedfishEmulator({ username: 'admin', password: 'secret-pw' });
  });
  afterEach(async () => bmc.stop());

  test('for the next N requests, each answered 503 with Retry-After and a Redfish error body', async () => {
    bmc.setFault({ unavailable: { requests: 2, retryAfterSeconds: 7 } });
    for (let i = 0; i < 2; i++) {
      const r = await get();
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('7');
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(JSON.stringify(body)).toContain('ServiceTemporarilyUnavailable');
    }
    expect((await get()).status).toBe(200);
    expect(bmc.counters().injectedErrors).toBe(2);
  });

  test('for a time window from when it is set, the service root too; other faults merged later keep the window', async () => {
    bmc.setFault({ unavailable: { forMs: 400 } });
    bmc.setFault({ latencyMs: 1 });
    const root = await get('/redfish/v1/');
    expect(root.status).toBe(503);
    expect(root.headers.get('retry-after')).toBe('5');
    await new Promise((r) => setTimeout(r, 450));
    expect((await get()).status).toBe(200);
  });

  test('set over the control endpoint; null clears it', async () => {
    const set = await fetch(`${bmc.url}/emulator/faults`, { method: 'POST', body: JSON.stringify({ unavailable: {} }) });
    expect(set.status).toBe(204);
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(503);
    bmc.setFault(null);
    expect((await get()).status).toBe(200);
  });
});
