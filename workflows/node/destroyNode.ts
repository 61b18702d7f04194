import { node } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { RELEASABLE, RELEASING, isFailed } from './machineStatus';

/**
 * DestroyNodes for one node (Drydock §C.1 destroy_node): release the machine with a disk erase so it is
 * back to Ready and can be deployed again. Unlike Drydock, the machine is not deleted from MaaS: it stays
 * commissioned, which is what a redeploy needs.
 */
export async function destroyNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('destroy_node', input);
  return run.run(async () => {
    await run.enter('identify_node');
    const machine = await node.findMachine(run.ref);
    if (!machine) {
      run.info('Could not locate machine in MaaS, nothing to destroy');
      return;
    }
    await run.enter('destroy_node');
    if (machine.statusName === 'Ready') {
      run.info('Node already released (MaaS status Ready)');
      return;
    }
    if (RELEASABLE.has(machine.statusName)) {
      await node.startRelease(run.ref, machine.systemId);
    } else if (!RELEASING.has(machine.statusName)) {
      throw new NodeStepFailed(`cannot release a node in MaaS status ${machine.statusName}`);
    }
    await run.waitForMachine(machine.systemId, {
      done: (s) => s === 'Ready',
      failed: isFailed,
      timeoutMinutes: input.settings.timeouts.destroy_node,
      what: 'release',
    });
    run.info('Node released and disks erased, MaaS status Ready');
  });
}
