import { PermanentDriverError } from '../../drivers/errors';
import { calculateBytes, NotEnoughStorageError } from '../../drivers/maas/sizes';
import { kernelParamString } from '../../design';
import { oauthPlaintextHeader, parseApiKey } from '../../drivers/maas/oauth';
import type { NetworkTemplatePlan, NodeNetworkPlan, NodeStoragePlan } from '../../drivers/provisioner';
import { expectNoKey, startRig, waitForStatus, type MaasRig } from './maasHelpers';
import { failure } from '../harness/failure';

const GB = 1e9;

describe('calculateBytes (Drydock units)', () => {
  const ctx = { size: 100 * GB, availableSize: 80 * GB };
  it.each([
    ['10g', 10e9],
    ['10gb', 10e9],
    ['300m', 300e6],
    ['1t', NaN],
    ['2gi', 2 * 2 ** 30],
    ['512MiB', 512 * 2 ** 20],
    ['10%', 10 * GB],
    ['>20g', 80 * GB - 4 * 2 ** 20],
  ])('%s', (spec, bytes) => {
    if (Number.isNaN(bytes)) expect(() => calculateBytes(spec, ctx)).toThrow(NotEnoughStorageError);
    else expect(calculateBytes(spec, ctx)).toBe(bytes);
  });
  it('rejects nonsense', () => expect(() => calculateBytes('ten gigs', ctx)).toThrow(/Invalid size/));
});

describe('kernel parameter string', () => {
  it('puts hugepages first and writes True-valued flags bare', () => {
    expect(kernelParamString({ console: 'ttyS1,115200', hugepages: '512', intel_iommu: 'on', hugepagesz: '1G', nomodeset: 'True' })).toBe(
      'hugepagesz=1G hugepages=512 console=ttyS1,115200 intel_iommu=on nomodeset',
    );
  });
});

describe('OAuth PLAINTEXT header', () => {
  it("has MaaS's exact parameter set with a fresh nonce per request", () => {
    const key = parseApiKey('ck:tk:se cret');
    const a = oauthPlaintextHeader(key, () => 1700000000000);
    expect(a).toMatch(
      /^OAuth realm="OAuth", oauth_nonce="[0-9a-f]{32}", oauth_timestamp="1700000000", oauth_version="1.0", oauth_signature_method="PLAINTEXT", oauth_consumer_key="ck", oauth_token="tk", oauth_signature="%26se%2520cret"$/,
    );
    expect(oauthPlaintextHeader(key)).not.toEqual(oauthPlaintextHeader(key));
  });
});

describe('MaaS provisioner configuration steps against the emulator', () => {
  let rig: MaasRig;
  let systemId: string;

  beforeAll(async () => {
    rig = await startRig({
      machines: [
        {
          hostname: 'node10',
          status: 'Ready',
          interfaces: [
            { name: 'eno1', mac_address: '52:54:00:00:10:01' },
            { name: 'enp1', mac_address: '52:54:00:00:10:02' },
            { name: 'enp2', mac_address: '52:54:00:00:10:03' },
          ],
          block_devices: [
            { name: 'sda', size: 480 * GB },
            { name: 'sdb', size: 960 * GB },
          ],
        },
      ],
      rackControllers: [{ hostname: 'rack-01' }],
    });
    systemId = rig.emu.machine('node10')!.system_id;
  });
  afterAll(async () => rig.emu.stop());

  const template: NetworkTemplatePlan = {
    links: [
      {
        name: 'pxe-rack1',
        mtu: 1500,
        networks: [
          {
            name: 'pxe',
            cidr: '172.16.0.0/24',
            dnsDomain: 'site.example',
            dnsServers: ['172.16.0.10'],
            ranges: [
              { type: 'dhcp', start: '172.16.0.100', end: '172.16.0.200' },
              { type: 'static', start: '172.16.0.10', end: '172.16.0.90' },
            ],
            routes: [{ subnet: '0.0.0.0/0', gateway: '172.16.0.1' }],
          },
        ],
      },
      {
        name: 'gp',
        mtu: 9000,
        networks: [
          { name: 'mgmt', cidr: '172.16.1.0/24', vlan: 100, mtu: 1500, ranges: [{ type: 'reserved', start: '172.16.1.1', end: '172.16.1.10' }], routes: [] },
          { name: 'storage', cidr: '172.16.2.0/24', vlan: 200, mtu: 9000, ranges: [], routes: [{ subnet: '172.16.1.0/24', gateway: '172.16.2.1', metric: 50 }] },
        ],
      },
    ],
  };

  it('creates the network template (fabrics, VLANs, subnets, ranges, routes, DHCP) and converges on rerun', async () => {
    // MaaS self-discovers the rack controller's own subnet on fabric-0; Drydock renames that fabric.
    await rig.client.network.createSubnet({ cidr: '172.16.0.0/24' });
    const report = await rig.provisioner.createNetworkTemplate(template);
    expect(report.successes?.sort()).toEqual(['mgmt', 'pxe', 'storage']);
    expect(report.failures).toEqual([]);
    const fabrics = await rig.client.network.fabrics();
    const gp = fabrics.find((f) => f.name === 'gp')!;
    const pxe = fabrics.find((f) => f.name === 'pxe-rack1')!;
    expect(fabrics.map((f) => f.name).sort()).toEqual(['gp', 'pxe-rack1']);
    const rack = (await rig.client.region.rackControllers())[0]!;
    expect(pxe.vlans.find((v) => v.vid === 0)).toMatchObject({ dhcp_on: true, primary_rack: rack.system_id });
    expect(gp.vlans.map((v) => [v.vid, v.mtu]).sort()).toEqual([
      [0, 9000],
      [100, 1500],
      [200, 9000],
    ]);
    const subnets = await rig.client.network.subnets();
    expect(subnets.find((s) => s.cidr === '172.16.0.0/24')).toMatchObject({ name: 'pxe', gateway_ip: '172.16.0.1', dns_servers: ['172.16.0.10'] });
    const ranges = await rig.client.network.ipRanges();
    expect(ranges.map((r) => [r.type, r.start_ip, r.comment])).toEqual([
      ['dynamic', '172.16.0.100', 'Configured by Drydock'],
      ['reserved', '172.16.1.1', 'Configured by Drydock'],
    ]);
    expect((await rig.client.network.staticRoutes()).map((r) => [r.source.cidr, r.destination.cidr, r.gateway_ip, r.metric])).toEqual([
      ['172.16.2.0/24', '172.16.1.0/24', '172.16.2.1', 50],
    ]);
    expect((await rig.client.network.domains()).map((d) => d.name)).toContain('site.example');

    const again = await rig.provisioner.createNetworkTemplate(template);
    expect(again.failures).toEqual([]);
    expect((await rig.client.network.fabrics()).length).toBe(fabrics.length);
    expect((await rig.client.network.ipRanges()).length).toBe(2);
    expect((await rig.client.network.staticRoutes()).length).toBe(1);
  });

  it('two tasks templating one MaaS at once both converge on one template', async () => {
    // Each looks fabrics and subnets up before creating them; answers slowed so both look before either creates.
    const fresh = await startRig({ rackControllers: [{ hostname: 'rack-01' }], faults: { latencyMs: 30 } });
    try {
      await fresh.client.network.createSubnet({ cidr: '172.16.0.0/24' }); // the rack controller's own, as above
      const [a, b] = await Promise.all([fresh.provisioner.createNetworkTemplate(template), fresh.provisioner.createNetworkTemplate(template)]);
      for (const r of [a, b]) expect([r.failures, r.successes?.sort()]).toEqual([[], ['mgmt', 'pxe', 'storage']]);
      expect([a, b].flatMap((r) => r.messages ?? []).filter((m) => m.startsWith('Another task created'))).toEqual([expect.stringContaining('already exists')]);
      expect((await fresh.client.network.fabrics()).map((f) => f.name).sort()).toEqual(['gp', 'pxe-rack1']);
      expect((await fresh.client.network.subnets()).map((s) => s.cidr).sort()).toEqual(['172.16.0.0/24', '172.16.1.0/24', '172.16.2.0/24']);
    } finally {
      await fresh.emu.stop();
    }
  });

  const network: NodeNetworkPlan = {
    interfaces: [
      {
        name: 'pxe',
        link: 'pxe-rack1',
        slaves: ['eno1'],
        networks: [{ name: 'pxe', cidr: '172.16.0.0/24', native: true, mode: 'static', ip: '172.16.0.21', defaultGateway: true }],
      },
      {
        name: 'bond0',
        link: 'gp',
        mtu: 9000,
        slaves: ['enp1', '52:54:00:00:10:03'],
        bonding: { mode: '802.3ad', miimon: 100, lacpRate: 'fast', xmitHashPolicy: 'layer3+4' },
        networks: [
          { name: 'mgmt', cidr: '172.16.1.0/24', vlan: 100, mtu: 1500, native: false, mode: 'dhcp', defaultGateway: false },
          { name: 'storage', cidr: '172.16.2.0/24', vlan: 200, native: false, mode: 'link_up', defaultGateway: false },
        ],
      },
    ],
  };

  it('applies node networking: bond, VLAN interfaces, subnet links; a rerun gives the same result', async () => {
    const report = await rig.provisioner.applyNetworking(systemId, network);
    expect(report.successes).toEqual(['pxe', 'mgmt', 'storage']);
    const check = async () => {
      const ifaces = await rig.client.interfaces.list(systemId);
      const byName = Object.fromEntries(ifaces.map((i) => [i.name, i]));
      expect(byName.eno1!.links.map((l) => [l.mode, l.subnet?.cidr, l.ip_address])).toEqual([['static', '172.16.0.0/24', '172.16.0.21']]);
      expect(byName.bond0).toMatchObject({
        type: 'bond',
        parents: ['enp1', 'enp2'],
        effective_mtu: 9000,
        params: { bond_mode: '802.3ad', bond_miimon: 100, bond_lacp_rate: 'fast' },
      });
      expect(byName.bond0!.vlan?.fabric).toBe('gp');
      expect(byName['bond0.100']).toMatchObject({ type: 'vlan', parents: ['bond0'] });
      expect(byName['bond0.100']!.links.map((l) => [l.mode, l.subnet?.cidr])).toEqual([['dhcp', '172.16.1.0/24']]);
      expect(byName['bond0.200']!.links.map((l) => [l.mode, l.subnet?.cidr])).toEqual([['link_up', '172.16.2.0/24']]);
      expect(ifaces.map((i) => i.name).sort()).toEqual(['bond0', 'bond0.100', 'bond0.200', 'eno1', 'enp1', 'enp2']);
    };
    await check();
    await rig.provisioner.applyNetworking(systemId, network);
    await check();
  });

  it('fails networking permanently when a link has no fabric', async () => {
    const err = await failure(rig.provisioner.applyNetworking(systemId, { interfaces: [{ name: 'oob', link: 'nowhere', slaves: ['eno1'], networks: [] }] }));
    expect(err).toBeInstanceOf(PermanentDriverError);
    expect(String(err)).toContain('fabric nowhere not found in MaaS');
  });

  const storage: NodeStoragePlan = {
    physicalDevices: [
      {
        name: 'sda',
        partitions: [
          { name: 'boot', size: '1g', bootable: true, filesystem: { mountpoint: '/boot', fstype: 'ext4' } },
          { name: 'root', size: '100g', filesystem: { mountpoint: '/', fstype: 'ext4' } },
          { name: 'var_log', size: '50gi', filesystem: { mountpoint: '/var/log', fstype: 'xfs', mountOptions: 'noatime' } },
          { name: 'pv', size: '>10g', volumeGroup: 'data' },
        ],
      },
      { name: 'sdb', volumeGroup: 'data', partitions: [] },
    ],
    volumeGroups: [
      {
        name: 'data',
        logicalVolumes: [
          { name: 'docker', size: '50%', filesystem: { mountpoint: '/var/lib/docker', fstype: 'ext4' } },
          { name: 'scratch', size: '10g' },
        ],
      },
    ],
  };

  it('applies node storage: flat root, /boot, extra partitions, a VG with LVs; a rerun gives the same layout', async () => {
    const check = async () => {
      const devices = await rig.client.storage.blockDevices(systemId);
      const sda = devices.find((d) => d.name === 'sda')!;
      expect(sda.partitions.map((p) => [p.size, p.filesystem?.mount_point ?? null])).toEqual([
        [1e9, '/boot'],
        [100e9, '/'],
        [50 * 2 ** 30, '/var/log'],
        [expect.any(Number), null],
      ]);
      expect(sda.partitions[2]!.filesystem).toMatchObject({ fstype: 'xfs', mount_options: 'noatime' });
      const vgs = await rig.client.storage.volumeGroups(systemId);
      expect(vgs).toHaveLength(1);
      expect(vgs[0]!.devices.map((d) => d.type).sort()).toEqual(['partition', 'physical']);
      expect(vgs[0]!.logical_volumes.map((l) => l.name)).toEqual(['data-docker', 'data-scratch']);
      expect(vgs[0]!.logical_volumes[0]!.size).toBe(Math.floor(vgs[0]!.size / 2));
      const docker = devices.find((d) => d.name === 'data-docker')!;
      expect(docker.filesystem).toMatchObject({ fstype: 'ext4', mount_point: '/var/lib/docker' });
    };
    await rig.provisioner.applyStorage(systemId, storage);
    await check();
    await rig.provisioner.applyStorage(systemId, storage);
    await check();
  });

  it('applies an LVM root layout (Drydock always failed here)', async () => {
    await rig.provisioner.applyStorage(systemId, {
      physicalDevices: [
        {
          name: 'sda',
          partitions: [
            { name: 'boot', size: '2g', filesystem: { mountpoint: '/boot' } },
            { name: 'pv', size: '200g', volumeGroup: 'vgroot' },
          ],
        },
      ],
      volumeGroups: [
        {
          name: 'vgroot',
          logicalVolumes: [
            { name: 'root', size: '50g', filesystem: { mountpoint: '/' } },
            { name: 'home', size: '20g', filesystem: { mountpoint: '/home' } },
          ],
        },
      ],
    });
    const vgs = await rig.client.storage.volumeGroups(systemId);
    expect(vgs.map((v) => [v.name, v.size, v.logical_volumes.map((l) => [l.name, l.size])])).toEqual([
      [
        'vgroot',
        200e9,
        [
          ['vgroot-root', 50e9],
          ['vgroot-home', 20e9],
        ],
      ],
    ]);
  });

  it('refuses storage that does not fit, naming the step and node', async () => {
    const err = await failure(
      rig.provisioner.applyStorage(systemId, { physicalDevices: [{ name: 'sda', partitions: [{ name: 'root', size: '5t', filesystem: { mountpoint: '/' } }] }], volumeGroups: [] }),
    );
    expect(err).toBeInstanceOf(PermanentDriverError);
    expect(String(err)).toMatch(/apply node storage node node10 .*Error configuring storage/);
  });

  it('applies platform: kernel-option tag and static tags, only once', async () => {
    const plan = { nodeName: 'node10', kernelParams: 'hugepagesz=1G hugepages=8 console=ttyS1', tags: ['compute', 'rack1'] };
    await rig.provisioner.applyPlatform(systemId, plan);
    await rig.provisioner.applyPlatform(systemId, plan);
    const tags = await rig.client.region.tags();
    expect(tags.find((t) => t.name === 'node10_kp')?.kernel_opts).toBe('hugepagesz=1G hugepages=8 console=ttyS1');
    expect(rig.emu.machine('node10')!.tag_names.sort()).toEqual(['compute', 'node10_kp', 'rack1']);
    expect(rig.emu.counters().machines.node10?.tag).toBe(3);
    // Other kernel options: the tag is made again, and the machine (which had the old one) is in the new one.
    await rig.provisioner.applyPlatform(systemId, { ...plan, kernelParams: 'console=ttyS0' });
    expect((await rig.client.region.tags()).find((t) => t.name === 'node10_kp')?.kernel_opts).toBe('console=ttyS0');
    expect(rig.emu.machine('node10')!.tag_names.sort()).toEqual(['compute', 'node10_kp', 'rack1']);
    expect(rig.emu.counters().machines.node10?.tag).toBe(4);
  });

  it('deploys with the configured network and storage and skips reconfiguration once Deployed', async () => {
    expect(await rig.provisioner.startDeploy(systemId, { image: 'jammy', kernel: 'hwe-22.04', nodeName: 'node10', bootActionKey: 'abc123' })).toBe('started');
    expect(await waitForStatus(rig.provisioner, systemId, (s) => s === 'Deployed')).toBe('Deployed');
    expect(rig.emu.machine('node10')!.tag_names).toContain('node10__baid__abc123');
    const net = await rig.provisioner.applyNetworking(systemId, network);
    expect(net.messages[0]).toContain('Destroy node first if redeploy needed');
    expect((await rig.provisioner.applyStorage(systemId, storage)).messages[0]).toContain('Deployed');
  });

  it('configures SSH keys and package repositories idempotently', async () => {
    const keys = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice@example', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQExample\n bob@example'];
    await rig.provisioner.configureUserCredentials(keys);
    const second = await rig.provisioner.configureUserCredentials(keys);
    expect(second.messages).toEqual([]);
    expect((await rig.client.region.sshKeys()).length).toBe(2);

    const repos = {
      remove_unlisted: true,
      repositories: [
        { name: 'main_archive', url: 'http://mirror.example/ubuntu', components: ['main', 'universe'], subrepos: ['security', 'updates'], arches: ['amd64'] },
        {
          name: 'docker',
          repo_type: 'apt',
          url: 'https://download.docker.com/linux/ubuntu',
          distributions: ['jammy'],
          components: ['stable'],
          gpgkey: '-----BEGIN PGP-----',
          arches: ['amd64'],
        },
      ],
    };
    await rig.client.region.createPackageRepository({ name: 'stale', url: 'http://old.example/' });
    await rig.provisioner.configureNodeProvisioner(repos);
    await rig.provisioner.configureNodeProvisioner(repos);
    const all = await rig.client.region.packageRepositories();
    expect(all.map((r) => r.name).sort()).toEqual(['docker', 'main_archive', 'ports_archive']);
    expect(all.find((r) => r.name === 'main_archive')).toMatchObject({
      url: 'http://mirror.example/ubuntu',
      disabled_components: ['restricted', 'multiverse'],
      disabled_pockets: ['backports'],
    });
    expect(all.find((r) => r.name === 'docker')).toMatchObject({ components: ['stable'], distributions: ['jammy'], disabled_pockets: ['security', 'updates', 'backports'] });
  });

  it('kept the API key out of every log line', () => expectNoKey(rig.logs.join('\n')));
});
