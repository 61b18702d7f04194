/**
 * DRYDOCK_BMC_ENDPOINTS: a BMC whose design address is not where it listens (a lab port, the simulator's
 * loopback BMCs) is reached at its endpoint by ipmitool (-H/-p) and by Redfish, while every message keeps
 * naming the design address. Real ipmi_sim and Redfish emulator on loopback; the design says 172.16.100.x.
 */
import { formatBmcEndpoints, parseBmcEndpoints, type BmcEndpoints } from '../../common/bmcEndpoints';
import { driverConfigFromEnv } from '../../common/driverConfig';
import { memoryLogger } from '../../common/logger';
import type { BmcTarget } from '../../drivers/bmc';
import { AuthenticationError } from '../../drivers/errors';
import { createOobDrivers } from '../../drivers/oob';
import { runCommand, type RunCommand } from '../../drivers/oob/runCommand';
import { startIpmiSim, type IpmiSim } from '../../emulators/bmc/ipmiSim';
import { startRedfishEmulator, type RedfishEmulator } from '../../emulators/redfish/server';

const PASSWORD = 'Endp0int-secret';
const IPMI_ADDRESS = '172.16.100.20';
const REDFISH_ADDRESS = '172.16.100.21';

describe('the DRYDOCK_BMC_ENDPOINTS setting', () => {
  test('values are "host:port", "host", "[v6]:port" or a port on the design address; the JSON round-trips', () => {
    const map = parseBmcEndpoints(JSON.stringify({ '10.0.0.1': '127.0.0.1:6230', '10.0.0.2': 'bmc2.lab', '10.0.0.3': 16230, '10.0.0.4': '[::1]:8443' }));
    expect(map).toEqual({
      '10.0.0.1': { host: '127.0.0.1', port: 6230 },
      '10.0.0.2': { host: 'bmc2.lab' },
      '10.0.0.3': { host: '10.0.0.3', port: 16230 },
      '10.0.0.4': { host: '::1', port: 8443 },
    });
    expect(parseBmcEndpoints(formatBmcEndpoints(map))).toEqual(map);
    expect(parseBmcEndpoints(undefined)).toEqual({});
  });

  test('unset in production: no BMC is redirected; a bad value or the old DRYDOCK_BMC_PORTS is named, not ignored', () => {
    expect(driverConfigFromEnv({}).bmcEndpoints).toEqual({});
    expect(driverConfigFromEnv({ DRYDOCK_BMC_ENDPOINTS: '{"172.16.100.20":"127.0.0.1:6230"}' }).bmcEndpoints).toEqual({ '172.16.100.20': { host: '127.0.0.1', port: 6230 } });
    expect(() => driverConfigFromEnv({ DRYDOCK_BMC_ENDPOINTS: '{"172.16.100.20":"127.0.0.1:99999"}' })).toThrow(
      'invalid driver configuration: DRYDOCK_BMC_ENDPOINTS: entry for 172.16.100.20 must be "host:port", "host" or a port number',
    );
    expect(() => driverConfigFromEnv({ DRYDOCK_BMC_ENDPOINTS: '[1]' })).toThrow('DRYDOCK_BMC_ENDPOINTS: must be a JSON object');
    expect(() => driverConfigFromEnv({ DRYDOCK_BMC_PORTS: '{"127.0.0.1":6230}' })).toThrow('DRYDOCK_BMC_PORTS is now DRYDOCK_BMC_ENDPOINTS');
  });
});

describe('drivers reach a BMC through its endpoint and name its design address', () => {
  let ipmi: IpmiSim;
  let redfish: RedfishEmulator;
  let endpoints: BmcEndpoints;
  const argv: string[][] = [];
  const recording: RunCommand = (file, args, opts) => {
    argv.push(args);
    return runCommand(file, args, opts);
  };
  const target = (address: string, password = PASSWORD): BmcTarget => ({ node: 'n1', address, username: 'admin', password });
  const drivers = () =>
    createOobDrivers('ipmi', {
      logger: memoryLogger(),
      runCommand: recording,
      ipmi: { endpoints, commandTimeoutMs: 4000, retransmitTimeoutSec: 1, retransmits: 1, powerStateChangeRetryIntervalMs: 100 },
    });
  const redfishDrivers = () => createOobDrivers('redfish', { logger: memoryLogger(), redfish: { endpoints, useSsl: false, powerStateChangeRetryIntervalMs: 50 } });

  beforeAll(async () => {
    [ipmi, redfish] = await Promise.all([
      startIpmiSim({ username: 'admin', password: PASSWORD }),
      startRedfishEmulator({ username: 'admin', password: PASSWORD, powerTransitionMs: 100, initialPowerState: 'Off' }),
    ]);
    endpoints = { [IPMI_ADDRESS]: { host: ipmi.address, port: ipmi.port }, [REDFISH_ADDRESS]: { host: redfish.address, port: redfish.port } };
  });
  afterAll(async () => {
    await Promise.all([ipmi?.stop(), redfish?.stop()]);
  });

  test('IPMI: ipmitool -H/-p get the endpoint; power on works; a wrong password names the design address', async () => {
    const d = drivers();
    await d.power.powerOn(target(IPMI_ADDRESS));
    expect(await d.power.powerState(target(IPMI_ADDRESS))).toBe('on');
    expect(ipmi.chassis().power).toBe('on');
    const last = argv[argv.length - 1]!;
    expect(last[last.indexOf('-H') + 1]).toBe(ipmi.address);
    expect(last[last.indexOf('-p') + 1]).toBe(String(ipmi.port));
    expect(argv.flat()).not.toContain(IPMI_ADDRESS);

    const err = await d.power.powerState(target(IPMI_ADDRESS, 'wrong-password')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain(`node n1 at ${IPMI_ADDRESS} (reached at ${ipmi.address}:${ipmi.port}): BMC rejected the credentials`);
  });

  test('Redfish: requests go to the endpoint (session, reset, logout); a wrong password names the design address', async () => {
    const d = redfishDrivers();
    await d.power.powerOn(target(REDFISH_ADDRESS));
    expect(redfish.powerState()).toBe('On');
    await d.bootDevice.setBootDevice(target(REDFISH_ADDRESS), 'pxe');
    expect(redfish.bootOverride().target).toBe('Pxe');

    const err = await d.power.powerState(target(REDFISH_ADDRESS, 'wrong-password')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain(`node n1 at http://${REDFISH_ADDRESS} (reached at ${redfish.address}:${redfish.port}): BMC rejected the credentials`);
  });
});
