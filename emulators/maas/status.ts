import { NodeStatus, STATUS_NAMES, type NodeStatusCode } from '../../common/maasStatus';

export { NodeStatus, STATUS_NAMES, type NodeStatusCode };

const S = NodeStatus;
/** States from which each operation is legal (the subset of NODE_TRANSITIONS the API exercises). */
export const COMMISSION_FROM: ReadonlySet<number> = new Set([S.NEW, S.READY, S.MISSING, S.BROKEN, S.FAILED_COMMISSIONING, S.FAILED_TESTING]);
export const RELEASE_FROM: ReadonlySet<number> = new Set([S.ALLOCATED, S.DEPLOYED, S.DEPLOYING, S.FAILED_DEPLOYMENT, S.FAILED_RELEASING, S.FAILED_DISK_ERASING]);
