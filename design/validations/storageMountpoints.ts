/** DD2004 Storage Mountpoint: no mountpoint is used twice on a node (partitions and its VGs' LVs). */
import type { ValidationRule } from './framework';

export const storageMountpoints: ValidationRule = {
  code: 'DD2004',
  longName: 'Storage Mountpoint',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      const vgs = new Map(node.volume_groups.map((v) => [v.name, v]));
      const seen = new Set<string>();
      const mountpoints: string[] = [];
      for (const device of node.storage_devices) {
        for (const part of device.partitions) if (part.mountpoint) mountpoints.push(part.mountpoint);
        const vg = device.volume_group ? vgs.get(device.volume_group) : undefined;
        for (const lv of vg?.logical_volumes ?? []) if (lv.mountpoint) mountpoints.push(lv.mountpoint);
      }
      for (const m of mountpoints) {
        if (seen.has(m)) {
          report.error(`Mountpoint "${m}" already exists`, [node.docRef], 'Please use unique mountpoints.');
          // Drydock stops the whole rule at the first duplicate; kept so reports match its output.
          return;
        }
        seen.add(m);
      }
    }
  },
};
