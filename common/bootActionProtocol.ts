/**
 * Drydock's boot action protocol between a deploy workflow, the worker's boot action API and the node: the
 * names and shapes they share. Workflow-safe (no Node.js imports): the keys and ids themselves are made in
 * common/bootActionKeys.ts, inside the worker.
 */

/** Drydock's boot_action_status values: `incomplete` until a signaling action reports, `unreported` when it never will. */
export type BootActionStatus = 'incomplete' | 'unreported' | 'success' | 'failure';

/** A rendered asset as a history may carry it: what and where, and a digest of its bytes (never the bytes). */
export interface AssetDigest {
  type: 'unit' | 'file' | 'pkg_list';
  path: string | null;
  sha256: string;
}

/** A boot action targeting a node, rendered for this deploy before the node is deployed. */
export interface RenderedBootAction {
  name: string;
  /** The id the node reports against: `POST <report_url><actionId>`. */
  actionId: string;
  signaling: boolean;
  assets: AssetDigest[];
}

/** What a deploy workflow answers to BOOT_ACTIONS_QUERY: the node's boot actions of this deploy and their status. */
export interface BootActionBoard {
  node: string;
  actions: (RenderedBootAction & { status: BootActionStatus })[];
}

/** Query of a deploy_node workflow: its BootActionBoard (the boot action API's view of boot_action_status). */
export const BOOT_ACTIONS_QUERY = 'bootActions';

/**
 * Signal to a deploy_node workflow: a node's POST to `bootactions/<action_id>`. Without a status only the
 * details are recorded and the action stays as it was (Drydock's BootactionResource).
 */
export const BOOT_ACTION_STATUS_SIGNAL = 'bootActionStatus';

export interface BootActionStatusReport {
  actionId: string;
  status?: 'success' | 'failure';
  details?: { message: string; error: boolean }[];
}

export const isFinal = (s: BootActionStatus): boolean => s === 'success' || s === 'failure';
