import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

/** A node another task is working on. */
export interface BusyNode {
  node: string;
  taskId: string;
  /** The per-node child workflow that holds it, e.g. demo-deploy_node-n02-<task id>. */
  workflowId: string;
  action: string;
}

/** Node actions that change a node; verify_node only reads its BMC and may run beside them. */
export const NODE_CHANGING_ACTIONS = ['prepare_node', 'deploy_node', 'destroy_node', 'relabel_node'];

/** Which of a site's nodes are being worked on by another task. */
export interface NodeClaims {
  busy(site: string, nodes: string[], taskId: string, taskQueue: string): Promise<BusyNode[]>;
}

const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;

/**
 * A node is busy while a per-node child workflow of a changing action runs for it on the same task queue (the
 * queue is one Drydock: tests and labs may simulate sites of the same name on others): their search attributes
 * (DrydockSite, DrydockNodes, DrydockTaskId, DrydockAction) say which, and each candidate's own state confirms
 * it still runs. Visibility can lag the start of a workflow by a moment, so two tasks started within it may
 * both go ahead; that window is what is left.
 */
export class TemporalNodeClaims implements NodeClaims {
  constructor(private readonly client: Client) {}

  private async stillRunning(workflowId: string, runId: string): Promise<boolean> {
    const d = await this.client.workflow.getHandle(workflowId, runId).describe();
    return d.status.name === 'RUNNING';
  }

  async busy(site: string, nodes: string[], taskId: string, taskQueue: string): Promise<BusyNode[]> {
    if (nodes.length === 0) return [];
    const wanted = new Set(nodes);
    const query =
      `ExecutionStatus = 'Running' AND TaskQueue = ${quote(taskQueue)} AND DrydockSite = ${quote(site)} AND DrydockTaskId != ${quote(taskId)}` +
      ` AND DrydockAction IN (${NODE_CHANGING_ACTIONS.map(quote).join(', ')})`;
    const found: BusyNode[] = [];
    for await (const w of this.client.workflow.list({ query })) {
      const attrs = w.searchAttributes as Record<string, unknown[] | undefined>;
      const mine = ((attrs.DrydockNodes ?? []) as string[]).filter((n) => wanted.has(n));
      // Visibility also lags a close: a task that has just ended still lists as running. Its own state does not.
      if (mine.length === 0 || !(await this.stillRunning(w.workflowId, w.runId))) continue;
      const owner = String(attrs.DrydockTaskId?.[0] ?? '');
      const action = String(attrs.DrydockAction?.[0] ?? '');
      for (const n of mine) found.push({ node: n, taskId: owner, workflowId: w.workflowId, action });
    }
    return found;
  }
}

export function createClaimActivities(claims?: NodeClaims) {
  return {
    /** The target nodes another task is working on (none when no claim reader is configured). */
    async busyNodes(input: { site: string; nodes: string[]; taskId: string }): Promise<BusyNode[]> {
      return claims ? claims.busy(input.site, input.nodes, input.taskId, Context.current().info.taskQueue) : [];
    },
  };
}
