/**
 * The plans the provisioner applies, built from the effective design of examples/site/demo-site.yaml.
 * Every expected value below is read from that file (and Drydock's inheritance rules: a host profile's
 * dicts merge parent first, its lists child first; HostProfile "compute" inherits from "base"), not from
 * the code's output.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { EffectiveDesign, EffectiveNode } from '../../design';
import { deployUserData, networkPlan, nodeIdentity, oobAddress, platformPlan, storagePlan, templatePlan } from '../../activities/plans';
import { bootActionId, bootActionIdentities, nodeBootActionKey, parseBootActionId } from '../../common/bootActionKeys';
import { renderNodeAssets } from '../../design/bootactions';
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
            {
              name: 'root',
              size: '30g',
              partUuid: undefined,
              bootable: true,
              volumeGroup: undefined,
              filesystem: { mountpoint: '/', fstype: 'ext4', mountOptions: 'defaults', fsUuid: undefined, fsLabel: undefined },
            },
            {
              name: 'boot',
              size: '1g',
              partUuid: undefined,
              bootable: undefined,
              volumeGroup: undefined,
              filesystem: { mountpoint: '/boot', fstype: 'ext4', mountOptions: 'defaults', fsUuid: undefined, fsLabel: undefined },
            },
            { name: 'var', size: '40%', partUuid: undefined, bootable: undefined, volumeGroup: 'data_vg', filesystem: undefined },
          ],
        },
      ],
      volumeGroups: [
        {
          name: 'data_vg',
          vgUuid: undefined,
          // No mount_options in the design: Drydock's ingester defaults them to 'defaults'.
          logicalVolumes: [
            {
              name: 'log_lv',
              size: '30%',
              lvUuid: undefined,
              filesystem: { mountpoint: '/var/log', fstype: 'xfs', mountOptions: 'defaults', fsUuid: undefined, fsLabel: undefined },
            },
          ],
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
  const secret = 'unit-test-secret-0123456789';
  const reportUrl = 'http://127.0.0.1:9000/api/v1.0/bootactions/';
  const workflowId = 'demo-deploy_node-n07-task-1';
  const key = nodeBootActionKey(secret, workflowId, 'n07');
  const userData = async (name: string, d: EffectiveDesign = design) => {
    const identity = bootActionIdentities({ secret, reportUrl, workflowId, node: name, designRef: 'file:///demo.yaml' });
    const assets = await renderNodeAssets(d, name, identity);
    const targeted = d.bootactions.some((b) => b.target_nodes.includes(name));
    return deployUserData(name, assets, { key: nodeBootActionKey(secret, workflowId, name), reportUrl, targeted });
  };
  const parse = (text: string) => {
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    return YAML.parse(text.slice('#cloud-config\n'.length)) as { packages?: unknown[]; runcmd?: string[][] };
  };
  const fetchLine = (node: string, type: string) =>
    `curl -fsS --retry 10 --retry-connrefused --retry-delay 2 -H 'X-Bootaction-Key: ${nodeBootActionKey(secret, workflowId, node)}' '${reportUrl}nodes/${node}/${type}' | tar -xz -C /`;

  test("n07: demo-motd's packages, then fetch and unpack its units and files tarballs and enable demo-report's unit", async () => {
    const doc = parse((await userData('n07'))!);
    expect(Object.keys(doc).sort()).toEqual(['packages', 'runcmd']);
    // chrony: null → just the name; jq: '1.6-2.1ubuntu3' → [name, version].
    expect(doc.packages).toEqual(['chrony', ['jq', '1.6-2.1ubuntu3']]);
    expect(doc.runcmd).toEqual([
      ['sh', '-c', fetchLine('n07', 'units')],
      ['sh', '-c', fetchLine('n07', 'files')],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'drydock-demo-report.service'],
    ]);
  });

  test('nothing in the user data reports a boot action: the status comes from the assets alone', async () => {
    const text = (await userData('n07'))!;
    expect(text).not.toMatch(/-X POST|--data|"status"|success/);
    expect(text).not.toContain(secret);
    expect(text).toContain(key);
  });

  test('the fetch commands give curl and tar exactly their arguments through sh', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'userdata-sh-'));
    try {
      // Stand-ins that record their argv, one per line; curl writes nothing, so tar reads an empty stream.
      for (const tool of ['curl', 'tar']) {
        fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${bin}/${tool}.args"\ncat > /dev/null\n`, { mode: 0o755 });
      }
      const [, , script] = parse((await userData('n07'))!).runcmd![0];
      execFileSync('sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` } });
      const args = (tool: string) =>
        fs
          .readFileSync(path.join(bin, `${tool}.args`), 'utf8')
          .trimEnd()
          .split('\n');
      expect(args('curl')).toEqual(['-fsS', '--retry', '10', '--retry-connrefused', '--retry-delay', '2', '-H', `X-Bootaction-Key: ${key}`, `${reportUrl}nodes/n07/units`]);
      expect(args('tar')).toEqual(['-xz', '-C', '/']);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('every node gets its own key and URLs; a key depends on the deploy and on the worker secret', async () => {
    const keys = new Set<string>();
    for (const { name } of NODES) {
      const doc = parse((await userData(name))!);
      expect(doc.runcmd![0]).toEqual(['sh', '-c', fetchLine(name, 'units')]);
      keys.add(nodeBootActionKey(secret, workflowId, name));
    }
    expect(keys.size).toBe(NODES.length);
    expect(nodeBootActionKey(secret, `${workflowId}-r1`, 'n07')).not.toBe(key);
    expect(nodeBootActionKey('another-secret-0123456789', workflowId, 'n07')).not.toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  test('action ids name the deploy workflow and the boot action', () => {
    const id = bootActionId(workflowId, 'demo-report');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parseBootActionId(id)).toEqual({ workflowId, bootAction: 'demo-report' });
    expect(parseBootActionId(`${id}x`)).toBeUndefined();
  });

  test('without unit assets there is nothing to enable; a node no boot action targets gets no user data', async () => {
    const filesOnly = { ...design, bootactions: design.bootactions.filter((b) => b.name === 'demo-motd') };
    const doc = parse((await userData('n01', filesOnly))!);
    expect(doc.runcmd).toEqual([
      ['sh', '-c', fetchLine('n01', 'units')],
      ['sh', '-c', fetchLine('n01', 'files')],
      ['systemctl', 'daemon-reload'],
    ]);
    expect(await userData('n01', { ...design, bootactions: [] })).toBeUndefined();
  });
});
