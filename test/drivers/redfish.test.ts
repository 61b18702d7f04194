import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fetch, { Response } from 'node-fetch';
import { memoryLogger } from '../../common/logger';
import { freeTcpPort } from '../../common/ports';
import { CallAbortedError } from '../../drivers/abort';
import { AuthenticationError, DriverError, PermanentDriverError, TransientDriverError } from '../../drivers/errors';
import { createOobDrivers } from '../../drivers/oob';
import { PowerStateTimeoutError } from '../../drivers/oob/power';
import type { Fetch } from '../../drivers/oob/redfishClient';
import type { BmcTarget, OobDrivers } from '../../drivers/bmc';
import { RedfishEmulator, startRedfishEmulator } from '../../emulators/redfish/server';
import { expectNoSecret } from './secrets';

const PASSWORD = 'Redfish-pa55word!';
const logger = memoryLogger();
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

const config = { useSsl: false, requestTimeoutMs: 1000, powerStateChangeMaxRetries: 30, powerStateChangeRetryIntervalMs: 50 };
const drivers: OobDrivers = createOobDrivers('redfish', { redfish: config, logger });

let bmc: RedfishEmulator; // with SessionService
let basicOnly: RedfishEmulator; // without, like sushy-tools
const targetOf = (e: RedfishEmulator, node: string): BmcTarget => ({ node, address: e.address, port: e.port, username: 'admin', password: PASSWORD });

beforeAll(async () => {
  [bmc, basicOnly] = await Promise.all([
    startRedfishEmulator({ username: 'admin', password: PASSWORD, powerTransitionMs: 300 }),
    startRedfishEmulator({ username: 'admin', password: PASSWORD, sessions: false, systemId: 'node2-uuid', initialPowerState: 'On' }),
  ]);
});

afterAll(async () => {
  await Promise.all([bmc?.stop(), basicOnly?.stop()]);
});

afterEach(() => {
  bmc.setFault(null);
  basicOnly.setFault(null);
});

describe('Redfish driver against the project emulator', () => {
  test('power on, off and cycle with sessions, each session deleted afterwards', async () => {
    const t = targetOf(bmc, 'n1');
    await drivers.power.validate(t);
    expect(await drivers.power.powerState(t)).toBe('off');
    await drivers.power.powerOn(t);
    expect(bmc.powerState()).toBe('On');
    await drivers.power.powerOn(t); // no-op
    expect(bmc.counters().resetsByType).toEqual({ On: 1 });
    await drivers.power.powerOff(t);
    expect(bmc.powerState()).toBe('Off');
    await drivers.power.powerCycle(t);
    expect(bmc.powerState()).toBe('On');
    const c = bmc.counters();
    expect(c.resetsByType).toEqual({ On: 2, ForceOff: 1 });
    expect(c.sessionsCreated).toBeGreaterThan(0);
    expect(c.sessionsDeleted).toBe(c.sessionsCreated);
    expect(c.activeSessions).toBe(0);
  });

  test('boot override pxe (Once) and disk (Continuous)', async () => {
    const t = targetOf(bmc, 'n1');
    await drivers.bootDevice.setBootDevice(t, 'pxe');
    expect(bmc.bootOverride()).toEqual({ enabled: 'Once', target: 'Pxe' });
    expect(await drivers.bootDevice.getBootDevice(t)).toBe('pxe');
    await drivers.bootDevice.setBootDevice(t, 'disk', { persistent: true });
    expect(bmc.bootOverride()).toEqual({ enabled: 'Continuous', target: 'Hdd' });
    expect(await drivers.bootDevice.getBootDevice(t)).toBe('disk');
  });

  test('inventory: firmware, drives, PCIe devices, health', async () => {
    const inv = await drivers.inventory.inventory(targetOf(bmc, 'n1'));
    expect(inv.firmware).toEqual({ bios: 'U30 v2.60', bmc: '2.80' });
    expect(inv.drives.map((d) => d.model)).toEqual(['EMU SSD 480G', 'EMU HDD 2T']);
    expect(inv.pciDevices.map((d) => d.id)).toEqual(['NIC1', 'RAID1']);
    expect(inv.health).toBe('ok');
    expect(inv.manufacturer).toBe('Drydock Emulated');
    // ProcessorSummary and MemorySummary of the ComputerSystem.
    expect([inv.cpuCount, inv.cpuCores, inv.memoryBytes]).toEqual([2, 32, 256 * 2 ** 30]);
  });

  test('a BIOS flashed behind the client (the emulator control API): the next inventory reads the new version', async () => {
    const e = await startRedfishEmulator({ username: 'admin', password: PASSWORD });
    try {
      const res = await fetch(`${e.url}/emulator/hardware`, { method: 'POST', body: JSON.stringify({ biosVersion: 'U30 v2.72', totalMemoryGiB: 191.5 }) });
      expect(res.status).toBe(204);
      const inv = await drivers.inventory.inventory(targetOf(e, 'n9'));
      expect([inv.firmware.bios, inv.memoryBytes]).toEqual(['U30 v2.72', 191.5 * 2 ** 30]);
    } finally {
      await e.stop();
    }
  });

  test('falls back to Basic auth when the service has no sessions', async () => {
    const t = targetOf(basicOnly, 'n2');
    expect(await drivers.power.powerState(t)).toBe('on');
    await drivers.power.powerOff(t);
    expect(basicOnly.powerState()).toBe('Off');
    expect(basicOnly.counters().sessionsCreated).toBe(0);
  });

  test('a wrong password is an AuthenticationError naming node, BMC and operation', async () => {
    const err = await failure(drivers.power.powerState({ ...targetOf(bmc, 'n1'), password: 'wrong-password' }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toMatch(new RegExp(`^power state node n1 at http://127\\.0\\.0\\.1:${bmc.port}: BMC rejected the credentials`));
    const basic = await failure(drivers.power.powerState({ ...targetOf(basicOnly, 'n2'), password: 'wrong-password' }));
    expect(basic).toBeInstanceOf(AuthenticationError);
  });

  test('5xx is transient; after the fault clears the call works', async () => {
    const t = targetOf(bmc, 'n1');
    bmc.setFault({ failNext: 1, errorStatus: 503 });
    const err = await failure(drivers.power.powerState(t));
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(/GET \/redfish\/v1\/ answered 503 \(injected fault\)/);
    expect(await drivers.power.powerState(t)).toMatch(/on|off/);
  });

  test('a slow BMC hits the per-request timeout (transient, bounded)', async () => {
    bmc.setFault({ latencyMs: 3000 });
    const started = Date.now();
    const err = await failure(drivers.power.powerState(targetOf(bmc, 'n1')));
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(/no answer within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a power action that never completes fails after bounded polling', async () => {
    const t = targetOf(bmc, 'n1');
    await drivers.power.powerOn(t);
    bmc.setFault({ powerNeverCompletes: true });
    const started = Date.now();
    const err = await failure(drivers.power.powerOff(t));
    expect(err).toBeInstanceOf(PowerStateTimeoutError);
    expect(err.message).toMatch(/power off node n1 .* still on after 30 checks 50 ms apart; expected off/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('nothing listening: transient connection error', async () => {
    const port = await freeTcpPort();
    const err = await failure(drivers.power.powerState({ ...targetOf(bmc, 'dead'), port }));
    expect(err).toBeInstanceOf(TransientDriverError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  test('a BMC with no system at the expected place fails permanently', async () => {
    // The emulator always has one system; an injected fetch answers the Systems collection empty.
    const emptySystems: Fetch = async (url, init) => (String(url).endsWith('/Systems') ? new Response('{"Members":[]}', { status: 200 }) : fetch(url, init));
    const stub = createOobDrivers('redfish', { redfish: config, logger, fetch: emptySystems });
    const err = await failure(stub.power.powerState(targetOf(bmc, 'n1')));
    expect(err).toBeInstanceOf(PermanentDriverError);
    expect(err.message).toMatch(/expected exactly one system in \/redfish\/v1\/Systems, found 0/);
  });

  test('counters endpoint is served over HTTP', async () => {
    const res = await fetch(`${bmc.url}/emulator/counters`);
    const body = (await res.json()) as { resets: number };
    expect(body.resets).toBeGreaterThan(0);
    const set = await fetch(`${bmc.url}/emulator/faults`, { method: 'POST', body: JSON.stringify({ failNext: 1 }) });
    expect(set.status).toBe(204);
    expect((await fetch(`${bmc.url}/redfish/v1/`)).status).toBe(503);
  });
});

describe('Redfish driver: an aborted call stops talking to the BMC at once', () => {
  let slowBmc: RedfishEmulator; // power changes take a minute: a cycle polls all along
  let controller: AbortController;
  // Every request the driver sends, and whether the caller had aborted by then; `onSend` lets a test act mid-call.
  const sent: { method: string; path: string; afterAbort: boolean }[] = [];
  let onSend: (method: string, path: string) => void = () => {};
  const countingFetch: Fetch = (url, init) => {
    const method = init?.method ?? 'GET';
    const path = new URL(String(url)).pathname;
    sent.push({ method, path, afterAbort: controller.signal.aborted });
    onSend(method, path);
    return fetch(url, init);
  };
  const slow = createOobDrivers('redfish', {
    redfish: { useSsl: false, requestTimeoutMs: 10_000, powerStateChangeMaxRetries: 1200, powerStateChangeRetryIntervalMs: 50 },
    logger,
    fetch: countingFetch,
  });
  const requestsSettled = async () => {
    // The emulator's count no longer moves: nothing is still arriving.
    for (let last = -1; last !== slowBmc.counters().requests; await new Promise((r) => setTimeout(r, 300))) last = slowBmc.counters().requests;
    return slowBmc.counters();
  };

  beforeAll(async () => {
    slowBmc = await startRedfishEmulator({ username: 'admin', password: PASSWORD, powerTransitionMs: 60_000 });
  });
  afterAll(() => slowBmc?.stop());
  beforeEach(() => {
    controller = new AbortController();
    sent.length = 0;
    onSend = () => {};
  });

  test('abort while a power cycle polls: rejects at once; after the abort only the session logout is sent', async () => {
    const t = targetOf(slowBmc, 'n7');
    let systemReads = 0;
    let abortedAt = 0;
    // Abort as the fifth power state poll asks for the system: mid-session, with a session to log out of.
    onSend = (method, path) => {
      if (method === 'GET' && path.endsWith(`/Systems/${slowBmc.systemId}`) && ++systemReads === 5) {
        setImmediate(() => {
          abortedAt = Date.now();
          controller.abort();
        });
      }
    };
    const err = await failure(slow.power.powerCycle(t, { signal: controller.signal }));
    const rejectedAfter = Date.now() - abortedAt;
    expect(err).toBeInstanceOf(CallAbortedError);
    expect(err.message).toMatch(/node n7 at http:\/\/127\.0\.0\.1:\d+: stopped, the call was cancelled/);
    expect(rejectedAfter).toBeLessThan(300);
    expect(slowBmc.counters().resetsByType).toEqual({ On: 1 });
    const after = sent.filter((r) => r.afterAbort);
    expect(after.every((r) => r.method === 'DELETE' && r.path.includes('/Sessions/'))).toBe(true);
    expect(after.length).toBeLessThanOrEqual(1);
    const settled = await requestsSettled();
    expect(settled.activeSessions).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(slowBmc.counters().requests).toBe(settled.requests);
    expect(sent.filter((r) => r.afterAbort)).toEqual(after);
  });

  test('a request the BMC is slow to answer is dropped at the abort, not at its time limit', async () => {
    const t = targetOf(slowBmc, 'n7');
    slowBmc.setFault({ latencyMs: 5000 });
    try {
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const err = await failure(slow.power.powerState(t, { signal: controller.signal }));
      expect(err).toBeInstanceOf(CallAbortedError);
      expect(Date.now() - started).toBeLessThan(600);
      expect(sent).toEqual([{ method: 'GET', path: '/redfish/v1/', afterAbort: false }]);
    } finally {
      slowBmc.setFault(null);
    }
  });

  test('abort while the session login is in flight: the caller sees the abort at once, the session is still logged out', async () => {
    const t = targetOf(slowBmc, 'n7');
    // The BMC creates the session, then answers late: the abort lands between the two.
    onSend = (method, path) => {
      if (method === 'POST' && path.includes('/Sessions')) {
        slowBmc.setFault({ latencyMs: 1000 });
        setTimeout(() => controller.abort(), 200);
      }
    };
    try {
      const started = Date.now();
      const err = await failure(slow.power.powerState(t, { signal: controller.signal }));
      expect(err).toBeInstanceOf(CallAbortedError);
      expect(Date.now() - started).toBeLessThan(800);
    } finally {
      slowBmc.setFault(null);
    }
    // The login ends a second later; its session is then logged out (a dropped login would leave it open).
    for (const end = Date.now() + 5000; !sent.some((r) => r.method === 'DELETE') && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    const settled = await requestsSettled();
    expect(settled.activeSessions).toBe(0);
    expect(sent.filter((r) => r.afterAbort)).toEqual([{ method: 'DELETE', path: expect.stringContaining('/Sessions/'), afterAbort: true }]);
  });

  test('a signal aborted before the call sends nothing', async () => {
    controller.abort();
    for (const call of [
      slow.power.powerOff(targetOf(slowBmc, 'n7'), { signal: controller.signal }),
      slow.bootDevice.setBootDevice(targetOf(slowBmc, 'n7'), 'pxe', { signal: controller.signal }),
      slow.inventory.inventory(targetOf(slowBmc, 'n7'), { signal: controller.signal }),
    ]) {
      expect(await failure(call)).toBeInstanceOf(CallAbortedError);
    }
    expect(sent).toEqual([]);
  });

  test('an abort during the inventory fails it as a whole, not as a partial inventory', async () => {
    onSend = (method, path) => {
      if (path.includes('/Storage')) controller.abort();
    };
    const err = await failure(slow.inventory.inventory(targetOf(slowBmc, 'n7'), { signal: controller.signal }));
    expect(err).toBeInstanceOf(CallAbortedError);
    expect(err.message).toMatch(/^inventory node n7 /);
  });
});

describe('Redfish over TLS', () => {
  let tlsBmc: RedfishEmulator;
  beforeAll(async () => {
    tlsBmc = await startRedfishEmulator({ username: 'admin', password: PASSWORD, tls: selfSignedCertificate() });
  });
  afterAll(() => tlsBmc?.stop());

  test('a self-signed certificate is refused unless verification is skipped', async () => {
    const t = targetOf(tlsBmc, 'tls1');
    const strict = createOobDrivers('redfish', { redfish: { ...config, useSsl: true }, logger });
    const err = await failure(strict.power.powerState(t));
    expect(err).toBeInstanceOf(PermanentDriverError);
    expect(err.message).toMatch(/^power state node tls1 at https:\/\/127\.0\.0\.1:\d+: TLS certificate not trusted/);
    const lab = createOobDrivers('redfish', { redfish: { ...config, useSsl: true, insecureSkipVerify: true }, logger });
    expect(await lab.power.powerState(t)).toBe('off');
  });
});

describe('Redfish emulator reset types', () => {
  test('GracefulShutdown, PushPowerButton, ForceRestart and an unknown type', async () => {
    const e = await startRedfishEmulator({ username: 'u', password: 'p-emu', powerTransitionMs: 50, initialPowerState: 'On' });
    const reset = (ResetType: string) =>
      fetch(`${e.url}/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset`, {
        method: 'POST',
        body: JSON.stringify({ ResetType }),
        headers: { Authorization: `Basic ${Buffer.from('u:p-emu').toString('base64')}` },
      });
    const settled = () => new Promise((r) => setTimeout(r, 80));
    try {
      expect((await reset('GracefulShutdown')).status).toBe(204);
      expect(e.powerState()).toBe('PoweringOff');
      await settled();
      expect(e.powerState()).toBe('Off');
      await reset('PushPowerButton');
      await settled();
      expect(e.powerState()).toBe('On');
      await reset('ForceRestart');
      expect(e.powerState()).toBe('PoweringOn');
      await settled();
      expect(e.powerState()).toBe('On');
      expect((await reset('Nmi')).status).toBe(400);
      expect(e.counters().resetsByType).toEqual({ GracefulShutdown: 1, PushPowerButton: 1, ForceRestart: 1 });
    } finally {
      await e.stop();
    }
  });
});

// Last on purpose: everything the tests above logged or threw.
test('no password in any log line or error message (clear or base64)', () => {
  expectNoSecret(PASSWORD, [...logger.lines, ...errors]);
});

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redfish-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
