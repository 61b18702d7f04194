/**
 * Rehearsing a real site design on the simulator (issue 13): Drydock's own deckhand_fullsite.yaml, whose BMCs
 * are on 172.16.100.0/24, runs prepare_site, prepare_nodes and deploy_nodes. The simulated BMCs listen on
 * loopback and the drivers reach them through DRYDOCK_BMC_ENDPOINTS; the nodes' hardware is built from the
 * design's HardwareProfile; MaaS has the images the design asks for, as that site's region would.
 * deploy_nodes deploys every node, but its result is `failure`, as Drydock's would be: two of the sample's
 * boot actions are signaling and none of their assets reports a status (see the test).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeDrydock, sampleRef } from '../design/drydockData';
import { startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import type { Task } from '../../workflows/task';

const FULLSITE = sampleRef('deckhand_fullsite.yaml');
const NODES = ['compute01', 'compute02', 'controller01'];

describeDrydock('rehearsing deckhand_fullsite.yaml on the simulator', () => {
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  const run = async (action: string): Promise<Task> =>
    env.run(async () => {
      const { taskId } = await env.client.createTask(action as never, { designRef: FULLSITE });
      return env.client.waitTask(taskId, undefined, 200);
    });
  const errors = (t: Task) => t.result.details.messageList.filter((m) => m.error).map((m) => m.message);
  const errorsOf = (t: Task, node: string) => t.result.details.messageList.filter((m) => m.error && m.context === node).map((m) => m.message);

  beforeAll(async () => {
    site = await startSimulatedSite({ designRef: FULLSITE });
    // Two of the sample's signaling boot actions never report: 15 s (Drydock's bootaction_final_status, in
    // minutes) is the wait for them, while the nodes run their assets within a few seconds of their deploy.
    const timeouts = { ...fastSettings().timeouts, bootaction_final_status: 0.25 };
    env = await startTestWorker('rehearse-fullsite', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 3, timeouts }) });
  });
  afterAll(async () => {
    await env?.close();
    await site?.stop();
  });

  test('every BMC listens on loopback and is reached through the endpoint map, keyed by its design address', () => {
    expect(Object.keys(site.drivers.bmcEndpoints).sort()).toEqual(['172.16.100.20', '172.16.100.21', '172.16.100.23']);
    for (const e of Object.values(site.drivers.bmcEndpoints)) expect(e.host).toMatch(/^127\./);
  });

  test('prepare_site and prepare_nodes succeed; deploy_nodes deploys every node and waits for its signaling boot actions', async () => {
    const prepared = await run('prepare_site');
    expect([prepared.result.status, errors(prepared)]).toEqual(['success', []]);

    const nodes = await run('prepare_nodes');
    expect([nodes.result.status, errors(nodes)]).toEqual(['success', []]);
    for (const n of NODES) {
      // HPGen9v3's aliases resolved from the lshw MaaS collected: the NICs at 0000:00:03.0/04.0, the disk at 2:0.0.0.
      expect(nodes.nodes[n]!.message).toContain('prim_nic01=eno1, prim_nic02=eno2, primary_boot=sda');
      const bmc = site.sim.bmcs.get(n)!;
      expect([bmc.address, bmc.host]).toEqual([site.sim.nodes.find((x) => x.name === n)!.oobAddress, '127.0.0.1']);
      expect(bmc.type === 'ipmi' && bmc.sim.chassis().events.some((e) => / power 1$/.test(e))).toBe(true);
    }

    const deployed = await run('deploy_nodes');
    for (const n of NODES) {
      const m = site.sim.maas.machine(n)!;
      expect(m.status_name).toBe('Deployed');
      const bond = m.interface_set.find((i) => i.name === 'bond0')!;
      expect(bond.parents.sort()).toEqual(['eno1', 'eno2']);
      expect(bond.links.map((l) => l.subnet?.cidr)).toEqual(['172.16.1.0/24']);
      expect(m.blockdevice_set.find((b) => b.name === 'sda')?.partitions.length).toBe(2);
      // The nodes ran their boot actions' assets, rendered with their own context.
      expect(fs.readFileSync(path.join(site.sim.nodeRoot(n), 'var/tmp/hello.sh'), 'utf8')).toContain(`Hello World! -from ${n}`);
    }
    // The sample's helloworld and hw_filtered2 are signaling (Drydock's default) but none of their assets
    // reports a status, so Drydock's BootactionReport times them out and fails the node, as here;
    // hw_filtered (signaling: false) is not waited for.
    expect(deployed.result.status).toBe('failure');
    const timedOut = (n: string) => errorsOf(deployed, n).filter((m) => m.startsWith('Boot action '));
    expect(Object.fromEntries(NODES.map((n) => [n, timedOut(n)]))).toEqual({
      compute01: ['Boot action helloworld timed out.'],
      compute02: ['Boot action helloworld timed out.', 'Boot action hw_filtered2 timed out.'],
      controller01: ['Boot action helloworld timed out.'],
    });
    for (const n of NODES) expect(deployed.nodes[n]).toMatchObject({ step: 'bootaction_report', result: 'failure' });
  });
});
