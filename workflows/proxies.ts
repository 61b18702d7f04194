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

/** Quick calls to MaaS or a BMC. */
export const node = proxyActivities<NodeActivities>({ startToCloseTimeout: '2 minutes', retry });

/** BMC power work that polls the power state: heartbeats so a dead worker is noticed quickly. */
export const power = proxyActivities<Pick<NodeActivities, 'powerCycle' | 'setPxeBoot'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
});

export const site = proxyActivities<SiteActivities>({ startToCloseTimeout: '5 minutes', retry });
