import type { Logger } from '../../common/logger';
import { COMMISSION_FROM, COMMISSIONED, COMMISSIONING, DEPLOY_FROM, RELEASE_FROM, STATUS_NAMES, NodeStatus } from '../../common/maasStatus';
import { PermanentDriverError, StateConflictError } from '../errors';
import type { MaasClient } from './maasClient';
import { MaasNotFoundError } from './errors';
import { MachineStatusBatch, STATUS_BATCH_WINDOW_MS } from './statusBatch';
import { toMachine } from './steps/common';
import type { StepDeps } from './steps/common';
import { findMachine, identifyNode } from './steps/locate';
import { applyNetworking } from './steps/networking';
import { applyPlatform, applyTag, ensureTag } from './steps/platform';
import { configureNodeProvisioner, configureUserCredentials } from './steps/region';
import { availableImages, availableKernels, validateServices } from './steps/services';
import { applyStorage, resetStorage } from './steps/storage';
import { RESULT_TYPE } from './models/results';
import { createNetworkTemplate } from './steps/template';
import type {
  CommissioningResult,
  DeployOptions,
  Machine,
  MachineStatus,
  MachineSummary,
  NetworkTemplatePlan,
  NodeIdentity,
  NodeNetworkPlan,
  NodePlatformPlan,
  NodeStoragePlan,
  Provisioner,
  RepositoriesPlan,
  ServiceCheck,
  StartResult,
  StepReport,
} from '../provisioner';

export interface MaasProvisionerConfig {
  /** Drydock's maasdriver.skip_bmc_config: commission with skip_bmc_config=1. */
  skipBmcConfig?: boolean;
  /**
   * Status reads of many nodes within this window share one request (MachineStatusBatch); 0 reads each
   * machine on its own, as Drydock. Default STATUS_BATCH_WINDOW_MS.
   */
  statusBatchWindowMs?: number;
}

/** Commissioning needs no new start: under way, or behind the machine. */
const commissionDone = (s: string): boolean => COMMISSIONING.has(s) || COMMISSIONED.has(s);

const DEPLOYED: string = STATUS_NAMES[NodeStatus.DEPLOYED];
const DEPLOYING: string = STATUS_NAMES[NodeStatus.DEPLOYING];

/**
 * Drydock's MaaS node driver as short, idempotent, non-blocking steps. "start*" methods only ask MaaS to
 * begin a transition; the orchestrator polls `machineStatus` between durable timers.
 */
export class MaasProvisioner implements Provisioner {
  private readonly deps: StepDeps;
  private readonly statusBatch?: MachineStatusBatch;

  constructor(
    private readonly client: MaasClient,
    private readonly logger: Logger,
    private readonly config: MaasProvisionerConfig = {},
  ) {
    this.deps = { client, logger };
    const window = config.statusBatchWindowMs ?? STATUS_BATCH_WINDOW_MS;
    this.statusBatch = window > 0 ? new MachineStatusBatch(client.machines, client.address, window) : undefined;
  }

  validateServices(): Promise<ServiceCheck[]> {
    return validateServices(this.deps);
  }
  availableImages(): Promise<string[]> {
    return availableImages(this.deps);
  }
  availableKernels(image: string): Promise<string[]> {
    return availableKernels(this.deps, image);
  }
  /** Drydock's NodesResource: machines/ and, in one collection call, every machine's power parameters. */
  async listMachines(): Promise<MachineSummary[]> {
    const [machines, power] = await Promise.all([this.client.machines.list(), this.client.machines.powerParameters()]);
    return machines.map((m) => {
      const { bootMac, bootIp } = toMachine(m);
      return {
        systemId: m.system_id,
        hostname: m.hostname,
        statusName: m.status_name,
        powerState: m.power_state,
        memory: m.memory,
        cpuCount: m.cpu_count,
        bootMac,
        bootIp,
        powerAddress: power[m.system_id]?.power_address,
      };
    });
  }
  findMachine(node: NodeIdentity): Promise<Machine | undefined> {
    return findMachine(this.deps, node);
  }
  identifyNode(systemId: string, node: NodeIdentity): Promise<Machine> {
    return identifyNode(this.deps, systemId, node);
  }

  async machineStatus(systemId: string): Promise<MachineStatus> {
    const m = this.statusBatch ? await this.statusBatch.read(systemId) : await this.client.machines.get(systemId);
    return { systemId, hostname: m.hostname, statusName: m.status_name, status: m.status, powerState: m.power_state };
  }

  /** ConfigureHardware: commission only from New, Failed commissioning or Failed testing. */
  async startCommission(systemId: string): Promise<StartResult> {
    const m = await this.client.machines.get(systemId);
    if (commissionDone(m.status_name)) return 'already';
    if (!COMMISSION_FROM.has(m.status_name)) {
      throw new StateConflictError(`machine is ${m.status_name}; cannot commission`, { operation: 'commission', node: m.hostname, address: this.client.address });
    }
    try {
      await this.client.machines.commission(systemId, { enableSsh: false, skipBmcConfig: this.config.skipBmcConfig });
    } catch (e) {
      // Another attempt of this step may have started it between our read and our POST.
      if (e instanceof StateConflictError && commissionDone((await this.machineStatus(systemId)).statusName)) return 'already';
      throw e;
    }
    this.logger.info('Commissioning started', { node: m.hostname, system_id: systemId });
    return 'started';
  }

  applyNetworking(systemId: string, plan: NodeNetworkPlan): Promise<StepReport> {
    return applyNetworking(this.deps, systemId, plan);
  }
  applyStorage(systemId: string, plan: NodeStoragePlan): Promise<StepReport> {
    return applyStorage(this.deps, systemId, plan);
  }
  applyPlatform(systemId: string, plan: NodePlatformPlan): Promise<StepReport> {
    return applyPlatform(this.deps, systemId, plan);
  }

  /** DeployNode: skip Deployed/Deploying, allocate from Ready, continue from Allocated*. */
  async startDeploy(systemId: string, opts: DeployOptions): Promise<StartResult> {
    let m = await this.client.machines.get(systemId);
    const ctx = { operation: 'deploy', node: m.hostname, address: this.client.address };
    if (m.status_name === DEPLOYED || m.status_name === DEPLOYING) return 'already';
    if (!DEPLOY_FROM.has(m.status_name)) throw new PermanentDriverError(`machine is ${m.status_name}; cannot deploy`, ctx);
    if (m.status_name === STATUS_NAMES[NodeStatus.READY]) m = await this.client.machines.allocate(systemId);
    for (const [k, v] of Object.entries(opts.ownerData ?? {})) await this.client.machines.setWorkloadAnnotations(systemId, { [k]: v });
    if (opts.nodeName && opts.bootActionKey) await this.bootActionTag(systemId, opts.nodeName, opts.bootActionKey);
    const userData = opts.userData === undefined ? undefined : Buffer.from(opts.userData, 'utf8').toString('base64');
    try {
      await this.client.machines.deploy(systemId, { distroSeries: opts.image, hweKernel: opts.kernel, userData });
    } catch (e) {
      if (e instanceof StateConflictError && [DEPLOYED, DEPLOYING].includes((await this.machineStatus(systemId)).statusName)) return 'already';
      throw e;
    }
    this.logger.info('Deployment started', { node: m.hostname, system_id: systemId, image: opts.image, kernel: opts.kernel });
    return 'started';
  }

  /** Drydock's boot action context tag: drop older `<node>__baid__*` tags, apply the current one. */
  private async bootActionTag(systemId: string, node: string, key: string): Promise<void> {
    const name = `${node}__baid__${key}`;
    try {
      const tags = await this.client.region.tags();
      for (const t of tags) if (t.name.startsWith(`${node}__baid__`) && t.name !== name) await this.client.region.deleteTag(t.name);
      await ensureTag(this.deps, tags, name);
      await applyTag(this.deps, name, systemId);
    } catch (e) {
      // Drydock only logs failures here: the boot action API still works without the tag.
      // The key is the node's credential to the boot action API: never in a log line, even inside a MaaS URL.
      const error = (e instanceof Error ? e.message : String(e)).replace(/__baid__[0-9a-fA-F]+/g, '__baid__<key>');
      this.logger.warn('Could not tag node with its boot action key', { node, error });
    }
  }

  /** DestroyNode's release: erase=True, quick_erase=True, secure_erase=False. */
  async startRelease(systemId: string): Promise<StartResult> {
    const m = await this.client.machines.get(systemId);
    if (!RELEASE_FROM.has(m.status_name)) return 'already';
    await this.client.machines.release(systemId, { erase: true, quickErase: true, secureErase: false });
    this.logger.info('Release started', { node: m.hostname, system_id: systemId });
    return 'started';
  }

  /** DELETE the machine (it must re-enlist). Gone already counts as done. */
  async deleteMachine(systemId: string): Promise<'deleted' | 'absent'> {
    try {
      await this.client.machines.delete(systemId);
      return 'deleted';
    } catch (e) {
      if (e instanceof MaasNotFoundError) return 'absent';
      throw e;
    }
  }

  /** The current commissioning run's script outputs (Drydock saves them as build data `commission:<name>`). */
  async commissioningResults(systemId: string): Promise<CommissioningResult[]> {
    const results = await this.client.results.list(systemId, RESULT_TYPE.commissioning);
    return results
      .filter((r) => r.node?.system_id === undefined || r.node.system_id === systemId)
      .map((r) => ({ name: r.name, exitStatus: r.script_result, updated: r.updated, data: Buffer.from(r.data ?? '', 'base64').toString('utf8') }));
  }

  resetStorage(systemId: string): Promise<StepReport> {
    return resetStorage(this.deps, systemId);
  }

  createNetworkTemplate(plan: NetworkTemplatePlan): Promise<StepReport> {
    return createNetworkTemplate(this.deps, plan);
  }
  configureUserCredentials(sshKeys: string[]): Promise<StepReport> {
    return configureUserCredentials(this.deps, sshKeys);
  }
  configureNodeProvisioner(repositories: RepositoriesPlan): Promise<StepReport> {
    return configureNodeProvisioner(this.deps, repositories);
  }
}
