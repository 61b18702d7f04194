/**
 * The node runbooks as they ran before 'node-runbooks-v2' (resume from any MaaS status, Drydock's step
 * retries, the transient retry window). Kept unchanged so that histories started by them replay and finish
 * as they began; new executions never come here. Delete once no such history can be running.
 */
import { condition, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { MachineInfo } from '../../activities/contract';
import { bootactionReportSignal, type BootActionReport } from '../messages';
import { legacyNode as node, legacyPower as power } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeOutcome } from './nodeRun';

const COMMISSIONED = new Set(['Ready', 'Allocated', 'Deploying', 'Deployed', 'Failed deployment']);
const RELEASABLE = new Set(['Allocated', 'Deployed', 'Deploying', 'Failed deployment', 'Failed releasing', 'Failed disk erasing']);
const DEPLOYABLE = new Set(['Ready', 'Allocated']);
const RELEASING = new Set(['Releasing', 'Disk erasing']);
const isFailed = (s: string): boolean => s.startsWith('Failed') || s === 'Broken';

export async function prepareNodeV1(run: NodeRun): Promise<NodeOutcome> {
  const { input } = run;
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

export async function deployNodeV1(run: NodeRun): Promise<NodeOutcome> {
  const { input } = run;
  const reports = new Map<string, BootActionReport>();
  setHandler(bootactionReportSignal, (r) => {
    if (!reports.has(r.actionId)) reports.set(r.actionId, r);
  });

  return run.run(async () => {
    await run.enter('identify_node');
    const machine = await node.findMachine(run.ref);
    if (!machine) throw new NodeStepFailed(`Node ${input.node} not found in MaaS; run prepare_nodes first`);

    if (machine.statusName === 'Deployed') {
      run.info('Node already deployed, skipping deployment');
    } else {
      if (machine.statusName !== 'Deploying') {
        if (!DEPLOYABLE.has(machine.statusName)) {
          throw new NodeStepFailed(`cannot deploy a node in MaaS status ${machine.statusName}`);
        }
        await run.enter('apply_node_networking');
        report(run, await node.applyNetworking(run.ref, machine.systemId));
        await run.enter('apply_node_storage');
        report(run, await node.applyStorage(run.ref, machine.systemId));
        await run.enter('apply_node_platform');
        report(run, await node.applyPlatform(run.ref, machine.systemId));
        await run.enter('deploy_node');
        await node.startDeploy(run.ref, machine.systemId, workflowInfo().workflowId);
      }
      await run.enter('deploy_node');
      await run.waitForMachine(machine.systemId, {
        done: (s) => s === 'Deployed',
        failed: isFailed,
        timeoutMinutes: input.settings.timeouts.deploy_node,
        what: 'deployment',
      });
      run.info('Node deployed');

      await run.enter('bootaction_report');
      await awaitBootActions(run, reports);
    }

    await run.enter('config_port_production');
    run.info('No network driver enabled: switch port left in its provisioning configuration.');
  });
}

function report(run: NodeRun, r: { messages: string[] }): void {
  for (const m of r.messages) run.info(m);
}

async function awaitBootActions(run: NodeRun, reports: Map<string, BootActionReport>): Promise<void> {
  const expected = await node.nodeBootActions(run.ref, workflowInfo().workflowId);
  const signaling = expected.filter((a) => a.signaling);
  const all = () => signaling.every((a) => reports.has(a.actionId));
  const inTime = await condition(all, run.input.settings.timeouts.bootaction_final_status * 60_000);
  let failed = 0;
  for (const a of signaling) {
    const r = reports.get(a.actionId);
    if (!r) {
      run.error(`Boot action ${a.name} timed out.`);
      failed++;
      continue;
    }
    for (const d of r.details ?? []) d.error ? run.error(d.message) : run.info(d.message);
    if (r.status === 'success') run.info(`Boot action ${a.name} completed with status success`);
    else {
      run.error(`Boot action ${a.name} completed with status failure`);
      failed++;
    }
  }
  if (failed > 0) throw new NodeStepFailed(`${failed} boot action(s) did not succeed${inTime ? '' : ' in time'}`);
}

export async function destroyNodeV1(run: NodeRun): Promise<NodeOutcome> {
  const { input } = run;
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
