import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { reapRecordedPeers } from '../../emulators/bmc/processGroup';
import { drydockStdout, runDrydock } from '../harness/cli';
import { childrenOf, processRunning, signalAndWait, startMainJob, TASK_QUEUE, type MainJob } from '../harness/mainJob';
import { DEMO_SITE } from '../harness/site';

/**
 * `npm start` keeps its embedded Temporal server running and leaves nothing behind: a server killed during a
 * deploy is restarted on the same database and ports and the deploy finishes; Ctrl-C ends everything within
 * 10 s whatever the server's state; peer processes of a start killed with SIGKILL are ended by its watchdog
 * or, when that was killed too, by the next start on the same state folder.
 */
const READY = 'Ctrl-C stops';
const jobs: MainJob[] = [];

async function start(stateDir?: string): Promise<MainJob> {
  const job = await startMainJob({ stateDir, args: ['--no-demo'] });
  jobs.push(job);
  await job.waitFor(READY, 90_000);
  return job;
}

const cliEnv = (job: MainJob) => ({ TEMPORAL_ADDRESS: `127.0.0.1:${job.port}`, DRYDOCK_TASK_QUEUE: TASK_QUEUE });

/** SIGKILLs the job's server and takes its frontend port before the supervisor's first restart can. */
async function killServerAndHoldPort(job: MainJob): Promise<net.Server> {
  process.kill(job.serverPid()!, 'SIGKILL');
  for (let i = 0; ; i++) {
    try {
      const holder = net.createServer();
      await new Promise<void>((resolve, reject) => holder.once('error', reject).listen(job.port, '127.0.0.1', resolve));
      return holder;
    } catch (e) {
      if (i >= 40) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

afterEach(() => {
  // Whatever a failed test left: the job, then its recorded peers.
  for (const job of jobs.splice(0)) {
    if (job.child.exitCode === null && job.child.signalCode === null) job.child.kill('SIGKILL');
    reapRecordedPeers(path.join(job.stateDir, 'peers'));
    fs.rmSync(job.stateDir, { recursive: true, force: true });
  }
});

test('the embedded server SIGKILLed 5 s into a 3-node deploy: restarted, the deploy succeeds with one deploy per node; repeated failures end npm start loudly', async () => {
  const job = await start();
  const env = cliEnv(job);
  const nodes = ['-n', 'n01,n02,n03'];
  for (const action of ['prepare_site', 'prepare_nodes']) {
    const r = await runDrydock(['task', 'create', action, '--design-ref', DEMO_SITE, ...(action === 'prepare_site' ? [] : nodes), '--wait', '--output', 'json'], env);
    expect({ action, code: r.code, result: JSON.parse(r.stdout).result?.status }).toEqual({ action, code: 0, result: 'success' });
  }
  const { task_id: taskId } = JSON.parse(await drydockStdout(['task', 'create', 'deploy_nodes', '--design-ref', DEMO_SITE, ...nodes, '--output', 'json'], env));
  await new Promise((r) => setTimeout(r, 5000));
  expect(JSON.parse(await drydockStdout(['task', 'show', taskId, '--output', 'json'], env)).status).toBe('running');
  const killed = job.serverPid()!;
  process.kill(killed, 'SIGKILL');
  await job.waitFor(/the embedded Temporal server exited \(signal SIGKILL\); restarted it on the same database and ports/, 30_000);
  expect(job.serverPid()).not.toBe(killed);

  const deploy = await runDrydock(['task', 'wait', taskId, '--output', 'json'], env);
  const task = JSON.parse(deploy.stdout);
  expect({ code: deploy.code, status: task.status, result: task.result.status, successes: [...task.result.successes].sort() }).toEqual({
    code: 0,
    status: 'complete',
    result: 'success',
    successes: ['n01', 'n02', 'n03'],
  });
  const maasUrl = /Simulated MaaS:\s+(\S+)/.exec(job.out())![1];
  const counters = (await (await fetch(`${maasUrl}/emulator/counters`)).json()) as { machines: Record<string, Record<string, number>> };
  expect(Object.fromEntries(['n01', 'n02', 'n03'].map((n) => [n, counters.machines[n]?.deploy ?? 0]))).toEqual({ n01: 1, n02: 1, n03: 1 });
  // Exactly one line says what happened.
  expect(job.out().match(/the embedded Temporal server exited/g)).toHaveLength(1);

  // A server that cannot come back (its port taken): npm start gives up after 5 attempts, says so and exits non-zero.
  const peers = job.peers();
  const holder = await killServerAndHoldPort(job);
  try {
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([job.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 40_000)))]);
    clearTimeout(timer);
    expect(exit).toBe(1);
  } finally {
    holder.close();
  }
  expect(job.out()).toMatch(/restarting the embedded Temporal server failed \(attempt 5 of 5\)/);
  expect(job.out()).toMatch(/restarts in a row did not hold; giving up/);
  expect(job.out()).toMatch(/ERROR: the embedded Temporal server cannot be kept running; stopping/);
  expect(peers.filter((p) => processRunning(p.pid))).toEqual([]);
}, 420_000);

test('nothing outlives npm start: its watchdog ends the peers of a SIGKILLed start, the next start those of a start killed with its watchdog; Ctrl-C mid-restart ends it within 10 s', async () => {
  // SIGKILL of npm start alone: the watchdog ends its server and BMCs.
  const first = await start();
  const firstPeers = first.peers();
  expect(firstPeers.filter((p) => path.basename(p.argv[0]) === 'ipmi_sim')).toHaveLength(6);
  expect(firstPeers.filter((p) => path.basename(p.argv[0]) === 'temporal')).toHaveLength(1);
  first.child.kill('SIGKILL');
  await first.exited;
  for (const end = Date.now() + 5000; firstPeers.some((p) => processRunning(p.pid)) && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
  expect(firstPeers.filter((p) => processRunning(p.pid))).toEqual([]);

  // npm start and its watchdog both SIGKILLed: the peers run on until the next start on the same state folder.
  const second = await start(first.stateDir);
  const secondPeers = second.peers();
  const watchdog = childrenOf(second.pid).find((c) => c.cmdline.includes('peerWatchdog'));
  expect(watchdog).toBeDefined();
  process.kill(watchdog!.pid, 'SIGKILL');
  second.child.kill('SIGKILL');
  await second.exited;
  await new Promise((r) => setTimeout(r, 500));
  expect(secondPeers.filter((p) => processRunning(p.pid)).length).toBe(secondPeers.length);

  const third = await start(first.stateDir);
  expect(secondPeers.filter((p) => processRunning(p.pid))).toEqual([]);
  expect(third.out()).toMatch(new RegExp(`stopped what an earlier npm start on .* left running: .*ipmi_sim \\(pid ${secondPeers.find((p) => p.argv[0] === 'ipmi_sim')!.pid}\\)`));

  // Ctrl-C while a task runs and the killed server's restarts fail: everything ends within 10 s.
  await drydockStdout(['task', 'create', 'prepare_nodes', '--design-ref', DEMO_SITE, '-n', 'n04,n05,n07', '--output', 'json'], cliEnv(third));
  await new Promise((r) => setTimeout(r, 3000));
  const thirdPeers = third.peers();
  const thirdWatchdog = childrenOf(third.pid).find((c) => c.cmdline.includes('peerWatchdog'))!;
  const holder = await killServerAndHoldPort(third);
  try {
    await third.waitFor(/restarting the embedded Temporal server failed \(attempt 1 of 5\)/, 10_000);
    const { exit, seconds } = await signalAndWait(third, 'SIGINT', 10_000);
    expect(exit).not.toBe('timeout');
    expect(seconds).toBeLessThan(10);
    expect(exit).toBe(0);
    expect(third.out()).toMatch(/the Temporal server is down, so the worker cannot report; stopping the rest/);
  } finally {
    holder.close();
  }
  expect(thirdPeers.filter((p) => processRunning(p.pid))).toEqual([]);
  for (const end = Date.now() + 3000; processRunning(thirdWatchdog.pid) && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
  expect(processRunning(thirdWatchdog.pid)).toBe(false);
}, 420_000);
