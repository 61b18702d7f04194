import { randomUUID } from 'node:crypto';
import { badRequest } from '../errors';
import type { Params } from '../params';
import type { BlockDeviceRecord, MachineRecord, MaasStore } from '../store';

const TABLE_OVERHEAD = 4 * 1024 * 1024;

/** Sizes as MaaS forms accept them: bytes, or a number with a K/M/G/T suffix. */
export function parseSize(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)B?$/i.exec(v.trim());
  if (!m) throw badRequest(JSON.stringify({ size: [`Invalid size: ${v}`] }));
  const mult = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.floor(Number(m[1]) * mult);
}

export function findDevice(m: MachineRecord, ref: string | undefined): BlockDeviceRecord | undefined {
  if (ref === undefined) return undefined;
  return m.blockDevices.find((d) => String(d.id) === ref || d.name === ref);
}

/** Clears partitions, filesystems and VGs, then lays out the boot disk as `flat` or `lvm` (MaaS's layouts). */
export function applyStorageLayout(store: MaasStore, m: MachineRecord, p: Params): void {
  const layout = p.get('storage_layout') ?? 'flat';
  if (!['flat', 'lvm', 'blank'].includes(layout)) throw badRequest(JSON.stringify({ storage_layout: [`Select a valid choice. ${layout} is not one of the available choices.`] }));
  const rootRef = p.get('root_device');
  const root = rootRef !== undefined ? findDevice(m, rootRef) : (m.blockDevices.find((d) => d.id === m.bootDiskId) ?? m.blockDevices[0]);
  if (!root) throw badRequest(JSON.stringify({ root_device: [`Unknown block device ${rootRef ?? ''}`] }));

  m.blockDevices = m.blockDevices.filter((d) => d.type === 'physical');
  for (const d of m.blockDevices) {
    d.partitions = [];
    d.filesystem = null;
    d.partitionTable = null;
  }
  m.volumeGroups = [];
  m.storageLayout = layout;
  m.bootDiskId = root.id;
  if (layout === 'blank') return;

  root.partitionTable = 'GPT';
  let free = root.size - TABLE_OVERHEAD;
  const take = (size: number | undefined, what: string): number => {
    const n = size ?? free;
    if (n > free || n <= 0) throw badRequest(JSON.stringify({ [what]: [`Size is too large; only ${free} bytes available.`] }));
    free -= n;
    return n;
  };
  const bootSize = parseSize(p.get('boot_size'));
  if (bootSize) {
    root.partitions.push({
      id: store.nextId(),
      uuid: randomUUID(),
      size: take(bootSize, 'boot_size'),
      bootable: true,
      filesystem: { fstype: 'ext4', mount_point: '/boot', uuid: randomUUID(), label: 'boot' },
    });
  }
  const rootSize = take(parseSize(p.get('root_size')), 'root_size');
  if (layout === 'flat') {
    root.partitions.push({
      id: store.nextId(),
      uuid: randomUUID(),
      size: rootSize,
      bootable: false,
      filesystem: { fstype: 'ext4', mount_point: '/', uuid: randomUUID(), label: 'root' },
    });
    return;
  }
  const pv = { id: store.nextId(), uuid: randomUUID(), size: rootSize, bootable: false, filesystem: { fstype: 'lvm-pv' } };
  root.partitions.push(pv);
  const vg = { id: store.nextId(), name: p.get('vg_name') || 'vgroot', uuid: randomUUID(), blockDevices: [], partitions: [pv.id] };
  m.volumeGroups.push(vg);
  const lvSize = parseSize(p.get('lv_size')) ?? rootSize;
  if (lvSize > rootSize) throw badRequest(JSON.stringify({ lv_size: ['Size is larger than the volume group.'] }));
  m.blockDevices.push({
    id: store.nextId(),
    name: `${vg.name}-${p.get('lv_name') || 'lvroot'}`,
    size: lvSize,
    type: 'virtual',
    model: '',
    serial: '',
    tags: [],
    uuid: randomUUID(),
    filesystem: { fstype: 'ext4', mount_point: '/', uuid: randomUUID(), label: 'root' },
    partitions: [],
    partitionTable: null,
    volumeGroupId: vg.id,
  });
}
