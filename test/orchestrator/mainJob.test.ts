import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, tcpPortOpen } from '../../common/ports';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The README's run command (`npm start`, i.e. worker/main.ts) on its embedded default: its own Temporal dev
 * server, the simulated example site and the worker; it deploys the site end to end and prints where to look.
 * Run here on free ports and a temporary state folder, so a developer's own `npm start` is left alone.
 */
test('npm start deploys the example site on the simulator and prints the Web UI URL', async () => {
  const [port, uiPort] = [await freeTcpPort(), await freeTcpPort()];
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-main-'));
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'worker/main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: '',
      DRYDOCK_EMBEDDED_PORT: String(port),
      DRYDOCK_EMBEDDED_UI_PORT: String(uiPort),
      DRYDOCK_STATE_DIR: stateDir,
      DRYDOCK_TASK_QUEUE: 'drydock-main-test',
    },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (out.includes('Ctrl-C stops')) {
          clearInterval(check);
          resolve();
        }
      }, 200);
      void exited.then((code) => {
        clearInterval(check);
        reject(new Error(`npm start exited (${code}) early:\n${out}`));
      });
    });
    expect(out).toContain(`Web UI:            http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
    for (const action of ['prepare_site', 'prepare_nodes', 'deploy_nodes']) expect(out).toMatch(new RegExp(`  ${action}: complete, result success`));
    expect(out).toMatch(/deploy_nodes: complete, result success \(10 succeeded\)/);
    expect(out).toMatch(/watch it: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/deploy_nodes-/);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
    expect(ui.status).toBe(200);
    expect(fs.existsSync(path.join(stateDir, 'temporal.db'))).toBe(true);
  } finally {
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  // Ctrl-C stops everything it started: the server's port is free again.
  expect(await tcpPortOpen('127.0.0.1', port)).toBe(false);
}, 240_000);
