import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { bootactionReportSignal, type BootActionReport } from '../messages';
import { node } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { DEPLOYABLE, isFailed } from './machineStatus';

/**
 * DeployNodes for one node (Drydock §A.8–A.9): networking, storage and platform, then deploy, then wait for
 * the node's boot actions to report, then return the switch port to production. A node already Deployed is
 * not deployed again.
 */
export async function deployNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('deploy_node', input);
  const reports = new Map<string, BootActionReport>();
  setHandler(bootactionReportSignal, (r) => {
    if (!reports.has(r.actionId)) reports.set(r.actionId, r);
  });

  return run.run(async () => {
    await run.enter('identify_node');
    const machine = await node.findMachine(run.ref);
    if (!machine) throw new NodeStepFailed(`Node ${input.node} not found in MaaS; run prepare_nodes first`);

    if (machine.statusName === 'Deployed') {
      // Its boot actions reported when it was deployed; there is nothing new to wait for.
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

/** Drydock's BootactionReport: wait for every signaling boot action, up to bootaction_final_status minutes. */
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
    for (const d of r.details ?? []) (d.error ? run.error(d.message) : run.info(d.message));
    if (r.status === 'success') run.info(`Boot action ${a.name} completed with status success`);
    else {
      run.error(`Boot action ${a.name} completed with status failure`);
      failed++;
    }
  }
  if (failed > 0) throw new NodeStepFailed(`${failed} boot action(s) did not succeed${inTime ? '' : ' in time'}`);
}
