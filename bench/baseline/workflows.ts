/**
 * The bare Temporal baseline bench/deploy.ts runs beside a real deploy: the shape of a node action with no
 * Drydock in it. A parent keeps at most `parallel` children running (the rolling window the node actions
 * use for max_parallel_nodes); child i runs `activities[i]` no-op activities one after the other, as many
 * as the real node workflow ran.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export interface BaselineInput {
  /** Activities per child, one entry per child. */
  activities: number[];
  parallel: number;
}

export async function baselineParent(input: BaselineInput): Promise<number> {
  const { workflowId } = workflowInfo();
  let next = 0;
  let done = 0;
  const lanes = Array.from({ length: Math.min(input.parallel, input.activities.length) }, async () => {
    while (next < input.activities.length) {
      const i = next++;
      await executeChild(baselineNode, { workflowId: `${workflowId}-${i}`, args: [input.activities[i]] });
      done++;
    }
  });
  await Promise.all(lanes);
  return done;
}

export async function baselineNode(count: number): Promise<number> {
  for (let i = 0; i < count; i++) await noop();
  return count;
}
