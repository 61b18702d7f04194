import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { temporal } from '@temporalio/proto';
import path from 'node:path';
import { formatBmcEndpoints } from '../../common/bmcEndpoints';
import { freeTcpPort } from '../../common/ports';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';
import { demoSiteNamed } from '../harness/ownSite';
import { countsOf, startSimulatedSite, type SimulatedSite } from '../harness/site';

const ROOT = path.resolve(__dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const KILLS = 3;

/**
 * Crash test: the worker runs as its own process (`worker/run.ts`, configured from the environment as in
 * production, serving the boot action reports too) and is SIGKILLed three times at random moments of a
 * 10-node DeployNodes. Temporal's history
 * is the task state: after the last restart the task completes and MaaS saw exactly one deploy per node.
 */
describe('worker crashes during deploy_nodes', () => {
  const own = demoSiteNamed('demo-crash');
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  const workers = new Set<ChildProcess>();
  let reportPort: number;

  beforeAll(async () => {
    // Deployments take seconds, so the kills land while nodes are deploying and reporting.
    site = await startSimulatedSite({ designRef: own.ref, durations: { deploying: 6000 } });
    reportPort = await freeTcpPort();
    env = await startTestWorker('crash', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 10 }) });
    for (const action of ['prepare_site', 'prepare_nodes'] as const) {
      const t = await env.run(async () => env.client.waitTask((await env.client.createTask(action, { designRef: own.ref })).taskId, undefined, 200));
      expect(t.result.status).toBe('success');
    }
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await env?.close();
    await site?.stop();
    own.remove();
  });

  /** A worker process as `npm run worker` starts it, on the test's task queue and the simulated site. */
  async function startWorkerProcess(n: number): Promise<ChildProcess> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const log = fs.openSync(path.join(ARTIFACTS, `crash-worker-${n}.log`), 'w');
    const d = site.drivers;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'worker/run.ts')], {
      cwd: ROOT,
      stdio: ['ignore', log, 'pipe'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporalAddress(),
        DRYDOCK_TASK_QUEUE: env.taskQueue,
        MAAS_API_URL: d.maasApiUrl,
        MAAS_API_KEY: d.maasApiKey,
        DRYDOCK_BMC_ENDPOINTS: formatBmcEndpoints(d.bmcEndpoints),
        DRYDOCK_BOOTACTION_SECRET: d.bootActionSecret,
        // The worker process serves the boot action reports itself, so they too go down with each kill
        // (the nodes' curl retries them).
        DRYDOCK_API_PORT: String(reportPort),
        DRYDOCK_BOOTACTION_REPORT_URL: `http://127.0.0.1:${reportPort}/api/v1.0/bootactions/`,
        DRYDOCK_POWER_STATE_CHANGE_RETRY_INTERVAL: '0.1',
        DRYDOCK_POLL_INTERVAL: '0.5',
        DRYDOCK_MAX_PARALLEL_NODES: '10',
        DRYDOCK_TIMEOUT_DEPLOY_NODE: '3',
        DRYDOCK_TIMEOUT_BOOTACTION_FINAL_STATUS: '3',
      },
    });
    workers.add(child);
    child.once('exit', () => {
      workers.delete(child);
      fs.closeSync(log);
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('polling task queue')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker ${n} exited (${code}) before polling: ${stderr}`)));
    });
    return child;
  }

  const killed = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

  /** Whether a workflow of the task has an activity started on a worker right now (the kill then lands mid-call). */
  async function activityInFlight(ids: string[]): Promise<boolean> {
    const described = await Promise.all(
      ids.map((id) =>
        env.client.client.workflow
          .getHandle(id)
          .describe()
          .catch(() => undefined),
      ),
    );
    return described.some((d) => (d?.raw.pendingActivities ?? []).some((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED));
  }

  test('three SIGKILLs, then the task completes with exactly one deploy per node', async () => {
    // Slow MaaS answers keep activities in flight for most of the deployment.
    site.sim.maas.setFault({ latencyMs: 150 });
    const { taskId, workflowId } = await env.client.createTask('deploy_nodes', { designRef: own.ref });
    const handle = env.client.client.workflow.getHandle(workflowId);
    const ids = [workflowId, ...site.sim.nodes.map((n) => `${own.name}-deploy_node-${n.name}-${taskId}`)];
    const moments: number[] = [];
    for (let k = 1; k <= KILLS; k++) {
      const w = await startWorkerProcess(k);
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 500 + Math.floor(Math.random() * 2500)));
      // A random moment, then the first one with an activity running on this worker (bounded).
      for (let i = 0; i < 100 && !(await activityInFlight(ids)); i++) await new Promise((r) => setTimeout(r, 20));
      moments.push(Date.now() - started);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      w.kill('SIGKILL');
      await killed(w);
    }
    console.log(`worker SIGKILLed ${KILLS} times, ${moments.join(' ms, ')} ms after it started polling`);

    const last = await startWorkerProcess(KILLS + 1);
    const task = await env.client.waitTask(taskId, undefined, 500);
    last.kill('SIGTERM');
    await killed(last);
    site.sim.maas.clearFaults();

    if (task.result.status !== 'success')
      console.log(
        JSON.stringify(
          task.result.details.messageList.filter((m) => m.error),
          null,
          1,
        ),
      );
    expect(task.result.status).toBe('success');
    expect(task.result.successes).toHaveLength(10);
    for (const m of site.sim.maas.machines()) expect(m.status_name).toBe('Deployed');
    expect(countsOf(site.sim, 'deploy')).toEqual(Object.fromEntries(site.sim.nodes.map((n) => [n.name, 1])));
    expect(Object.values(task.nodes).every((n) => n.step === 'done' && n.result === 'success')).toBe(true);

    // The kills interrupted work in flight: the histories record activities that timed out on a dead worker
    // and ran again (a later attempt, its last failure a timeout), or workflow tasks that timed out.
    let interrupted = 0;
    for (const id of [workflowId, ...task.subtask_id_list]) {
      const history = await env.client.client.workflow.getHandle(id).fetchHistory();
      for (const e of history.events ?? []) {
        const retried = e.activityTaskStartedEventAttributes;
        if (retried && (retried.attempt ?? 1) > 1 && retried.lastFailure?.timeoutFailureInfo) interrupted++;
        if (e.workflowTaskTimedOutEventAttributes || e.activityTaskTimedOutEventAttributes) interrupted++;
      }
    }
    console.log(`${interrupted} activities or workflow tasks were cut off by a kill and ran again`);
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});
