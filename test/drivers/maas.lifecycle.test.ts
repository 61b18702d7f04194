import { AuthenticationError, StateConflictError, TransientDriverError } from '../../drivers/errors';
import { memoryLogger } from '../../common/logger';
import { MaasClient } from '../../drivers/maas/maasClient';
import { MaasProvisioner } from '../../drivers/maas/provisioner';
import { MaasRequestError } from '../../drivers/maas/errors';
import { API_KEY, expectNoKey, startRig, waitForStatus, type MaasRig } from './maasHelpers';
import { failure } from '../harness/failure';

describe('MaaS provisioner lifecycle over HTTP against the emulator', () => {
  let rig: MaasRig;
  beforeAll(async () => {
    rig = await startRig({
      machines: [
        { hostname: 'odd-otter', realName: 'node01', power_type: 'ipmi', power_address: '172.16.0.11', mac_addresses: ['52:54:00:aa:00:01'] },
        { hostname: 'keen-koala', power_type: 'manual', mac_addresses: ['52:54:00:aa:00:02'] },
        { hostname: 'bad-commission', power_type: 'ipmi', power_address: '172.16.0.13' },
        { hostname: 'bad-deploy', power_type: 'redfish', power_address: '172.16.0.14', status: 'Ready' },
      ],
      faults: { failCommissioning: ['bad-commission'], failDeployment: ['bad-deploy'] },
    });
  });
  afterAll(async () => rig.emu.stop());

  it('validates MaaS services: version, auth, boot resources, rack controllers', async () => {
    const checks = await rig.provisioner.validateServices();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['connectivity', true],
      ['authentication', true],
      ['boot_resources', true],
      ['rack_controllers', true],
    ]);
    rig.emu.setFault({ importing: true, rackServiceDown: 'dhcpd' });
    try {
      const bad = await rig.provisioner.validateServices();
      expect(bad.filter((c) => !c.ok).map((c) => c.message)).toEqual([
        'MaaS is importing boot resources.',
        expect.stringContaining('dhcpd not running'),
        'No healthy rack controllers found.',
      ]);
    } finally {
      rig.emu.clearFaults();
      rig.emu.setFault({ failCommissioning: ['bad-commission'], failDeployment: ['bad-deploy'] });
    }
  });

  it('lists images and kernels for PlatformSelection', async () => {
    expect(await rig.provisioner.availableImages()).toEqual(['jammy', 'focal']);
    expect(await rig.provisioner.availableKernels('jammy')).toEqual(['ga-22.04', 'hwe-22.04']);
  });

  it('finds machines by power_address (ipmi) and by boot MAC (other OOB types), and identifies them', async () => {
    const byIpmi = await rig.provisioner.findMachine({ name: 'node01', oobType: 'ipmi', oobAddress: '172.16.0.11' });
    expect(byIpmi).toMatchObject({ hostname: 'odd-otter', statusName: 'New', rackController: false });
    const byMac = await rig.provisioner.findMachine({ name: 'node02', oobType: 'libvirt', bootMac: '52:54:00:AA:00:02' });
    expect(byMac?.hostname).toBe('keen-koala');
    expect(await rig.provisioner.findMachine({ name: 'ghost', oobType: 'ipmi', oobAddress: '10.9.9.9' })).toBeUndefined();

    const identified = await rig.provisioner.identifyNode(byIpmi!.systemId, { name: 'node01', oobType: 'ipmi', domain: 'site.example' });
    expect(identified).toMatchObject({ hostname: 'node01', domain: 'site.example' });
    // Once renamed, the hostname lookup finds it first; a second identify changes nothing.
    expect((await rig.provisioner.findMachine({ name: 'node01', oobType: 'ipmi', oobAddress: '1.1.1.1' }))?.systemId).toBe(byIpmi!.systemId);
    await rig.provisioner.identifyNode(byIpmi!.systemId, { name: 'node01', oobType: 'ipmi', domain: 'site.example' });
    expect(rig.emu.counters().machines.node01?.update).toBe(1);
  });

  it('nodes identified concurrently into a new domain all succeed (the losers of the create race find it made)', async () => {
    // The race is real: concurrent creates of one name, and MaaS refuses all but the first with a 400.
    const raw = await Promise.allSettled([1, 2, 3].map(() => rig.client.network.createDomain({ name: 'raw-race.example' })));
    expect(raw.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(raw.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(MaasRequestError), expect.any(MaasRequestError)]);

    const domains = await Promise.all([1, 2, 3, 4].map(() => rig.client.network.ensureDomain('race.example')));
    expect(new Set(domains.map((d) => d.id)).size).toBe(1);
    expect((await rig.client.network.domains()).filter((d) => d.name === 'race.example')).toHaveLength(1);
  });

  it('commissions once (idempotent), deploys, releases: New → Ready → Deployed → Ready', async () => {
    const m = rig.emu.machine('node01')!;
    expect(await rig.provisioner.startCommission(m.system_id)).toBe('started');
    expect(await rig.provisioner.startCommission(m.system_id)).toBe('already');
    expect(await waitForStatus(rig.provisioner, m.system_id, (s) => s === 'Ready')).toBe('Ready');
    expect(await rig.provisioner.startCommission(m.system_id)).toBe('already');

    expect(await rig.provisioner.startDeploy(m.system_id, { image: 'jammy', kernel: 'ga-22.04', userData: '#cloud-config\n{}', ownerData: { rack: 'r1' } })).toBe('started');
    expect(await rig.provisioner.startDeploy(m.system_id, { image: 'jammy' })).toBe('already');
    expect(await waitForStatus(rig.provisioner, m.system_id, (s) => s === 'Deployed' || s.startsWith('Failed'))).toBe('Deployed');
    expect(await rig.provisioner.startDeploy(m.system_id, { image: 'jammy' })).toBe('already');
    const deployed = rig.emu.machine('node01')!;
    expect(deployed).toMatchObject({ distro_series: 'jammy', hwe_kernel: 'ga-22.04', owner_data: { rack: 'r1' }, power_state: 'on' });

    expect(await rig.provisioner.startRelease(m.system_id)).toBe('started');
    expect(await waitForStatus(rig.provisioner, m.system_id, (s) => s === 'Ready' || s.startsWith('Failed'))).toBe('Ready');
    expect(await rig.provisioner.startRelease(m.system_id)).toBe('already');

    expect(rig.emu.counters().machines.node01).toMatchObject({ commission: 1, allocate: 1, deploy: 1, release: 1, set_workload_annotations: 1 });
    expect(await rig.provisioner.deleteMachine(m.system_id)).toBe('deleted');
    expect(await rig.provisioner.deleteMachine(m.system_id)).toBe('absent');
  });

  it('reports scripted failures as Failed* statuses', async () => {
    const c = rig.emu.machine('bad-commission')!;
    await rig.provisioner.startCommission(c.system_id);
    expect(await waitForStatus(rig.provisioner, c.system_id, (s) => s !== 'Commissioning' && s !== 'Testing')).toBe('Failed commissioning');
    const d = rig.emu.machine('bad-deploy')!;
    await rig.provisioner.startDeploy(d.system_id, { image: 'focal', kernel: 'hwe-20.04' });
    expect(await waitForStatus(rig.provisioner, d.system_id, (s) => s !== 'Deploying')).toBe('Failed deployment');
    // Like Drydock, networking releases a failed deployment first and asks to be retried.
    await expect(rig.provisioner.applyNetworking(d.system_id, { interfaces: [] })).rejects.toBeInstanceOf(TransientDriverError);
    expect(await waitForStatus(rig.provisioner, d.system_id, (s) => s === 'Ready')).toBe('Ready');
    expect(await rig.provisioner.applyNetworking(d.system_id, { interfaces: [] })).toEqual({ messages: [], successes: [] });
  });

  it('surfaces an illegal transition (deploy a New machine) as StateConflictError', async () => {
    const m = rig.emu.enlist({ hostname: 'fresh-ferret' });
    const err = await failure(rig.client.machines.deploy(m.system_id, { distroSeries: 'jammy' }));
    expect(err).toBeInstanceOf(StateConflictError);
    expect(String(err)).toContain("Can't deploy a machine that is in the 'New' state");
    await expect(rig.provisioner.startDeploy(m.system_id, {})).rejects.toThrow(/machine is New; cannot deploy/);
  });

  it('answers an unknown op with 400 as a permanent error', async () => {
    const err = await failure(rig.client.http.post('machines/', { op: 'frobnicate' }));
    expect(err).toBeInstanceOf(MaasRequestError);
    expect(String(err)).toContain('Unrecognised signature: method=POST op=frobnicate');
  });

  it('retries injected 503s, then succeeds', async () => {
    const before = rig.emu.counters();
    rig.emu.setFault({ failNext: 2 });
    const checks = await rig.provisioner.availableImages();
    expect(checks).toContain('jammy');
    const after = rig.emu.counters();
    expect(after.faultsInjected - before.faultsInjected).toBe(2);
    expect(after.requests.byRoute['GET boot-resources/']! - (before.requests.byRoute['GET boot-resources/'] ?? 0)).toBe(3);
  });

  it('gives up after the configured retries with a TransientDriverError', async () => {
    rig.emu.setFault({ failNext: 10 });
    try {
      const err = await failure(rig.provisioner.availableImages());
      expect(err).toBeInstanceOf(TransientDriverError);
      expect(String(err)).toContain('MAAS Error: 503');
    } finally {
      rig.emu.setFault({ failNext: 0 });
    }
  });

  it('reports a bad API key as AuthenticationError without revealing the key', async () => {
    const logger = memoryLogger();
    const badKey = 'ConsumerKeyXyz:TokenKeyAbc123:WrongSecretZzz';
    const provisioner = new MaasProvisioner(new MaasClient({ apiUrl: rig.emu.url, apiKey: badKey }, logger), logger);
    const err = await failure(provisioner.findMachine({ name: 'x', oobType: 'ipmi', oobAddress: '1.2.3.4' }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toContain('MaaS API authentication failed');
    for (const secret of [badKey, 'WrongSecretZzz', 'TokenKeyAbc123']) expect(err.message).not.toContain(secret);
    const checks = await provisioner.validateServices();
    expect(checks.find((c) => c.name === 'authentication')).toMatchObject({ ok: false, message: expect.stringContaining('MaaS API authentication failed') });
    expect(logger.lines.join('\n')).not.toContain('WrongSecretZzz');
  });

  it('never writes the API key to a log line', () => {
    expect(rig.logs.length).toBeGreaterThan(10);
    expectNoKey(rig.logs.join('\n'));
  });

  it('exposes counters over the control HTTP API', async () => {
    const res = await fetch(`${rig.emu.url}/emulator/counters`);
    const body = (await res.json()) as { machines: Record<string, Record<string, number>> };
    expect(body.machines['bad-commission']).toEqual({ commission: 1 });
    expect(API_KEY).toBeTruthy();
  });
});
