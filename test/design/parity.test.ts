/**
 * Drydock parity: the cases of ../shared/reference/validation-cases.md that concern ingestion, schemas,
 * inheritance, node filters, the 18 rules and boot action rendering, on Drydock's own samples read in place.
 */
import type { NodeFilterSet, SiteDesign } from '../../design/model';
import { applyLogicalNames, logicalName } from '../../design/lshw';
import { renderLshw, type NicHardware } from '../../emulators/maas/hardware';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nodeContext, renderNodeAssets, tarball, type BootActionIdentity } from '../../design/bootactions';
import { compileDesign, ingestText, loadDesign, resolveDesignRef, SCHEMAS_FOR_TESTS, selectNodes, validateDesignText } from './designUnderTest';
import { describeDrydock, effectiveSite, MOCK_MAAS, readSample, REFERENCE_DIR, ruleMessages, sampleRef } from './drydockData';
import type { EffectiveDesign, ValidationMessage } from '../../design';

const ALL_RULES = [
  'BootStorageRational',
  'CidrValidity',
  'HugepagesValidity',
  'IpLocalityCheck',
  'MtuRational',
  'NetworkTrunkingRational',
  'NoDuplicateIpsCheck',
  'PlatformSelection',
  'RationalNetworkBond',
  'StoragePartitioning',
  'StorageSizing',
  'StorageMountpoints',
  'UniqueNetworkCheck',
  'HostnameValidity',
  'IpmiValidity',
  'LibvirtValidity',
  'BootactionDefined',
  'BootactionPackageListValid',
];
const allError = (msgs: ValidationMessage[]) => msgs.every((m) => m.error && m.documents.length > 0);

describeDrydock('Drydock validation-rule cases (rows 1-42)', () => {
  test('1 BootStorageRational valid', async () => {
    const m = await ruleMessages('BootStorageRational', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('2 BootStorageRational small volumes', async () => {
    const m = await ruleMessages('BootStorageRational', 'invalid_boot_storage_small.yaml');
    expect(m).toHaveLength(4);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/.+ volume must be > .+GB/));
  });
  test('3 BootStorageRational root not set', async () => {
    const m = await ruleMessages('BootStorageRational', 'invalid_validation.yaml');
    expect(m).toHaveLength(2);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/Root volume has to be set and must be > 20GB/));
  });
  test('4 BootactionDefined valid, full status Success', async () => {
    const loaded = await loadDesign(sampleRef('validation.yaml'));
    expect(loaded.status.status).toBe('Success');
    const m = await ruleMessages('BootactionDefined', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ error: false, level: 'Info' });
  });
  test('5 absent bootaction warns DD4001', async () => {
    const loaded = await loadDesign(sampleRef('absent_bootaction.yaml'));
    expect(loaded.status.details.messageList.some((m) => m.name.includes('DD4001') && m.level === 'Warning')).toBe(true);
  });
  test('6 invalid bootaction pkg_list', async () => {
    const loaded = await loadDesign(sampleRef('invalid_bootaction_pkg.yaml'));
    expect(loaded.status.status).toBe('Failure');
    const msgs = loaded.status.details.messageList.filter((m) => m.documents.some((d) => d.schema === 'drydock/BootAction/v1' && d.name === 'invalid_pkg_list'));
    expect(msgs.length).toBeGreaterThan(0);
    msgs.forEach((m) => {
      expect(m.message).toContain(':) is not a valid format');
      expect(m.error).toBe(true);
    });
  });
  test('7 HostnameValidity valid', async () => {
    const m = await ruleMessages('HostnameValidity', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].message).toContain('Hostname');
    expect(m[0].error).toBe(false);
  });
  test('8 HostnameValidity invalid', async () => {
    const m = await ruleMessages('HostnameValidity', 'invalid_validation.yaml');
    expect(m.length).toBeGreaterThan(1);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/bad__name|sitenameisverylongsoitshouldbeinvalidperrfcifikeepaddingoctetsafewmore/));
  });
  test('9 HugepagesValidity valid', async () => {
    const m = await ruleMessages('HugepagesValidity', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('10 HugepagesValidity invalid', async () => {
    const m = await ruleMessages('HugepagesValidity', 'invalid_hugepages.yaml');
    expect(m.length).toBeGreaterThan(0);
    expect(allError(m)).toBe(true);
  });
  test('11 IpLocalityCheck valid', async () => {
    expect((await ruleMessages('IpLocalityCheck', 'validation.yaml'))[0].error).toBe(false);
  });
  test('12 IpLocalityCheck no networks', async () => {
    const m = await ruleMessages('IpLocalityCheck', 'ip_locality_no_networks.yaml');
    expect(m[0].message).toContain('No networks found');
    expect(m[0].error).toBe(false);
  });
  test('13 IpLocalityCheck no gateway', async () => {
    const m = await ruleMessages('IpLocalityCheck', 'ip_locality_no_gateway.yaml');
    expect(m[0].message).toContain('No gateway found');
    expect(m[0].error).toBe(true);
  });
  test('14 IpLocalityCheck no baremetal node', async () => {
    const m = await ruleMessages('IpLocalityCheck', 'no_baremetal_node.yaml');
    expect(m[0].message).toContain('No baremetal_nodes found');
    expect(m[0].error).toBe(false);
  });
  test('15 IpLocalityCheck invalid network', async () => {
    const m = await ruleMessages('IpLocalityCheck', 'invalid_validation.yaml');
    expect(m).toHaveLength(3);
    expect(allError(m)).toBe(true);
    m.forEach((x) =>
      expect(x.message).toMatch(
        /The gateway IP Address .+ is not within the defined CIDR: .+ of .+|.+ is not a valid network\.|The IP Address .+ is not within the defined CIDR: .+ of .+ \./,
      ),
    );
  });
  test('16 MtuRational valid', async () => {
    const m = await ruleMessages('MtuRational', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].message).toContain('MTU');
    expect(m[0].error).toBe(false);
  });
  test('17 MtuRational invalid', async () => {
    const m = await ruleMessages('MtuRational', 'invalid_validation.yaml');
    expect(m).toHaveLength(4);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/MTU must be between \d+ and \d+|MTU must be <= the parent Network Link/));
  });
  test('18 RationalNetworkBond valid', async () => {
    const m = await ruleMessages('RationalNetworkBond', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
    expect(m[0].documents).toHaveLength(0);
  });
  test('19 RationalNetworkBond invalid', async () => {
    const m = await ruleMessages('RationalNetworkBond', 'invalid_validation.yaml');
    expect(m).toHaveLength(2);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/Down delay \S+ is less than mon rate \S+|Up delay \S+ is less than mon rate \S+/));
  });
  test('20 CidrValidity valid', async () => {
    const m = await ruleMessages('CidrValidity', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('21 CidrValidity host bits', async () => {
    const m = await ruleMessages('CidrValidity', 'invalid_network_cidr.yaml');
    expect(m.length).toBeGreaterThanOrEqual(1);
    expect(m[0].error).toBe(true);
    expect(m[0].diagnostic).toMatch(/Provide a CIDR acceptable by MAAS: .+/);
    expect(m[0].message).toMatch(/The provided CIDR .+ has host bits set/);
  });
  test('22 NetworkTrunkingRational valid', async () => {
    expect((await ruleMessages('NetworkTrunkingRational', 'validation.yaml'))[0].error).toBe(false);
  });
  test('23 NetworkTrunkingRational invalid', async () => {
    const m = await ruleMessages('NetworkTrunkingRational', 'invalid_rational_network_trunking.yaml');
    expect(m).toHaveLength(3);
    expect(allError(m)).toBe(true);
    m.forEach((x) =>
      expect(x.message).toMatch(
        /Trunking mode is disabled, a trunking default_network must be defined|If there is more than 1 allowed network,trunking mode must be enabled|native network has a defined VLAN tag/,
      ),
    );
  });
  test('24 NoDuplicateIpsCheck valid', async () => {
    expect((await ruleMessages('NoDuplicateIpsCheck', 'validation.yaml'))[0].error).toBe(false);
  });
  test.each(['no_baremetal_node.yaml', 'no_duplicate_IPs_no_addressing.yaml'])('25/26 NoDuplicateIpsCheck without nodes: %s', async (f) => {
    const m = await ruleMessages('NoDuplicateIpsCheck', f);
    expect(m[0].message).toContain('No BaremetalNodes Found.');
    expect(m[0].error).toBe(false);
  });
  test('27 NoDuplicateIpsCheck invalid', async () => {
    const m = await ruleMessages('NoDuplicateIpsCheck', 'invalid_validation.yaml');
    expect(m.length).toBeGreaterThan(0);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/Duplicate IP Address Found: [0-9.]+/));
  });
  test('28 StorageMountpoints valid', async () => {
    const m = await ruleMessages('StorageMountpoints', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test.each(['invalid_validation.yaml', 'invalid_mountpoint.yaml'])('29/30 StorageMountpoints duplicate: %s', async (f) => {
    const m = await ruleMessages('StorageMountpoints', f);
    expect(m.length).toBeGreaterThan(0);
    m.forEach((x) => {
      expect(x.message).toMatch(/Mountpoint .+ already exists/);
      expect(x.error).toBe(true);
    });
  });
  test('31 partitions without mountpoints', async () => {
    const m = await ruleMessages('StorageMountpoints', 'partitions_without_mountpoints.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test.each(['validation.yaml', 'storage_partitioning_unassigned_partition.yaml'])('32/33 StoragePartitioning valid: %s', async (f) => {
    const m = await ruleMessages('StoragePartitioning', f);
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('34 StoragePartitioning invalid', async () => {
    const m = await ruleMessages('StoragePartitioning', 'invalid_validation.yaml');
    expect(m).toHaveLength(2);
    expect(allError(m)).toBe(true);
    m.forEach((x) => expect(x.message).toMatch(/Volume group .+ not assigned any physical volumes/));
  });
  test('35 StorageSizing valid', async () => {
    const m = await ruleMessages('StorageSizing', 'storage_sizing.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('36 StorageSizing invalid', async () => {
    const m = await ruleMessages('StorageSizing', 'invalid_validation.yaml');
    expect(m).toHaveLength(8);
    m.forEach((x) => {
      expect(x.message).toMatch(/((Storage partition)|(Logical Volume)) .+ size is < 0|greater than 99%/);
      expect(x.error).toBe(true);
    });
  });
  test('37 UniqueNetworkCheck valid', async () => {
    const m = await ruleMessages('UniqueNetworkCheck', 'validation.yaml');
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('38 UniqueNetworkCheck invalid', async () => {
    const m = await ruleMessages('UniqueNetworkCheck', 'invalid_unique_network.yaml');
    expect(m.length).toBeGreaterThanOrEqual(2);
    m.forEach((x) => {
      expect(x.error).toBe(true);
      expect(x.message).toMatch(/Allowed network .+ duplicated on NetworkLink .+ and NetworkLink .+|Interface \S+ attached to network \S+ not allowed on interface link/);
    });
  });
  test('39 PlatformSelection valid with mocked MaaS', async () => {
    const m = await ruleMessages('PlatformSelection', 'validation.yaml', { platformCatalog: MOCK_MAAS });
    expect(m).toHaveLength(1);
    expect(m[0].error).toBe(false);
  });
  test('40 PlatformSelection invalid kernel', async () => {
    const m = await ruleMessages('PlatformSelection', 'invalid_kernel.yaml', { platformCatalog: MOCK_MAAS });
    expect(m).toHaveLength(1);
    expect(m[0].message).toContain('invalid kernel lts');
    expect(m[0].error).toBe(true);
    expect(m[0].documents.length).toBeGreaterThan(0);
    expect(m[0].diagnostic).toBe('Select a valid kernel from: ga-16.04,hwe-16.04');
  });
  test.each(['deckhand_fullsite.yaml', 'deckhand_fullsite_no_nodes.yaml'])('41/42 validate_design Success: %s', async (f) => {
    const loaded = await loadDesign(sampleRef(f));
    expect(loaded.status.status).toBe('Success');
  });
});

/** Rows 43-72: each sample's `spec` against the kind's schema. */
const SCHEMA_CASES: [string, boolean][] = [
  ['baremetalNode.yaml', true],
  ['baremetalNode2.yaml', true],
  ['invalid_baremetalNode.yaml', false],
  ['invalid_baremetalNode2.yaml', false],
  ['hardwareProfile.yaml', true],
  ['invalid_hardwareProfile.yaml', false],
  ['hostProfile.yaml', true],
  ['hostProfile2.yaml', true],
  ['invalid_hostProfile.yaml', false],
  ['invalid_hostProfile2.yaml', false],
  ['network.yaml', true],
  ['network2.yaml', true],
  ['network3.yaml', true],
  ['network4.yaml', true],
  ['network5.yaml', true],
  ['invalid_network.yaml', false],
  ['invalid_network2.yaml', false],
  ['invalid_network3.yaml', false],
  ['invalid_network4.yaml', false],
  ['invalid_network5.yaml', false],
  ['networkLink.yaml', true],
  ['networkLink2.yaml', true],
  ['networkLink3.yaml', true],
  ['invalid_networkLink.yaml', false],
  ['invalid_networkLink2.yaml', false],
  ['invalid_networkLink3.yaml', false],
  ['region.yaml', true],
  ['invalid_region.yaml', false],
  ['rack.yaml', true],
  ['invalid_rack.yaml', false],
];

describeDrydock('Drydock schema cases (rows 43-72)', () => {
  test.each(SCHEMA_CASES)('%s valid=%s', (file, valid) => {
    const docs = SCHEMAS_FOR_TESTS.parseStream(readSample(file));
    expect(docs.length).toBeGreaterThan(0);
    const ok = docs.every(({ kind, spec }) => SCHEMAS_FOR_TESTS.schemas[kind].safeParse(spec).success);
    expect(ok).toBe(valid);
  });
  test('the invalid samples fail on their extra key (or the bad device), with a clear message', () => {
    const r = ingestText(readSample('invalid_hostProfile2.yaml'), 'invalid_hostProfile2.yaml');
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatchObject({ name: 'DD001', level: 'Error', error: true });
    expect(r.messages[0].message).toMatch(/^HostProfile:v1 schema validation error: document 'k8-node' .*data\.storage\.physical_devices\.sdb: expected object/);
  });
});

describeDrydock('Drydock ingestion and effective-design cases', () => {
  test('73 legacy fullsite inheritance', () => {
    const { design } = effectiveSite('fullsite.yaml');
    expect(design.baremetal_nodes).toHaveLength(2);
    const c = design.baremetal_nodes.find((n) => n.name === 'controller01')!;
    expect(c.hardware_profile).toBe('HPGen9v3');
    expect(c.interfaces.find((i) => i.device_name === 'bond0')!.hardware_slaves).toHaveLength(2);
    expect(c.interfaces.find((i) => i.device_name === 'pxe')!.hardware_slaves).toHaveLength(1);
  });
  test('86 compute01 pkg_list has 2 packages', () => {
    const design = effectiveSite('deckhand_fullsite.yaml').design as EffectiveDesign;
    const pkgs = design.bootactions
      .filter((b) => b.target_nodes.includes('compute01'))
      .flatMap((b) => b.assets.filter((a) => a.type === 'pkg_list').flatMap((a) => Object.entries(a.package_list ?? {})));
    expect(Object.fromEntries(pkgs)).toEqual({ '2ping': '3.2.1-1', '0xffff': null });
  });
  test('87/88 boot action scoping', async () => {
    const loaded = await loadDesign(sampleRef('deckhand_fullsite.yaml'));
    expect(loaded.status.status).toBe('Success');
    const ba = (n: string) => loaded.design!.bootactions.find((b) => b.name === n)!;
    expect(ba('helloworld').target_nodes).toEqual(expect.arrayContaining(['compute01', 'controller01']));
    expect(ba('hw_filtered').target_nodes).toContain('compute01');
    expect(ba('hw_filtered').target_nodes).not.toContain('controller01');
    expect(ba('hw_filtered').signaling).toBe(false);
    expect(ba('helloworld').signaling).toBe(true);
  });
  test('90/92 Deckhand ingest counts and document refs', () => {
    const r = ingestText(readSample('deckhand_fullsite.yaml'));
    expect(r.failed).toBe(false);
    expect(r.design.host_profiles).toHaveLength(2);
    expect(r.design.baremetal_nodes).toHaveLength(3);
    r.design.host_profiles.forEach((p) => expect(p.docRef).toEqual({ schema: 'drydock/HostProfile/v1', name: p.name }));
  });
  test('91 Deckhand repositories', () => {
    const r = ingestText(readSample('deckhand_fullsite.yaml'));
    const repos = r.design.region!.repositories;
    expect(repos.repositories).toHaveLength(1);
    expect(repos.remove_unlisted).toBeTruthy();
    repos.repositories.forEach((x) => expect(x.url).toContain('docker'));
  });
  test('93 legacy YAML ingest counts', () => {
    const r = ingestText(readSample('fullsite.yaml'));
    expect(r.failed).toBe(false);
    expect(r.design.host_profiles).toHaveLength(2);
    expect(r.design.baremetal_nodes).toHaveLength(2);
  });
  test('94 boot action with 3 assets is kept although another document fails', () => {
    const r = ingestText(readSample('deckhand_bootaction.yaml'));
    expect(r.design.bootactions.find((b) => b.name === 'helloworld')!.assets).toHaveLength(3);
    expect(r.messages.map((m) => [m.name, m.message])).toEqual([['DD000', 'Unexpected error processing document: Keys and values must be strings.']]);
  });
  test('95/96 invalid boot actions: exactly 3 schema errors, 1 on invalid_pkg_list', () => {
    const r = ingestText(readSample('invalid_bootaction.yaml'));
    expect(r.failed).toBe(true);
    const errors = r.messages.filter((m) => m.error);
    expect(errors).toHaveLength(3);
    errors.forEach((m) => expect(m.message).toMatch(/^BootAction:v1 schema validation error: /));
    expect(errors.filter((m) => m.documents.some((d) => d.schema === 'drydock/BootAction/v1' && d.name === 'invalid_pkg_list'))).toHaveLength(1);
  });
  test('97/98 rack location; unknown rack absent', () => {
    const r = ingestText(readSample('deckhand_fullsite.yaml'));
    expect(r.design.racks.find((x) => x.name === 'rack1')!.location.grid).toBe('EG12');
    expect(r.design.racks.find((x) => x.name === 'foo')).toBeUndefined();
  });
  test('104/105 node fqdn and domain', async () => {
    const loaded = await loadDesign(sampleRef('deckhand_fullsite.yaml'));
    const c = loaded.design!.baremetal_nodes.find((n) => n.name === 'controller01')!;
    expect(c.fqdn).toBe('controller01.mgmt.sitename.example.com');
    expect(c.domain).toBe('mgmt.sitename.example.com');
  });
  test('112 kernel parameter references', async () => {
    const loaded = await loadDesign(sampleRef('deckhand_fullsite.yaml'));
    expect(loaded.design!.baremetal_nodes).toHaveLength(3);
    const c = loaded.design!.baremetal_nodes.find((n) => n.name === 'compute01')!;
    expect(c.hardware_profile).toBe('HPGen9v3');
    expect(c.kernel_params.isolcpus).toBe('2,4');
    expect(c.kernel_params.hugepagesz).toBe('1G');
    expect(c.kernel_param_string.startsWith('hugepagesz=1G hugepages=300')).toBe(true);
    expect(c.kernel_param_string).toBe('hugepagesz=1G hugepages=300 quiet console=ttyS2 isolcpus=2,4');
  });
  test('113 file:// resolution', async () => {
    expect((await resolveDesignRef(sampleRef('fullsite.yaml'))).length).toBeGreaterThan(0);
  });
  test('116/117 route domains', async () => {
    const loaded = await loadDesign(sampleRef('deckhand_routedomain.yaml'));
    expect(loaded.status.status).toBe('Success');
    const net = loaded.design!.networks.find((n) => n.name === 'storage_rack3')!;
    const subnets = net.routes.filter((r) => r.subnet).map((r) => r.subnet);
    expect(subnets.filter((s) => s !== '0.0.0.0/0').sort()).toEqual(['172.16.1.0/24', '172.16.2.0/24']);
    expect(subnets).not.toContain('172.16.3.0/24');
  });
  test('PyYAML duplicate keys: last wins (invalid_validation controller01 address)', () => {
    const r = ingestText(readSample('invalid_validation.yaml'));
    const c = r.design.baremetal_nodes.find((n) => n.name === 'controller01')!;
    expect(c.addressing.find((a) => a.network === 'invalid')!.address).toBe('141.16.1.20');
  });
});

/** A random 128-bit ULID in Crockford base32 (ulid2.ulid_to_base32) and a 256-bit key in hex, as Drydock makes them. */
function randomIdentity(designRef: string): BootActionIdentity {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let n = BigInt(`0x${randomBytes(16).toString('hex')}`);
  let actionId = '';
  for (let i = 0; i < 26; i++, n >>= 5n) actionId = alphabet[Number(n & 31n)] + actionId;
  return { actionId, actionKey: randomBytes(32).toString('hex'), reportUrl: 'http://127.0.0.1:9000/api/v1.0/bootactions/', designRef };
}

describeDrydock('Drydock boot action rendering cases (rows 80-85, 89)', () => {
  const ref = sampleRef('deckhand_fullsite.yaml');
  const identities = new Map<string, BootActionIdentity>();
  const identity = (ba: string) => identities.get(ba) ?? identities.set(ba, randomIdentity(ref)).get(ba)!;
  /** BootAction('helloworld').render_assets('compute01', ...): the helloworld assets only, in their order. */
  const helloworld = async () => {
    const loaded = await loadDesign(ref);
    expect(loaded.status.status).toBe('Success');
    return (await renderNodeAssets(loaded.design!, 'compute01', identity)).filter((a) => a.bootAction === 'helloworld');
  };
  const compute01 = () => nodeContext(effectiveSite('deckhand_fullsite.yaml').design as EffectiveDesign, 'compute01');

  test('80 render node name', async () => {
    const assets = await helloworld();
    expect(assets[0].path).toBe('/var/tmp/hello.sh');
    expect(assets[0].data.toString('utf8')).toContain('compute01');
  });
  test('81 render design_ref (asset order kept)', async () => {
    const assets = await helloworld();
    expect(assets[2].path).toBe('/var/tmp/designref.sh');
    expect(assets[2].data.toString('utf8')).toContain('deckhand_fullsite.yaml');
  });
  test('82 render action key and id', async () => {
    const rendered = (await helloworld())[2].data.toString('utf8');
    expect(rendered).toContain(identity('helloworld').actionKey);
    expect(rendered).toContain(identity('helloworld').actionId);
  });
  test('83 network context', () => {
    const ctx = compute01().network;
    expect(ctx).toHaveProperty('mgmt');
    expect(ctx.mgmt.ip).toBe('172.16.1.21');
  });
  test('84 interface context', () => {
    const ctx = compute01().interfaces;
    expect(ctx).toHaveProperty('bond0');
    expect(ctx.bond0.sriov).toBeTruthy();
    expect(ctx.bond0.vf_count).toBe(2);
  });
  test('85 node domain', () => expect(compute01().domain).toBe('mgmt.sitename.example.com'));
  test('89 tarbuilder: the hello.sh member, named by its path, has mode 0o555', async () => {
    const assets = await helloworld();
    expect(assets.length).toBeGreaterThan(0);
    const helloPath = assets.find((a) => a.path?.endsWith('hello.sh'))!.path!;
    expect(helloPath).toBe('/var/tmp/hello.sh');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-tar-'));
    try {
      const file = path.join(dir, 'files.tgz');
      fs.writeFileSync(file, tarball(assets, 'file'));
      const members = execFileSync('tar', ['--numeric-owner', '-tzvf', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/));
      const hello = members.find((m) => m[m.length - 1] === helloPath)!;
      expect(hello.slice(0, 2)).toEqual(['-r-xr-xr-x', '0/0']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeDrydock('Drydock node filter cases (rows 106-111)', () => {
  const filter = (f: object): NodeFilterSet => ({ filter_set_type: 'intersection', filter_set: [{ filter_type: 'intersection', ...f }] });
  const ingested = () => ingestText(readSample('deckhand_fullsite.yaml')).design;
  test('106/107 by node name', () => expect(selectNodes(ingested(), filter({ node_names: ['compute01'] }))).toEqual(['compute01']));
  test('108 by rack name', () => expect(selectNodes(ingested(), filter({ rack_names: ['rack2', 'rack3'] }))).toHaveLength(2));
  test('109 by inherited tag on the effective design', () => {
    expect(selectNodes(compileDesign(ingested()), filter({ node_tags: ['test'] }))).toHaveLength(3);
  });
  test('110 by owner_data label', () => expect(selectNodes(ingested(), filter({ node_labels: { foo: 'baz' } }))).toEqual(['compute02']));
  test('111 no nodes', () => expect(selectNodes(ingestText(readSample('deckhand_fullsite_no_nodes.yaml')).design, null)).toEqual([]));
});

describeDrydock('Drydock golden validator output (appendix of validation-cases.md)', () => {
  const goldenFile = path.join(REFERENCE_DIR, 'validation-cases.md');
  const sections = fs.existsSync(goldenFile) ? parseGolden(fs.readFileSync(goldenFile, 'utf8')) : [];
  test('the appendix was found and parsed', () => expect(sections.length).toBeGreaterThanOrEqual(20));
  // jest refuses an empty table even in a skipped block, hence the placeholder when the appendix is absent.
  const table = sections.length ? sections.map((s) => [s.sample, s] as const) : [['(appendix missing)', undefined as unknown as Golden] as const];
  test.each(table)('%s', async (sample, s) => {
    const site = effectiveSite(sample);
    expect(site.design.baremetal_nodes.map((n) => n.name)).toEqual(s.nodes);
    expect(site.ingestMessages.filter((m) => m.error).map((m) => [m.name, m.documents.map((d) => d.name)])).toEqual(s.ingest);
    for (const [cls, expected] of Object.entries(s.rules)) {
      const got = (await ruleMessages(cls, sample)).map((m) => ({ level: m.level[0], text: stripPrefix(m.message), docs: m.documents.map((d) => d.name) }));
      if (expected === 'raises') {
        expect(got.filter((g) => g.level === 'E').map((g) => g.text)).toEqual([expect.stringMatching(/not found in design state/)]);
      } else {
        expect({ cls, got }).toEqual({ cls, got: expected });
      }
    }
    if (s.mocked) {
      const got = (await ruleMessages('PlatformSelection', sample, { platformCatalog: MOCK_MAAS })).map((m) => ({
        level: m.level[0],
        text: stripPrefix(m.message),
        docs: m.documents.map((d) => d.name),
      }));
      expect(got.map((g) => ({ ...g, docs: g.level === 'I' ? [] : g.docs }))).toEqual(s.mocked.map((g) => ({ ...g, docs: g.level === 'I' ? [] : g.docs })));
    }
    const full = await validateDesignText(readSample(sample), { source: sample });
    expect(full.status.status).toBe(s.status.toLowerCase() === 'success' ? 'Success' : 'Failure');
  });
});

function stripPrefix(message: string): string {
  return message.replace(/^[^:]+: /, '');
}

interface Golden {
  sample: string;
  nodes: string[];
  status: string;
  ingest: [string, string[]][];
  rules: Record<string, { level: string; text: string; docs: string[] }[] | 'raises'>;
  mocked?: { level: string; text: string; docs: string[] }[];
}

/** The appendix: "#### `<sample>`" sections with one bullet per rule ("E:"text" [docs]; ..."). */
function parseGolden(md: string): Golden[] {
  const appendix = md.slice(md.indexOf('## Appendix'));
  const out: Golden[] = [];
  for (const block of appendix.split('\n#### ').slice(1)) {
    const [head, ...lines] = block.split('\n');
    const sample = path.basename(/`([^`]+)`/.exec(head)![1]);
    const g: Golden = { sample, nodes: [], status: '', ingest: [], rules: {} };
    const success = [{ level: 'I', text: 'Validation successful.', docs: [] as string[] }];
    for (const line of lines) {
      let m: RegExpExecArray | null;
      if ((m = /^- nodes after ingest: (.*?); `get_effective_site` status \(no drivers\): `(\w+)`/.exec(line))) {
        g.nodes = m[1] === '(none)' ? [] : m[1].split(', ');
        g.status = m[2];
      } else if ((m = /^- ingest (DD\d+) \(error\): .* docs=\[(.*)\]$/.exec(line))) {
        g.ingest.push([m[1], m[2].split(', ').map((d) => d.replace(/'/g, ''))]);
      } else if ((m = /^- only `Validation successful\.` \(1 Info each\): (.*)$/.exec(line))) {
        for (const r of m[1].split(', ')) g.rules[r] = success;
      } else if ((m = /^- PlatformSelection with mocked MaaS driver: (.*)$/.exec(line))) {
        g.mocked = parseMessages(m[1]);
      } else if (/^- NetworkTrunkingRational: raises/.test(line)) {
        g.rules.NetworkTrunkingRational = 'raises';
      } else if ((m = /^- (\w+): (.*)$/.exec(line)) && ALL_RULES.includes(m[1])) {
        g.rules[m[1]] = parseMessages(m[2]);
      }
    }
    out.push(g);
  }
  return out;
}

function parseMessages(s: string): { level: string; text: string; docs: string[] }[] {
  const re = /([EWI]):"(.*?)"(?: \[([^\]]*)\])?(?=; [EWI]:"|$)/g;
  const out: { level: string; text: string; docs: string[] }[] = [];
  for (let m = re.exec(s); m; m = re.exec(s)) out.push({ level: m[1], text: m[2], docs: m[3] ? m[3].split(',') : [] });
  return out;
}

/**
 * Drydock's alias resolution (BaremetalNode.apply_logicalnames) on its own samples, with lshw output rendered
 * by the MaaS emulator for hardware that has exactly the devices each case describes.
 */
describeDrydock('Drydock logical names from lshw (rows 101-103)', () => {
  const profileOf = (design: SiteDesign, node: string) => {
    const n = design.baremetal_nodes.find((x) => x.name === node)!;
    return design.hardware_profiles.find((h) => h.name === n.hardware_profile)!;
  };
  const nic = (name: string, pciAddress: string): NicHardware => ({
    name,
    mac: '52:54:00:12:34:56',
    pciAddress,
    product: 'I350 Gigabit Network Connection',
    vendor: 'Intel Corporation',
    speed: 1e9,
  });
  const sda = { name: 'sda', bus: 'scsi' as const, address: '2:0.0.0', size: 299439751168, model: 'PERC H710P', vendor: 'DELL', serial: '0044016c12771be7' };
  const lshw = (nics: NicHardware[]) => renderLshw('cab23-r720-16', { vendor: 'Dell Inc.', product: 'PowerEdge R720xd', serial: '6H5LBY1', nics, disks: [sda] });

  test('101 no lshw build data: no logical names for any node', () => {
    const { design } = effectiveSite('deckhand_fullsite.yaml');
    expect(design.baremetal_nodes.length).toBeGreaterThan(0);
    for (const n of design.baremetal_nodes) expect(applyLogicalNames(profileOf(design, n.name), undefined)).toEqual({});
  });

  test('102 eno1 at 0000:00:03.0 and sda at scsi 2:0.0.0: controller01 resolves prim_nic01 and primary_boot; prim_nic02 stays itself', () => {
    const { design } = effectiveSite('deckhand_fullsite.yaml');
    expect(design.baremetal_nodes[0]!.name).toBe('controller01');
    const names = applyLogicalNames(profileOf(design, 'controller01'), lshw([nic('eno1', '0000:00:03.0')]));
    expect(names).toEqual({ primary_boot: 'sda', prim_nic02: 'prim_nic02', prim_nic01: 'eno1' });
    expect(logicalName(names, 'primary_boot')).toBe('sda');
    expect(logicalName(names, 'prim_nic01')).toBe('eno1');
    expect(logicalName(names, 'prim_nic02')).toBe('prim_nic02');
    expect(logicalName(names, 'not_an_alias')).toBe('not_an_alias');
  });

  test('103 regexp: aliases take the first network node that matches, a disabled one included', () => {
    const { design } = effectiveSite('deckhand_fullsite_nic_autodetect.yaml');
    expect(design.baremetal_nodes[0]!.name).toBe('controller01');
    // eno3 (0000:19:00.0) comes first in the lshw document; the regexp 0000:(19|01):00\.0 matches both.
    const names = applyLogicalNames(profileOf(design, 'controller01'), lshw([{ ...nic('eno3', '0000:19:00.0'), disabled: true }, nic('eno4', '0000:01:00.0')]));
    expect(names).toEqual({ primary_boot: 'sda', prim_nic03: 'prim_nic03', prim_nic02: 'eno4', prim_nic01: 'eno3' });
  });
});
