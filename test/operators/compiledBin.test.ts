/**
 * The compiled code (npm run build): the `drydock` bin runs dist/ when it is current, answers --version and
 * --help and validates designs offline without tsx; a compiled worker uses the pre-built workflow bundles and
 * runs a task against the run's server. Builds dist/ first unless it is current (scripts/buildState.js).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSite } from '../../bench/validate';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { runDrydock } from '../harness/cli';
import { DEMO_SITE_PATH } from '../harness/demoSite';
import { temporalAddress } from '../harness/temporal';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildState, DIST } = require('../../scripts/buildState') as { buildState(): string; DIST: string };

let dir: string;
/** Preloaded into the bin: says on exit whether tsx was loaded, i.e. whether the sources ran instead of dist/. */
let tsxHook: string;

beforeAll(async () => {
  if (buildState() !== 'current') {
    // Type errors are npm test's tsc's to report; here only the compiled code's behaviour counts.
    await promisify(execFile)(process.execPath, ['scripts/build.js', '--allow-type-errors'], { cwd: PROJECT_ROOT });
  }
  expect(buildState()).toBe('current');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-compiled-'));
  tsxHook = path.join(dir, 'tsx-hook.js');
  fs.writeFileSync(
    tsxHook,
    "process.on('exit', () => { if (Object.keys(require.cache).some((m) => m.includes('/node_modules/tsx/'))) process.stderr.write('TSX LOADED\\n'); });\n",
  );
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The bin as a user runs it, with the hook; wall time included. */
async function bin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = process.hrtime.bigint();
  const r = await runDrydock(args, { ...env, NODE_OPTIONS: `--require ${tsxHook}` });
  return { ...r, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

test('--version and --help run the compiled CLI', async () => {
  const version = await bin(['--version']);
  expect(version).toMatchObject({ code: 0, stderr: '' });
  expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  const help = await bin(['--help']);
  expect(help).toMatchObject({ code: 0, stderr: '' });
  expect(help.stdout).toMatch(/--profile <name>/);
  expect(help.stdout).toMatch(/TEMPORAL_CONFIG_FILE/);
  console.log(`compiled drydock --help: ${help.seconds.toFixed(2)} s (load average ${os.loadavg()[0].toFixed(1)})`);
});

test('offline validation: the example site and a generated 1,000-node design', async () => {
  const example = await bin(['validate-design', '--offline', DEMO_SITE_PATH]);
  expect(example.stderr).toBe('');
  expect(example.code).toBe(0);
  const big = path.join(dir, 'site1000.yaml');
  fs.writeFileSync(big, generateSite(1000));
  const r = await bin(['validate-design', '--offline', big, '--output', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ status: 'Success' });
  console.log(`compiled drydock validate-design --offline (1,000 nodes): ${r.seconds.toFixed(2)} s (load average ${os.loadavg()[0].toFixed(1)})`);
});

test('the compiled worker takes the pre-built bundle matching its data converter', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { prebuiltWorkflowBundle } = require(path.join(DIST, 'worker/bundle.js')) as typeof import('../../worker/bundle');
  const { bundleHasFailureConverter } = require(path.join(DIST, 'worker/dataConverter.js')) as typeof import('../../worker/dataConverter');
  const { FAILURE_CONVERTER_PATH } = require(path.join(DIST, 'common/codec.js')) as typeof import('../../common/codec');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const plain = prebuiltWorkflowBundle(undefined);
  const codec = prebuiltWorkflowBundle({ failureConverterPath: FAILURE_CONVERTER_PATH });
  expect(plain?.codePath).toBe(path.join(DIST, 'workflow-bundle.js'));
  expect(codec?.codePath).toBe(path.join(DIST, 'workflow-bundle-codec.js'));
  expect(bundleHasFailureConverter(plain!)).toBe(false);
  expect(bundleHasFailureConverter(codec!)).toBe(true);
});

test('npm run worker runs compiled and carries out a task', async () => {
  const taskQueue = `test-compiled-${process.pid}-${Date.now()}`;
  const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DRYDOCK_TASK_QUEUE: taskQueue, NODE_OPTIONS: `--require ${tsxHook}`, DRYDOCK_LOG_LEVEL: 'info' };
  const worker: ChildProcess = spawn(process.execPath, ['scripts/launch.js', 'worker/run'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  worker.stderr!.on('data', (d) => (stderr += d));
  try {
    for (const end = Date.now() + 60_000; !/polling task queue/.test(stderr); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end || worker.exitCode !== null) throw new Error(`the compiled worker did not start: ${stderr}`);
    }
    const r = await runDrydock(['validate-design', DEMO_SITE_PATH], { TEMPORAL_ADDRESS: temporalAddress(), DRYDOCK_TASK_QUEUE: taskQueue });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(task [0-9a-f-]{36}\)/);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => (worker.exitCode !== null ? r(undefined) : worker.once('exit', r)));
  }
  expect(stderr).not.toMatch(/TSX LOADED/);
  // The bundle came with the build: the worker did not run webpack.
  expect(stderr).not.toMatch(/Workflow bundle created/);
});
