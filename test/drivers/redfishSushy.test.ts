import { memoryLogger } from '../../common/logger';
import { AuthenticationError, DriverError } from '../../drivers/errors';
import { createOobDrivers } from '../../drivers/oob';
import type { BmcTarget } from '../../drivers/bmc';
import { startSushyEmulator, SushyEmulator } from '../../emulators/bmc/sushyTools';
import { expectNoSecret } from './secrets';

// sushy-tools (openstack) with its fake driver: an independent Redfish implementation. No sessions
// (Basic auth only), 204 on PATCH and Reset, and power changes that show after a random 1-11 s.
const PASSWORD = 'Sushy-s3cret-77';
const logger = memoryLogger();
const errors: string[] = [];
const drivers = createOobDrivers('redfish', {
  redfish: { useSsl: false, requestTimeoutMs: 5000, powerStateChangeMaxRetries: 60, powerStateChangeRetryIntervalMs: 300 },
  logger,
});

let sushy: SushyEmulator;
let target: BmcTarget;

beforeAll(async () => {
  sushy = await startSushyEmulator({ username: 'admin', password: PASSWORD });
  target = { node: 'n1', address: sushy.address, port: sushy.port, username: 'admin', password: PASSWORD };
}, 180_000); // a fresh clone installs sushy-tools first

afterAll(async () => {
  await sushy?.stop();
});

describe('Redfish driver against sushy-tools', () => {
  test('validate, power on, off, cycle', async () => {
    await drivers.power.validate(target);
    expect(await drivers.power.powerState(target)).toBe('off');
    await drivers.power.powerOn(target);
    expect(await drivers.power.powerState(target)).toBe('on');
    await drivers.power.powerOff(target);
    expect(await drivers.power.powerState(target)).toBe('off');
    await drivers.power.powerCycle(target);
    expect(await drivers.power.powerState(target)).toBe('on');
  }, 120_000);

  test('boot device pxe, then disk', async () => {
    await drivers.bootDevice.setBootDevice(target, 'pxe');
    expect(await drivers.bootDevice.getBootDevice(target)).toBe('pxe');
    await drivers.bootDevice.setBootDevice(target, 'disk');
    expect(await drivers.bootDevice.getBootDevice(target)).toBe('disk');
  });

  test('inventory: manager firmware, NICs, health; missing sections are listed', async () => {
    const inv = await drivers.inventory.inventory(target);
    expect(inv.manufacturer).toBe('Sushy Emulator');
    expect(inv.firmware.bmc).toBe('1.00');
    expect(inv.health).toBe('ok');
    expect(inv.pciDevices.map((d) => d.macAddress)).toEqual(['52:54:00:5e:00:01']);
    expect(inv.unavailable.join('\n')).toMatch(/Storage: .*answered 500/);
    // Its fake driver serves ProcessorSummary and MemorySummary with a Status only: no count is made up.
    expect([inv.cpuCount, inv.cpuCores, inv.memoryBytes, inv.firmware.bios]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('a wrong password is an AuthenticationError', async () => {
    try {
      await drivers.power.powerState({ ...target, password: 'not-it' });
      throw new Error('expected a failure');
    } catch (err) {
      errors.push(String(err));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as DriverError).message).toMatch(/^power state node n1 at http:\/\/127\.0\.0\.1:\d+: BMC rejected the credentials: GET \/redfish\/v1\/Systems answered 401/);
    }
  });

  // Last on purpose: everything the tests above logged or threw.
  test('no password in any log line or error message (clear or base64)', () => {
    expectNoSecret(PASSWORD, [...logger.lines, ...errors]);
  });
});
