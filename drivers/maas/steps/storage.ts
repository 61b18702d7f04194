import { PermanentDriverError, StateConflictError } from '../../errors';
import type { FormFields } from '../multipart';
import type { MaasBlockDevice } from '../models/wire';
import { calculateBytes, NotEnoughStorageError } from '../sizes';
import type { FilesystemPlan, LogicalVolumePlan, NodeStoragePlan, PartitionPlan, StepReport, VolumeGroupPlan } from '../../provisioner';
import type { StepDeps } from './common';
import { NodeStatus, STATUS_NAMES } from '../../../common/maasStatus';

const SYSTEM_MOUNTS = new Set(['/', '/boot']);

/**
 * ApplyNodeStorage (Drydock's MaaS driver): wipe the layout, let MaaS build the root (flat, or lvm when / is a logical
 * volume), then add the design's other partitions, volume groups and logical volumes. Wiping first
 * makes a second run converge on the same layout.
 */
export async function applyStorage(deps: StepDeps, systemId: string, plan: NodeStoragePlan): Promise<StepReport> {
  const { client } = deps;
  const machine = await client.machines.get(systemId);
  const node = machine.hostname;
  const ctx = { operation: 'apply node storage', node, address: client.address };
  if (machine.status_name === STATUS_NAMES[NodeStatus.DEPLOYED]) return { messages: [`Node ${node} is Deployed; storage left as is.`] };
  if (machine.status_name !== STATUS_NAMES[NodeStatus.READY])
    throw new StateConflictError(`machine is ${machine.status_name}; storage can be applied only to a Ready machine`, ctx);
  try {
    return await new StorageApplier(deps, systemId, plan).run();
  } catch (e) {
    if (e instanceof NotEnoughStorageError || e instanceof StoragePlanError) {
      throw new PermanentDriverError(`Error configuring storage. ${e.message}`, ctx);
    }
    throw e;
  }
}

class StoragePlanError extends Error {}

/** Drydock's reset_storage_config: LVs, then VGs, then every partition; returns what it deleted. */
export async function resetStorage(deps: StepDeps, systemId: string): Promise<StepReport> {
  const storage = deps.client.storage;
  const messages: string[] = [];
  for (const vg of await storage.volumeGroups(systemId)) {
    for (const lv of vg.logical_volumes) await storage.deleteLogicalVolume(systemId, vg.id, lv.id);
    await storage.deleteVolumeGroup(systemId, vg.id);
    messages.push(`Deleted volume group ${vg.name} and its ${vg.logical_volumes.length} logical volume(s)`);
  }
  for (const d of await storage.blockDevices(systemId)) {
    for (const p of d.partitions) await storage.deletePartition(systemId, d.id, p.id);
    if (d.partitions.length) messages.push(`Deleted ${d.partitions.length} partition(s) of ${d.name}`);
  }
  return { messages };
}

class StorageApplier {
  private readonly messages: string[] = [];
  private readonly vgMembers = new Map<string, { devices: number[]; partitions: number[] }>();

  constructor(
    private readonly deps: StepDeps,
    private readonly systemId: string,
    private readonly plan: NodeStoragePlan,
  ) {}

  async run(): Promise<StepReport> {
    await this.resetStorage();
    const systemVg = await this.applyLayout();
    for (const dev of this.plan.physicalDevices) await this.applyDevice(dev.name, dev.volumeGroup, dev.partitions, systemVg);
    for (const vg of this.plan.volumeGroups) await this.applyVolumeGroup(vg, vg.name === systemVg);
    this.deps.logger.info('Applied node storage', { system_id: this.systemId, steps: this.messages.length });
    return { messages: this.messages };
  }

  private get storage() {
    return this.deps.client.storage;
  }

  private async resetStorage(): Promise<void> {
    await resetStorage(this.deps, this.systemId);
  }

  private async devices(): Promise<MaasBlockDevice[]> {
    return this.storage.blockDevices(this.systemId);
  }

  private async device(name: string): Promise<MaasBlockDevice> {
    const d = (await this.devices()).find((x) => x.name === name && x.type === 'physical');
    if (!d) throw new StoragePlanError(`Block device ${name} not found on the machine.`);
    return d;
  }

  /** set_boot_disk + set_storage_layout for / and /boot; returns the system VG name for an LVM root. */
  private async applyLayout(): Promise<string | undefined> {
    const findPart = (mp: string) => {
      for (const d of this.plan.physicalDevices) for (const p of d.partitions) if (p.filesystem?.mountpoint === mp) return { device: d, part: p };
      return undefined;
    };
    let rootLv: { vg: VolumeGroupPlan; lv: LogicalVolumePlan } | undefined;
    for (const vg of this.plan.volumeGroups) for (const lv of vg.logicalVolumes) if (lv.filesystem?.mountpoint === '/') rootLv = { vg, lv };
    const rootPart = rootLv ? undefined : findPart('/');
    const boot = findPart('/boot');
    if (!rootLv && !rootPart) throw new StoragePlanError('The storage design has no root (/) filesystem.');

    let rootDevName: string;
    let pvPartition: PartitionPlan | undefined;
    if (rootPart) rootDevName = rootPart.device.name;
    else {
      // Drydock never fills in the VG's physical devices and so always fails here; we find them.
      const name = rootLv!.vg.name;
      const wholeDevices = this.plan.physicalDevices.filter((d) => d.volumeGroup === name);
      const parts = this.plan.physicalDevices.flatMap((d) => d.partitions.filter((p) => p.volumeGroup === name).map((p) => ({ d, p })));
      if (wholeDevices.length + parts.length !== 1) throw new StoragePlanError(`Root volume group ${name} must have exactly one physical device.`);
      rootDevName = wholeDevices[0]?.name ?? parts[0]!.d.name;
      pvPartition = parts[0]?.p;
    }
    const rootDev = await this.device(rootDevName);
    let available = rootDev.available_size;
    const fields: FormFields = { root_device: rootDev.id };
    if (boot) {
      if (boot.device.name !== rootDevName) throw new StoragePlanError('/boot must be on the same device as /.');
      const bootSize = calculateBytes(boot.part.size, { size: rootDev.size, availableSize: available });
      fields.boot_size = bootSize;
      available -= bootSize;
    }
    if (rootPart) {
      fields.storage_layout = 'flat';
      fields.root_size = calculateBytes(rootPart.part.size, { size: rootDev.size, availableSize: available });
    } else {
      fields.storage_layout = 'lvm';
      fields.vg_name = rootLv!.vg.name;
      fields.lv_name = rootLv!.lv.name;
      const pvSize = pvPartition ? calculateBytes(pvPartition.size, { size: rootDev.size, availableSize: available }) : available;
      if (pvPartition) fields.root_size = pvSize;
      fields.lv_size = calculateBytes(rootLv!.lv.size, { size: pvSize, availableSize: pvSize });
    }
    await this.storage.blockDeviceOp(this.systemId, rootDev.id, 'set_boot_disk');
    await this.deps.client.machines.setStorageLayout(this.systemId, fields);
    this.messages.push(`Storage layout ${String(fields.storage_layout)} on ${rootDevName}`);
    return rootLv?.vg.name;
  }

  private member(vg: string) {
    const m = this.vgMembers.get(vg) ?? { devices: [], partitions: [] };
    this.vgMembers.set(vg, m);
    return m;
  }

  private async applyDevice(name: string, volumeGroup: string | undefined, partitions: PartitionPlan[], systemVg: string | undefined): Promise<void> {
    const dev = await this.device(name);
    if (volumeGroup) {
      if (volumeGroup !== systemVg) this.member(volumeGroup).devices.push(dev.id);
      return;
    }
    for (const part of partitions) {
      if (part.filesystem?.mountpoint && SYSTEM_MOUNTS.has(part.filesystem.mountpoint)) continue;
      if (part.volumeGroup && part.volumeGroup === systemVg) continue;
      const fresh = await this.device(name);
      const size = calculateBytes(part.size, { size: fresh.size, availableSize: fresh.available_size });
      const created = await this.storage.createPartition(this.systemId, dev.id, { size, uuid: part.partUuid, bootable: part.bootable });
      if (part.filesystem?.mountpoint) {
        await this.format(part.filesystem, (op, form) => this.storage.partitionOp(this.systemId, dev.id, created.id, op, form));
      }
      if (part.volumeGroup) this.member(part.volumeGroup).partitions.push(created.id);
      this.messages.push(`Partition ${part.name} (${size} bytes) on ${name}${part.filesystem?.mountpoint ? ` mounted at ${part.filesystem.mountpoint}` : ''}`);
    }
  }

  private async applyVolumeGroup(plan: VolumeGroupPlan, system: boolean): Promise<void> {
    let vg = (await this.storage.volumeGroups(this.systemId)).find((v) => v.name === plan.name);
    if (!system) {
      const members = this.vgMembers.get(plan.name);
      if (!members || members.devices.length + members.partitions.length === 0) {
        this.messages.push(`Volume group ${plan.name} has no members; skipped`);
        return;
      }
      vg = await this.storage.createVolumeGroup(this.systemId, { name: plan.name, uuid: plan.vgUuid, blockDevices: members.devices, partitions: members.partitions });
    }
    if (!vg) throw new StoragePlanError(`Volume group ${plan.name} missing after the storage layout.`);
    for (const lv of plan.logicalVolumes) {
      if (system && lv.filesystem?.mountpoint === '/') continue;
      const current = (await this.storage.volumeGroups(this.systemId)).find((v) => v.id === vg!.id)!;
      const size = calculateBytes(lv.size, { size: current.size, availableSize: current.available_size });
      const created = await this.storage.createLogicalVolume(this.systemId, vg.id, { name: lv.name, size, uuid: lv.lvUuid });
      if (lv.filesystem?.mountpoint) {
        await this.format(lv.filesystem, (op, form) => this.storage.blockDeviceOp(this.systemId, created.id, op, form));
      }
      this.messages.push(`Logical volume ${lv.name} (${size} bytes) in ${plan.name}${lv.filesystem?.mountpoint ? ` mounted at ${lv.filesystem.mountpoint}` : ''}`);
    }
  }

  private async format(fs: FilesystemPlan, op: (op: 'format' | 'mount', form: FormFields) => Promise<unknown>): Promise<void> {
    const form: FormFields = { fstype: fs.fstype ?? 'ext4' };
    if (fs.fsUuid) form.uuid = fs.fsUuid;
    if (fs.fsLabel) form.label = fs.fsLabel;
    await op('format', form);
    const mount: FormFields = { mount_point: fs.mountpoint! };
    if (fs.mountOptions) mount.mount_options = fs.mountOptions;
    await op('mount', mount);
  }
}
