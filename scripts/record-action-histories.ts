/**
 * Records a history of every Drydock action, run on the simulated example site, into test/histories/ for the
 * replay test (`npm run record-histories`). Re-run it after a change that alters workflow commands on
 * purpose (and guard that change with patched(), so the old histories still replay).
 *
 * It starts its own Temporal dev server (in memory, free port), the simulator and a worker with the SDK's
 * default data converter, so the recorded files are readable JSON. Each file is scanned for the site's
 * secrets (BMC passwords, the MaaS key, the boot action and Promenade secrets) before it is written.
 */
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import { DrydockClient } from '../client/drydockClient';
import { silentLogger } from '../common/logger';
import { orchestratorSettingsSchema } from '../common/orchestratorConfig';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign } from '../design';
import { startSimulatedSite } from '../worker/simulatedSite';
import { startDevServer } from '../worker/devServer';
import { installRuntime } from '../worker/telemetry';
import { createDrydockWorker } from '../worker/worker';
import { configuredSecrets, designCredentials } from '../worker/secrets';
import { designLockWorkflowId } from '../workflows/designLock';
import type { Action } from '../workflows/task';
import { recordHistory } from './record-history';
import { formatFinding, scanHistoryJson } from './scan-histories';

const DESIGN_REF = `file://${path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml')}`;
/** Two nodes keep the files small and still cover both OOB drivers (n01 IPMI, n07 Redfish). */
const NODES = ['n01', 'n07'];
const TASK_QUEUE = 'record-histories';
/** `--batches`: only the batched node action (patched 'node-batches'), one node per batch. */
const BATCHES = process.argv.includes('--batches');

/** In the order a site goes through them; each entry: action, and the child workflow action (node actions). */
const RUNBOOK: [Action, string | undefined][] = [
  ['validate_design', undefined],
  ['verify_site', undefined],
  ['prepare_site', undefined],
  ['verify_nodes', 'verify_node'],
  ['prepare_nodes', 'prepare_node'],
  ['deploy_nodes', 'deploy_node'],
  ['relabel_nodes', 'relabel_node'],
  ['destroy_nodes', 'destroy_node'],
];

async function main(): Promise<void> {
  const loaded = await loadDesign(DESIGN_REF);
  if (!loaded.design) throw new Error(`${DESIGN_REF} does not load`);
  installRuntime({ logger: silentLogger });
  const server = await startDevServer({ uiPort: null, logFile: path.join(os.tmpdir(), `drydock-record-histories-${process.pid}.log`) });
  const stops: (() => Promise<unknown>)[] = [() => server.stop()];
  try {
    const connection = await Connection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const site = await startSimulatedSite({ design: loaded.design, connection, dataConverter: {}, logger: silentLogger });
    stops.unshift(() => site.stop());
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    stops.unshift(() => nativeConnection.close());
    const settings = orchestratorSettingsSchema.parse({ poll_interval: 0.5, noop_wait: 1, ...(BATCHES ? { node_batch_size: 1 } : {}) });
    const worker = await createDrydockWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      settings,
      logger: silentLogger,
      drivers: site.drivers,
      dataConverter: {},
    });
    const client = await DrydockClient.connect({ address: server.address, namespace: 'default', taskQueue: TASK_QUEUE, connectTimeout: 10 }, { dataConverter: {} });
    stops.unshift(() => client.close());

    const secrets = [...configuredSecrets(site.drivers), ...designCredentials(loaded.design)];

    await worker.runUntil(async () => {
      if (BATCHES) return recordBatches(client, secrets);
      for (const [action, childAction] of RUNBOOK) {
        const nodeFilter = { filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: NODES }] };
        const { taskId, workflowId } = await client.createTask(action, { designRef: DESIGN_REF, nodeFilter, taskId: `recorded-${action}` });
        const task = await client.waitTask(taskId, undefined, 300);
        if (task.result.status !== 'success') throw new Error(`${action} ended ${task.result.status}: ${JSON.stringify(task.result.details.messageList.filter((m) => m.error))}`);
        await save(client.client, workflowId, `${action}-demo-site`, secrets);
        if (childAction) {
          const child = task.subtask_id_list.find((id) => id.startsWith(`demo-${childAction}-${NODES[0]}-`));
          if (!child) throw new Error(`${action}: no ${childAction} child for ${NODES[0]}`);
          await save(client.client, child, `${childAction}-${NODES[0]}-demo-site`, secrets);
        }
      }
      // The recovery paths of the node runbooks (patched 'node-runbooks-v2', 'transient-retry-window'): MaaS
      // answers 503 to the first requests, and n01's first deployment fails; the node is released and deployed
      // again. destroy_nodes deleted the machines (as Drydock), so the node is prepared again first.
      const nodeFilter = { filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: [NODES[0]] }] };
      const prepared = await client.createTask('prepare_nodes', { designRef: DESIGN_REF, nodeFilter, taskId: 'recorded-prepare_nodes-again' });
      if ((await client.waitTask(prepared.taskId, undefined, 300)).result.status !== 'success') throw new Error('prepare_nodes after destroy_nodes failed');
      site.sim.maas.setFault({ failNext: 2, failDeployment: [NODES[0]] });
      const retried = await client.createTask('deploy_nodes', { designRef: DESIGN_REF, nodeFilter, taskId: 'recorded-deploy_nodes-retried' });
      while (site.sim.maas.machine(NODES[0])?.status_name !== 'Failed deployment') await new Promise((r) => setTimeout(r, 20));
      site.sim.maas.clearFaults();
      const recovered = await client.waitTask(retried.taskId, undefined, 300);
      if (recovered.result.status !== 'success') throw new Error(`deploy with a failed first deployment ended ${recovered.result.status}`);
      await save(client.client, recovered.subtask_id_list[0], `deploy_node-${NODES[0]}-retried-demo-site`, secrets);

      // prepare_site locked the design; its lock workflow ends on unlock.
      await client.unlockSite(loaded.design!.site, { by: 'record-histories' });
      await save(client.client, designLockWorkflowId(loaded.design!.site), 'site_design_lock-demo-site', secrets);

      // A terminated action keeps its task (patched 'terminated-tasks-complete'): prepare_site stopped during
      // its first step, MaaS slowed so the step is still in flight.
      site.sim.maas.setFault({ latencyMs: 1000 });
      const { taskId, workflowId } = await client.createTask('prepare_site', { designRef: DESIGN_REF, taskId: 'recorded-prepare_site-terminated' });
      const handle = client.client.workflow.getHandle(workflowId);
      while (!(await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'createNetworkTemplate')) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await client.terminateTask(taskId);
      const terminated = await client.waitTask(taskId, undefined, 300);
      site.sim.maas.clearFaults();
      if (terminated.status !== 'terminated') throw new Error(`prepare_site ended ${terminated.status}, expected terminated`);
      await save(client.client, workflowId, 'prepare_site-terminated-demo-site', secrets);
    });
  } finally {
    for (const s of stops) await s().catch(() => undefined);
  }
}

/** prepare_site, then prepare_nodes through one batch workflow per node: the task and its first batch. */
async function recordBatches(client: DrydockClient, secrets: string[]): Promise<void> {
  const nodeFilter = { filter_set_type: 'union' as const, filter_set: [{ filter_type: 'union' as const, node_names: NODES }] };
  for (const action of ['prepare_site', 'prepare_nodes'] as const) {
    const { taskId, workflowId } = await client.createTask(action, { designRef: DESIGN_REF, nodeFilter, taskId: `recorded-batched-${action}` });
    const task = await client.waitTask(taskId, undefined, 300);
    if (task.result.status !== 'success') throw new Error(`${action} ended ${task.result.status}`);
    if (action === 'prepare_nodes') {
      await save(client.client, workflowId, 'prepare_nodes-batched-demo-site', secrets);
      await save(client.client, task.subtask_id_list[0], 'nodeBatch-prepare_node-demo-site', secrets);
    }
  }
}

async function save(client: Client, workflowId: string, name: string, secrets: string[]): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const findings = scanHistoryJson(JSON.parse(historyToJSON(history)), secrets, { workflowId, runId: '' });
  if (findings.length) throw new Error(`refusing to record ${workflowId}: ${findings.map(formatFinding).join('; ')}`);
  const file = await recordHistory(client, workflowId, name);
  console.log(`recorded ${workflowId} → ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(`record-action-histories: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
