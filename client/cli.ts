import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TOP_LEVEL_ACTIONS, type Action, type NodeFilterSet, type Task } from '../workflows/task';
import type { ValidationStatus } from '../design';
import type { DrydockClient } from './drydockClient';

// The client, the design code and the progress bar are loaded by the commands that use them, so that
// `drydock --help` and usage errors answer without loading the Temporal client or zod. require(), not
// import(): tsx's CommonJS hook leaves import() to Node's ESM loader, which cannot resolve our .ts files.
/* eslint-disable @typescript-eslint/no-require-imports */
const load = {
  client: () => require('./drydockClient') as typeof import('./drydockClient'),
  config: () => require('../common/config') as typeof import('../common/config'),
  codec: () => require('../common/codec') as typeof import('../common/codec'),
  design: () => require('../design') as typeof import('../design'),
  progress: () => require('./progress') as typeof import('./progress'),
  render: () => require('./render') as typeof import('./render'),
  api: () => require('./drydockApi') as typeof import('./drydockApi'),
  renderNodes: () => require('./renderNodes') as typeof import('./renderNodes'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Exit codes: 0 ok, 1 the task or command failed, 2 bad input (usage) or the design could not be loaded. */
export const EXIT_USAGE = 2;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * The environment the CLI reads, for its help. Defined where read: common/config.ts (Temporal), common/codec.ts
 * (CODEC_ENV); test/operators/cliConventions.test.ts checks that this list names every codec variable.
 */
export const CLI_ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['TEMPORAL_ADDRESS', 'Temporal frontend host:port (default 127.0.0.1:7233; [::1]:7233 for IPv6)'],
  ['TEMPORAL_NAMESPACE', 'namespace (default "default")'],
  // Read by @temporalio/envconfig in common/config.ts, as the Temporal CLI and SDKs read them.
  ['TEMPORAL_CONFIG_FILE', 'TOML file of connection profiles (default ~/.config/temporalio/temporal.toml)'],
  ['TEMPORAL_PROFILE', 'profile of that file (default "default")'],
  ['TEMPORAL_API_KEY', 'API key (Temporal Cloud); turns TLS on'],
  ['TEMPORAL_TLS', 'true: TLS with the system CAs; false: plaintext whatever the profile says'],
  ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', "CA certificate (PEM) to check the server's certificate with"],
  ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'client certificate (PEM), for mutual TLS'],
  ['TEMPORAL_TLS_CLIENT_KEY_PATH', "that certificate's private key (PEM)"],
  ['TEMPORAL_TLS_SERVER_NAME', "name the server's certificate carries, if not the address's host"],
  ['DRYDOCK_TASK_QUEUE', 'task queue of the workers (default "drydock")'],
  ['TEMPORAL_CONNECT_TIMEOUT', 'seconds before an unreachable server is reported (default 5)'],
  ['DRYDOCK_CODEC_KEY', "the workers' payload key (base64, 32 bytes), when they encrypt"],
  ['DRYDOCK_CODEC_KEY_ID', 'id of that key'],
  ['DRYDOCK_CODEC_OLD_KEYS', 'earlier keys, to read older tasks'],
  ['DRYDOCK_API_URL', "the worker's Drydock API, for node list and builddata (default http://127.0.0.1:9000)"],
  ['NO_COLOR', 'no colours in the progress display'],
  ['USER', "recorded as the task's creator"],
];

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
const csv = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A whole number ≥ 1, or a usage error naming the option. */
function positiveInt(v: string): number {
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return Number(v);
}

/** Seconds > 0 (fractions allowed), or a usage error. */
function positiveSeconds(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of seconds > 0');
  return n;
}

function actionArg(v: string): Action {
  if (!(TOP_LEVEL_ACTIONS as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(`unknown action; expected one of ${TOP_LEVEL_ACTIONS.join(', ')}`);
  }
  return v as Action;
}

/**
 * A design reference as the resolver takes it: file://, http(s)://, deckhand+http(s):// (any `scheme://`)
 * is kept as given; a plain path becomes the absolute file:// URL of that file, relative to the current
 * directory. The worker reads it, so with a remote worker the path must name the same file there.
 */
export function designRefArg(v: string, cwd = process.cwd()): string {
  if (v.trim() === '') throw new InvalidArgumentError('empty design reference');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return v;
  return pathToFileURL(path.resolve(cwd, v)).href;
}

/** The one value given either positionally or by option (Drydock's CLI takes only the option). */
function oneOf<T>(cmd: Command, what: string, positional: T | undefined, option: T | undefined, forms: string): T {
  if (positional !== undefined && option !== undefined && positional !== option) {
    cmd.error(`${what} given twice ('${positional}' and '${option}'); give it once: ${forms}`, { exitCode: EXIT_USAGE, code: 'drydock.usage' });
  }
  const v = positional ?? option;
  if (v === undefined) cmd.error(`missing ${what}: give it as ${forms}`, { exitCode: EXIT_USAGE, code: 'drydock.usage' });
  return v as T;
}

function print(format: string, json: unknown, text: string): void {
  process.stdout.write((format === 'json' ? JSON.stringify(json, null, 2) : text) + '\n');
}

/**
 * Follows a task until it ends. Text output: live progress on stdout (bar, per-node counts and elapsed time
 * on a terminal; timestamped plain lines otherwise); JSON output: nothing until the final document.
 */
async function follow(c: DrydockClient, id: string, format: string, pollMs?: number): Promise<Task> {
  if (format === 'json') return c.waitTask(id, undefined, pollMs);
  const { createProgressReporter } = load.progress();
  const progress = createProgressReporter({ stream: process.stdout });
  const interrupted = () => {
    progress.stop();
    process.stderr.write(`drydock: stopped following task ${id}; it keeps running (drydock task wait ${id})\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    const t = await c.waitTask(id, (u) => progress.update(u), pollMs);
    progress.done(t);
    return t;
  } catch (e) {
    progress.stop();
    throw e;
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

/** Follows the task to its end and prints it; exit code 1 unless it succeeded. */
async function followAndReport(c: DrydockClient, id: string, format: string, pollMs?: number): Promise<void> {
  const t = await follow(c, id, format, pollMs);
  const { renderTask } = load.render();
  print(format, t, renderTask(t));
  if (t.result.status !== 'success') process.exitCode = 1;
}

/** The global --address, --namespace and --profile, set before any command's action runs. */
let connectOverrides: import('../common/config').TemporalOverrides = {};

async function withClient<T>(fn: (c: DrydockClient) => Promise<T>): Promise<T> {
  const { DrydockClient } = load.client();
  const { temporalConfigFromEnv } = load.config();
  // gRPC's TLS to an IP address makes Node warn (DEP0123) about a server name nobody set: not the user's to act on.
  process.noDeprecation = true;
  const client = await DrydockClient.connect(temporalConfigFromEnv(process.env, connectOverrides));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** A full node filter given as JSON, or a usage error. */
function nodeFilterJson(v: string): NodeFilterSet {
  try {
    return JSON.parse(v) as NodeFilterSet;
  } catch (e) {
    throw new InvalidArgumentError(`not valid JSON: ${(e as Error).message}`);
  }
}

/** Drydock's TaskCreate filter: node names and rack names, OR'd within the one filter, plus tags. */
function nodeFilterFrom(o: { nodes?: string[]; racks?: string[]; tags?: string[]; nodeFilter?: NodeFilterSet }): NodeFilterSet | null {
  if (o.nodeFilter) return o.nodeFilter;
  if (!o.nodes && !o.racks && !o.tags) return null;
  return {
    filter_set_type: 'intersection',
    filter_set: [{ filter_type: 'union', node_names: o.nodes, rack_names: o.racks, node_tags: o.tags }],
  };
}

/** Our short option and Drydock's long name for the same list, merged (both may be given). */
const merged = (a?: string[], b?: string[]): string[] | undefined => (a || b ? [...(a ?? []), ...(b ?? [])] : undefined);

/** Drydock's `--block/--no-block` (`-b`), the same as our `--wait`. */
const blockOptions = (cmd: Command): Command =>
  cmd.option('-b, --block', "same as --wait (Drydock's name)").addOption(new Option('--no-block', "don't wait (the default; Drydock's name)"));

const pollIntervalOption = () =>
  new Option('--poll-interval <seconds>', 'seconds between status polls while waiting (default 1; Drydock polls every 15)').argParser(positiveSeconds);

const seconds = (s?: number) => (s === undefined ? undefined : s * 1000);

function taskCommands(program: Command): void {
  const task = program.command('task').description('create and follow Drydock tasks (actions)');
  taskCreateCommand(task);
  taskShowCommand(task);
  taskWaitCommand(task);
  taskRetryCommand(task);
  taskTerminateCommand(task);
  taskListCommand(task);
  taskBuildDataCommand(task);
}

/** `drydock task builddata`: what the task collected (Drydock's `task builddata -t`), from the worker's API. */
function taskBuildDataCommand(task: Command): void {
  task
    .command('builddata')
    .description("the build data a task collected (lshw, commissioning output), from the worker's Drydock API")
    .argument('[id]', "task id (or -t, as in Drydock's CLI)")
    .option('-t, --task-id <id>', "task id (Drydock's form)")
    .addOption(outputOption())
    .action(async (positional: string | undefined, o, cmd: Command) => {
      const id = oneOf(cmd, 'task id', positional, o.taskId as string | undefined, "'task builddata <id>' or '-t <id>'");
      const records = await new (load.api().DrydockApiClient)().taskBuildData(id);
      print(o.output, records, load.renderNodes().renderBuildData(records));
    });
}

/** `drydock node list` and `node builddata`: MaaS machines and build data, from the worker's Drydock API (DRYDOCK_API_URL). */
function nodeCommands(program: Command): void {
  const node = program.command('node').description("nodes as the provisioner (MaaS) sees them, and their build data, from the worker's Drydock API");
  node
    .command('list')
    .description("MaaS machines: status, CPUs, memory, PXE MAC, addresses, power state (Drydock's columns)")
    .addOption(outputOption())
    .action(async (o) => {
      const nodes = await new (load.api().DrydockApiClient)().getNodes();
      print(o.output, nodes, load.renderNodes().renderNodeList(nodes));
    });
  node
    .command('builddata')
    .description('the build data collected about a node (lshw, commissioning output)')
    .argument('<node>', 'node name')
    .option('--latest', "only the newest record of each generator (the default, as Drydock's CLI)", true)
    .option('--no-latest', 'every record collected')
    .addOption(outputOption())
    .action(async (name: string, o) => {
      const records = await new (load.api().DrydockApiClient)().nodeBuildData(name, o.latest !== false);
      print(o.output, records, load.renderNodes().renderBuildData(records));
    });
}

/** `drydock task create`: start an action. */
function taskCreateCommand(task: Command): void {
  const create = task
    .command('create')
    .description(`start an action: ${TOP_LEVEL_ACTIONS.join(', ')}`)
    .argument('[action]', "action name (or -a, as in Drydock's CLI)", actionArg)
    .option('-a, --action <action>', "action name (Drydock's form)", actionArg)
    .requiredOption('-d, --design-ref <ref>', 'site design: a file path, file://, http(s):// or deckhand+http(s)://', designRefArg)
    .option('-n, --nodes <names>', 'node names, comma-separated', csv)
    .option('--node-names <names>', "same as -n (Drydock's name)", csv)
    .option('-r, --racks <names>', 'rack names, comma-separated', csv)
    .option('--rack-names <names>', "same as -r (Drydock's name)", csv)
    .option('-t, --tags <tags>', 'node tags, comma-separated', csv)
    .option('--node-tags <tags>', "same as -t (Drydock's name)", csv)
    .option('--node-filter <json>', 'a full Drydock node filter as JSON (overrides -n/-r/-t)', nodeFilterJson)
    .option('--wait', 'wait until the task ends; exit 1 unless its result is success');
  blockOptions(create)
    .addOption(pollIntervalOption())
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
  Examples:
  drydock task create deploy_nodes -d examples/site/demo-site.yaml -n n01,n02 --wait
  drydock task create -a deploy_nodes -d file:///srv/site.yaml --node-names n01 --block   (Drydock's syntax)
  drydock task create prepare_nodes -d deckhand+https://deckhand/api/v1.0/revisions/3/rendered-documents -r rack1`,
    )
    .action(async (positional: Action | undefined, o, cmd: Command) => {
      const action = oneOf(cmd, 'action', positional, o.action as Action | undefined, "'task create <action>' or '-a <action>'");
      const filter = nodeFilterFrom({ nodes: merged(o.nodes, o.nodeNames), racks: merged(o.racks, o.rackNames), tags: merged(o.tags, o.nodeTags), nodeFilter: o.nodeFilter });
      await withClient(async (c) => {
        const { taskId, workflowId } = await c.createTask(action, { designRef: o.designRef, nodeFilter: filter, createdBy: process.env.USER });
        if (!(o.wait || o.block)) {
          print(o.output, { task_id: taskId, workflow_id: workflowId }, `Task ${taskId} created (workflow ${workflowId})\nFollow it with: drydock task wait ${taskId}`);
          return;
        }
        if (o.output !== 'json') process.stdout.write(`Task ${taskId} created (workflow ${workflowId})\n`);
        await followAndReport(c, taskId, o.output, seconds(o.pollInterval));
      });
    });
}

/** `drydock task show`. */
function taskShowCommand(task: Command): void {
  const show = task
    .command('show')
    .description("show a task in Drydock's task shape")
    .argument('[id]', "task id or workflow id (or -t, as in Drydock's CLI)")
    .option('-t, --task-id <id>', "task id (Drydock's form)")
    .option('--wait', 'wait until the task ends first; exit 1 unless its result is success');
  blockOptions(show)
    .addOption(pollIntervalOption())
    .addOption(outputOption())
    .action(async (positional: string | undefined, o, cmd: Command) => {
      const id = oneOf(cmd, 'task id', positional, o.taskId as string | undefined, "'task show <id>' or '-t <id>'");
      await withClient(async (c) => {
        if (o.wait || o.block) return followAndReport(c, id, o.output, seconds(o.pollInterval));
        const t = await c.getTask(id);
        print(o.output, t, load.render().renderTask(t));
      });
    });
}

/** `drydock task wait`. */
function taskWaitCommand(task: Command): void {
  task
    .command('wait')
    .description('follow a task until it ends; exit 1 unless its result is success')
    .argument('<id>', 'task id or workflow id')
    .addOption(pollIntervalOption())
    .addOption(outputOption())
    .action((id: string, o) => withClient((c) => followAndReport(c, id, o.output, seconds(o.pollInterval))));
}

/** `drydock task retry`: the failed nodes again. */
function taskRetryCommand(task: Command): void {
  const retry = task
    .command('retry')
    .description('run a finished task again on its failed nodes only (Drydock-style: same task id)')
    .argument('<id>', 'task id or workflow id')
    .option('--wait', 'wait until the retried task ends');
  blockOptions(retry)
    .addOption(outputOption())
    .action(async (id: string, o) => {
      await withClient(async (c) => {
        const r = await c.retryTask(id);
        if (!(o.wait || o.block)) {
          print(o.output, r, `Task ${r.taskId} retrying on ${r.nodes.length} failed node(s): ${r.nodes.join(', ')}`);
          return;
        }
        await followAndReport(c, r.taskId, o.output);
      });
    });
}

/** `drydock task terminate`. */
function taskTerminateCommand(task: Command): void {
  task
    .command('terminate')
    .description('stop a running task; each node records the step it stopped at')
    .argument('<id>', 'task id or workflow id')
    .addOption(outputOption())
    .action(async (id: string, o) => {
      await withClient(async (c) => {
        await c.terminateTask(id);
        const t = await follow(c, id, o.output);
        const { renderTask } = load.render();
        print(o.output, t, renderTask(t));
      });
    });
}

/** `drydock task list`. */
function taskListCommand(task: Command): void {
  task
    .command('list')
    .description('list tasks, newest first')
    .option('-a, --action <action>', 'only this action', actionArg)
    .addOption(new Option('-s, --status <status>', 'only tasks in this status').choices(['running', 'complete', 'terminated']))
    .option('-n, --node <name>', 'only tasks that target this node')
    .option('--limit <n>', 'at most n tasks', positiveInt, 50)
    .addOption(outputOption())
    .action(async (o) => {
      await withClient(async (c) => {
        const tasks = await c.listTasks({ action: o.action, status: o.status, node: o.node, limit: o.limit });
        print(o.output, tasks, load.render().renderTaskList(tasks));
      });
    });
}

function validateDesignCommand(program: Command): void {
  program
    .command('validate-design')
    .description("validate a site design with Drydock's rules (exit 0 valid, 1 invalid, 2 could not be loaded)")
    .argument('<design_ref>', 'a file path, file://, http(s):// or deckhand+http(s):// reference', designRefArg)
    .option('--offline', 'validate in this process, without Temporal (pre-commit checks)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  drydock validate-design examples/site/demo-site.yaml --offline
  drydock validate-design deckhand+http://deckhand/api/v1.0/revisions/3/rendered-documents --output json`,
    )
    .action(async (designRef: string, o: { offline?: boolean; output: 'text' | 'json' }) => {
      const design = load.design();
      if (o.offline) {
        const r = await design.runValidateDesignOffline(designRef, { output: o.output });
        process.stdout.write(r.text + '\n');
        process.exitCode = r.exitCode;
        return;
      }
      await withClient(async (c) => {
        const { taskId } = await c.createTask('validate_design', { designRef });
        const t = await c.waitTask(taskId, undefined, 300);
        if (!t.validation) throw new CliError(`validate_design task ${taskId} ended without a validation status: ${t.result.details.messageList.map((m) => m.message).join('; ')}`);
        const { status, loaded } = t.validation as { status: ValidationStatus; loaded: boolean };
        print(o.output, status, `${design.validationReport(design.redactRef(designRef), status, !loaded)}\n(task ${taskId})`);
        process.exitCode = design.validationExitCode(status, loaded);
      });
    });
}

function siteCommands(program: Command): void {
  const site = program.command('site').description('site-wide state: the design lock PrepareSite takes');
  site
    .command('show')
    .description("the site's design lock, if any")
    .argument('<site>', "site name (the Region document's name)")
    .addOption(outputOption())
    .action(async (name: string, o) => {
      const { redactRef } = load.design();
      await withClient(async (c) => {
        const lock = await c.siteLock(name);
        print(
          o.output,
          { site: name, lock: lock ?? null },
          lock
            ? `Site ${name}: design locked by prepare_site task ${lock.taskId} at ${lock.lockedAt}\n  design:  ${redactRef(lock.designRef)}\n  content: ${lock.contentHash}`
            : `Site ${name}: design not locked`,
        );
      });
    });
  site
    .command('unlock')
    .description("release the site's design lock, so actions accept a changed design")
    .argument('<site>', 'site name')
    .option('--reason <text>', "why, kept in the lock's history")
    .addOption(outputOption())
    .action(async (name: string, o) => {
      await withClient(async (c) => {
        const lock = await c.unlockSite(name, { by: process.env.USER, reason: o.reason });
        print(o.output, { site: name, released: lock }, `Site ${name}: design lock of task ${lock.taskId} released`);
      });
    });
}

/** The project's version, from the package.json above this file (sources or compiled output alike). */
export function packageVersion(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Every command: usage errors as one line on stderr naming the command and the problem, and thrown
 * (exitOverride) so that main() turns them into exit code 2 instead of commander's process.exit(1).
 */
function applyUsageConventions(cmd: Command): void {
  const where = commandPath(cmd);
  cmd.exitOverride().configureOutput({
    outputError: (s, write) =>
      write(
        `${where}: ${s
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()}; see '${where} --help'\n`,
      ),
  });
  for (const sub of cmd.commands) applyUsageConventions(sub);
}

const PROGRAM_HELP = `
Examples:
  drydock validate-design examples/site/demo-site.yaml --offline
  drydock task create deploy_nodes -d examples/site/demo-site.yaml --wait
  drydock task create -a deploy_nodes -d examples/site/demo-site.yaml --block   (Drydock's syntax)
  drydock task list --status running
  drydock task show -t <task id>

A design reference is a file path or a file://, http(s):// or deckhand+http(s):// URL.
Exit codes: 0 success, 1 the task or command failed, 2 bad input (usage, a design that cannot be loaded).

Environment:
${CLI_ENVIRONMENT.map(([name, what]) => `  ${name.padEnd(26)} ${what}`).join('\n')}`;

export function buildProgram(): Command {
  const program = new Command('drydock')
    .description('Drydock on Temporal: run and follow bare-metal provisioning actions')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--address <host:port>', 'Temporal frontend (over TEMPORAL_ADDRESS and the profile)')
    .option('--namespace <name>', 'Temporal namespace (over TEMPORAL_NAMESPACE and the profile)')
    .option('--profile <name>', 'profile of the Temporal config file (over TEMPORAL_PROFILE)')
    .hook('preAction', (cmd) => {
      connectOverrides = cmd.opts<{ address?: string; namespace?: string; profile?: string }>();
    })
    .addHelpText('after', PROGRAM_HELP);
  taskCommands(program);
  validateDesignCommand(program);
  siteCommands(program);
  nodeCommands(program);
  applyUsageConventions(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

/** One line on stderr and the exit code for an error a command ended with. */
function reportError(e: unknown): number {
  // Help, --version: exit 0; any usage error (already printed in one line): 2.
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
  if (e instanceof CliError) {
    process.stderr.write(`drydock: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof load.api().DrydockApiError) {
    process.stderr.write(`drydock: ${e.message}\n`);
    return 1;
  }
  const { TemporalUnreachableError, TaskNotFoundError, TaskStateError } = load.client();
  const { ConfigError } = load.config();
  const { CODEC_ENV } = load.codec();
  if (e instanceof TemporalUnreachableError || e instanceof ConfigError || e instanceof TaskNotFoundError || e instanceof TaskStateError) {
    process.stderr.write(`drydock: ${e.message}\n`);
    return e instanceof TemporalUnreachableError ? 1 : EXIT_USAGE;
  }
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  if (/Unknown encoding: binary\/encrypted/.test(msg)) {
    process.stderr.write(`drydock: the task's data is encrypted: set ${CODEC_ENV.key} (and ${CODEC_ENV.keyId}) to the worker's key\n`);
    return 1;
  }
  process.stderr.write(`drydock: ${msg}\n`);
  return 1;
}

if (require.main === module || process.argv[1]?.endsWith('drydock.js') || process.argv[1]?.endsWith('drydock')) {
  void main(process.argv).then((code) => process.exit(code));
}
