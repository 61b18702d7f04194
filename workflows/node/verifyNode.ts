import { node } from '../proxies';
import { NodeRun, type NodeActionInput, type NodeOutcome } from './nodeRun';

/** VerifyNodes for one node (Drydock interrogate_oob, extended): power, firmware, PCI, drives, alarms. */
export async function verifyNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('verify_node', input);
  return run.run(async () => {
    await run.enter('interrogate_oob');
    const r = await node.interrogateBmc(run.ref);
    run.info(r.summary);
    for (const alarm of r.alarms) run.error(`BMC alarm: ${alarm}`);
  });
}
