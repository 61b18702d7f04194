import crypto from 'node:crypto';

/**
 * Drydock's boot action context (create_bootaction_context): each deployed node gets an identity key and each
 * boot action targeting it an id. Here both derive from the deploy workflow's id, so any worker configured
 * with the same DRYDOCK_BOOTACTION_SECRET finds them again (a restarted or second worker, the boot action API)
 * and nothing is stored: histories carry the ids, never a key.
 */

/** The action id names the deploy workflow and the boot action, so a report finds the workflow it belongs to. */
export function bootActionId(workflowId: string, bootAction: string): string {
  return Buffer.from(`${workflowId}|${bootAction}`).toString('base64url');
}

export function parseBootActionId(actionId: string): { workflowId: string; bootAction: string } | undefined {
  const decoded = Buffer.from(actionId, 'base64url').toString('utf8');
  const i = decoded.lastIndexOf('|');
  if (i <= 0 || bootActionId(decoded.slice(0, i), decoded.slice(i + 1)) !== actionId) return undefined;
  return { workflowId: decoded.slice(0, i), bootAction: decoded.slice(i + 1) };
}

/**
 * The node's identity key for one deploy, in hex (`X-Bootaction-Key`, the `<node>__baid__<key>` MaaS tag and
 * `action.action_key`): 32 bytes, as Drydock's random key, but an HMAC under the worker secret.
 */
export function nodeBootActionKey(secret: string, workflowId: string, node: string): string {
  return crypto.createHmac('sha256', secret).update(`bootaction-node-key\n${workflowId}\n${node}`).digest('hex');
}

/** A presented key against the expected one, in constant time. */
export function sameKey(presented: string, expected: string): boolean {
  const a = Buffer.from(presented.toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** What a boot action's templates see as `action.*` (Drydock's action_id, action_key, report_url, design_ref). */
export interface BootActionIdentityOf {
  actionId: string;
  actionKey: string;
  reportUrl: string;
  designRef: string;
}

/** The identity function rendering needs, for one node's deploy. */
export function bootActionIdentities(opts: {
  secret: string;
  reportUrl: string;
  workflowId: string;
  node: string;
  designRef: string;
}): (bootAction: string) => BootActionIdentityOf {
  const actionKey = nodeBootActionKey(opts.secret, opts.workflowId, opts.node);
  return (bootAction) => ({ actionId: bootActionId(opts.workflowId, bootAction), actionKey, reportUrl: opts.reportUrl, designRef: opts.designRef });
}
