import { patched, sleep } from '@temporalio/workflow';
import type { MachineInfo } from '../../activities/contract';
import { COMMISSIONED, isFailedStatus } from '../../common/maasStatus';
import { node, power } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { decide, PREPARE } from './statusPlan';
import { prepareNodeV1 } from './v1';

/** Resume from any MaaS status, Drydock's step retries, the transient retry window (v1.ts ran before). */
export const RUNBOOKS_V2 = 'node-runbooks-v2';

/**
 * PrepareNodes for one node (Drydock's PrepareNodes): a node MaaS does not know yet is set to PXE boot and
 * power-cycled so it enlists, then identified; then ConfigureHardware commissions it unless it already is,
 * retried up to step_max_retries times when commissioning fails.
 */
export async function prepareNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('prepare_node', input);
  if (!patched(RUNBOOKS_V2)) return prepareNodeV1(run);
  return run.run(async () => {
    await run.enter('identify_node');
    let machine = await run.call(() => run.reads.findMachine(run.ref));
    if (machine) {
      run.info('Node found in provisioner, skipping OOB management');
    } else {
      await run.enter('set_node_boot');
      await run.call(() => power.setPxeBoot(run.ref));
      await run.enter('power_cycle_node');
      await run.call(() => power.powerCycle(run.ref));
      await run.enter('identify_node');
      machine = await awaitEnlistment(run);
    }
    await run.call(() => run.reads.updateIdentity(run.ref, machine.systemId));

    await run.enter('configure_hardware');
    await configureHardware(run, machine);
    if (patched(INTROSPECTION)) {
      await run.enter('introspect_node');
      await introspect(run, machine.systemId);
    }
  });
}

/** Introspection after commissioning: the hardware checked against the HardwareProfile, build data kept. */
export const INTROSPECTION = 'introspection';

/**
 * What commissioning found is checked against the node's HardwareProfile (every alias resolvable, the disks
 * big enough); a node whose hardware does not fit fails here, before Drydock's networking and storage steps
 * would fail on a NIC or disk they cannot find.
 */
async function introspect(run: NodeRun, systemId: string): Promise<void> {
  const r = await run.call(() => node.introspectNode(run.ref, systemId));
  if (r.problems.length > 0) throw new NodeStepFailed(r.problems.join('; '));
  const names = Object.entries(r.logicalNames)
    .map(([alias, name]) => `${alias}=${name}`)
    .join(', ');
  const kept = r.stored ? `; ${r.stored} build data records kept` : '';
  run.info(`Hardware matches the hardware profile (${r.results.length} commissioning results): ${names || 'no device aliases'}${kept}`);
}

/** Drydock's ConfigureHardware with retry_task(max_attempts): commission, wait, and commission again on failure. */
async function configureHardware(run: NodeRun, machine: MachineInfo): Promise<void> {
  const attempts = run.maxRetries + 1;
  let status = machine.statusName;
  for (let attempt = 1; ; attempt++) {
    const d = decide(PREPARE, status);
    if (d.do === 'done') return run.info(d.why);
    if (d.do === 'fail') throw new NodeStepFailed(d.why);
    if (d.do === 'commission') {
      if (attempt > 1) run.info(`Retrying commissioning (attempt ${attempt} of ${attempts})`);
      const started = await run.call(() => node.startCommission(run.ref, machine.systemId));
      if (started === 'already') run.info('Node already being commissioned');
    } else {
      run.info('Node already being commissioned');
    }
    const r = await run.awaitStatus(machine.systemId, {
      done: (s) => COMMISSIONED.has(s),
      failed: isFailedStatus,
      timeoutMinutes: run.input.settings.timeouts.configure_hardware,
      what: 'commissioning',
    });
    status = r.machine.statusName;
    if (r.outcome === 'done') return run.info(`Node commissioned, MaaS status ${status}`);
    if (attempt >= attempts) throw new NodeStepFailed(`commissioning failed: MaaS status ${status}${attempts > 1 ? ` (${attempt} attempts)` : ''}`);
    run.error(`configure_hardware: commissioning failed: MaaS status ${status} (attempt ${attempt} of ${attempts})`);
  }
}

/** After a PXE boot the node enlists in MaaS; look for it until Drydock's identify_node timeout. */
async function awaitEnlistment(run: NodeRun): Promise<MachineInfo> {
  const deadline = Date.now() + run.input.settings.timeouts.identify_node * 60_000;
  for (;;) {
    const m = await run.call(() => run.reads.findMachine(run.ref));
    if (m) return m;
    if (Date.now() >= deadline) {
      throw new NodeStepFailed(`Node ${run.input.node} not found in MaaS after ${run.input.settings.timeouts.identify_node} min`);
    }
    await sleep(run.input.settings.poll_interval * 1000);
  }
}
