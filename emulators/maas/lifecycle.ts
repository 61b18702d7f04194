import type { Logger } from '../../common/logger';
import { conflict, badRequest } from './errors';
import type { FaultState, StepOutcome } from './faults';
import type { Scheduler } from './scheduler';
import { NodeStatus as S, STATUS_NAMES, COMMISSION_FROM, RELEASE_FROM, type NodeStatusCode } from './status';
import type { MachineRecord, MaasStore } from './store';

/** How long each timed phase lasts, in milliseconds. 0 = on the next tick. */
export interface StepDurations {
  commissioning: number;
  testing: number;
  deploying: number;
  releasing: number;
  diskErasing: number;
}

export const TEST_DURATIONS: StepDurations = { commissioning: 0, testing: 0, deploying: 0, releasing: 0, diskErasing: 0 };
export const DEMO_DURATIONS: StepDurations = { commissioning: 8000, testing: 2000, deploying: 12000, releasing: 3000, diskErasing: 4000 };

/** The machine status machine: legal moves answer 200 and start a timed phase, illegal ones 409. */
export class Lifecycle {
  constructor(
    private readonly store: MaasStore,
    private readonly scheduler: Scheduler,
    private readonly faults: FaultState,
    private readonly durations: StepDurations,
    private readonly logger: Logger,
  ) {}

  commission(m: MachineRecord): void {
    if (!COMMISSION_FROM.has(m.status)) {
      throw conflict(`Unable to be commissioned: machine ${m.systemId} is in the '${STATUS_NAMES[m.status]}' state.`);
    }
    this.set(m, S.COMMISSIONING);
    m.powerState = 'on';
    const outcome = this.outcome(m, 'commission');
    this.after(m, this.durations.commissioning, outcome, () => {
      // The scripts have run: their results replace the previous run's.
      m.commissioning = { at: Date.now(), failed: outcome === 'fail' };
      if (outcome === 'fail') return this.finish(m, S.FAILED_COMMISSIONING);
      this.set(m, S.TESTING);
      this.after(m, this.durations.testing, 'ok', () => this.finish(m, S.READY));
    });
  }

  allocate(m: MachineRecord, owner: string): void {
    if (m.status !== S.READY) throw conflict(`No machine with system ID ${m.systemId} available.`);
    m.owner = owner;
    this.set(m, S.ALLOCATED);
  }

  deploy(m: MachineRecord, owner: string, opts: { distroSeries?: string; hweKernel?: string; userData?: string }): void {
    if (m.status === S.READY) this.allocate(m, owner);
    if (m.status !== S.ALLOCATED) throw conflict(`Can't deploy a machine that is in the '${STATUS_NAMES[m.status]}' state`);
    const series = opts.distroSeries || 'jammy';
    const images = this.store.bootResources.filter((b) => b.name === `ubuntu/${series}`);
    if (images.length === 0) throw badRequest(JSON.stringify({ distro_series: [`'${series}' is not a valid distro_series.  It should be one of: ${this.seriesList()}.`] }));
    if (opts.hweKernel && !images.some((b) => b.architecture.split('/')[1] === opts.hweKernel)) {
      throw badRequest(JSON.stringify({ hwe_kernel: [`${opts.hweKernel} is not available for ubuntu/${series} on amd64.`] }));
    }
    m.osystem = 'ubuntu';
    m.distroSeries = series;
    m.hweKernel = opts.hweKernel ?? null;
    m.userData = opts.userData ?? null;
    this.set(m, S.DEPLOYING);
    m.powerState = 'on';
    const outcome = this.outcome(m, 'deploy');
    this.after(m, this.durations.deploying, outcome, () => this.finish(m, outcome === 'fail' ? S.FAILED_DEPLOYMENT : S.DEPLOYED));
  }

  /** Ready or Releasing: nothing to do (200). */
  release(m: MachineRecord, erase: boolean): 'started' | 'noop' {
    if (m.status === S.READY || m.status === S.RELEASING) return 'noop';
    if (!RELEASE_FROM.has(m.status)) throw conflict(`Machine cannot be released in its current state ('${STATUS_NAMES[m.status]}').`);
    this.scheduler.cancel(m.systemId);
    const outcome = this.outcome(m, 'release');
    this.set(m, erase ? S.DISK_ERASING : S.RELEASING);
    const ms = erase ? this.durations.diskErasing : this.durations.releasing;
    this.after(m, ms, outcome, () => {
      if (outcome === 'fail') return this.finish(m, erase ? S.FAILED_DISK_ERASING : S.FAILED_RELEASING);
      m.owner = null;
      m.ownerData = {};
      m.distroSeries = '';
      m.hweKernel = null;
      m.userData = null;
      m.erased = erase;
      m.powerState = 'off';
      this.finish(m, S.READY);
    });
    return 'started';
  }

  /**
   * Leaves a machine in `status` as if it had got there by itself; a transition in progress (commissioning,
   * testing, deploying, releasing, erasing) then completes as it would have.
   */
  place(m: MachineRecord, status: NodeStatusCode): void {
    this.scheduler.cancel(m.systemId);
    this.set(m, status);
    const inUse = status === S.ALLOCATED || status === S.DEPLOYING || status === S.DEPLOYED || status === S.FAILED_DEPLOYMENT;
    m.owner = inUse ? (m.owner ?? 'admin') : m.owner;
    m.powerState = status === S.DEPLOYED || status === S.DEPLOYING || status === S.COMMISSIONING || status === S.TESTING ? 'on' : 'off';
    const ready = () => this.finish(m, S.READY);
    // Any status past commissioning means a commissioning run whose results MaaS keeps.
    if (m.commissioning === null && status !== S.NEW && status !== S.COMMISSIONING) m.commissioning = { at: Date.now(), failed: status === S.FAILED_COMMISSIONING };
    if (status === S.COMMISSIONING)
      this.after(m, this.durations.commissioning, 'ok', () => {
        m.commissioning = { at: Date.now(), failed: false };
        this.set(m, S.TESTING);
        this.after(m, this.durations.testing, 'ok', ready);
      });
    if (status === S.TESTING) this.after(m, this.durations.testing, 'ok', ready);
    if (status === S.DEPLOYING) this.after(m, this.durations.deploying, 'ok', () => this.finish(m, S.DEPLOYED));
    if (status === S.RELEASING) this.after(m, this.durations.releasing, 'ok', ready);
    if (status === S.DISK_ERASING) this.after(m, this.durations.diskErasing, 'ok', ready);
  }

  forget(m: MachineRecord): void {
    this.scheduler.cancel(m.systemId);
  }

  private outcome(m: MachineRecord, step: 'commission' | 'deploy' | 'release'): StepOutcome {
    return this.faults.outcome([m.hostname, m.realName], step);
  }

  private after(m: MachineRecord, ms: number, outcome: StepOutcome, fn: () => void): void {
    if (outcome === 'hang') return;
    this.scheduler.schedule(m.systemId, ms, () => {
      if (this.store.machines.get(m.systemId) === m) fn();
    });
  }

  private finish(m: MachineRecord, status: NodeStatusCode): void {
    if (status !== S.DEPLOYED) m.powerState = status === S.FAILED_DEPLOYMENT ? 'on' : 'off';
    this.set(m, status);
  }

  /** Told of every status change the lifecycle makes (the simulated nodes boot on Deployed). */
  readonly statusListeners = new Set<(m: MachineRecord) => void>();

  private set(m: MachineRecord, status: NodeStatusCode): void {
    const from = STATUS_NAMES[m.status];
    m.status = status;
    this.logger.info('MaaS emulator: machine status', { system_id: m.systemId, hostname: m.hostname, from, to: STATUS_NAMES[status] });
    for (const l of this.statusListeners) l(m);
  }

  private seriesList(): string {
    return [...new Set(this.store.bootResources.map((b) => b.name.split('/')[1]))].join(', ');
  }
}
