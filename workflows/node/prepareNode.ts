import { sleep } from '@temporalio/workflow';
import type { MachineInfo } from '../../activities/contract';
import { node, power } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { COMMISSIONED } from './machineStatus';

/**
 * PrepareNodes for one node (Drydock §A.7): a node MaaS does not know yet is set to PXE boot and
 * power-cycled so it enlists, then identified; every node is then commissioned unless it already is.
 */
export async function prepareNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('prepare_node', input);
  return run.run(async () => {
    await run.enter('identify_node');
    let machine = await node.findMachine(run.ref);
    if (machine) {
      run.info('Node found in provisioner, skipping OOB management');
    } else {
      await run.enter('set_node_boot');
      await power.setPxeBoot(run.ref);
      await run.enter('power_cycle_node');
      await power.powerCycle(run.ref);
      await run.enter('identify_node');
      machine = await awaitEnlistment(run);
    }
    await node.updateIdentity(run.ref, machine.systemId);

    await run.enter('configure_hardware');
    if (COMMISSIONED.has(machine.statusName)) {
      run.info(`Node already commissioned (MaaS status ${machine.statusName}), skipping commissioning`);
      return;
    }
    const started = await node.startCommission(run.ref, machine.systemId);
    if (started === 'already') run.info('Node already being commissioned');
    const ready = await run.waitForMachine(machine.systemId, {
      done: (s) => COMMISSIONED.has(s),
      failed: (s) => s.startsWith('Failed') || s === 'Broken',
      timeoutMinutes: input.settings.timeouts.configure_hardware,
      what: 'commissioning',
    });
    run.info(`Node commissioned, MaaS status ${ready.statusName}`);
  });
}

/** After a PXE boot the node enlists in MaaS; look for it until Drydock's identify_node timeout. */
async function awaitEnlistment(run: NodeRun): Promise<MachineInfo> {
  const deadline = Date.now() + run.input.settings.timeouts.identify_node * 60_000;
  for (;;) {
    const m = await node.findMachine(run.ref);
    if (m) return m;
    if (Date.now() >= deadline) {
      throw new NodeStepFailed(`Node ${run.input.node} not found in MaaS after ${run.input.settings.timeouts.identify_node} min`);
    }
    await sleep(run.input.settings.poll_interval * 1000);
  }
}
