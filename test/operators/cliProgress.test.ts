/**
 * `drydock task create … --wait` and `drydock task wait` as a person and a script see them: plain
 * timestamped lines through a pipe, a live bar on a terminal (a pseudo-terminal from util-linux
 * `script`), and nothing but the final document with `--output json`.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { DEMO_SITE } from '../harness/site';
import { fastSettings, startTestWorker, temporalAddress, type TestWorkerEnv } from '../harness/temporal';
import { runDrydock, type CliRun } from '../harness/cli';

const exec = promisify(execFile);
const DRYDOCK = path.join(PROJECT_ROOT, 'bin/drydock.js');
const ISO_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

let env: TestWorkerEnv;
let cliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  env = await startTestWorker('cli-progress', { settings: fastSettings({ noop_wait: 2 }) });
  cliEnv = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DRYDOCK_TASK_QUEUE: env.taskQueue, NO_COLOR: '1' };
});
afterAll(async () => env?.close());

const drydock = (args: string[]): Promise<CliRun> => runDrydock(args, cliEnv);

test('piped: "created", then timestamped progress lines, then the task; no escape codes', async () => {
  const r = await env.run(() => drydock(['task', 'create', 'noop', '-d', DEMO_SITE, '-n', 'n01,n02,n03', '--wait']));
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toMatch(/^Task [0-9a-f-]{36} created \(workflow noop-[0-9a-f-]{36}\)$/);
  const progress = lines.filter((l) => ISO_LINE.test(l));
  expect(progress.length).toBeGreaterThanOrEqual(2);
  expect(progress[0]).toMatch(/ noop (requested|running)/);
  expect(progress[progress.length - 1]).toMatch(/ noop complete: success \(\+\d+s\)$/);
  expect(r.stdout).toContain('  successes (3): ');
  expect(r.stdout).toContain('  result:   success');
  expect(r.stdout).not.toMatch(/\x1b\[/);
});

test('--output json: stdout is the task document alone, also for `task wait`', async () => {
  await env.run(async () => {
    const created = await drydock(['task', 'create', 'noop', '-d', DEMO_SITE, '-n', 'n01', '-o', 'json']);
    const { task_id } = JSON.parse(created.stdout) as { task_id: string };
    const waited = await drydock(['task', 'wait', task_id, '-o', 'json']);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toEqual(expect.objectContaining({ task_id, status: 'complete' }));
    expect(waited.stderr).toBe('');
  });
});

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(hasScript ? test : test.skip)('on a terminal: a bar redrawn in place, then a summary line and the task', async () => {
  await env.run(async () => {
    const created = await drydock(['task', 'create', 'noop', '-d', DEMO_SITE, '-n', 'n01,n02', '-o', 'json']);
    const { task_id } = JSON.parse(created.stdout) as { task_id: string };
    // util-linux script: the command runs on a pseudo-terminal, its output is copied to our pipe.
    const cmd = [process.execPath, DRYDOCK, 'task', 'wait', task_id].join(' ');
    const { stdout } = await exec('script', ['-qefc', cmd, '/dev/null'], { env: { ...cliEnv, COLUMNS: '120', TERM: 'xterm' }, cwd: PROJECT_ROOT });
    expect(stdout).toContain('\x1b[?25l'); // cursor hidden while the bar is drawn…
    expect(stdout).toContain('\x1b[?25h'); // …and shown again
    const plain = stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/noop running +\d+s/);
    expect(plain).toMatch(/✔ noop complete: success {2}\d+s\r?\n/);
    expect(plain).toContain('  result:   success');
    expect(plain).not.toMatch(ISO_LINE);
  });
});
