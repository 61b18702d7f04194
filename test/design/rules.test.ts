/** Every rule on the project's own fixtures: passes on base-site.yaml, reports its error on its overlay. */
import { executeRule, RULES, RULES_BY_CLASS, validateDesignText, type EffectiveDesign } from '../../design';
import { siteWith } from './fixtures';

async function designOf(overlay?: string): Promise<EffectiveDesign> {
  const r = await validateDesignText(siteWith(overlay), { source: overlay ?? 'base' });
  if (!r.design) throw new Error(`fixture ${overlay} did not compile: ${JSON.stringify(r.status.details.messageList)}`);
  return r.design;
}

describe('base fixture', () => {
  test('passes every rule (one Info each, PlatformSelection warns)', async () => {
    const r = await validateDesignText(siteWith(), { source: 'base' });
    expect(r.status.status).toBe('Success');
    const nonInfo = r.status.details.messageList.filter((m) => m.level !== 'Info');
    expect(nonInfo.map((m) => m.name)).toEqual(['DD3001']);
    expect(r.status.details.messageList.filter((m) => m.level === 'Info')).toHaveLength(18);
  });
  test('rules run in Drydock order', () => {
    expect(RULES.map((r) => r.code)).toEqual([
      'DD1001',
      'DD2006',
      'DD1008',
      'DD2002',
      'DD2003',
      'DD2004',
      'DD2005',
      'DD3001',
      'DD1006',
      'DD2002',
      'DD2003',
      'DD2004',
      'DD1007',
      'DD3003',
      'DD4001',
      'DD4002',
      'DD4001',
      'DD4002',
    ]);
  });
});

const CASES: [string, string, RegExp[]][] = [
  [
    'BootStorageRational',
    'bootStorageRational',
    [/^Rational Boot Storage: Root volume must be > 20GB on BaremetalNode n1$/, /^Rational Boot Storage: Boot volume must be > 1GB on BaremetalNode n1$/],
  ],
  ['CidrValidity', 'cidrValidity', [/^CIDR Validity: The provided CIDR 192\.168\.0\.5\/24 has host bits set$/]],
  ['HugepagesValidity', 'hugepagesValidity', [/^Hugepages: Invalid hugepages kernel configuration$/]],
  ['IpLocalityCheck', 'ipLocalityCheck', [/The IP Address 10\.0\.0\.12 is not within the defined CIDR: 192\.168\.1\.0\/24 of mgmt \.$/, /nowhere is not a valid network\.$/]],
  ['MtuRational', 'mtuRational', [/MTU must be between 1280 and 65536, value is 1000$/, /MTU must be <= the parent Network Link; for Network pxe$/]],
  ['NetworkTrunkingRational', 'networkTrunkingRational', [/^Network Trunking Rationalty: If there is more than 1 allowed network,trunking mode must be enabled$/]],
  ['NoDuplicateIpsCheck', 'noDuplicateIpsCheck', [/^Duplicated IP Check: Duplicate IP Address Found: 192\.168\.1\.11 $/]],
  ['RationalNetworkBond', 'rationalNetworkBond', [/^Network Bond Rationality: Hash cannot be defined if bond mode is active-backup$/]],
  ['StoragePartitioning', 'storagePartitioning', [/^Storage Partitioning: Volume group orphan_vg not assigned any physical volumes$/]],
  ['StorageSizing', 'storageSizing', [/^Storage Sizing: Cumulative logical volume size is greater than 99% in volume group vg0$/, /99% in volume group vg0$/]],
  ['StorageMountpoints', 'storageMountpoints', [/^Storage Mountpoint: Mountpoint "\/var\/log" already exists$/]],
  ['UniqueNetworkCheck', 'uniqueNetworkCheck', [/^Allowed Network Check: Interface bond0 attached to network pxe not allowed on interface link$/]],
  ['HostnameValidity', 'hostnameValidity', [/^Hostname Validity: FQDN bad_name\.mgmt\.fixture\.example\.com is invalid - label 'bad_name' is invalid\.$/]],
  ['IpmiValidity', 'ipmiValidity', [/^Valid IPMI Configuration: OOB parameter credential for IPMI node n1 missing\.$/]],
  ['LibvirtValidity', 'libvirtValidity', [/OOB parameter libvirt_uri has invalid scheme\.$/, /libvirt-based node requries defined boot MAC address\.$/]],
  ['BootactionPackageListValid', 'bootactionPackageListValid', [/^Bootaction pkg_list Validation: Version specifier not valid! is not a valid format\.$/]],
];

describe.each(CASES)('%s', (cls, overlay, expected) => {
  test('valid fixture: one Info "Validation successful."', async () => {
    const m = await executeRule(RULES_BY_CLASS[cls], await designOf());
    expect(m.map((x) => [x.level, x.message.split(': ').slice(1).join(': ')])).toEqual([['Info', 'Validation successful.']]);
  });
  test(`invalid fixture invalid/${overlay}.yaml: the expected errors, no success Info`, async () => {
    const m = await executeRule(RULES_BY_CLASS[cls], await designOf(overlay));
    const errors = m.filter((x) => x.error);
    expect(errors.map((x) => x.message)).toEqual(expected.map((re) => expect.stringMatching(re)));
    errors.forEach((x) => expect(x.name).toBe(RULES_BY_CLASS[cls].code));
    expect(m.some((x) => x.level === 'Info')).toBe(false);
    const full = await validateDesignText(siteWith(overlay));
    expect(full.status.status).toBe('Failure');
  });
});

test('BootactionDefined: a node outside every boot action is a warning, status stays Success', async () => {
  const design = await designOf('bootactionDefined');
  const m = await executeRule(RULES_BY_CLASS.BootactionDefined, design);
  expect(m.map((x) => [x.level, x.message])).toEqual([
    ['Warning', 'Bootaction Definition: Node n2 is not in scope for any bootactions.'],
    ['Info', 'Bootaction Definition: Validation successful.'],
  ]);
  expect((await validateDesignText(siteWith('bootactionDefined'))).status.status).toBe('Success');
});

describe('PlatformSelection with an injected catalog', () => {
  const catalog = (images: string[], kernels: string[]) => ({ images: async () => images, kernels: async () => kernels });
  test('valid image and kernel', async () => {
    const m = await executeRule(RULES_BY_CLASS.PlatformSelection, await designOf(), { platformCatalog: catalog(['jammy'], ['ga-22.04']) });
    expect(m.map((x) => x.level)).toEqual(['Info']);
  });
  test('invalid image / kernel', async () => {
    const d = await designOf();
    const img = await executeRule(RULES_BY_CLASS.PlatformSelection, d, { platformCatalog: catalog(['focal'], []) });
    expect(img.map((x) => x.message)).toEqual(['Platform Selection: Platform Validation: invalid image jammy', 'Platform Selection: Platform Validation: invalid image jammy']);
    expect(img[0].diagnostic).toBe('Select a valid image from: focal');
    const k = await executeRule(RULES_BY_CLASS.PlatformSelection, d, { platformCatalog: catalog(['jammy'], ['hwe-22.04']) });
    expect(k[0].message).toBe('Platform Selection: Platform Validation: invalid kernel ga-22.04');
  });
  test('catalog failure warns and skips', async () => {
    const m = await executeRule(RULES_BY_CLASS.PlatformSelection, await designOf(), {
      platformCatalog: { images: async () => Promise.reject(new Error('down')), kernels: async () => [] },
    });
    expect(m.map((x) => x.level)).toEqual(['Warning', 'Info']);
    expect(m[0].message).toContain('Could not load images from driver, skippingimage');
  });
});
