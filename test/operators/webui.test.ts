import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { AesGcmCodec } from '../../common/codec';
import { freeTcpPort } from '../../common/ports';
import { startCodecServer } from '../../worker/codecServer';
import { startDevServer } from '../../worker/devServer';
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
  await page
    .getByRole('heading', { name: /Workflows/ })
    .first()
    .waitFor({ state: 'visible', timeout: 30_000 });
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

test('with --ui-codec-endpoint, the Web UI shows encrypted workflow input decoded by the codec server', async () => {
  const codec = new AesGcmCodec({ current: { id: 'k1', key: randomBytes(32) } });
  const uiPort = await freeTcpPort();
  const codecSrv = await startCodecServer({ codec, port: 0, corsOrigin: `http://127.0.0.1:${uiPort}` });
  const server = await startDevServer({ uiPort, uiCodecEndpoint: codecSrv.url, logFile: path.join(os.tmpdir(), `drydock-webui-codec-${uiPort}.log`) });
  const conn = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection: conn, dataConverter: { payloadCodecs: [codec] } });
    const workflowId = `codec-ui-${randomUUID().slice(0, 8)}`;
    // No worker: the workflow just sits there with its (encrypted) input.
    await client.workflow.start('noop', { taskQueue: 'nobody', workflowId, args: [{ marker: 'decoded-by-codec-server' }] });
    const page = await b.newPage();
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${workflowId}`, { waitUntil: 'domcontentloaded' });
    const decoded = page.getByText('decoded-by-codec-server').first();
    // Under load the UI's first render can miss the codec's answer; a reload asks again.
    await decoded.waitFor({ state: 'visible', timeout: 20_000 }).catch(async () => {
      await page.reload({ waitUntil: 'domcontentloaded' });
      await decoded.waitFor({ state: 'visible', timeout: 30_000 });
    });
    await screenshot(page, 'webui-codec-decoded');
  } finally {
    await conn.close();
    await server.stop();
    await codecSrv.stop();
  }
});
