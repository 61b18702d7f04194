import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { NodeActivities, SiteActivities } from '../activities/orchestration';
import { PERMANENT_ERROR_TYPES } from '../activities/contract';

/**
 * Activity stubs with their retry policies. Transient driver errors (timeouts, 5xx, a busy BMC) are
 * retried with backoff; permanent ones (bad credentials, unknown node, refused transition) fail at once.
 */
const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: PERMANENT_ERROR_TYPES,
};

/** Calls to MaaS or a BMC: each heartbeats, so a worker that dies mid-call is noticed in seconds. */
export const node = proxyActivities<NodeActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds', retry });

/** BMC power work that polls the power state: heartbeats so a dead worker is noticed quickly. */
export const power = proxyActivities<Pick<NodeActivities, 'powerCycle' | 'setPxeBoot'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry,
});

export const site = proxyActivities<SiteActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds', retry });
