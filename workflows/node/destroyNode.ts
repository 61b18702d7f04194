import { isCancellation, patched } from '@temporalio/workflow';
import { isFailedStatus, RELEASE_FROM, RELEASING, STATUS_NAMES, NodeStatus } from '../../common/maasStatus';
import { failureMessage } from '../action';
import { node } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { RUNBOOKS_V2 } from './prepareNode';
import { decide, DESTROY } from './statusPlan';
import { destroyNodeV1 } from './v1';

const READY = STATUS_NAMES[NodeStatus.READY];

/**
 * DestroyNodes for one node (Drydock's DestroyNode): release the machine with a disk erase so it is back to
 * Ready and can be deployed again, retried up to step_max_retries times when the release fails. Before
 * 'destroy-deletes' the machine stayed in MaaS; since, it is deleted as Drydock does (destroyAndDelete).
 */
export async function destroyNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('destroy_node', input);
  if (!patched(RUNBOOKS_V2)) return destroyNodeV1(run);
  if (patched(DESTROY_DELETES)) return run.run(() => destroyAndDelete(run));
  return run.run(async () => {
    const machine = await identify(run);
    if (!machine) return;
    await run.enter('destroy_node');
    const attempts = run.maxRetries + 1;
    let status = machine.statusName;
    for (let releases = 0; ;) {
      const d = decide(DESTROY, status);
      if (d.do === 'done') return run.info(d.why);
      if (d.do === 'fail') throw new NodeStepFailed(d.why);
      if (d.do === 'release') {
        if (++releases > attempts) throw new NodeStepFailed(`release failed: MaaS status ${status} (${attempts} attempts)`);
        if (releases > 1) run.info(`Retrying release (attempt ${releases} of ${attempts})`);
        await run.call(() => node.startRelease(run.ref, machine.systemId));
      }
      const r = await awaitRelease(run, machine.systemId);
      status = r.machine.statusName;
      if (r.outcome === 'done') return run.info('Node released and disks erased, MaaS status Ready');
      run.error(`destroy_node: release failed: MaaS status ${status} (attempt ${releases} of ${attempts})`);
    }
  });
}

/** identify_node: the node's machine in MaaS; without one there is nothing to destroy. */
async function identify(run: NodeRun) {
  await run.enter('identify_node');
  const machine = await run.call(() => run.reads.findMachine(run.ref));
  if (!machine) run.info('Could not locate machine in MaaS, nothing to destroy');
  return machine;
}

/** A release ends in Ready (disks erased) or a failed status, within destroy_node's timeout. */
function awaitRelease(run: NodeRun, systemId: string) {
  return run.awaitStatus(systemId, { done: (s) => s === READY, failed: isFailedStatus, timeoutMinutes: run.input.settings.timeouts.destroy_node, what: 'release' });
}

/** DestroyNode as Drydock: release with erase (or reset the storage), then delete the machine from MaaS. */
export const DESTROY_DELETES = 'destroy-deletes';

/**
 * Drydock's DestroyNode: a machine that can be released is released with a disk erase (retried up to
 * step_max_retries times), any other has its storage configuration reset; then it is deleted from MaaS, so
 * the next prepare_nodes finds it only after it PXE boots and enlists again, and commissions it from scratch.
 * A release that keeps failing fails the node and leaves the machine in MaaS (Drydock deletes it anyway).
 */
async function destroyAndDelete(run: NodeRun): Promise<void> {
  const machine = await identify(run);
  if (!machine) return;
  await run.enter('destroy_node');
  const attempts = run.maxRetries + 1;
  let status = machine.statusName;
  for (let releases = 0; RELEASE_FROM.has(status) || RELEASING.has(status);) {
    if (RELEASE_FROM.has(status)) {
      if (++releases > attempts) throw new NodeStepFailed(`release failed: MaaS status ${status} (${attempts} attempts)`);
      if (releases > 1) run.info(`Retrying release (attempt ${releases} of ${attempts})`);
      await run.call(() => node.startRelease(run.ref, machine.systemId));
    }
    const r = await awaitRelease(run, machine.systemId);
    status = r.machine.statusName;
    if (r.outcome === 'done') run.info('Node released and disks erased, MaaS status Ready');
    else run.error(`destroy_node: release failed: MaaS status ${status} (attempt ${releases} of ${attempts})`);
  }
  if (status !== READY) {
    // Drydock resets the storage of a machine it does not release; MaaS refuses that in some statuses.
    try {
      const report = await run.call(() => node.resetStorage(run.ref, machine.systemId));
      run.info(`Storage configuration reset (MaaS status ${status})${report.messages.length ? `: ${report.messages.join('; ')}` : ''}`);
    } catch (e) {
      if (isCancellation(e)) throw e;
      run.info(`Storage configuration not reset (MaaS status ${status}): ${failureMessage(e)}`);
    }
  }
  const deleted = await run.call(() => node.deleteMachine(run.ref, machine.systemId));
  run.info(
    deleted === 'deleted'
      ? `Machine ${machine.systemId} deleted from MaaS; the node enlists again when it next PXE boots`
      : `Machine ${machine.systemId} was already gone from MaaS`,
  );
}
