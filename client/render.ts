import type { Task, TaskMessage } from '../workflows/task';
import type { TaskSummary } from './drydockClient';

/** Human-readable task, the default of `drydock task show`. */
export function renderTask(t: Task): string {
  const r = t.result;
  const lines = [
    `Task ${t.task_id}  ${t.action}`,
    `  status:   ${t.status}`,
    `  result:   ${r.status}${r.message ? ` (${r.message})` : ''}`,
    `  design:   ${t.design_ref}`,
    `  created:  ${t.created}   updated: ${t.updated}`,
    `  workflow: ${t.workflow_id}`,
  ];
  if (t.retry) lines.push(`  retry:    ${t.retry}`);
  if (r.successes.length) lines.push(`  successes (${r.successes.length}): ${r.successes.join(', ')}`);
  if (r.failures.length) lines.push(`  failures (${r.failures.length}): ${r.failures.join(', ')}`);
  const nodes = Object.entries(t.nodes);
  if (nodes.length) {
    lines.push('  nodes:');
    for (const [name, p] of nodes) lines.push(`    ${name.padEnd(16)} ${p.result.padEnd(15)} ${p.step}${p.message ? `  ${p.message}` : ''}`);
  }
  if (r.details.messageList.length) {
    lines.push(`  messages (${r.details.errorCount} errors):`);
    for (const m of r.details.messageList) lines.push(`    ${renderMessage(m)}`);
  }
  return lines.join('\n');
}

export function renderMessage(m: TaskMessage): string {
  const ctx = m.context_type === 'NA' ? '' : ` [${m.context_type} ${m.context}]`;
  return `${m.error ? 'ERROR' : 'info '}${ctx} ${m.message}`;
}

export function renderTaskList(tasks: TaskSummary[]): string {
  if (tasks.length === 0) return 'no tasks';
  const rows = tasks.map((t) => [t.task_id, t.action, t.status, t.result ?? '-', String(t.nodes.length), t.created]);
  return renderTable(['TASK ID', 'ACTION', 'STATUS', 'RESULT', 'NODES', 'CREATED'], rows);
}

/** Columns padded to their widest cell, two spaces apart, as Drydock's CLI tables. */
export function renderTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}
