import { patched } from '@temporalio/workflow';
import { isFailedStatus, STATUS_NAMES, NodeStatus } from '../../common/maasStatus';
import { node } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { RUNBOOKS_V2 } from './prepareNode';
import { decide, DESTROY } from './statusPlan';
import { destroyNodeV1 } from './v1';

const READY = STATUS_NAMES[NodeStatus.READY];

/**
 * DestroyNodes for one node (Drydock's DestroyNode): release the machine with a disk erase so it is back to
 * Ready and can be deployed again, retried up to step_max_retries times when the release fails. Unlike
 * Drydock, the machine is not deleted from MaaS: it stays commissioned, which is what a redeploy needs.
 */
export async function destroyNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('destroy_node', input);
  if (!patched(RUNBOOKS_V2)) return destroyNodeV1(run);
  return run.run(async () => {
    await run.enter('identify_node');
    const machine = await run.call(() => node.findMachine(run.ref));
    if (!machine) {
      run.info('Could not locate machine in MaaS, nothing to destroy');
      return;
    }
    await run.enter('destroy_node');
    const attempts = run.maxRetries + 1;
    let status = machine.statusName;
    for (let releases = 0; ; ) {
      const d = decide(DESTROY, status);
      if (d.do === 'done') return run.info(d.why);
      if (d.do === 'fail') throw new NodeStepFailed(d.why);
      if (d.do === 'release') {
        if (++releases > attempts) throw new NodeStepFailed(`release failed: MaaS status ${status} (${attempts} attempts)`);
        if (releases > 1) run.info(`Retrying release (attempt ${releases} of ${attempts})`);
        await run.call(() => node.startRelease(run.ref, machine.systemId));
      }
      const r = await run.awaitStatus(machine.systemId, {
        done: (s) => s === READY,
        failed: isFailedStatus,
        timeoutMinutes: input.settings.timeouts.destroy_node,
        what: 'release',
      });
      status = r.machine.statusName;
      if (r.outcome === 'done') return run.info('Node released and disks erased, MaaS status Ready');
      run.error(`destroy_node: release failed: MaaS status ${status} (attempt ${releases} of ${attempts})`);
    }
  });
}
