/** MaaS status names (as MaaS prints them) grouped the way the node runbooks need them. */

/** Commissioning is behind the node: Ready and every status a deployment passes through. */
export const COMMISSIONED = new Set(['Ready', 'Allocated', 'Deploying', 'Deployed', 'Failed deployment']);

/** Statuses a release applies to (Drydock's destroy_node list). */
export const RELEASABLE = new Set(['Allocated', 'Deployed', 'Deploying', 'Failed deployment', 'Failed releasing', 'Failed disk erasing']);

/** Statuses from which a deployment can start. */
export const DEPLOYABLE = new Set(['Ready', 'Allocated']);

/** Transient statuses of a release on its way back to Ready. */
export const RELEASING = new Set(['Releasing', 'Disk erasing']);

export const isFailed = (s: string): boolean => s.startsWith('Failed') || s === 'Broken';
