/**
 * Build data in PostgreSQL on the simulated site (issue 13): prepare_nodes on one worker keeps each node's
 * commissioning results in Drydock's build_data table; that worker stops, and a second worker, with a store of
 * its own on the same database, reads the lshw record back and runs verify_nodes, which sets the hardware
 * manifest from that build data beside each BMC's inventory. One node's BMC reports another board's serial (its
 * FRU data left from a replaced motherboard), and its BIOS is flashed after commissioning (through the Redfish
 * emulator's control API, behind Drydock's back): its verify messages carry both differences, and the BIOS
 * against the version its HardwareProfile declares.
 */
import { Connection } from '@temporalio/client';
import { silentLogger } from '../../common/logger';
import { PostgresBuildDataStore } from '../../drivers/buildDataPostgres';
import { buildDataStoreOf } from '../../worker/deps';
import { startSimulatedSite, type SimulatedSite } from '../../worker/simulatedSite';
import type { Task } from '../../workflows/task';
import { demoSiteNamed } from '../harness/ownSite';
import { demoDesign } from '../harness/site';
import { postgresUnavailable, startPostgres, type Postgres } from '../harness/postgres';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL build data acceptance test: ${unavailable}`);
const describeIfPostgres = unavailable ? describe.skip : describe;

const filter = (nodes: string[]) => ({ filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: nodes }] });
/** A serial of another board: what n08's BMC still reports. */
const OTHER_BOARD_SERIAL = 'CZJ8420F7Q';

describeIfPostgres('build data in PostgreSQL across a worker restart; verify_nodes against it', () => {
  const own = demoSiteNamed('demo-builddata');
  let pg: Postgres;
  let connection: Connection;
  let site: SimulatedSite;
  const envs: TestWorkerEnv[] = [];
  const stores: PostgresBuildDataStore[] = [];

  const run = (env: TestWorkerEnv, action: string, nodes: string[]): Promise<Task> =>
    env.run(async () => {
      const { taskId } = await env.client.createTask(action as never, { designRef: own.ref, nodeFilter: filter(nodes) });
      return env.client.waitTask(taskId, undefined, 200);
    });

  beforeAll(async () => {
    pg = await startPostgres();
    connection = await Connection.connect({ address: temporalAddress() });
    site = await startSimulatedSite({ design: await demoDesign(own.ref), connection, logger: silentLogger, bmcReports: { n08: { serialNumber: OTHER_BOARD_SERIAL } } });
  }, 60_000);
  afterAll(async () => {
    for (const e of envs) await e.close();
    for (const s of stores) await s.close();
    await site?.stop();
    await connection?.close();
    await pg?.stop();
    own.remove();
  });

  test('prepare_nodes on one worker; a second worker reads the lshw build data back and verifies the nodes against it', async () => {
    const drivers = { ...site.drivers, buildDataUrl: pg.url };
    const settings = fastSettings();

    // The first worker: its store comes from the configuration, as in production (DRYDOCK_BUILD_DATA_URL).
    const first = await startTestWorker('builddata-pg-1', { drivers, settings });
    envs.push(first);
    expect((await run(first, 'prepare_site', [])).result.status).toBe('success');
    const prepared = await run(first, 'prepare_nodes', ['n01', 'n07', 'n08']);
    expect([prepared.result.status, prepared.result.details.messageList.filter((m) => m.error).map((m) => m.message)]).toEqual(['success', []]);
    // run() has shut that worker down; its connections go too.
    await first.close();
    envs.pop();

    // The second worker, with a fresh store object on the same database.
    const store = buildDataStoreOf(drivers, silentLogger) as PostgresBuildDataStore;
    stores.push(store);
    expect(store).toBeInstanceOf(PostgresBuildDataStore);
    const second = await startTestWorker('builddata-pg-2', { drivers, settings, deps: { buildData: store } });
    envs.push(second);

    const latest = await store.forNode('n07', { latest: true });
    const lshw = latest.find((r) => r.generator === 'lshw');
    expect(lshw).toMatchObject({ nodeName: 'n07', taskId: prepared.task_id, dataFormat: 'text/xml' });
    // Exactly what MaaS's commissioning collected on the machine: its kernel names, never an alias.
    const m = site.sim.maas.machine('n07')!;
    const maasLshw = (await fetchCommissioningLshw(site, m.system_id))!;
    expect(lshw!.data).toBe(maasLshw);
    expect(lshw!.data).toContain('<logicalname>eno1</logicalname>');
    expect(lshw!.data).not.toContain('<logicalname>nic_pxe</logicalname>');
    expect(
      (await store.forTask(prepared.task_id))
        .filter((r) => r.generator === 'lshw')
        .map((r) => r.nodeName)
        .sort(),
    ).toEqual(['n01', 'n07', 'n08']);

    // n08's BIOS is flashed from the host after commissioning: its BMC reports the new version from now on.
    const n08Bmc = site.sim.bmcs.get('n08')!;
    if (n08Bmc.type !== 'redfish') throw new Error('n08 has a Redfish BMC in the demo site');
    const flashed = await fetch(`${n08Bmc.emulator.url}/emulator/hardware`, { method: 'POST', body: JSON.stringify({ biosVersion: '1.1.0' }) });
    expect(flashed.status).toBe(204);

    const verified = await run(second, 'verify_nodes', ['n01', 'n07', 'n08']);
    expect(verified.result.status).toBe('success');
    const n07 = verified.nodes.n07!.message ?? '';
    expect(n07).toContain(`hardware manifest (lshw of task ${prepared.task_id}, ${lshw!.collectedDate}): `);
    expect(n07).toMatch(/NICs eno1 [0-9a-f:]{17}/);
    // The BIOS the demo HardwareProfile declares, two sockets and 256 GiB: what lshw saw and the Redfish BMC reports.
    expect(n07).toContain('; BIOS 1.0.0 (01/15/2024); CPUs 2 (32 cores); memory 256 GiB; ');
    expect(n07).toContain('BMC inventory agrees with the hardware manifest');
    expect(n07).not.toContain('DIFFERS');
    // An IPMI BMC: its FRU names the same machine (IPMI has no drive or NIC inventory to compare).
    expect(verified.nodes.n01!.message).toContain(`hardware manifest (lshw of task ${prepared.task_id}, `);
    expect(verified.nodes.n01!.message).toContain('BMC inventory agrees with the hardware manifest');
    const n08 = verified.nodes.n08!.message ?? '';
    const serial = site.sim.nodes.find((n) => n.name === 'n08')!.hardware.serial;
    expect(n08).toContain(
      `BMC inventory DIFFERS from the hardware manifest: serial: lshw "${serial}", BMC "${OTHER_BOARD_SERIAL}"; BIOS: lshw "1.0.0 (01/15/2024)", BMC "1.1.0"; ` +
        'BIOS DIFFERS from the design: hardware profile demo-server-v1 declares BIOS "1.0.0", BMC reports "1.1.0"',
    );
    expect(n08).not.toContain('manufacturer:');
    expect(n08).not.toMatch(/CPUs: |memory: /);
  });
});

/** The lshw output MaaS holds for the machine, read as a client reads it (the worker's provisioner). */
async function fetchCommissioningLshw(site: SimulatedSite, systemId: string): Promise<string | undefined> {
  const { defaultDeps } = await import('../../worker/deps');
  const deps = defaultDeps(fastSettings(), silentLogger, site.drivers);
  const results = await deps.provisioner!.commissioningResults(systemId);
  return results.find((r) => r.name === 'maas-lshw')?.data;
}
