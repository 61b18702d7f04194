import fs from 'node:fs';
import { tcpPortOpen } from '../../common/ports';
import { processRunning, signalAndWait, startMainJob } from '../harness/mainJob';

/**
 * The README's run command (`npm start`, i.e. worker/main.ts) on its embedded default: its own Temporal dev
 * server, the simulated example site and the worker; it deploys the site end to end and prints where to look.
 * Run here on free ports and a temporary state folder, so a developer's own `npm start` is left alone.
 */
test('npm start deploys the example site on the simulator and prints the Web UI URL', async () => {
  const job = await startMainJob();
  let peers: { pid: number }[] | undefined;
  try {
    await job.waitFor('Ctrl-C stops', 230_000);
    const out = job.out();
    expect(out).toContain(`Web UI:            http://127.0.0.1:${job.uiPort}/namespaces/default/workflows`);
    for (const action of ['prepare_site', 'prepare_nodes', 'deploy_nodes']) expect(out).toMatch(new RegExp(`  ${action}: complete, result success`));
    expect(out).toMatch(/deploy_nodes: complete, result success \(10 succeeded\)/);
    expect(out).toMatch(/watch it: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/deploy_nodes-/);
    const ui = await fetch(`http://127.0.0.1:${job.uiPort}/namespaces/default/workflows`);
    expect(ui.status).toBe(200);
    expect(fs.existsSync(`${job.stateDir}/temporal.db`)).toBe(true);
    peers = job.peers();
    expect(peers.length).toBe(7); // the server and six ipmi_sim BMCs
  } finally {
    // Ctrl-C stops everything it started, in time: the server's port is free again, no peer process is left.
    const { exit, seconds } = await signalAndWait(job, 'SIGINT', 20_000);
    fs.rmSync(job.stateDir, { recursive: true, force: true });
    expect({ exit, fast: seconds < 10 }).toEqual({ exit: 0, fast: true });
  }
  expect(await tcpPortOpen('127.0.0.1', job.port)).toBe(false);
  expect(peers?.filter((p) => processRunning(p.pid))).toEqual([]);
}, 240_000);
