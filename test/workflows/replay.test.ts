import fs from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { TOP_LEVEL_ACTIONS } from '../../workflows/task';

const HISTORIES = path.resolve(__dirname, '../histories');

function histories(filter: (f: string) => boolean = () => true) {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json') && filter(f))
    .map((f) => ({ workflowId: path.basename(f, '.json'), history: JSON.parse(fs.readFileSync(path.join(HISTORIES, f), 'utf8')) }));
}

describe('replay of recorded histories', () => {
  test('every history in test/histories replays against the current workflows', async () => {
    const all = histories();
    expect(all.length).toBeGreaterThan(0);
    // Every action, and the per-node child workflow of each node action (npm run record-histories).
    const names = all.map((h) => h.workflowId);
    for (const action of TOP_LEVEL_ACTIONS) expect(names).toContain(`${action}-demo-site`);
    for (const child of ['verify_node', 'prepare_node', 'deploy_node', 'destroy_node', 'relabel_node']) expect(names).toContain(`${child}-n01-demo-site`);
    expect(names).toContain('site_design_lock-demo-site');
    // Recorded before prepare_site took the design lock: replays through patched('prepare-site-locks-design').
    expect(names).toContain('prepare_site-before-design-lock-demo-site');
    // Recorded before update_site: prepare_site refused a new design, verify_site required the locked one.
    expect(names).toContain('prepare_site-before-lock-takeover-demo-site');
    expect(names).toContain('verify_site-before-any-revision-demo-site');
    // update_site: a prepare_site that took a site's lock over (test/orchestrator/updateSite.test.ts records it).
    expect(names).toContain('prepare_site-lock-takeover-updsite');
    // Two prepare_site of one design at once: the second found the lock holding its design (patched
    // 'prepare-site-same-design-lock-is-own'; test/orchestrator/designLock.test.ts records it).
    expect(names).toContain('prepare_site-same-design-locked-meanwhile-locktest');
    // Terminated mid-step: completes with its task through patched('terminated-tasks-complete').
    expect(names).toContain('prepare_site-terminated-demo-site');
    // Node runbooks and node actions from before patched('node-runbooks-v2') and patched('one-task-per-node').
    for (const h of ['prepare_node-n01', 'deploy_node-n01', 'destroy_node-n01', 'prepare_nodes', 'deploy_nodes', 'destroy_nodes']) {
      expect(names).toContain(`${h}-before-runbooks-v2-demo-site`);
    }
    // A deployment that failed once, released and deployed again, through MaaS 503s (the retry window).
    expect(names).toContain('deploy_node-n01-retried-demo-site');
    // The v2 runbooks before progress-from-children, introspection, bootaction-assets and destroy-deletes.
    for (const h of ['prepare_node-n01', 'deploy_node-n01', 'destroy_node-n01', 'deploy_node-n01-retried', 'prepare_nodes', 'deploy_nodes', 'destroy_nodes']) {
      expect(names).toContain(`${h}-runbooks-v2-demo-site`);
    }
    // The v2 runbooks before their short calls ran as local activities (patched 'local-node-reads').
    for (const h of ['prepare_node-n01', 'deploy_node-n01', 'deploy_node-n01-retried', 'destroy_node-n01']) {
      expect(names).toContain(`${h}-before-local-reads-demo-site`);
    }
    // A node action over more nodes than a batch: the task and one of its batches (patched 'node-batches').
    expect(names).toContain('prepare_nodes-batched-demo-site');
    expect(names).toContain('nodeBatch-prepare_node-demo-site');
    let replayed = 0;
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE! } }, all)) {
      replayed++;
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(all.length);
  });

  test('a deliberately changed workflow fails replay with a non-determinism error', async () => {
    const [noop] = histories((f) => f.startsWith('noop'));
    await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/changed-workflows') }, noop.history, noop.workflowId)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
