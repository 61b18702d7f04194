import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../errors';
import { intOf, machineOf, noContent, ok, type Ctx, type OpTable } from '../context';
import type { Params } from '../params';
import type { BlockDeviceRecord, MachineRecord, PartitionRecord } from '../store';
import { parseSize } from './layout';
import { requireEditable } from './machines';

const TABLE_OVERHEAD = 4 * 1024 * 1024;

function deviceOf(ctx: Ctx): { m: MachineRecord; d: BlockDeviceRecord } {
  const m = machineOf(ctx);
  const d = m.blockDevices.find((x) => x.id === intOf(ctx, 'bid'));
  if (!d) throw notFound();
  return { m, d };
}

function partitionOf(ctx: Ctx): { m: MachineRecord; d: BlockDeviceRecord; p: PartitionRecord } {
  const { m, d } = deviceOf(ctx);
  const p = d.partitions.find((x) => x.id === intOf(ctx, 'pid'));
  if (!p) throw notFound();
  return { m, d, p };
}

const inVolumeGroup = (m: MachineRecord, kind: 'blockDevices' | 'partitions', id: number) => m.volumeGroups.some((vg) => vg[kind].includes(id));

/** format / unformat / mount / unmount on a block device or partition: the same rules for both. */
function filesystemOps(target: (ctx: Ctx) => { m: MachineRecord; fs: { filesystem: BlockDeviceRecord['filesystem'] }; render: () => unknown }) {
  const run = (ctx: Ctx, op: string, change: (p: Params, t: { filesystem: BlockDeviceRecord['filesystem'] }) => void) => {
    const t = target(ctx);
    requireEditable(t.m, `${op} storage`);
    change(ctx.params, t.fs);
    ctx.emu.counters.bump(t.m.systemId, op);
    return ok(t.render());
  };
  return {
    format: (ctx: Ctx) =>
      run(ctx, 'format', (p, fs) => {
        const fstype = p.get('fstype');
        if (!fstype) throw badRequest(JSON.stringify({ fstype: ['This field is required.'] }));
        fs.filesystem = { fstype, uuid: p.get('uuid') || randomUUID(), label: p.get('label') ?? null, mount_point: null, mount_options: null };
      }),
    unformat: (ctx: Ctx) =>
      run(ctx, 'unformat', (_p, fs) => {
        if (fs.filesystem?.mount_point) throw badRequest('Filesystem is mounted and cannot be unformatted. Unmount the filesystem before unformatting.');
        fs.filesystem = null;
      }),
    mount: (ctx: Ctx) =>
      run(ctx, 'mount', (p, fs) => {
        if (!fs.filesystem) throw badRequest('Cannot mount an unformatted block device.');
        const mp = p.get('mount_point');
        if (!mp || !mp.startsWith('/')) throw badRequest(JSON.stringify({ mount_point: ['This field is required.'] }));
        fs.filesystem = { ...fs.filesystem, mount_point: mp, mount_options: p.get('mount_options') ?? null };
      }),
    unmount: (ctx: Ctx) =>
      run(ctx, 'unmount', (_p, fs) => {
        if (!fs.filesystem?.mount_point) throw badRequest('Filesystem is already unmounted.');
        fs.filesystem = { ...fs.filesystem, mount_point: null, mount_options: null };
      }),
  };
}

const deviceFs = filesystemOps((ctx) => {
  const { m, d } = deviceOf(ctx);
  return { m, fs: d, render: () => ctx.emu.views.blockDevice(m, d) };
});
const partitionFs = filesystemOps((ctx) => {
  const { m, d, p } = partitionOf(ctx);
  return { m, fs: p, render: () => ctx.emu.views.partition(m.systemId, d, p, d.partitions.indexOf(p)) };
});

export const blockDevicesCollection: OpTable = {
  GET: {
    '': (ctx) => {
      const m = machineOf(ctx);
      return ok(m.blockDevices.map((d) => ctx.emu.views.blockDevice(m, d)));
    },
  },
};

export const blockDeviceItem: OpTable = {
  GET: {
    '': (ctx) => {
      const { m, d } = deviceOf(ctx);
      return ok(ctx.emu.views.blockDevice(m, d));
    },
  },
  POST: {
    ...deviceFs,
    set_boot_disk: (ctx) => {
      const { m, d } = deviceOf(ctx);
      requireEditable(m, 'set the boot disk');
      if (d.type !== 'physical') throw badRequest('Cannot set a virtual block device as the boot disk.');
      m.bootDiskId = d.id;
      ctx.emu.counters.bump(m.systemId, 'set_boot_disk', d.name);
      return ok(ctx.emu.views.blockDevice(m, d));
    },
  },
};

export const partitionsCollection: OpTable = {
  GET: {
    '': (ctx) => {
      const { m, d } = deviceOf(ctx);
      return ok(d.partitions.map((p, i) => ctx.emu.views.partition(m.systemId, d, p, i)));
    },
  },
  POST: {
    '': (ctx) => {
      const { m, d } = deviceOf(ctx);
      requireEditable(m, 'create a partition');
      if (inVolumeGroup(m, 'blockDevices', d.id) || d.filesystem) throw badRequest('Cannot create a partition on a block device that is formatted or in a volume group.');
      const available = ctx.emu.views.blockDevice(m, d).available_size - (d.partitionTable ? 0 : TABLE_OVERHEAD);
      const size = parseSize(ctx.params.get('size')) ?? available;
      if (size > available) throw badRequest(JSON.stringify({ size: [`Partition cannot be saved; not enough free space on the block device (${available} bytes available).`] }));
      d.partitionTable = d.partitionTable ?? 'GPT';
      const p: PartitionRecord = {
        id: ctx.emu.store.nextId(),
        uuid: ctx.params.get('uuid') || randomUUID(),
        size,
        bootable: ctx.params.bool('bootable') ?? false,
        filesystem: null,
      };
      d.partitions.push(p);
      ctx.emu.counters.bump(m.systemId, 'create_partition', d.name);
      return ok(ctx.emu.views.partition(m.systemId, d, p, d.partitions.length - 1));
    },
  },
};

export const partitionItem: OpTable = {
  GET: {
    '': (ctx) => {
      const { m, d, p } = partitionOf(ctx);
      return ok(ctx.emu.views.partition(m.systemId, d, p, d.partitions.indexOf(p)));
    },
  },
  DELETE: {
    '': (ctx) => {
      const { m, d, p } = partitionOf(ctx);
      requireEditable(m, 'delete a partition');
      if (inVolumeGroup(m, 'partitions', p.id)) throw badRequest('Cannot delete a partition that belongs to a volume group.');
      d.partitions = d.partitions.filter((x) => x !== p);
      ctx.emu.counters.bump(m.systemId, 'delete_partition');
      return noContent();
    },
  },
  POST: { ...partitionFs },
};

function vgOf(ctx: Ctx) {
  const m = machineOf(ctx);
  const vg = m.volumeGroups.find((x) => x.id === intOf(ctx, 'vid'));
  if (!vg) throw notFound();
  return { m, vg };
}

export const volumeGroupsCollection: OpTable = {
  GET: {
    '': (ctx) => {
      const m = machineOf(ctx);
      return ok(m.volumeGroups.map((vg) => ctx.emu.views.volumeGroup(m, vg)));
    },
  },
  POST: {
    '': (ctx) => {
      const m = machineOf(ctx);
      requireEditable(m, 'create a volume group');
      const name = ctx.params.get('name');
      if (!name) throw badRequest(JSON.stringify({ name: ['This field is required.'] }));
      if (m.volumeGroups.some((v) => v.name === name)) throw badRequest(JSON.stringify({ name: ['Volume group with this name already exists.'] }));
      const devices = ctx.params.list('block_devices').map(Number);
      const partitions = ctx.params.list('partitions').map(Number);
      const allParts = m.blockDevices.flatMap((d) => d.partitions.map((p) => p.id));
      if (devices.some((id) => !m.blockDevices.some((d) => d.id === id && d.type === 'physical')) || partitions.some((id) => !allParts.includes(id))) {
        throw badRequest(JSON.stringify({ __all__: ['Unknown block device or partition.'] }));
      }
      if (devices.length + partitions.length === 0) throw badRequest(JSON.stringify({ __all__: ['At least one valid block device or partition is required.'] }));
      const vg = { id: ctx.emu.store.nextId(), name, uuid: ctx.params.get('uuid') || randomUUID(), blockDevices: devices, partitions };
      m.volumeGroups.push(vg);
      ctx.emu.counters.bump(m.systemId, 'create_volume_group');
      return ok(ctx.emu.views.volumeGroup(m, vg));
    },
  },
};

export const volumeGroupItem: OpTable = {
  GET: {
    '': (ctx) => {
      const { m, vg } = vgOf(ctx);
      return ok(ctx.emu.views.volumeGroup(m, vg));
    },
  },
  DELETE: {
    '': (ctx) => {
      const { m, vg } = vgOf(ctx);
      requireEditable(m, 'delete a volume group');
      m.blockDevices = m.blockDevices.filter((d) => d.volumeGroupId !== vg.id);
      m.volumeGroups = m.volumeGroups.filter((x) => x !== vg);
      ctx.emu.counters.bump(m.systemId, 'delete_volume_group');
      return noContent();
    },
  },
  POST: {
    create_logical_volume: (ctx) => {
      const { m, vg } = vgOf(ctx);
      requireEditable(m, 'create a logical volume');
      const name = ctx.params.get('name');
      if (!name) throw badRequest(JSON.stringify({ name: ['This field is required.'] }));
      const available = ctx.emu.views.volumeGroup(m, vg).available_size;
      const size = parseSize(ctx.params.get('size')) ?? available;
      if (size > available || size <= 0) throw badRequest(JSON.stringify({ size: [`Size is too large; only ${available} bytes available.`] }));
      const lv: BlockDeviceRecord = {
        id: ctx.emu.store.nextId(),
        name: `${vg.name}-${name}`,
        size,
        type: 'virtual',
        model: '',
        serial: '',
        tags: [],
        uuid: ctx.params.get('uuid') || randomUUID(),
        filesystem: null,
        partitions: [],
        partitionTable: null,
        volumeGroupId: vg.id,
      };
      m.blockDevices.push(lv);
      ctx.emu.counters.bump(m.systemId, 'create_logical_volume');
      return ok(ctx.emu.views.blockDevice(m, lv));
    },
    delete_logical_volume: (ctx) => {
      const { m, vg } = vgOf(ctx);
      requireEditable(m, 'delete a logical volume');
      const id = ctx.params.int('id');
      if (!m.blockDevices.some((d) => d.id === id && d.volumeGroupId === vg.id)) throw notFound();
      m.blockDevices = m.blockDevices.filter((d) => d.id !== id);
      ctx.emu.counters.bump(m.systemId, 'delete_logical_volume');
      return noContent();
    },
  },
};
