import type { DrydockClient } from '../client/drydockClient';
import { createProgressReporter } from '../client/progress';
import type { Action, Task } from '../workflows/task';

/** The runbook a new site goes through, as cLCP would run it: site first, then nodes. */
export const DEMO_ACTIONS: readonly Action[] = ['prepare_site', 'prepare_nodes', 'deploy_nodes'];

export interface DemoOptions {
  client: DrydockClient;
  designRef: string;
  /** Web UI base for links, e.g. http://127.0.0.1:8233/namespaces/default */
  uiNamespaceUrl?: string;
  out: NodeJS.WriteStream;
}

/**
 * Deploys the site end to end, one action after the other, with live progress; stops at the first action
 * that does not succeed. Returns the tasks it ran.
 */
export async function runDemo(opts: DemoOptions): Promise<Task[]> {
  const { client, out } = opts;
  const tasks: Task[] = [];
  for (const action of DEMO_ACTIONS) {
    const { taskId, workflowId } = await client.createTask(action, { designRef: opts.designRef, createdBy: 'npm start' });
    out.write(`\n${action}: task ${taskId}\n`);
    if (opts.uiNamespaceUrl) out.write(`  watch it: ${opts.uiNamespaceUrl}/workflows/${encodeURIComponent(workflowId)}\n`);
    const progress = createProgressReporter({ stream: out });
    const task = await waitThroughOutages(() => client.waitTask(taskId, (t) => progress.update(t), 1000));
    progress.done(task);
    tasks.push(task);
    out.write(`  ${action}: ${task.status}, result ${task.result.status}${summary(task)}\n`);
    if (task.result.status !== 'success') {
      for (const m of task.result.details.messageList.filter((x) => x.error).slice(0, 10)) out.write(`    ${m.context ?? ''}: ${m.message}\n`);
      out.write(`  stopping here; after fixing the cause: npx drydock task retry ${taskId}\n`);
      break;
    }
  }
  return tasks;
}

/**
 * The embedded server may be down for a moment (npm start restarts it); the task goes on in its history,
 * so following it carries on once the server answers again.
 */
async function waitThroughOutages<T>(follow: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await follow();
    } catch (e) {
      if (!serverUnreachable(e)) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4), on the error or one of its causes. */
function serverUnreachable(e: unknown): boolean {
  for (let x = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 5; x = x.cause as typeof x, depth++) {
    if (x.code === 14 || x.code === 4) return true;
  }
  return false;
}

function summary(t: Task): string {
  const ok = t.result.successes.length;
  const failed = t.result.failures.length;
  return ok || failed ? ` (${ok} succeeded${failed ? `, ${failed} failed: ${t.result.failures.join(', ')}` : ''})` : '';
}
