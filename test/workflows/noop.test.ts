import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scaledDemoSite } from '../../bench/deploy-design';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DrydockNodes, DrydockSite } from '../../common/searchAttributes';
import { DEMO_SITE, DEMO_SITE_PATH } from '../harness/demoSite';
import { fastSettings, startTestWorker, untilActivityPending, type TestWorkerEnv } from '../harness/temporal';

describe('noop action on the real Temporal server', () => {
  let env: TestWorkerEnv;
  beforeAll(async () => {
    env = await startTestWorker('noop');
  });
  afterAll(async () => env?.close());

  test('reports success for every target node, with a readable workflow id and search attributes', async () => {
    await env.run(async () => {
      const { taskId, workflowId } = await env.client.createTask('noop', { designRef: DEMO_SITE });
      expect(workflowId).toBe(`noop-${taskId}`);

      const running = await env.client.getTask(taskId);
      expect(['requested', 'running']).toContain(running.status);

      const task = await env.client.waitTask(taskId, undefined, 100);
      expect(task.status).toBe('complete');
      expect(task.result.status).toBe('success');
      expect(task.result.successes).toHaveLength(10);
      expect(task.result.details.messageList.map((m) => m.message)).toContain('Noop action.');

      const d = await env.client.describeTask(taskId);
      expect(d.typedSearchAttributes.get(DrydockSite)).toBe('demo');
      expect(d.typedSearchAttributes.get(DrydockNodes)).toHaveLength(10);
    });
  });

  test('a task of 400 nodes: too many for the DrydockNodes search attribute, the task says so and succeeds', async () => {
    // Temporal refuses a search attribute value over 2 KiB: listing every target failed the task at 1,000 nodes.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noop-many-'));
    const file = path.join(dir, 'site.yaml');
    const site = scaledDemoSite(400);
    // A site of its own name: other tests lock the design of site "demo" on this server.
    fs.writeFileSync(file, site.text.replace(/^  name: demo$/m, '  name: demo-many').replace(/^(\s+)site: demo$/m, '$1site: demo-many'));
    try {
      await env.run(async () => {
        const { taskId } = await env.client.createTask('noop', { designRef: `file://${file}` });
        const task = await env.client.waitTask(taskId, undefined, 100);
        expect({ status: task.result.status, errors: task.result.details.messageList.filter((m) => m.error) }).toEqual({ status: 'success', errors: [] });
        expect(task.result.successes).toHaveLength(400);
        expect(task.result.details.messageList.map((m) => m.message)).toContain(
          "400 target nodes: too many to list in the task's DrydockNodes search attribute (Temporal's size limit); each node's workflow lists its node.",
        );
        const d = await env.client.describeTask(taskId);
        expect(d.typedSearchAttributes.get(DrydockSite)).toBe('demo-many');
        expect(d.typedSearchAttributes.get(DrydockNodes)).toBeUndefined();
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a node filter narrows the targets (Drydock semantics: OR within a criterion)', async () => {
    await env.run(async () => {
      const { taskId } = await env.client.createTask('noop', {
        designRef: DEMO_SITE,
        nodeFilter: { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: ['n01', 'n07'] }] },
      });
      const task = await env.client.waitTask(taskId, undefined, 100);
      expect(task.result.successes.sort()).toEqual(['n01', 'n07']);
    });
  });

  test('an unreadable design ends the task complete/failure with a message naming the reference', async () => {
    await env.run(async () => {
      const ref = 'file:///nonexistent/site.yaml';
      const { taskId } = await env.client.createTask('noop', { designRef: ref });
      const task = await env.client.waitTask(taskId, undefined, 100);
      expect(task.status).toBe('complete');
      expect(task.result.status).toBe('failure');
      expect(task.result.details.errorCount).toBeGreaterThan(0);
      expect(JSON.stringify(task.result.details.messageList)).toContain('/nonexistent/site.yaml');
    });
  });

  test('terminating a task during its wait ends it terminated with result failure', async () => {
    const slow = await startTestWorker('noop-slow', { settings: fastSettings({ noop_wait: 30 }) });
    try {
      await slow.run(async () => {
        const { taskId, workflowId } = await slow.client.createTask('noop', { designRef: DEMO_SITE });
        for (let i = 0; i < 100 && (await slow.client.getTask(taskId)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
        await slow.client.client.workflow.getHandle(workflowId).cancel();
        const task = await slow.client.waitTask(taskId, undefined, 100);
        expect(task.status).toBe('terminated');
        expect(task.result.status).toBe('failure');
        expect(task.result.details.messageList.map((m) => m.message)).toContain('Action terminated.');
      });
    } finally {
      await slow.close();
    }
  });

  test('terminating a task while its design is still being fetched ends it terminated, with the message', async () => {
    // A design server that answers only when told to: the task is terminated during target resolution.
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    const server = http.createServer((_req, res) => void answered.then(() => res.end(fs.readFileSync(DEMO_SITE_PATH))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await env.run(async () => {
        const designRef = `http://127.0.0.1:${(server.address() as AddressInfo).port}/site.yaml`;
        const { taskId, workflowId } = await env.client.createTask('noop', { designRef });
        const handle = env.client.client.workflow.getHandle(workflowId);
        await untilActivityPending(env, workflowId, 'resolveTargetNodes', 5000);
        await env.client.terminateTask(taskId);
        const task = await env.client.waitTask(taskId, undefined, 100);
        expect(task.status).toBe('terminated');
        expect(task.result.status).toBe('failure');
        expect(task.result.details.messageList.map((m) => m.message)).toEqual(['Action terminated.']);
        expect((await handle.describe()).status.name).toBe('COMPLETED');
        // The fetch activity does not heartbeat, so it learns nothing of the terminate: let it finish, or the
        // worker's shutdown waits out its HTTP timeouts (3 × 16 s).
        release();
      });
    } finally {
      release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
