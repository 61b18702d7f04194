import { condition, defineQuery, defineSignal, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MachineInfo } from '../../activities/contract';
import {
  BOOT_ACTION_STATUS_SIGNAL,
  BOOT_ACTIONS_QUERY,
  isFinal,
  type BootActionBoard,
  type BootActionStatus,
  type BootActionStatusReport,
  type RenderedBootAction,
} from '../../common/bootActionProtocol';
import { COMMISSIONED, isFailedStatus, STATUS_NAMES, NodeStatus } from '../../common/maasStatus';
import { bootactionReportSignal, type BootActionReport } from '../messages';
import { node } from '../proxies';
import { NodeRun, NodeStepFailed, type NodeActionInput, type NodeOutcome } from './nodeRun';
import { RUNBOOKS_V2 } from './prepareNode';
import { decide, DEPLOY } from './statusPlan';
import { deployNodeV1 } from './v1';

/**
 * Boot actions rendered before the deploy, reported through the boot action API (BootActionAssets below)
 * instead of a report the user data sent whatever happened.
 */
export const BOOTACTION_ASSETS = 'bootaction-assets';

const bootActionsQuery = defineQuery<BootActionBoard>(BOOT_ACTIONS_QUERY);
const bootActionStatusSignal = defineSignal<[BootActionStatusReport]>(BOOT_ACTION_STATUS_SIGNAL);

const DEPLOYED = STATUS_NAMES[NodeStatus.DEPLOYED];
const READY = STATUS_NAMES[NodeStatus.READY];

/**
 * DeployNodes for one node (Drydock's DeployNodes and BootactionReport): networking, storage and platform,
 * then deploy, then wait for the node's boot actions to report, then return the switch port to production.
 * Whatever MaaS status the node is in, it does what is needed: a node already Deployed is left alone, a
 * deployment in progress is waited for, a failed one is released and deployed again (Drydock's
 * retry_task(max_attempts=3) around DeployNode).
 */
export async function deployNode(input: NodeActionInput): Promise<NodeOutcome> {
  const run = new NodeRun('deploy_node', input);
  if (!patched(RUNBOOKS_V2)) return deployNodeV1(run);
  const assets = patched(BOOTACTION_ASSETS) ? new BootActionAssets(run) : undefined;
  const reports = new Map<string, BootActionReport>();
  setHandler(bootactionReportSignal, (r) => {
    if (!reports.has(r.actionId)) reports.set(r.actionId, r);
  });

  return run.run(async () => {
    await run.enter('identify_node');
    const machine = await run.call(() => run.reads.findMachine(run.ref));
    if (!machine) throw new NodeStepFailed(`Node ${input.node} not found in MaaS; run prepare_nodes first`);

    // A report counts only for the deployment it came from: each new deployment starts with none.
    const deployed = await deploy(run, machine, () => (assets ? assets.newDeployment() : reports.clear()), assets);
    if (deployed === 'already') {
      // Its boot actions reported when it was deployed; there is nothing new to wait for.
      run.info('Node already deployed, skipping deployment');
    } else if (deployed === 'resumed') {
      run.info('Node deployed');
      // The boot actions of a deployment another task started report to that task.
      run.info('Deployment was started before this task: its boot actions report to the task that started it');
    } else {
      run.info('Node deployed');
      await run.enter('bootaction_report');
      if (assets) await assets.awaitReports();
      else await awaitBootActions(run, reports);
    }

    await run.enter('config_port_production');
    run.info('No network driver enabled: switch port left in its provisioning configuration.');
  });
}

/**
 * Brings the machine to Deployed from any status, as the status table says. 'started': this workflow
 * deployed it; 'resumed': it finished a deployment started before; 'already': it was Deployed.
 */
async function deploy(run: NodeRun, machine: MachineInfo, onDeployStart: () => void, assets?: BootActionAssets): Promise<'started' | 'resumed' | 'already'> {
  const attempts = run.maxRetries + 1;
  const { timeouts } = run.input.settings;
  let status = machine.statusName;
  let deploys = 0;
  let releases = 0;
  let startedHere = false;
  for (;;) {
    const d = decide(DEPLOY, status);
    switch (d.do) {
      case 'done':
        return 'already';
      case 'fail':
        throw new NodeStepFailed(d.why);
      case 'await-commissioning': {
        await run.enter('configure_hardware');
        run.info(`Node is being commissioned (MaaS status ${status}); deploying once it is Ready`);
        const r = await run.awaitStatus(machine.systemId, {
          done: (s) => COMMISSIONED.has(s),
          failed: isFailedStatus,
          timeoutMinutes: timeouts.configure_hardware,
          what: 'commissioning',
        });
        status = r.machine.statusName;
        if (r.outcome === 'failed') throw new NodeStepFailed(`commissioning failed: MaaS status ${status}; run prepare_nodes`);
        continue;
      }
      case 'release':
      case 'await-release': {
        // As Drydock's apply_node_networking: a failed deployment is released before the node is configured again.
        await run.enter('apply_node_networking');
        if (d.do === 'release') {
          if (++releases > attempts) throw new NodeStepFailed(`release failed: MaaS status ${status} (${attempts} attempts)`);
          run.info(`Releasing the machine (MaaS status ${status}) before deploying it again${releases > 1 ? ` (attempt ${releases} of ${attempts})` : ''}`);
          await run.call(() => node.startRelease(run.ref, machine.systemId));
        }
        const r = await run.awaitStatus(machine.systemId, { done: (s) => s === READY, failed: isFailedStatus, timeoutMinutes: timeouts.destroy_node, what: 'release' });
        status = r.machine.statusName;
        if (r.outcome === 'failed') run.error(`${run.step}: release failed: MaaS status ${status}${releases ? ` (attempt ${releases} of ${attempts})` : ''}`);
        continue;
      }
      case 'deploy':
        if (++deploys > attempts) throw new NodeStepFailed(`deployment failed ${attempts} times`);
        if (deploys > 1) run.info(`Retrying deployment (attempt ${deploys} of ${attempts})`);
        onDeployStart();
        await configureAndDeploy(run, machine.systemId, assets);
        startedHere = true;
        break;
      case 'await-deployment':
        deploys++;
        run.info('Node already being deployed');
        break;
      case 'commission':
        throw new NodeStepFailed(`unexpected decision for MaaS status ${status}`);
    }
    await run.enter('deploy_node');
    const r = await run.awaitStatus(machine.systemId, { done: (s) => s === DEPLOYED, failed: isFailedStatus, timeoutMinutes: timeouts.deploy_node, what: 'deployment' });
    status = r.machine.statusName;
    if (r.outcome === 'done') return startedHere ? 'started' : 'resumed';
    if (deploys >= attempts) throw new NodeStepFailed(`deployment failed: MaaS status ${status}${attempts > 1 ? ` (${deploys} attempts)` : ''}`);
    run.error(`deploy_node: deployment failed: MaaS status ${status} (attempt ${deploys} of ${attempts})`);
  }
}

/** ApplyNodeNetworking, ApplyNodeStorage, ApplyNodePlatform, then DeployNode's deploy call. */
async function configureAndDeploy(run: NodeRun, systemId: string, assets?: BootActionAssets): Promise<void> {
  await run.enter('apply_node_networking');
  report(run, await run.call(() => node.applyNetworking(run.ref, systemId)));
  await run.enter('apply_node_storage');
  report(run, await run.call(() => node.applyStorage(run.ref, systemId)));
  await run.enter('apply_node_platform');
  report(run, await run.call(() => node.applyPlatform(run.ref, systemId)));
  await run.enter('deploy_node');
  // Drydock's DeployNode creates the boot action context here; a boot action that cannot be rendered fails the node now.
  if (assets) await assets.render();
  await run.call(() => node.startDeploy(run.ref, systemId, workflowInfo().workflowId));
}

function report(run: NodeRun, r: { messages: string[] }): void {
  for (const m of r.messages) run.info(m);
}

/** Drydock's BootactionReport: wait for every signaling boot action, up to bootaction_final_status minutes. */
async function awaitBootActions(run: NodeRun, reports: Map<string, BootActionReport>): Promise<void> {
  const expected = await run.call(() => node.nodeBootActions(run.ref, workflowInfo().workflowId));
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

/**
 * The node's boot actions for this deploy (Drydock's boot_action_status rows): rendered before the deploy
 * (ids and digests only), reported by the node's own assets through the boot action API, which asks
 * BOOT_ACTIONS_QUERY and signals each report. Each report's details become task messages at once
 * (context `bootaction`, the action id); a final status is kept, a later one refused by the API (409).
 */
class BootActionAssets {
  private actions: RenderedBootAction[] | undefined;
  private readonly status = new Map<string, 'success' | 'failure'>();

  constructor(private readonly run: NodeRun) {
    setHandler(bootActionsQuery, () => ({
      node: run.input.node,
      actions: (this.actions ?? []).map((a) => ({ ...a, status: this.statusOf(a) })),
    }));
    setHandler(bootActionStatusSignal, (r) => {
      const a = this.actions?.find((x) => x.actionId === r.actionId);
      if (!a || isFinal(this.statusOf(a))) return;
      for (const d of r.details ?? []) run.task.addMessage(d.message, { error: d.error, ctxType: 'bootaction', ctx: r.actionId });
      if (r.status) this.status.set(r.actionId, r.status);
    });
  }

  private statusOf(a: RenderedBootAction): BootActionStatus {
    return this.status.get(a.actionId) ?? (a.signaling ? 'incomplete' : 'unreported');
  }

  /** Renders the node's assets once per workflow: every deployment of it uses the same ids and key. */
  async render(): Promise<void> {
    if (!this.actions) this.actions = await this.run.call(() => this.run.reads.renderBootActions(this.run.ref, workflowInfo().workflowId));
  }

  /** A report belongs to the deployment it came from. */
  newDeployment(): void {
    this.status.clear();
  }

  /** Drydock's BootactionReport: every signaling action final, or bootaction_final_status minutes. */
  async awaitReports(): Promise<void> {
    const signaling = (this.actions ?? []).filter((a) => a.signaling);
    const inTime = await condition(() => signaling.every((a) => isFinal(this.statusOf(a))), this.run.input.settings.timeouts.bootaction_final_status * 60_000);
    let failed = 0;
    for (const a of signaling) {
      const s = this.statusOf(a);
      if (s === 'success') this.run.result(`Boot action ${a.name} completed with status success`);
      else if (s === 'failure') {
        this.run.error(`Boot action ${a.name} completed with status failure`);
        failed++;
      } else {
        this.run.error(`Boot action ${a.name} timed out.`);
        failed++;
      }
    }
    if (failed > 0) throw new NodeStepFailed(`${failed} boot action(s) did not succeed${inTime ? '' : ' in time'}`);
  }
}
