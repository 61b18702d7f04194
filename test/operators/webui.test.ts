import fs from 'node:fs';
import { chromiumPath, launchBrowser, screenshot, type LaunchedBrowser } from '../harness/browser';

let b: LaunchedBrowser;

beforeAll(async () => {
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
});

test('the Temporal Web UI of the test server renders its workflows page', async () => {
  const ui = process.env.DRYDOCK_TEST_TEMPORAL_UI;
  if (!ui) throw new Error('DRYDOCK_TEST_TEMPORAL_UI is not set: the jest globalSetup starts the server with its UI');
  const page = await b.newPage();
  await page.goto(`${ui}/namespaces/default/workflows`, { waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { name: /Workflows/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
  expect(page.url()).toContain('/namespaces/default/workflows');
  const file = await screenshot(page, 'webui-workflows');
  expect(fs.statSync(file).size).toBeGreaterThan(10_000);
});

test('a missing Chromium is named with the Debian package to install', () => {
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = '/nonexistent/chromium';
  try {
    expect(() => chromiumPath()).toThrow(/install the Debian package `chromium`/);
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
});
