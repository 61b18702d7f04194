/**
 * MaaS machine statuses: the one home for their codes and names (MaaS's NODE_STATUS and its display names,
 * src/maasserver/enum.py), and for the groups Drydock's node driver compares them against. Workflows, the
 * MaaS driver and the MaaS emulator all use these; nothing else spells a status name.
 * Pure data: safe inside workflow code.
 */
export const NodeStatus = {
  NEW: 0,
  COMMISSIONING: 1,
  FAILED_COMMISSIONING: 2,
  MISSING: 3,
  READY: 4,
  RESERVED: 5,
  DEPLOYED: 6,
  RETIRED: 7,
  BROKEN: 8,
  DEPLOYING: 9,
  ALLOCATED: 10,
  FAILED_DEPLOYMENT: 11,
  RELEASING: 12,
  FAILED_RELEASING: 13,
  DISK_ERASING: 14,
  FAILED_DISK_ERASING: 15,
  RESCUE_MODE: 16,
  ENTERING_RESCUE_MODE: 17,
  FAILED_ENTERING_RESCUE_MODE: 18,
  EXITING_RESCUE_MODE: 19,
  FAILED_EXITING_RESCUE_MODE: 20,
  TESTING: 21,
  FAILED_TESTING: 22,
} as const;
export type NodeStatusCode = (typeof NodeStatus)[keyof typeof NodeStatus];

/** `status_name` as MaaS prints it for each code. */
export const STATUS_NAMES = {
  0: 'New',
  1: 'Commissioning',
  2: 'Failed commissioning',
  3: 'Missing',
  4: 'Ready',
  5: 'Reserved',
  6: 'Deployed',
  7: 'Retired',
  8: 'Broken',
  9: 'Deploying',
  10: 'Allocated',
  11: 'Failed deployment',
  12: 'Releasing',
  13: 'Releasing failed',
  14: 'Disk erasing',
  15: 'Failed disk erasing',
  16: 'Rescue mode',
  17: 'Entering rescue mode',
  18: 'Failed to enter rescue mode',
  19: 'Exiting rescue mode',
  20: 'Failed to exit rescue mode',
  21: 'Testing',
  22: 'Failed testing',
} as const satisfies Record<NodeStatusCode, string>;
export type MaasStatusName = (typeof STATUS_NAMES)[NodeStatusCode];

/** Every status name MaaS can report, in code order. */
export const ALL_STATUS_NAMES: readonly MaasStatusName[] = Object.values(STATUS_NAMES);

const named = (...codes: NodeStatusCode[]): ReadonlySet<string> => new Set(codes.map((c) => STATUS_NAMES[c]));
const S = NodeStatus;

/** Drydock's configure_hardware commissions from these (Broken excepted: an operator must mark it fixed first). */
export const COMMISSION_FROM = named(S.NEW, S.FAILED_COMMISSIONING, S.FAILED_TESTING);
/** Commissioning under way: configure_hardware waits for it ("already being commissioned"). */
export const COMMISSIONING = named(S.COMMISSIONING, S.TESTING);
/** Commissioning is behind the machine: Ready and every status of a deployment or a release. */
export const COMMISSIONED = named(S.READY, S.ALLOCATED, S.DEPLOYING, S.DEPLOYED, S.FAILED_DEPLOYMENT, S.RELEASING, S.DISK_ERASING, S.FAILED_RELEASING, S.FAILED_DISK_ERASING);
/** Drydock's deploy_node allocates from Ready and continues from Allocated. */
export const DEPLOY_FROM = named(S.READY, S.ALLOCATED);
/** Drydock's destroy_node releases from these (with a disk erase). */
export const RELEASE_FROM = named(S.ALLOCATED, S.DEPLOYED, S.DEPLOYING, S.FAILED_DEPLOYMENT, S.FAILED_RELEASING, S.FAILED_DISK_ERASING);
/** A release on its way back to Ready. */
export const RELEASING = named(S.RELEASING, S.DISK_ERASING);

/** A transition ended badly: every Failed* status and the two rescue-mode failures. */
export const isFailedStatus = (s: string): boolean => s.startsWith('Failed') || s === STATUS_NAMES[S.FAILED_RELEASING] || s === STATUS_NAMES[S.BROKEN];

/**
 * Statuses no node action can move a machine out of: what the operator must do in MaaS first.
 * Any status MaaS may add later and that is not listed anywhere gets the `unknown` advice.
 */
export const OPERATOR_ACTION: Readonly<Record<string, string>> = {
  [STATUS_NAMES[S.BROKEN]]: 'MaaS has it marked Broken: fix the machine, mark it fixed in MaaS, then retry',
  [STATUS_NAMES[S.MISSING]]: 'MaaS cannot reach it (Missing): check its power and network connections, then retry',
  [STATUS_NAMES[S.RESERVED]]: 'it is Reserved in MaaS: release the reservation, then retry',
  [STATUS_NAMES[S.RETIRED]]: 'it is Retired in MaaS: bring it back into service in MaaS or remove it from the design',
  [STATUS_NAMES[S.RESCUE_MODE]]: 'it is in rescue mode: exit rescue mode in MaaS, then retry',
  [STATUS_NAMES[S.ENTERING_RESCUE_MODE]]: 'it is entering rescue mode: exit rescue mode in MaaS, then retry',
  [STATUS_NAMES[S.EXITING_RESCUE_MODE]]: 'it is exiting rescue mode: wait until MaaS shows its previous status, then retry',
  [STATUS_NAMES[S.FAILED_ENTERING_RESCUE_MODE]]: 'it failed to enter rescue mode: resolve that in MaaS, then retry',
  [STATUS_NAMES[S.FAILED_EXITING_RESCUE_MODE]]: 'it failed to exit rescue mode: resolve that in MaaS, then retry',
};

/** The advice for a status no runbook handles. */
export function operatorAction(status: string): string {
  return OPERATOR_ACTION[status] ?? `MaaS status ${status} is not one Drydock knows: resolve it in MaaS, then retry`;
}
