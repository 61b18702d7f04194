import { z } from 'zod';

/**
 * Drydock's timeouts and poll intervals (Drydock's config.py, [DEFAULT] and [timeouts]), with Drydock's defaults.
 * Timeouts are minutes as in Drydock (fractions allowed so tests can set them small); intervals are seconds.
 * The worker reads them from the environment and hands them to workflows through an activity, so a running
 * workflow keeps the values it started with (they are recorded in its history).
 */
export const orchestratorSettingsSchema = z.object({
  poll_interval: z.coerce.number().positive().default(10),
  noop_wait: z.coerce.number().nonnegative().default(5),
  max_parallel_nodes: z.coerce.number().int().positive().default(16),
  /**
   * A node action over more nodes than this runs them through batch workflows of this many nodes each, so the
   * task's history stays small (a few events per batch, not ~5 per node); each batch's history ~6 per node.
   * A batch returns every node's outcome, its messages included, in one payload: at most 1,000 keeps that far
   * below Temporal's 2 MB.
   */
  node_batch_size: z.coerce.number().int().positive().max(1000).default(100),
  /**
   * The Temporal server's payload limit (its `limit.blobSize.error`, 2 MiB by default): a task's result is one
   * payload, so a task of many nodes records compactly past a third of it (see TaskSizeLimits).
   */
  task_result_limit_bytes: z.coerce
    .number()
    .int()
    .min(16_384)
    .default(2 * 1024 * 1024),
  /**
   * Minutes a step keeps retrying a transient peer error (MaaS 5xx, connection refused, a silent BMC) before
   * it fails: long enough to ride out a MaaS region restart.
   */
  transient_retry_minutes: z.coerce.number().positive().default(10),
  /** Drydock's retry_task(max_attempts=3) around DeployNode, ConfigureHardware and DestroyNode. */
  step_max_retries: z.coerce.number().int().nonnegative().default(3),
  timeouts: z
    .object({
      drydock_timeout: z.coerce.number().positive().default(5),
      identify_node: z.coerce.number().positive().default(10),
      configure_hardware: z.coerce.number().positive().default(30),
      apply_node_networking: z.coerce.number().positive().default(5),
      apply_node_storage: z.coerce.number().positive().default(5),
      apply_node_platform: z.coerce.number().positive().default(5),
      deploy_node: z.coerce.number().positive().default(45),
      bootaction_final_status: z.coerce.number().positive().default(15),
      destroy_node: z.coerce.number().positive().default(30),
      relabel_node: z.coerce.number().positive().default(5),
    })
    .prefault({}),
});
export type OrchestratorSettings = z.infer<typeof orchestratorSettingsSchema>;

const TIMEOUT_KEYS = Object.keys(orchestratorSettingsSchema.shape.timeouts.unwrap().shape);

/**
 * DRYDOCK_POLL_INTERVAL, DRYDOCK_NOOP_WAIT, DRYDOCK_MAX_PARALLEL_NODES, DRYDOCK_NODE_BATCH_SIZE, DRYDOCK_TRANSIENT_RETRY_MINUTES,
 * DRYDOCK_STEP_MAX_RETRIES, DRYDOCK_TIMEOUT_<NAME> (minutes).
 */
export function orchestratorSettingsFromEnv(env: Record<string, string | undefined> = process.env): OrchestratorSettings {
  const timeouts: Record<string, string> = {};
  for (const k of TIMEOUT_KEYS) {
    const v = env[`DRYDOCK_TIMEOUT_${k.toUpperCase()}`];
    if (v) timeouts[k] = v;
  }
  const raw = {
    poll_interval: env.DRYDOCK_POLL_INTERVAL || undefined,
    noop_wait: env.DRYDOCK_NOOP_WAIT || undefined,
    max_parallel_nodes: env.DRYDOCK_MAX_PARALLEL_NODES || undefined,
    node_batch_size: env.DRYDOCK_NODE_BATCH_SIZE || undefined,
    task_result_limit_bytes: env.DRYDOCK_TASK_RESULT_LIMIT_BYTES || undefined,
    transient_retry_minutes: env.DRYDOCK_TRANSIENT_RETRY_MINUTES || undefined,
    step_max_retries: env.DRYDOCK_STEP_MAX_RETRIES || undefined,
    timeouts,
  };
  const r = orchestratorSettingsSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(`invalid orchestrator settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}
