import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DrydockClient } from '../../client/drydockClient';
import { silentLogger } from '../../common/logger';
import { createDrydockWorker } from '../../worker/worker';
import { startSimulatedSite, type SimulatedSite } from '../../worker/simulatedSite';
import { DEMO_SITE, demoDesign } from '../harness/demoSite';
import { installQuietRuntime } from '../harness/quietRuntime';
import { countsOf } from '../harness/site';
import { fastSettings } from '../harness/temporal';
import type { Task } from '../../workflows/task';
import { startTemporalCluster, temporalClusterUnavailable, type TemporalCluster } from './temporalCluster';

const unavailable = temporalClusterUnavailable();
if (unavailable) console.warn(`skipping the Temporal cluster test: ${unavailable}`);
const describeIfCluster = unavailable ? describe.skip : describe;

const NODES = ['n01', 'n02', 'n03'];
const TASK_QUEUE = 'drydock-cluster-test';
const filter = { filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: NODES }] };

/**
 * The production shape, run for real: the Temporal server (not the dev server) on PostgreSQL, schema set up by its
 * SQL tool, search attributes registered; the worker and the simulated site against it. The server process is
 * SIGKILLed while MaaS is deploying the nodes and started again: Temporal's state lives in PostgreSQL, so the deploy
 * carries on from its history and each node is deployed once.
 */
describeIfCluster('a Temporal cluster on PostgreSQL', () => {
  let cluster: TemporalCluster | undefined;
  let site: SimulatedSite | undefined;
  let siteConnection: Connection | undefined;
  let workerConnection: NativeConnection | undefined;
  let client: DrydockClient | undefined;

  beforeAll(async () => {
    // Timers on time, as the tests' dev server (test/harness/globalSetup.ts): the tests' short polls want them.
    cluster = await startTemporalCluster({ dynamicConfig: { 'history.timerProcessorMaxTimeShift': '1ms' } });
    siteConnection = await Connection.connect({ address: cluster.address });
    // Deploying takes MaaS a few seconds, so the server restart lands while every node is mid-deploy.
    site = await startSimulatedSite({ design: await demoDesign(), connection: siteConnection, namespace: cluster.namespace, durations: { deploying: 6000 } });
    installQuietRuntime();
    workerConnection = await NativeConnection.connect({ address: cluster.address });
    client = await DrydockClient.connect({ address: cluster.address, namespace: cluster.namespace, taskQueue: TASK_QUEUE, connectTimeout: 10 });
  }, 240_000);

  afterAll(async () => {
    await client?.close();
    await workerConnection?.close();
    await site?.stop();
    await siteConnection?.close();
    await cluster?.stop();
  }, 60_000);

  test('prepare_site, prepare_nodes, deploy_nodes of 3 nodes with the server killed and restarted mid-deploy: success, one deploy per node', async () => {
    const c = cluster!;
    const s = site!;
    const dc = client!;
    const worker = await createDrydockWorker({
      connection: workerConnection!,
      namespace: c.namespace,
      taskQueue: TASK_QUEUE,
      settings: fastSettings({ max_parallel_nodes: 10 }),
      drivers: s.drivers,
      logger: silentLogger,
      workflowBundle: { codePath: process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE! },
    });
    const run = async (action: 'prepare_site' | 'prepare_nodes'): Promise<Task> => {
      const { taskId } = await dc.createTask(action, { designRef: DEMO_SITE, nodeFilter: action === 'prepare_site' ? undefined : filter });
      return dc.waitTask(taskId, undefined, 250);
    };
    const deploy = await worker.runUntil(async () => {
      expect((await run('prepare_site')).result.status).toBe('success');
      expect((await run('prepare_nodes')).result.status).toBe('success');

      const { taskId } = await dc.createTask('deploy_nodes', { designRef: DEMO_SITE, nodeFilter: filter });
      const deploying = () => NODES.filter((n) => s.sim.maas.machine(n)?.status_name === 'Deploying');
      for (const end = Date.now() + 60_000; deploying().length < NODES.length; await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > end) throw new Error(`the nodes never were all Deploying at once: ${NODES.map((n) => `${n} ${s.sim.maas.machine(n)?.status_name}`).join(', ')}`);
      }
      // The kill lands in the middle of deploy_nodes: the task runs and MaaS is deploying every node.
      expect((await dc.getTask(taskId)).status).toBe('running');
      const killed = c.serverPid();
      await c.killServer();
      await c.startServer();
      expect(c.serverPid()).not.toBe(killed);
      return dc.waitTask(taskId, undefined, 250);
    });

    expect({ status: deploy.status, result: deploy.result.status, successes: [...deploy.result.successes].sort() }).toEqual({
      status: 'complete',
      result: 'success',
      successes: NODES,
    });
    const deploys = countsOf(s.sim, 'deploy');
    expect(Object.fromEntries(NODES.map((n) => [n, deploys[n]]))).toEqual({ n01: 1, n02: 1, n03: 1 });
    for (const n of NODES) expect(s.sim.maas.machine(n)?.status_name).toBe('Deployed');

    // The state lives in PostgreSQL, and the SQL visibility store answers Drydock's search attributes.
    expect(Number(c.postgres.psql(`SELECT count(*) FROM executions WHERE workflow_id = 'deploy_nodes-${deploy.task_id}'`, 'temporal'))).toBe(1);
    const listed = await dc.listTasks({ action: 'deploy_nodes' });
    expect(listed.map((t) => t.task_id)).toContain(deploy.task_id);
  }, 600_000);
});
