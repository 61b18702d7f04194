import type { MaasHttp } from '../http';
import type { FormFields } from '../multipart';
import type { MaasBlockDevice, MaasPartition, MaasVolumeGroup } from './wire';

/**
 * Block devices, partitions and volume groups (Drydock models/blockdev.py, partition.py, volumegroup.py).
 * Note MaaS's paths: partition items are `.../partition/{id}` and VG items `volume-group/{id}/`.
 */
export class StorageApi {
  constructor(private readonly http: MaasHttp) {}

  blockDevices(systemId: string): Promise<MaasBlockDevice[]> {
    return this.http.get(`nodes/${systemId}/blockdevices/`, { operation: 'list block devices', node: systemId });
  }
  blockDeviceOp(systemId: string, deviceId: number, op: 'format' | 'unformat' | 'mount' | 'unmount' | 'set_boot_disk', form: FormFields = {}): Promise<MaasBlockDevice> {
    return this.http.post(`nodes/${systemId}/blockdevices/${deviceId}/`, { op, form, operation: `block device ${op}`, node: systemId });
  }
  createPartition(systemId: string, deviceId: number, p: { size: number; uuid?: string; bootable?: boolean }): Promise<MaasPartition> {
    const form: FormFields = { size: p.size };
    if (p.uuid) form.uuid = p.uuid;
    if (p.bootable !== undefined) form.bootable = p.bootable;
    return this.http.post(`nodes/${systemId}/blockdevices/${deviceId}/partitions/`, { form, operation: 'create partition', node: systemId });
  }
  partitionOp(systemId: string, deviceId: number, partitionId: number, op: 'format' | 'unformat' | 'mount' | 'unmount', form: FormFields = {}): Promise<MaasPartition> {
    return this.http.post(`nodes/${systemId}/blockdevices/${deviceId}/partition/${partitionId}`, { op, form, operation: `partition ${op}`, node: systemId });
  }
  deletePartition(systemId: string, deviceId: number, partitionId: number): Promise<void> {
    return this.http.delete(`nodes/${systemId}/blockdevices/${deviceId}/partition/${partitionId}`, { operation: 'delete partition', node: systemId });
  }
  volumeGroups(systemId: string): Promise<MaasVolumeGroup[]> {
    return this.http.get(`nodes/${systemId}/volume-groups/`, { operation: 'list volume groups', node: systemId });
  }
  createVolumeGroup(systemId: string, vg: { name: string; uuid?: string; blockDevices: number[]; partitions: number[] }): Promise<MaasVolumeGroup> {
    const form: FormFields = { name: vg.name };
    if (vg.uuid) form.uuid = vg.uuid;
    if (vg.blockDevices.length) form.block_devices = vg.blockDevices.join(',');
    if (vg.partitions.length) form.partitions = vg.partitions.join(',');
    return this.http.post(`nodes/${systemId}/volume-groups/`, { form, operation: 'create volume group', node: systemId });
  }
  deleteVolumeGroup(systemId: string, vgId: number): Promise<void> {
    return this.http.delete(`nodes/${systemId}/volume-group/${vgId}/`, { operation: 'delete volume group', node: systemId });
  }
  /** Answers the logical volume as a block device (MaaS's shape). */
  createLogicalVolume(systemId: string, vgId: number, lv: { name: string; size: number; uuid?: string }): Promise<MaasBlockDevice> {
    const form: FormFields = { name: lv.name, size: lv.size };
    if (lv.uuid) form.uuid = lv.uuid;
    return this.http.post(`nodes/${systemId}/volume-group/${vgId}/`, { op: 'create_logical_volume', form, operation: 'create logical volume', node: systemId });
  }
  deleteLogicalVolume(systemId: string, vgId: number, lvId: number): Promise<void> {
    return this.http.post(`nodes/${systemId}/volume-group/${vgId}/`, { op: 'delete_logical_volume', form: { id: lvId }, operation: 'delete logical volume', node: systemId });
  }
}
