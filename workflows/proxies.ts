import { proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { NodeActivities, SiteActivities } from '../activities/orchestration';
import { PERMANENT_ERROR_TYPES, TRANSIENT_ERROR } from '../activities/contract';

/**
 * Activity stubs with their retry policies. Temporal retries an attempt that was lost (its worker died, it
 * timed out) or that failed unexpectedly; permanent errors (bad credentials, unknown node, refused transition)
 * fail at once; transient peer errors (MaaS 5xx, a silent BMC) come back to the workflow, which retries them
 * for a time window and says so in the node's progress (workflows/transient.ts).
 */
const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: [...PERMANENT_ERROR_TYPES, TRANSIENT_ERROR],
};

/** Calls to MaaS or a BMC: each heartbeats, so a worker that dies mid-call is noticed in seconds. */
export const node = proxyActivities<NodeActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds', retry });

/**
 * The short node calls, run as local activities (patched 'local-node-reads', see NodeRun.reads): a MaaS read
 * (find the machine, its status), setting its hostname, rendering the boot actions. Each costs the server no
 * activity task and the workflow no extra workflow task; all are safe to run again after a crash. Same retry
 * policy, so transient peer errors still come back to the workflow's retry window.
 */
export const nodeReads = proxyLocalActivities<Pick<NodeActivities, 'findMachine' | 'machineStatus' | 'updateIdentity' | 'renderBootActions'>>({
  startToCloseTimeout: '1 minute',
  retry,
});

/** BMC power work that polls the power state: heartbeats so a dead worker is noticed quickly. */
export const power = proxyActivities<Pick<NodeActivities, 'powerCycle' | 'setPxeBoot'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry,
});

export const site = proxyActivities<SiteActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds', retry });

/** The policy the runbooks before 'node-runbooks-v2' ran with: Temporal retried transient errors 5 times. */
const legacyRetry: RetryPolicy = { ...retry, nonRetryableErrorTypes: PERMANENT_ERROR_TYPES };
export const legacyNode = proxyActivities<NodeActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds', retry: legacyRetry });
export const legacyPower = proxyActivities<Pick<NodeActivities, 'powerCycle' | 'setPxeBoot'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: legacyRetry,
});
