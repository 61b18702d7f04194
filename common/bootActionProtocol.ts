import crypto from 'node:crypto';

/**
 * Drydock's boot action protocol, as nodes see it: each targeted boot action has an id the node reports
 * against (`POST <report_url><action_id>`), and the node proves itself with a key (`X-Bootaction-Key`).
 * Here the id names the deploy workflow and the boot action, and the key is an HMAC of the id under the
 * worker's secret, so neither the key nor a database is needed to check a report. Used by the activities
 * that write a node's user data, the worker's report API and the tests.
 */
export function bootActionId(workflowId: string, bootAction: string): string {
  return Buffer.from(`${workflowId}|${bootAction}`).toString('base64url');
}

export function parseBootActionId(actionId: string): { workflowId: string; bootAction: string } | undefined {
  const decoded = Buffer.from(actionId, 'base64url').toString('utf8');
  const i = decoded.lastIndexOf('|');
  if (i <= 0 || bootActionId(decoded.slice(0, i), decoded.slice(i + 1)) !== actionId) return undefined;
  return { workflowId: decoded.slice(0, i), bootAction: decoded.slice(i + 1) };
}

export function bootActionKey(secret: string, actionId: string): string {
  return crypto.createHmac('sha256', secret).update(actionId).digest('hex');
}
