import { Command, InvalidArgumentError, Option } from 'commander';
import { CODEC_ENV } from '../common/codec';
import { ConfigError, temporalConfigFromEnv } from '../common/config';
import { TOP_LEVEL_ACTIONS, type Action, type NodeFilterSet, type Task } from '../workflows/task';
import { DrydockClient, TaskNotFoundError, TaskStateError, TemporalUnreachableError } from './drydockClient';
import { createProgressReporter } from './progress';
import { redactRef, runValidateDesignOffline, validationExitCode, validationReport, type ValidationStatus } from '../design';
import { renderTask, renderTaskList } from './render';

/** Exit codes: 0 ok, 1 the task or command failed, 2 bad input or the design could not be loaded. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
const csv = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

function print(format: string, json: unknown, text: string): void {
  process.stdout.write((format === 'json' ? JSON.stringify(json, null, 2) : text) + '\n');
}

/**
 * Follows a task until it ends. Text output: live progress on stdout (bar, per-node counts and elapsed time
 * on a terminal; timestamped plain lines otherwise); JSON output: nothing until the final document.
 */
async function follow(c: DrydockClient, id: string, format: string): Promise<Task> {
  if (format === 'json') return c.waitTask(id);
  const progress = createProgressReporter({ stream: process.stdout });
  const interrupted = () => {
    progress.stop();
    process.stderr.write(`drydock: stopped following task ${id}; it keeps running (drydock task wait ${id})\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    const t = await c.waitTask(id, (u) => progress.update(u));
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
async function followAndReport(c: DrydockClient, id: string, format: string): Promise<void> {
  const t = await follow(c, id, format);
  print(format, t, renderTask(t));
  if (t.result.status !== 'success') process.exitCode = 1;
}

async function withClient<T>(fn: (c: DrydockClient) => Promise<T>): Promise<T> {
  const client = await DrydockClient.connect(temporalConfigFromEnv());
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Drydock CLI's filter: node names and rack names, OR'd within each criterion (§F.2), plus tags. */
function nodeFilterFrom(o: { nodes?: string[]; racks?: string[]; tags?: string[]; nodeFilter?: string }): NodeFilterSet | null {
  if (o.nodeFilter) {
    try {
      return JSON.parse(o.nodeFilter) as NodeFilterSet;
    } catch (e) {
      throw new CliError(`--node-filter is not valid JSON: ${(e as Error).message}`, 2);
    }
  }
  if (!o.nodes && !o.racks && !o.tags) return null;
  return {
    filter_set_type: 'intersection',
    filter_set: [{ filter_type: 'union', node_names: o.nodes, rack_names: o.racks, node_tags: o.tags }],
  };
}

function taskCommands(program: Command): void {
  const task = program.command('task').description('create and follow Drydock tasks (actions)');

  task
    .command('create')
    .description(`start an action: ${TOP_LEVEL_ACTIONS.join(', ')}`)
    .argument('<action>', 'action name', (v) => {
      if (!(TOP_LEVEL_ACTIONS as readonly string[]).includes(v)) {
        throw new InvalidArgumentError(`unknown action; expected one of ${TOP_LEVEL_ACTIONS.join(', ')}`);
      }
      return v as Action;
    })
    .requiredOption('-d, --design-ref <ref>', 'site design reference (file://, http(s)://, deckhand+http(s)://)')
    .option('-n, --nodes <names>', 'node names, comma-separated', csv)
    .option('-r, --racks <names>', 'rack names, comma-separated', csv)
    .option('-t, --tags <tags>', 'node tags, comma-separated', csv)
    .option('--node-filter <json>', "a full Drydock node filter as JSON (overrides -n/-r/-t)")
    .option('--wait', 'wait until the task ends')
    .addOption(outputOption())
    .action(async (action: Action, o) => {
      await withClient(async (c) => {
        const { taskId, workflowId } = await c.createTask(action, { designRef: o.designRef, nodeFilter: nodeFilterFrom(o), createdBy: process.env.USER });
        if (!o.wait) {
          print(o.output, { task_id: taskId, workflow_id: workflowId }, `Task ${taskId} created (workflow ${workflowId})\nFollow it with: drydock task wait ${taskId}`);
          return;
        }
        if (o.output !== 'json') process.stdout.write(`Task ${taskId} created (workflow ${workflowId})\n`);
        await followAndReport(c, taskId, o.output);
      });
    });

  task
    .command('show')
    .description('show a task in Drydock\'s task shape')
    .argument('<id>', 'task id or workflow id')
    .addOption(outputOption())
    .action(async (id: string, o) => {
      await withClient(async (c) => {
        const t = await c.getTask(id);
        print(o.output, t, renderTask(t));
      });
    });

  task
    .command('wait')
    .description('follow a task until it ends; exit 1 unless its result is success')
    .argument('<id>', 'task id or workflow id')
    .addOption(outputOption())
    .action((id: string, o) => withClient((c) => followAndReport(c, id, o.output)));

  task
    .command('retry')
    .description('run a finished task again on its failed nodes only (Drydock-style: same task id)')
    .argument('<id>', 'task id or workflow id')
    .option('--wait', 'wait until the retried task ends')
    .addOption(outputOption())
    .action(async (id: string, o) => {
      await withClient(async (c) => {
        const r = await c.retryTask(id);
        if (!o.wait) {
          print(o.output, r, `Task ${r.taskId} retrying on ${r.nodes.length} failed node(s): ${r.nodes.join(', ')}`);
          return;
        }
        await followAndReport(c, r.taskId, o.output);
      });
    });

  task
    .command('terminate')
    .description('stop a running task; each node records the step it stopped at')
    .argument('<id>', 'task id or workflow id')
    .addOption(outputOption())
    .action(async (id: string, o) => {
      await withClient(async (c) => {
        await c.terminateTask(id);
        const t = await follow(c, id, o.output);
        print(o.output, t, renderTask(t));
      });
    });

  task
    .command('list')
    .description('list tasks, newest first')
    .option('-a, --action <action>', 'only this action')
    .addOption(new Option('-s, --status <status>', 'only tasks in this status').choices(['running', 'complete', 'terminated']))
    .option('-n, --node <name>', 'only tasks that target this node')
    .option('--limit <n>', 'at most n tasks', (v) => parseInt(v, 10), 50)
    .addOption(outputOption())
    .action(async (o) => {
      await withClient(async (c) => {
        const tasks = await c.listTasks({ action: o.action, status: o.status, node: o.node, limit: o.limit });
        print(o.output, tasks, renderTaskList(tasks));
      });
    });
}

function validateDesignCommand(program: Command): void {
  program
    .command('validate-design')
    .description('validate a site design with Drydock\'s rules (exit 0 valid, 1 invalid, 2 could not be loaded)')
    .argument('<design_ref>', 'file://, http(s):// or deckhand+http(s):// reference')
    .option('--offline', 'validate in this process, without Temporal (pre-commit checks)')
    .addOption(outputOption())
    .action(async (designRef: string, o: { offline?: boolean; output: 'text' | 'json' }) => {
      if (o.offline) {
        const r = await runValidateDesignOffline(designRef, { output: o.output });
        process.stdout.write(r.text + '\n');
        process.exitCode = r.exitCode;
        return;
      }
      await withClient(async (c) => {
        const { taskId } = await c.createTask('validate_design', { designRef });
        const t = await c.waitTask(taskId, undefined, 300);
        if (!t.validation) throw new CliError(`validate_design task ${taskId} ended without a validation status: ${t.result.details.messageList.map((m) => m.message).join('; ')}`);
        const { status, loaded } = t.validation as { status: ValidationStatus; loaded: boolean };
        print(o.output, status, `${validationReport(redactRef(designRef), status, !loaded)}\n(task ${taskId})`);
        process.exitCode = validationExitCode(status, loaded);
      });
    });
}

function siteCommands(program: Command): void {
  const site = program.command('site').description('site-wide state: the design lock PrepareSite takes');
  site
    .command('show')
    .description('the site\'s design lock, if any')
    .argument('<site>', 'site name (the Region document\'s name)')
    .addOption(outputOption())
    .action(async (name: string, o) => {
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
    .description('release the site\'s design lock, so actions accept a changed design')
    .argument('<site>', 'site name')
    .option('--reason <text>', 'why, kept in the lock\'s history')
    .addOption(outputOption())
    .action(async (name: string, o) => {
      await withClient(async (c) => {
        const lock = await c.unlockSite(name, { by: process.env.USER, reason: o.reason });
        print(o.output, { site: name, released: lock }, `Site ${name}: design lock of task ${lock.taskId} released`);
      });
    });
}

export function buildProgram(): Command {
  const program = new Command('drydock')
    .description('Drydock on Temporal: run and follow bare-metal provisioning actions')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  taskCommands(program);
  validateDesignCommand(program);
  siteCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (code?.startsWith('commander.')) return 2;
    if (e instanceof TemporalUnreachableError || e instanceof ConfigError || e instanceof TaskNotFoundError || e instanceof TaskStateError) {
      process.stderr.write(`drydock: ${e.message}\n`);
      return e instanceof TemporalUnreachableError ? 1 : 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`drydock: ${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    if (/Unknown encoding: binary\/encrypted/.test(msg)) {
      process.stderr.write(`drydock: the task's data is encrypted: set ${CODEC_ENV.key} (and ${CODEC_ENV.keyId}) to the worker's key\n`);
      return 1;
    }
    process.stderr.write(`drydock: ${msg}\n`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('drydock.js') || process.argv[1]?.endsWith('drydock')) {
  main(process.argv).then((code) => process.exit(code));
}
