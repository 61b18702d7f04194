/**
 * Issue 13 on the simulated site: nodes whose NICs and disks have kernel names at the HardwareProfile's
 * addresses. prepare_nodes checks the hardware after commissioning, deploy_nodes configures MaaS by the
 * kernel names lshw reports, destroy_nodes deletes the machine from MaaS as Drydock does, and the node is
 * enlisted, commissioned and deployed again from scratch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import { withSiteName } from '../harness/ownSite';
import type { Task } from '../../workflows/task';

const filter = (nodes: string[]) => ({ filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: nodes }] });

describe('introspection, alias resolution and destroy on the simulated site', () => {
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  let dir: string;
  let siteRef: string;
  const run = async (action: string, nodes: string[], designRef = siteRef): Promise<Task> =>
    env.run(async () => {
      const { taskId } = await env.client.createTask(action as never, { designRef, nodeFilter: filter(nodes) });
      return env.client.waitTask(taskId, undefined, 200);
    });
  const errors = (t: Task) => JSON.stringify(t.result.details.messageList.filter((m) => m.error).map((m) => m.message));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-introspection-'));
    // The example site under a name of its own: its design lock is not the one other suites take at the same time.
    const own = path.join(dir, 'site.yaml');
    fs.writeFileSync(own, withSiteName(fs.readFileSync(DEMO_SITE_PATH, 'utf8'), 'demo-introspection'));
    siteRef = `file://${own}`;
    site = await startSimulatedSite({ designRef: siteRef });
    expect(site.design.site).toBe('demo-introspection');
    env = await startTestWorker('introspection', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 4 }) });
    const t = await run('prepare_site', []);
    expect(t.result.status).toBe('success');
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('deploy configures MaaS by kernel names; destroy deletes the machine; prepare enlists and commissions it again; deploy works', async () => {
    const prepared = await run('prepare_nodes', ['n01']);
    expect(prepared.result.status).toBe('success');
    expect(prepared.nodes.n01!.message).toContain('nic_pxe=eno1, nic_data0=enp2s0f0, nic_data1=enp2s0f1, boot_disk=sda');

    const deployed = await run('deploy_nodes', ['n01']);
    expect([deployed.result.status, errors(deployed)]).toEqual(['success', '[]']);
    const m = site.sim.maas.machine('n01')!;
    const iface = (name: string) => m.interface_set.find((i) => i.name === name);
    // bond0 over the two data NICs by their kernel names; the PXE NIC linked to the pxe network by DHCP.
    expect(iface('bond0')?.parents.sort()).toEqual(['enp2s0f0', 'enp2s0f1']);
    expect(iface('eno1')?.links.map((l) => [l.mode, l.subnet?.cidr])).toEqual([['dhcp', '10.23.0.0/24']]);
    expect(m.interface_set.map((i) => i.name)).not.toEqual(expect.arrayContaining(['nic_pxe']));
    expect(m.blockdevice_set.find((b) => b.name === 'sda')?.partitions.length).toBeGreaterThan(0);
    const counts = site.sim.maas.counters().machines.n01!;
    expect(counts).toMatchObject({ create_bond: 1, deploy: 1 });
    // What MaaS configured, by name: the kernel's names, never an alias of the design.
    const configured = site.sim.maas.counters().objects.n01!;
    expect(configured).toMatchObject({ bond0: { create_bond: 1 }, eno1: { link_subnet: 1 }, sda: { set_boot_disk: 1, create_partition: expect.any(Number) } });
    expect(Object.keys(configured).filter((name) => /^(nic_|boot_disk)/.test(name))).toEqual([]);
    const firstId = m.system_id;

    const destroyed = await run('destroy_nodes', ['n01']);
    expect([destroyed.result.status, errors(destroyed)]).toEqual(['success', '[]']);
    expect(site.sim.maas.machine('n01')).toBeUndefined();
    expect(site.sim.maas.machines().map((x) => x.system_id)).not.toContain(firstId);

    const again = await run('prepare_nodes', ['n01']);
    expect([again.result.status, errors(again)]).toEqual(['success', '[]']);
    const back = site.sim.maas.machine('n01')!;
    expect(back.system_id).not.toBe(firstId);
    expect(back.status_name).toBe('Ready');
    // A fresh machine: enlisted by its PXE boot, identified and commissioned once.
    expect(site.sim.maas.counters().machines.n01).toMatchObject({ commission: 1 });

    const redeployed = await run('deploy_nodes', ['n01']);
    expect([redeployed.result.status, errors(redeployed)]).toEqual(['success', '[]']);
    expect(site.sim.maas.machine('n01')?.status_name).toBe('Deployed');
  });

  test('a HardwareProfile alias at a PCI address no node has fails prepare_nodes for those nodes, naming what was found', async () => {
    // The same site under another name (its own design lock), whose profile puts nic_pxe where no NIC is.
    const moved = withSiteName(fs.readFileSync(DEMO_SITE_PATH, 'utf8'), 'demo-moved').replace("nic_pxe:\n      address: '0000:01:00.0'", "nic_pxe:\n      address: '0000:81:00.0'");
    expect(moved).toContain("address: '0000:81:00.0'");
    const file = path.join(dir, 'moved.yaml');
    fs.writeFileSync(file, moved);
    const t = await run('prepare_nodes', ['n02', 'n03'], `file://${file}`);
    expect(t.result.status).toBe('failure');
    expect(t.result.failures.sort()).toEqual(['n02', 'n03']);
    for (const n of ['n02', 'n03']) {
      expect(t.nodes[n]).toMatchObject({ result: 'failure', step: 'introspect_node' });
      expect(t.nodes[n]!.message).toBe(
        `introspect_node: hardware profile demo-server-v1: alias nic_pxe (pci 0000:81:00.0) not found on ${n}; ` +
          'found eno1 0000:01:00.0, eno2 0000:01:00.1, enp2s0f0 0000:02:00.0, enp2s0f1 0000:02:00.1',
      );
    }
  });
});
