/**
 * What an operator sees in the Temporal Web UI after a deploy on the simulated example site, in headless
 * Chromium: the workflow list filtered by `DrydockAction="deploy_nodes"` shows the deploy task (and not the
 * site's other tasks), and the task's page shows one child workflow per node. Screenshots go to
 * test-artifacts/.
 */
import type { Page } from 'playwright-core';
import type { Task } from '../../workflows/task';
import { launchBrowser, screenshot, type LaunchedBrowser } from '../harness/browser';
import { demoSiteNamed } from '../harness/ownSite';
import { startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';

const own = demoSiteNamed('demo-webui');
let site: SimulatedSite;
let env: TestWorkerEnv;
let browser: LaunchedBrowser;
const tasks: Partial<Record<'prepare_site' | 'prepare_nodes' | 'deploy_nodes', Task>> = {};

beforeAll(async () => {
  [site, browser] = await Promise.all([startSimulatedSite({ designRef: own.ref }), launchBrowser({ viewport: { width: 1600, height: 1500 } })]);
  env = await startTestWorker('webui-deploy', { drivers: site.drivers, settings: fastSettings({ max_parallel_nodes: 10 }) });
  await env.run(async () => {
    for (const action of ['prepare_site', 'prepare_nodes', 'deploy_nodes'] as const) {
      const { taskId } = await env.client.createTask(action, { designRef: own.ref });
      tasks[action] = await env.client.waitTask(taskId, undefined, 200);
    }
  });
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  await site?.stop();
  own.remove();
});

function ui(): string {
  const u = process.env.DRYDOCK_TEST_TEMPORAL_UI;
  if (!u) throw new Error('DRYDOCK_TEST_TEMPORAL_UI is not set: the jest globalSetup starts the server with its UI');
  return u;
}

const NODES = ['n01', 'n02', 'n03', 'n04', 'n05', 'n06', 'n07', 'n08', 'n09', 'n10'];

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
}

test('the deploy succeeded on every node (the UI checks below are about a real deploy)', () => {
  expect(tasks.deploy_nodes?.result.status).toBe('success');
  expect(tasks.deploy_nodes?.result.successes).toHaveLength(10);
});

test('the workflow list filtered by DrydockAction="deploy_nodes" shows the deploy task, not the prepare tasks', async () => {
  const deploy = tasks.deploy_nodes!;
  const page = await browser.newPage();
  await open(page, `${ui()}/namespaces/default/workflows?query=${encodeURIComponent('DrydockAction="deploy_nodes"')}`);
  await page.getByText(deploy.workflow_id).first().waitFor({ state: 'visible', timeout: 30_000 });
  const body = await page.locator('body').innerText();
  expect(body).not.toContain(tasks.prepare_nodes!.workflow_id);
  expect(body).not.toContain(tasks.prepare_site!.workflow_id);
  // Node children carry DrydockAction=deploy_node, so they do not match the filter either.
  expect(body).not.toContain(`${own.name}-deploy_node-n01-${deploy.task_id}`);
  await screenshot(page, 'webui-filter-deploy_nodes');
});

test("the deploy task's page shows one child workflow per node", async () => {
  const deploy = tasks.deploy_nodes!;
  const page = await browser.newPage();
  await open(page, `${ui()}/namespaces/default/workflows/${encodeURIComponent(deploy.workflow_id)}`);
  await page.getByText(deploy.workflow_id).first().waitFor({ state: 'visible', timeout: 30_000 });
  // The Relationships tab: the parent with its child workflows, as a tree and as a table.
  await page.getByText('Relationships').first().click();
  await page.waitForURL(/\/relationships$/);
  for (const n of NODES) {
    const child = page.getByText(`${own.name}-deploy_node-${n}-${deploy.task_id}`, { exact: true });
    await child.first().scrollIntoViewIfNeeded({ timeout: 30_000 });
    await child.first().waitFor({ state: 'visible', timeout: 30_000 });
  }
  const children = (await page.getByText(new RegExp(`${own.name}-deploy_node-n\\d\\d-${deploy.task_id}`)).allInnerTexts()).map((t) => t.trim());
  expect([...new Set(children)].sort()).toEqual(NODES.map((n) => `${own.name}-deploy_node-${n}-${deploy.task_id}`));
  await page.getByText(deploy.workflow_id).first().scrollIntoViewIfNeeded();
  await screenshot(page, 'webui-deploy-children');
});
