/**
 * The `drydock` CLI's conventions, run as a process of its own: every usage error exits 2 with one line on
 * stderr naming the problem; `--version`; help with examples and the environment; plain paths as design
 * references; and Drydock's own CLI syntax (`task create -a … -d … --block`, `task show -t …`) unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODEC_ENV } from '../../common/codec';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { designRefArg } from '../../client/cli';
import type { Task } from '../../workflows/task';
import { runDrydock, cliEnvFor } from '../harness/cli';
import { DEMO_SITE_PATH } from '../harness/demoSite';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';

/** Relative to the CLI's working directory (runDrydock runs it in the project root). */
const DEMO_SITE_RELATIVE = path.relative(PROJECT_ROOT, DEMO_SITE_PATH);
/** No server listens there: a usage error must be reported before any connection attempt. */
const NO_SERVER = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CONNECT_TIMEOUT: '1' };

describe('usage errors: exit 2, one line on stderr naming the problem', () => {
  test.each([
    ['an unknown command', ['task', 'lisst'], /^drydock task: unknown command 'lisst' \(Did you mean list\?\)/],
    ['an unknown top-level command', ['bogus'], /^drydock: unknown command 'bogus'/],
    ['an unknown option', ['task', 'list', '--bogus'], /^drydock task list: unknown option '--bogus'/],
    ['a missing required option', ['task', 'create', 'deploy_nodes'], /^drydock task create: required option '-d, --design-ref <ref>' not specified/],
    ['a missing argument', ['validate-design'], /^drydock validate-design: missing required argument 'design_ref'/],
    ['--limit not a number', ['task', 'list', '--limit', 'abc'], /--limit <n>' argument 'abc' is invalid\. must be a whole number ≥ 1/],
    ['--limit 0', ['task', 'list', '--limit', '0'], /--limit <n>' argument '0' is invalid/],
    ['--limit a fraction', ['task', 'list', '--limit', '2.5'], /--limit <n>' argument '2\.5' is invalid/],
    ['an unknown action', ['task', 'create', 'deploy_node', '-d', DEMO_SITE_RELATIVE], /argument 'action'\. unknown action; expected one of noop, /],
    ['an unknown action given with -a', ['task', 'create', '-a', 'deploy', '-d', DEMO_SITE_RELATIVE], /option '-a, --action <action>' argument 'deploy' is invalid/],
    ['no action at all', ['task', 'create', '-d', DEMO_SITE_RELATIVE], /^drydock task create: missing action: give it as 'task create <action>' or '-a <action>'/],
    ['two different actions', ['task', 'create', 'noop', '-a', 'deploy_nodes', '-d', DEMO_SITE_RELATIVE], /action given twice \('noop' and 'deploy_nodes'\)/],
    ['no task id for show', ['task', 'show'], /^drydock task show: missing task id: give it as 'task show <id>' or '-t <id>'/],
    ['an invalid --output', ['task', 'list', '-o', 'yaml'], /option '-o, --output <format>' argument 'yaml' is invalid/],
    ['an invalid --status', ['task', 'list', '--status', 'done'], /option '-s, --status <status>' argument 'done' is invalid/],
    ['--poll-interval 0', ['task', 'create', 'noop', '-d', DEMO_SITE_RELATIVE, '--block', '--poll-interval', '0'], /--poll-interval <seconds>' argument '0' is invalid/],
    ['--node-filter not JSON', ['task', 'create', 'noop', '-d', DEMO_SITE_RELATIVE, '--node-filter', '{'], /--node-filter <json>' argument '\{' is invalid\. not valid JSON/],
    ['an empty design reference', ['validate-design', ''], /argument 'design_ref'\. empty design reference/],
  ])('%s', async (_name, args, problem) => {
    const r = await runDrydock(args, NO_SERVER);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(problem), '']);
    // The line ends by pointing at the command's help.
    expect(r.stderr).toMatch(/; see 'drydock[a-z -]*--help'\n$/);
  });

  test("a group without its subcommand prints the group's help on stderr and exits 2", async () => {
    const r = await runDrydock(['task'], NO_SERVER);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: drydock task \[options\] \[command\]/);
  });
});

test('--version prints the version in package.json', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await runDrydock([flag], NO_SERVER);
    expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  }
});

test('--help: exit 0, examples (Drydock syntax too), exit codes and every environment variable the CLI reads', async () => {
  const r = await runDrydock(['--help'], NO_SERVER);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Examples:\n  drydock validate-design examples/site/demo-site.yaml --offline');
  expect(r.stdout).toContain('drydock task create -a deploy_nodes -d examples/site/demo-site.yaml --block');
  expect(r.stdout).toContain('Exit codes: 0 success, 1 the task or command failed, 2 bad input');
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DRYDOCK_TASK_QUEUE', 'TEMPORAL_CONNECT_TIMEOUT', ...Object.values(CODEC_ENV), 'NO_COLOR']) {
    expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  }
  const create = await runDrydock(['task', 'create', '--help'], NO_SERVER);
  for (const flag of ['-a, --action <action>', '--node-names <names>', '--rack-names <names>', '--node-tags <tags>', '-b, --block', '--no-block', '--poll-interval <seconds>']) {
    expect(create.stdout).toContain(flag);
  }
});

describe('design references', () => {
  test('a plain path becomes the absolute file:// URL of the file; URLs are kept as given', () => {
    expect(designRefArg('examples/site/demo-site.yaml', PROJECT_ROOT)).toBe(pathToFileURL(DEMO_SITE_PATH).href);
    expect(designRefArg('/srv/designs/my site.yaml')).toBe('file:///srv/designs/my%20site.yaml');
    for (const ref of [
      'file:///srv/site.yaml',
      'http://h/site.yaml',
      'https://u:p@h/site.yaml',
      'deckhand+http://d/api/v1.0/revisions/1/rendered-documents',
      'deckhand+https://d/x',
    ]) {
      expect(designRefArg(ref)).toBe(ref);
    }
  });

  test('validate-design --offline takes a plain path: the example design is valid (exit 0)', async () => {
    const r = await runDrydock(['validate-design', DEMO_SITE_RELATIVE, '--offline', '--output', 'json'], NO_SERVER);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.objectContaining({ status: 'Success' }));
  });

  test('a plain path to no file: could not be loaded (exit 2), naming the file', async () => {
    const r = await runDrydock(['validate-design', 'examples/site/no-such-site.yaml', '--offline'], NO_SERVER);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`Cannot read design reference ${pathToFileURL(path.join(PROJECT_ROOT, 'examples/site/no-such-site.yaml')).href}: file not found`);
  });
});

describe("Drydock's CLI syntax against a worker", () => {
  let env: TestWorkerEnv;
  beforeAll(async () => {
    env = await startTestWorker('cli-conventions', { settings: fastSettings({ noop_wait: 0 }) });
  });
  afterAll(() => env?.close());

  test('task create -a noop -d <plain path> --node-names … --block, then task show -t <id> -b', async () => {
    await env.run(async () => {
      const created = await runDrydock(
        ['task', 'create', '-a', 'noop', '-d', DEMO_SITE_RELATIVE, '--node-names', 'n01,n07', '--block', '--poll-interval', '0.2', '-o', 'json'],
        cliEnvFor(env),
      );
      expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' });
      const task = JSON.parse(created.stdout) as Task;
      expect(task).toEqual(expect.objectContaining({ action: 'noop', status: 'complete', design_ref: pathToFileURL(DEMO_SITE_PATH).href }));
      expect(task.result.status).toBe('success');
      expect([...task.result.successes].sort()).toEqual(['n01', 'n07']);

      const shown = await runDrydock(['task', 'show', '-t', task.task_id, '-b', '-o', 'json'], cliEnvFor(env));
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toEqual(expect.objectContaining({ task_id: task.task_id, status: 'complete' }));
    });
  });

  test("Drydock's text form: --block follows the task and prints it, exit 0 on success", async () => {
    await env.run(async () => {
      const r = await runDrydock(['task', 'create', '--action', 'noop', '--design-ref', DEMO_SITE_RELATIVE, '--rack-names', 'rack02', '--block'], cliEnvFor(env));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Task [0-9a-f-]{36} created/);
      expect(r.stdout).toContain('  result:   success');
      expect(r.stdout).toContain('  successes (5): n06, n07, n08, n09, n10');
    });
  });
});
