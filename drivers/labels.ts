/**
 * The Kubernetes label interface (Drydock's kubernetes driver, RelabelNode): one verb, implemented by
 * Promenade (drivers/promenade). Idempotent: setting the same labels again changes nothing.
 */
export interface LabelDriver {
  /** Makes `labels` the node's Drydock-managed Kubernetes labels; throws a DriverError otherwise. */
  relabel(node: string, labels: Record<string, string>): Promise<void>;
}
