import { memoryLogger } from '../../common/logger';
import { CallAbortedError } from '../../drivers/abort';
import { AuthenticationError, PermanentDriverError, TransientDriverError } from '../../drivers/errors';
import { createOobDrivers } from '../../drivers/oob';
import { parseBootFlags } from '../../drivers/oob/ipmi';
import { CommandResult, runCommand, RunCommand, RunCommandOptions } from '../../drivers/oob/runCommand';
import type { BmcTarget, OobType } from '../../drivers/bmc';

// Driver logic without peers: a fake runCommand stands in for ipmitool.
const target: BmcTarget = { node: 'n7', address: '10.0.0.7', username: 'root', password: 'calvin-secret' };

function fakeIpmitool(answer: Partial<CommandResult> | Error) {
  const calls: { file: string; args: string[]; opts: RunCommandOptions }[] = [];
  const run: RunCommand = async (file, args, opts) => {
    calls.push({ file, args, opts });
    if (answer instanceof Error) throw answer;
    return { code: 0, stdout: '', stderr: '', timedOut: false, durationMs: 1, ...answer };
  };
  return { calls, run };
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
}

describe('createOobDrivers', () => {
  test('chooses the implementation from the oob type', () => {
    for (const type of ['ipmi', 'redfish'] as OobType[]) {
      const d = createOobDrivers(type, { logger: memoryLogger() });
      expect(Object.keys(d).sort()).toEqual(['bootDevice', 'inventory', 'power']);
    }
    expect(() => createOobDrivers('libvirt' as OobType, { logger: memoryLogger() })).toThrow(/unsupported OOB type libvirt/);
  });
});

describe('IPMI driver with a fake ipmitool', () => {
  test('password only in IPMI_PASSWORD (-E), cipher suite 3 and port 623 by default', async () => {
    const fake = fakeIpmitool({ stdout: 'Chassis Power is on\n' });
    const d = createOobDrivers('ipmi', { logger: memoryLogger(), runCommand: fake.run });
    expect(await d.power.powerState(target)).toBe('on');
    const { file, args, opts } = fake.calls[0];
    expect(file).toBe('ipmitool');
    expect(args.join(' ')).toMatch(/^-I lanplus -H 10\.0\.0\.7 -p 623 -U root -E -C 3 .* chassis power status$/);
    expect(args.join(' ')).not.toContain('calvin-secret');
    expect(opts.env).toEqual({ IPMI_PASSWORD: 'calvin-secret' });
  });

  test('cipher suite, port and time limit are configurable', async () => {
    const fake = fakeIpmitool({ stdout: 'Chassis Power is off\n' });
    const d = createOobDrivers('ipmi', { ipmi: { cipherSuite: 17, commandTimeoutMs: 1234 }, logger: memoryLogger(), runCommand: fake.run });
    await d.power.powerState({ ...target, port: 16001 });
    expect(fake.calls[0].args.join(' ')).toMatch(/-p 16001 .*-C 17/);
    expect(fake.calls[0].opts.timeoutMs).toBe(1234);
  });

  test.each([
    ['> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session', AuthenticationError, /rejected the credentials/],
    ['RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session', AuthenticationError, /rejected the credentials/],
    [
      'Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session',
      TransientDriverError,
      /unreachable/,
    ],
    ['Set Chassis Power Control to Up/On failed: Unspecified error', TransientDriverError, /Unspecified error/],
    ['Invalid completion code received: Invalid command\nSet Boot Device failed: Invalid data field in request', PermanentDriverError, /refused the request/],
  ])('classifies "%s"', async (stderr, type, message) => {
    const fake = fakeIpmitool({ code: 1, stderr });
    const d = createOobDrivers('ipmi', { logger: memoryLogger(), runCommand: fake.run });
    const err = await errorOf(d.power.powerState(target));
    expect(err).toBeInstanceOf(type);
    expect(err.message).toMatch(/^power state node n7 at 10\.0\.0\.7:623: /);
    expect(err.message).toMatch(message);
  });

  test('a killed ipmitool is a transient timeout', async () => {
    const fake = fakeIpmitool({ code: null, timedOut: true });
    const d = createOobDrivers('ipmi', { ipmi: { commandTimeoutMs: 500 }, logger: memoryLogger(), runCommand: fake.run });
    const err = await errorOf(d.power.powerOff(target));
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(/BMC did not answer within 500 ms/);
  });

  test('a missing ipmitool is permanent', async () => {
    const fake = fakeIpmitool(Object.assign(new Error('spawn ipmitool ENOENT'), { code: 'ENOENT' }));
    const d = createOobDrivers('ipmi', { logger: memoryLogger(), runCommand: fake.run });
    const err = await errorOf(d.power.validate(target));
    expect(err).toBeInstanceOf(PermanentDriverError);
    expect(err.message).toMatch(/ipmitool not found/);
  });

  test('an IPMI password over 20 bytes is refused before any call', async () => {
    const fake = fakeIpmitool({});
    const d = createOobDrivers('ipmi', { logger: memoryLogger(), runCommand: fake.run });
    const err = await errorOf(d.power.validate({ ...target, password: 'x'.repeat(21) }));
    expect(err.message).toMatch(/credential longer than 20 bytes/);
    expect(fake.calls).toHaveLength(0);
  });

  test('boot flags decode the selector even when the valid bit is clear (ipmi_sim)', () => {
    expect(parseBootFlags('Boot parameter data: 0004000000')).toBe('pxe');
    expect(parseBootFlags('Boot parameter data: 8008000000')).toBe('disk');
    expect(parseBootFlags('Boot parameter data: 0000000000')).toBe('none');
    expect(parseBootFlags('Boot parameter data: e014000000')).toBe('cdrom');
    expect(parseBootFlags('nothing')).toBeUndefined();
  });
});

describe('runCommand', () => {
  test('kills a child that runs past its limit', async () => {
    const started = Date.now();
    const r = await runCommand('sleep', ['10'], { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('passes extra environment without a shell', async () => {
    const r = await runCommand('sh', ['-c', 'printf %s "$IPMI_PASSWORD"'], { env: { IPMI_PASSWORD: 'a b;c' }, timeoutMs: 2000 });
    expect(r).toMatchObject({ code: 0, stdout: 'a b;c', timedOut: false });
  });

  test('an aborted signal kills the child at once', async () => {
    const controller = new AbortController();
    const running = runCommand('sleep', ['10'], { timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const r = await running;
    expect(r).toMatchObject({ aborted: true, timedOut: false, code: null });
    expect(r.durationMs).toBeLessThan(1000);
  });

  test('a signal aborted before the call starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runCommand('sh', ['-c', 'exit 7'], { timeoutMs: 2000, signal: controller.signal });
    expect(r).toMatchObject({ aborted: true, code: null, stdout: '', durationMs: 0 });
  });
});

describe('IPMI driver with a fake ipmitool: abort', () => {
  test('an aborted signal reaches ipmitool, and an aborted call starts no other', async () => {
    const controller = new AbortController();
    // ipmitool "killed" by the abort, as runCommand reports it.
    const fake = fakeIpmitool({ code: null, aborted: true });
    const d = createOobDrivers('ipmi', { logger: memoryLogger(), runCommand: fake.run });
    controller.abort();
    const err = await errorOf(d.power.powerCycle(target, { signal: controller.signal }));
    expect(err).toBeInstanceOf(CallAbortedError);
    expect(err.message).toBe('power state node n7 at 10.0.0.7:623: stopped, the call was cancelled');
    expect(fake.calls).toHaveLength(0);

    const live = new AbortController();
    await errorOf(d.power.powerState(target, { signal: live.signal }));
    expect(fake.calls[0].opts.signal).toBe(live.signal);
  });
});

describe('driver configuration', () => {
  test('undefined settings keep the defaults (cipher suite 3, port 623)', async () => {
    const fake = fakeIpmitool({ stdout: 'Chassis Power is on\n' });
    const d = createOobDrivers('ipmi', { ipmi: { cipherSuite: undefined, commandTimeoutMs: undefined }, logger: memoryLogger(), runCommand: fake.run });
    await d.power.powerState(target);
    expect(fake.calls[0].args.join(' ')).toMatch(/-p 623 .*-C 3 /);
    expect(fake.calls[0].opts.timeoutMs).toBe(20_000);
  });
});
