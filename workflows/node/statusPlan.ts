import { COMMISSION_FROM, COMMISSIONED, COMMISSIONING, RELEASE_FROM, RELEASING, STATUS_NAMES, NodeStatus as S, operatorAction } from '../../common/maasStatus';

/** What a node runbook does next for a machine in a given MaaS status. */
export type Decision =
  | { do: 'commission' }
  | { do: 'await-commissioning' }
  | { do: 'deploy' }
  | { do: 'await-deployment' }
  | { do: 'release' }
  | { do: 'await-release' }
  | { do: 'done'; why: string }
  | { do: 'fail'; why: string };

/** One runbook's answer for every status it can act on; any other status fails with the operator's next move. */
export type StatusTable = (status: string) => Decision | undefined;

const fail = (status: string): Decision => ({ do: 'fail', why: `cannot act on the machine in MaaS status ${status}: ${operatorAction(status)}` });

/** PrepareNodes' configure_hardware (Drydock's ConfigureHardware). */
export const PREPARE: StatusTable = (s) => {
  if (COMMISSION_FROM.has(s)) return { do: 'commission' };
  if (COMMISSIONING.has(s)) return { do: 'await-commissioning' };
  if (COMMISSIONED.has(s)) return { do: 'done', why: `Node already commissioned (MaaS status ${s}), skipping commissioning` };
  return undefined;
};

/**
 * Released before a deployment: failed deployments and releases, and Allocated, whose interfaces and storage
 * Drydock's networking and storage steps cannot configure (they need a Ready machine).
 */
const RELEASE_FIRST = new Set<string>([STATUS_NAMES[S.ALLOCATED], STATUS_NAMES[S.FAILED_DEPLOYMENT], STATUS_NAMES[S.FAILED_RELEASING], STATUS_NAMES[S.FAILED_DISK_ERASING]]);

/**
 * DeployNodes. A failed deployment (or release) is released first and deployed again, as Drydock's
 * apply_node_networking does; a deployment or commissioning in progress is waited for.
 */
export const DEPLOY: StatusTable = (s) => {
  if (s === STATUS_NAMES[S.DEPLOYED]) return { do: 'done', why: 'Node already deployed, skipping deployment' };
  if (s === STATUS_NAMES[S.READY]) return { do: 'deploy' };
  if (s === STATUS_NAMES[S.DEPLOYING]) return { do: 'await-deployment' };
  if (RELEASE_FIRST.has(s)) return { do: 'release' };
  if (RELEASING.has(s)) return { do: 'await-release' };
  if (COMMISSIONING.has(s)) return { do: 'await-commissioning' };
  if (COMMISSION_FROM.has(s)) return { do: 'fail', why: `Node is not commissioned (MaaS status ${s}): run prepare_nodes first` };
  return undefined;
};

/** DestroyNodes (Drydock's DestroyNode release with erase). */
export const DESTROY: StatusTable = (s) => {
  if (s === STATUS_NAMES[S.READY]) return { do: 'done', why: 'Node already released (MaaS status Ready)' };
  if (RELEASE_FROM.has(s)) return { do: 'release' };
  if (RELEASING.has(s)) return { do: 'await-release' };
  if (COMMISSION_FROM.has(s) || COMMISSIONING.has(s)) return { do: 'done', why: `Node was never deployed (MaaS status ${s}), nothing to release` };
  return undefined;
};

export function decide(table: StatusTable, status: string): Decision {
  return table(status) ?? fail(status);
}
