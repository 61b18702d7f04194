import { memoryLogger } from '../../common/logger';
import { freeUdpPort } from '../../common/ports';
import { CallAbortedError } from '../../drivers/abort';
import { AuthenticationError, DriverError, TransientDriverError } from '../../drivers/errors';
import { createIpmiDrivers } from '../../drivers/oob/ipmi';
import { PowerStateTimeoutError } from '../../drivers/oob/power';
import { runCommand, RunCommand } from '../../drivers/oob/runCommand';
import type { BmcTarget } from '../../drivers/bmc';
import { IpmiSim, SEL_TEMPERATURE_CRITICAL, startIpmiSim } from '../../emulators/bmc/ipmiSim';
import { expectNoSecret } from './secrets';

const PASSWORD = 'Ipmi-s3cret-9';
const logger = memoryLogger();
const argvSeen: string[][] = [];
// Records argv so the test can prove the password never appears on a command line.
const recordingRun: RunCommand = (file, args, opts) => {
  argvSeen.push([file, ...args]);
  return runCommand(file, args, opts);
};
const errors: string[] = [];
async function failure(p: Promise<unknown>): Promise<DriverError> {
  try {
    await p;
  } catch (err) {
    errors.push(String(err), JSON.stringify(err));
    return err as DriverError;
  }
  throw new Error('expected a failure');
}

const drivers = createIpmiDrivers(
  { commandTimeoutMs: 4000, retransmitTimeoutSec: 1, retransmits: 1, powerStateChangeMaxRetries: 15, powerStateChangeRetryIntervalMs: 100 },
  { logger, runCommand: recordingRun },
);

let bmc: IpmiSim;
let faulty: IpmiSim;
let target: BmcTarget;
let faultyTarget: BmcTarget;

beforeAll(async () => {
  [bmc, faulty] = await Promise.all([
    startIpmiSim({ username: 'admin', password: PASSWORD }),
    startIpmiSim({ username: 'admin', password: PASSWORD, extraCommands: [SEL_TEMPERATURE_CRITICAL] }),
  ]);
  target = { node: 'n1', address: bmc.address, port: bmc.port, username: 'admin', password: PASSWORD };
  faultyTarget = { ...target, node: 'n2', port: faulty.port };
});

afterAll(async () => {
  await Promise.all([bmc?.stop(), faulty?.stop()]);
});

describe('IPMI driver against ipmi_sim', () => {
  test('validate succeeds with good credentials', async () => {
    await drivers.power.validate(target);
    await drivers.bootDevice.validate(target);
  });

  test('power on, status, off, cycle', async () => {
    expect(await drivers.power.powerState(target)).toBe('off');
    await drivers.power.powerOn(target);
    expect(await drivers.power.powerState(target)).toBe('on');
    expect(bmc.chassis().power).toBe('on');
    await drivers.power.powerOn(target); // idempotent: no second request
    expect(bmc.chassis().events.filter((e) => / power 1$/.test(e))).toHaveLength(1);
    await drivers.power.powerOff(target);
    expect(bmc.chassis().power).toBe('off');
    await drivers.power.powerCycle(target);
    expect(bmc.chassis().power).toBe('on');
    const powerEvents = bmc
      .chassis()
      .events.map((e) => e.split(' ').slice(1).join(' '))
      .filter((e) => e.startsWith('power'));
    expect(powerEvents).toEqual(['power 1', 'power 0', 'power 1']);
    // cycle when already on: off then on
    await drivers.power.powerCycle(target);
    expect(
      bmc
        .chassis()
        .events.slice(-2)
        .map((e) => e.split(' ').slice(1).join(' ')),
    ).toEqual(['power 0', 'power 1']);
  });

  test('boot device pxe and disk', async () => {
    await drivers.bootDevice.setBootDevice(target, 'pxe');
    expect(bmc.chassis().boot).toBe('pxe');
    expect(await drivers.bootDevice.getBootDevice(target)).toBe('pxe');
    await drivers.bootDevice.setBootDevice(target, 'disk', { persistent: true });
    expect(await drivers.bootDevice.getBootDevice(target)).toBe('disk');
  });

  test('inventory: BMC firmware (mc info), FRU product data, power state, no alarms', async () => {
    const inv = await drivers.inventory.inventory(target);
    expect(inv).toMatchObject({ manufacturer: 'Drydock Emulated', model: 'DD-1000 IPMI', serialNumber: 'SIM0001', firmware: { bmc: '9.08' }, health: 'ok', alarms: [] });
    expect(inv.powerState).toMatch(/on|off/);
    expect(inv.unavailable).toEqual(['bios', 'pci', 'drives']);
  });

  test('inventory: SEL entries become alarms', async () => {
    const inv = await drivers.inventory.inventory(faultyTarget);
    expect(inv.alarms).toEqual([{ source: 'Temperature #0x30', message: 'Upper Critical going high (Assertion Event)', severity: 'critical' }]);
    expect(inv.health).toBe('critical');
  });

  test('a wrong password is an AuthenticationError naming node, BMC and operation', async () => {
    const err = await failure(drivers.power.powerState({ ...target, password: 'not-the-password' }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.transient).toBe(false);
    expect(err.message).toContain('node n1');
    expect(err.message).toContain(`${bmc.address}:${bmc.port}`);
    expect(err.message).toMatch(/power state/);
    expect(err.message).not.toContain('not-the-password');
  });

  test('a wrong user is an AuthenticationError too', async () => {
    const err = await failure(drivers.power.validate({ ...target, username: 'nobody' }));
    expect(err).toBeInstanceOf(AuthenticationError);
  });

  test('a dead BMC port fails transiently within the time bound', async () => {
    const port = await freeUdpPort();
    const started = Date.now();
    const err = await failure(drivers.power.powerOn({ ...target, node: 'dead', port }));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(new RegExp(`node dead at 127\\.0\\.0\\.1:${port}.*unreachable`));
    expect(elapsed).toBeLessThan(5000);
  });

  test('missing parameters fail permanently before any call', async () => {
    const err = await failure(drivers.power.validate({ ...target, address: '', password: '' }));
    expect(err.transient).toBe(false);
    expect(err.message).toMatch(/no BMC address.*no BMC credential/);
  });

  test('a BMC that accepts power changes but never applies them times out after bounded polling', async () => {
    faulty.setFault('ignore');
    const started = Date.now();
    const err = await failure(drivers.power.powerOn(faultyTarget));
    expect(err).toBeInstanceOf(PowerStateTimeoutError);
    expect(err.message).toMatch(/power on node n2 .*still off after 15 checks/);
    expect(Date.now() - started).toBeLessThan(5000);
    faulty.setFault(null);
  });

  test('a BMC failing every request gives a transient error', async () => {
    faulty.setFault('fail');
    const err = await failure(drivers.power.powerState(faultyTarget));
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(/Unspecified error/);
    faulty.setFault(null);
  });

  test('a stuck chassis control is cut off at the command time limit', async () => {
    faulty.setFault('stuck', 60);
    const started = Date.now();
    const err = await failure(drivers.power.powerOn(faultyTarget));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(/power on node n2 at 127\.0\.0\.1:\d+/);
    expect(elapsed).toBeLessThan(4000 + 1500);
  });

  // Last on purpose: everything the tests above logged or threw.
  test('no password in any log line or error message (clear or base64)', () => {
    expectNoSecret(PASSWORD, [...logger.lines, ...errors, ...argvSeen.map((a) => a.join(' '))]);
  });
});

describe('IPMI driver: an aborted call stops talking to the BMC at once', () => {
  let sim: IpmiSim;
  let t: BmcTarget;
  // Every ipmitool run: its command, whether the caller had already aborted when it was asked for, when it ended.
  const runs: { command: string; afterAbort: boolean; ended?: number; aborted?: boolean }[] = [];
  const countingRun: RunCommand = async (file, args, opts) => {
    const run: (typeof runs)[number] = { command: args.slice(args.indexOf('-v') + 1).join(' '), afterAbort: !!opts.signal?.aborted };
    runs.push(run);
    try {
      const r = await runCommand(file, args, opts);
      run.aborted = r.aborted;
      return r;
    } finally {
      run.ended = Date.now();
    }
  };
  // Polls for up to a minute, as Drydock's 18 x 10 s would for three minutes.
  const slow = createIpmiDrivers(
    { commandTimeoutMs: 8000, retransmitTimeoutSec: 2, retransmits: 2, powerStateChangeMaxRetries: 600, powerStateChangeRetryIntervalMs: 100 },
    { logger, runCommand: countingRun },
  );
  const until = async (cond: () => boolean) => {
    for (const end = Date.now() + 10_000; !cond(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error('condition not met in 10 s');
  };

  beforeAll(async () => {
    sim = await startIpmiSim({ username: 'admin', password: PASSWORD });
    t = { node: 'n3', address: sim.address, port: sim.port, username: 'admin', password: PASSWORD };
  });
  afterAll(() => sim?.stop());

  test('abort while a power cycle polls: the call rejects at once and no ipmitool runs after the abort', async () => {
    sim.setFault('ignore'); // accepts "power on" and never turns on: the cycle would poll for a minute
    const controller = new AbortController();
    const cycle = failure(slow.power.powerCycle(t, { signal: controller.signal }));
    await until(() => runs.filter((r) => r.command === 'chassis power status').length >= 5);
    const abortedAt = Date.now();
    controller.abort();
    const err = await cycle;
    const rejectedAfter = Date.now() - abortedAt;
    expect(err).toBeInstanceOf(CallAbortedError);
    expect(err.message).toMatch(/node n3 at 127\.0\.0\.1:\d+: stopped, the call was cancelled/);
    expect(rejectedAfter).toBeLessThan(500);
    expect(runs.map((r) => r.command)).toContain('chassis power on');
    await new Promise((r) => setTimeout(r, 1000)); // any straggler would show now
    expect(runs.filter((r) => r.afterAbort)).toEqual([]);
    expect(runs.every((r) => r.ended !== undefined && r.ended - abortedAt < 500)).toBe(true);
    // The BMC's own record: its one power request came before the abort.
    const powerEvents = sim.chassis().events.filter((e) => / power /.test(` ${e}`));
    expect(powerEvents).toHaveLength(1);
    expect(Number(powerEvents[0].split(' ')[0]) * 1000).toBeLessThan(abortedAt);
    sim.setFault(null);
  });

  test('abort while ipmitool waits on a stuck BMC: the child is killed at once, not at its time limit', async () => {
    sim.setFault('stuck', 30); // ipmi_sim stops answering while the power change hangs
    const controller = new AbortController();
    const on = failure(slow.power.powerOn(t, { signal: controller.signal }));
    await until(() => runs.some((r) => r.command === 'chassis power on' && r.ended === undefined));
    await new Promise((r) => setTimeout(r, 300));
    const abortedAt = Date.now();
    controller.abort();
    const err = await on;
    expect(err).toBeInstanceOf(CallAbortedError);
    expect(err.message).toMatch(/^power on node n3 at /);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    const killed = runs[runs.length - 1];
    expect(killed).toMatchObject({ command: 'chassis power on', aborted: true });
    expect(killed.ended! - abortedAt).toBeLessThan(500);
  });
});
