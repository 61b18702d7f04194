/**
 * The plans the provisioner applies, built from the effective design of examples/site/demo-site.yaml.
 * Every expected value below is read from that file (and Drydock's inheritance rules: a host profile's
 * dicts merge parent first, its lists child first; HostProfile "compute" inherits from "base"), not from
 * the code's output.
 */
import YAML from 'yaml';
import type { EffectiveDesign, EffectiveNode } from '../../design';
import { deployUserData, networkPlan, nodeIdentity, oobAddress, platformPlan, storagePlan, templatePlan } from '../../activities/plans';
import { bootActionKey, parseBootActionId } from '../../common/bootActionProtocol';
import { demoDesign } from '../harness/demoSite';

let design: EffectiveDesign;
beforeAll(async () => {
  design = await demoDesign();
});
const node = (name: string): EffectiveNode => {
  const n = design.baremetal_nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name} in the demo design`);
  return n;
};

// n01..n10: OOB 127.10.0.11..20, mgmt 10.23.1.11..20, storage 10.23.2.11..20, boot MAC 52:54:00:00:01:01..0a;
// n01–n06 ipmi, n07–n10 redfish.
const NODES = Array.from({ length: 10 }, (_, i) => ({
  name: `n${String(i + 1).padStart(2, '0')}`,
  host: 11 + i,
  mac: `52:54:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`,
  oobType: i < 6 ? 'ipmi' : 'redfish',
}));

describe('node identity (how the provisioner finds the machine)', () => {
  test.each(NODES)('$name: $oobType BMC at 127.10.0.$host, boot MAC $mac, domain of its primary network mgmt', ({ name, host, mac, oobType }) => {
    expect(nodeIdentity(design, node(name))).toEqual({
      name,
      oobType,
      oobAddress: `127.10.0.${host}`,
      bootMac: mac,
      domain: 'demo.example.com',
    });
    expect(oobAddress(node(name))).toBe(`127.10.0.${host}`);
  });
});

describe('network plan (apply_node_networking)', () => {
  test.each(NODES)('$name: pxe by DHCP, bond0 over the data link with its static mgmt and storage addresses', ({ name, host }) => {
    expect(networkPlan(design, node(name))).toEqual({
      interfaces: [
        // From HostProfile base: the parent's interfaces come first.
        {
          name: 'pxe',
          link: 'pxe',
          mtu: 1500,
          noconfig: false,
          bonding: undefined,
          slaves: ['nic_pxe'],
          networks: [{ name: 'pxe', cidr: '10.23.0.0/24', vlan: undefined, mtu: 1500, native: true, mode: 'dhcp', ip: undefined, defaultGateway: false }],
        },
        // From HostProfile compute: link "data" bonds 802.3ad, trunks 802.1q with mgmt as its default network.
        {
          name: 'bond0',
          link: 'data',
          mtu: 9000,
          noconfig: false,
          bonding: { mode: '802.3ad', miimon: 100, downdelay: 200, updelay: 200, lacpRate: 'fast', xmitHashPolicy: 'layer3+4' },
          slaves: ['nic_data0', 'nic_data1'],
          networks: [
            { name: 'mgmt', cidr: '10.23.1.0/24', vlan: 101, mtu: 1500, native: true, mode: 'static', ip: `10.23.1.${host}`, defaultGateway: true },
            { name: 'storage', cidr: '10.23.2.0/24', vlan: 102, mtu: 9000, native: false, mode: 'static', ip: `10.23.2.${host}`, defaultGateway: false },
          ],
        },
      ],
    });
  });

  test('the oob network is on no interface of a node, so it is in no node network plan', () => {
    for (const { name } of NODES) {
      expect(networkPlan(design, node(name)).interfaces.flatMap((i) => i.networks.map((n) => n.name))).not.toContain('oob');
    }
  });
});

describe('storage plan (apply_node_storage)', () => {
  test('n01: boot_disk with root (30g, bootable, ext4 on /), boot (1g, ext4 on /boot) and var (40%) in data_vg; log_lv (30%, xfs on /var/log)', () => {
    expect(storagePlan(design, node('n01'))).toEqual({
      physicalDevices: [
        {
          name: 'boot_disk',
          volumeGroup: undefined,
          partitions: [
            { name: 'root', size: '30g', partUuid: undefined, bootable: true, volumeGroup: undefined, filesystem: { mountpoint: '/', fstype: 'ext4', mountOptions: 'defaults', fsUuid: undefined, fsLabel: undefined } },
            { name: 'boot', size: '1g', partUuid: undefined, bootable: undefined, volumeGroup: undefined, filesystem: { mountpoint: '/boot', fstype: 'ext4', mountOptions: 'defaults', fsUuid: undefined, fsLabel: undefined } },
            { name: 'var', size: '40%', partUuid: undefined, bootable: undefined, volumeGroup: 'data_vg', filesystem: undefined },
          ],
        },
      ],
      volumeGroups: [
        {
          name: 'data_vg',
          vgUuid: undefined,
          // No mount_options in the design: Drydock's ingester defaults them to 'defaults'.
          logicalVolumes: [{ name: 'log_lv', size: '30%', lvUuid: undefined, filesystem: { mountpoint: '/var/log', fstype: 'xfs', mountOptions: 'defaults', fsUuid: undefined, fsLabel: undefined } }],
        },
      ],
    });
  });

  test('every node inherits the same layout from HostProfile base', () => {
    const first = storagePlan(design, node('n01'));
    for (const { name } of NODES) expect(storagePlan(design, node(name))).toEqual(first);
  });
});

describe('platform plan (apply_node_platform)', () => {
  test.each(NODES)('$name: jammy with ga-22.04; compute drops quiet and resolves its hardware profile references', ({ name }) => {
    expect(platformPlan(design, node(name))).toEqual({
      nodeName: name,
      // Drydock writes hugepagesz/hugepages first, then the other parameters, parent's before child's:
      // console (base), isolcpus = cpu_sets.pinned; hugepages.dpdk size 1G, count 8; quiet removed by '!quiet'.
      kernelParams: 'hugepagesz=1G hugepages=8 console=ttyS0,115200n8 isolcpus=2-7',
      // Lists merge child first: compute's tag, then base's.
      tags: ['compute', 'demo'],
      image: 'jammy',
      kernel: 'ga-22.04',
    });
  });
});

describe('network template (create_network_template)', () => {
  test('one entry per network link in design order, each with its allowed networks', () => {
    expect(templatePlan(design)).toEqual({
      links: [
        {
          name: 'oob',
          mtu: 1500,
          noconfig: false,
          networks: [
            {
              name: 'oob',
              cidr: '127.10.0.0/24',
              vlan: undefined,
              mtu: undefined,
              dnsDomain: 'oob.demo.example.com',
              dnsServers: ['127.10.0.2'],
              ranges: [{ type: 'static', start: '127.10.0.10', end: '127.10.0.250' }],
              routes: [],
              dhcpRelayUpstream: undefined,
              noconfig: false,
            },
          ],
        },
        {
          name: 'pxe',
          mtu: 1500,
          noconfig: false,
          networks: [
            {
              name: 'pxe',
              cidr: '10.23.0.0/24',
              vlan: undefined,
              mtu: 1500,
              dnsDomain: 'pxe.demo.example.com',
              dnsServers: ['10.23.0.2'],
              ranges: [{ type: 'dhcp', start: '10.23.0.50', end: '10.23.0.250' }],
              routes: [],
              dhcpRelayUpstream: undefined,
              noconfig: false,
            },
          ],
        },
        {
          name: 'data',
          mtu: 9000,
          noconfig: false,
          networks: [
            {
              name: 'mgmt',
              cidr: '10.23.1.0/24',
              vlan: 101,
              mtu: 1500,
              dnsDomain: 'demo.example.com',
              // "servers: 10.23.1.2,10.23.1.3": a comma-separated list.
              dnsServers: ['10.23.1.2', '10.23.1.3'],
              ranges: [{ type: 'static', start: '10.23.1.10', end: '10.23.1.250' }],
              routes: [{ subnet: '0.0.0.0/0', gateway: '10.23.1.1', metric: 10 }],
              dhcpRelayUpstream: undefined,
              noconfig: false,
            },
            {
              name: 'storage',
              cidr: '10.23.2.0/24',
              vlan: 102,
              mtu: 9000,
              dnsDomain: 'storage.demo.example.com',
              dnsServers: ['10.23.1.2'],
              ranges: [{ type: 'static', start: '10.23.2.10', end: '10.23.2.250' }],
              routes: [],
              dhcpRelayUpstream: undefined,
              noconfig: false,
            },
          ],
        },
      ],
    });
  });
});

describe('deploy user data (the cloud-config MaaS hands the node)', () => {
  const reports = { secret: 'unit-test-secret', reportUrl: 'http://127.0.0.1:9000/api/v1.0/bootactions/' };
  const workflowId = 'demo-deploy_node-n07-task-1';

  test("BootAction demo-motd's pkg_list as Drydock writes it, and one boot action report for the signaling action", () => {
    const text = deployUserData(design, node('n07'), workflowId, reports)!;
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = YAML.parse(text.slice('#cloud-config\n'.length)) as { packages: unknown[]; runcmd: string[][] };
    expect(Object.keys(doc).sort()).toEqual(['packages', 'runcmd']);
    // chrony: null → just the name; jq: '1.6-2.1ubuntu3' → [name, version].
    expect(doc.packages).toEqual(['chrony', ['jq', '1.6-2.1ubuntu3']]);

    expect(doc.runcmd).toHaveLength(1);
    const cmd = doc.runcmd[0];
    expect(cmd[0]).toBe('curl');
    expect(cmd[cmd.indexOf('-X') + 1]).toBe('POST');
    const url = cmd[cmd.length - 1];
    expect(url.startsWith(reports.reportUrl)).toBe(true);
    const actionId = url.slice(reports.reportUrl.length);
    // The action id names this node's deploy workflow and the boot action, so the report reaches it.
    expect(parseBootActionId(actionId)).toEqual({ workflowId, bootAction: 'demo-motd' });
    // The key is the one the boot action API checks for that id.
    const headers = cmd.flatMap((a, i) => (cmd[i - 1] === '-H' ? [a] : []));
    expect(headers).toContain(`X-Bootaction-Key: ${bootActionKey(reports.secret, actionId)}`);
    expect(headers).toContain('Content-Type: application/json');
    expect(JSON.parse(cmd[cmd.indexOf('-d') + 1])).toEqual({ status: 'success', details: [{ message: 'Boot action demo-motd ran on n07', error: false }] });
  });

  test('demo-motd has no node filter, so every node gets the same packages and its own report', () => {
    const ids = new Set<string>();
    for (const { name } of NODES) {
      const wf = `demo-deploy_node-${name}-task-1`;
      const doc = YAML.parse(deployUserData(design, node(name), wf, reports)!.slice('#cloud-config\n'.length)) as { packages: unknown[]; runcmd: string[][] };
      expect(doc.packages).toEqual(['chrony', ['jq', '1.6-2.1ubuntu3']]);
      const url = doc.runcmd[0][doc.runcmd[0].length - 1];
      expect(parseBootActionId(url.slice(reports.reportUrl.length))).toEqual({ workflowId: wf, bootAction: 'demo-motd' });
      ids.add(url);
    }
    expect(ids.size).toBe(NODES.length);
  });

  test('the key depends on the secret: another worker secret gives another key', () => {
    const a = deployUserData(design, node('n01'), workflowId, reports)!;
    const b = deployUserData(design, node('n01'), workflowId, { ...reports, secret: 'another-secret' })!;
    expect(a).not.toEqual(b);
    expect(a).not.toContain(reports.secret);
  });

  test('a node no boot action targets gets no user data', () => {
    expect(deployUserData({ ...design, bootactions: [] }, node('n01'), workflowId, reports)).toBeUndefined();
  });
});
