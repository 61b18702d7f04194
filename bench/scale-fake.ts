/**
 * The largest task: deploy_nodes over N nodes (default 10,000) through the real workflows (the task, its batches,
 * one child per node) on the embedded dev server, with the fake activities of the workflow tests
 * (test/harness/fakeSite.ts: an in-memory MaaS where each deployment ends Deployed at the first look and each
 * node's boot action reports success). It shows what the peers cannot at this size on one machine: that the
 * task's history, its batches' and its result stay within Temporal's limits, and how long the orchestration
 * alone takes.
 *
 *   npx tsx bench/scale-fake.ts [--nodes N] [--parallel K] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { silentLogger } from '../common/logger';
import { STATUS_NAMES, NodeStatus } from '../common/maasStatus';
import { startDevServer } from '../worker/devServer';
import { installRuntime } from '../worker/telemetry';
import { WORKFLOWS_PATH } from '../worker/worker';
import type { Task } from '../workflows/task';
import { FakeSite, FakeSiteWorker } from '../test/harness/fakeSite';
import { bundlerLogger } from '../test/harness/logging';

const EventType = temporal.api.enums.v1.EventType;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const nodes = arg('nodes', 10_000);
  const parallel = arg('parallel', 16);
  const json = process.argv.includes('--json');
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  installRuntime({ logger: silentLogger });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-scale-'));
  const [server, bundle] = await Promise.all([
    startDevServer({ uiPort: null, logFile: path.join(dir, 'temporal.log') }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: bundlerLogger }),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  // The fake site's worker finds its server and bundle as the test harness gives them.
  process.env.DRYDOCK_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE = bundlePath;
  const worker = await FakeSiteWorker.start();
  try {
    const names = Array.from({ length: nodes }, (_, i) => `n${String(i + 1).padStart(5, '0')}`);
    const site = new FakeSite(
      Object.fromEntries(
        names.map((n) => [
          n,
          { status: STATUS_NAMES[NodeStatus.READY], deploys: [STATUS_NAMES[NodeStatus.DEPLOYED]], bootActions: [{ name: 'report', signaling: true, report: 'success' as const }] },
        ]),
      ),
      { max_parallel_nodes: parallel, poll_interval: 0.2 },
    );
    say(`deploy_nodes over ${nodes} nodes, ${parallel} at a time, batches of ${site.settings.node_batch_size}; server ${server.address}, logs in ${dir}`);
    const started = performance.now();
    const run = await worker.run('deploy_nodes', site, { executionTimeout: '6 hours' });
    const ticker = setInterval(
      () => say(`  ${Math.round((performance.now() - started) / 1000)} s: ${site.calls.filter((c) => c.activity === 'startDeploy').length} deployments started`),
      30_000,
    );
    let task: Task;
    try {
      task = await run.result();
    } finally {
      clearInterval(ticker);
    }
    const seconds = (performance.now() - started) / 1000;
    const history = async (workflowId: string) => {
      const h = await worker.client.workflow.getHandle(workflowId).fetchHistory();
      const events = h.events ?? [];
      return {
        events: events.length,
        bytes: temporal.api.history.v1.History.encode(h).finish().length,
        completed: events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
      };
    };
    const parent = await history(run.handle.workflowId);
    const batchIds = task.subtask_id_list.filter((id) => /-batch\d+-/.test(id));
    let maxBatch = 0;
    for (const id of batchIds) maxBatch = Math.max(maxBatch, (await history(id)).events);
    const out = {
      nodes,
      seconds: Math.round(seconds * 10) / 10,
      result: task.result.status,
      successes: task.result.successes.length,
      failures: task.result.failures.length,
      result_bytes: Buffer.byteLength(JSON.stringify(task)),
      parent_history_events: parent.events,
      parent_history_bytes: parent.bytes,
      batches: batchIds.length,
      max_batch_history_events: maxBatch,
      activities: site.calls.length,
      messages_left_out: task.result.details.messageList.at(-1)?.message.match(/^(\d+) node messages/)?.[1] ?? '0',
    };
    if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else say(JSON.stringify(out, null, 2));
  } finally {
    await worker.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
