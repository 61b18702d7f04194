import { node } from '../proxies';
import { NodeRun, type NodeActionInput, type NodeOutcome } from './nodeRun';

/** RelabelNodes for one node (Drydock's Promenade driver, RelabelNode): the node's owner_data become its Kubernetes labels. */
export async function relabelNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('relabel_node', input);
  return run.run(async () => {
    await run.enter('relabel_node');
    const labels = await node.relabelNode(run.ref);
    run.info(
      `Node labels set: ${
        Object.keys(labels).length
          ? Object.entries(labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : '(none)'
      }`,
    );
  });
}
