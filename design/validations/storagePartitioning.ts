/** DD2002 Storage Partitioning: a device is partitioned or a VG member; every VG has a physical volume. */
import type { ValidationRule } from './framework';

export const storagePartitioning: ValidationRule = {
  code: 'DD2002',
  longName: 'Storage Partitioning',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      const docs = [node.docRef];
      const assigned = new Set<string>();
      for (const device of node.storage_devices) {
        const hasPartitions = device.partitions.length > 0;
        const vg = device.volume_group;
        if (hasPartitions === !!vg) {
          report.error(
            'Either a volume group OR partitions must be defined for each storage device.',
            docs,
            'A storage device must be used for exactly one of a volume group physical volume or carved into partitions.',
          );
        }
        if (vg) assigned.add(vg);
        for (const part of device.partitions) {
          if (part.fstype && part.volume_group) {
            report.error(
              'Both a volume group AND file system cannot be defined in a single partition',
              docs,
              'A partition can be used for only one of a volume group physical volume or formatted as a filesystem.',
            );
          }
          // FIX: Drydock recorded the device's VG here instead of the partition's (and never ingested the
          // partition's VG); a VG backed by a partition now counts as assigned.
          if (part.volume_group) assigned.add(part.volume_group);
        }
      }
      for (const vg of node.volume_groups) {
        if (!assigned.has(vg.name)) {
          report.error(
            `Volume group ${vg.name} not assigned any physical volumes`,
            docs,
            'Each volume group should be assigned at least one storage device or partition as a physical volume.',
          );
        }
      }
    }
  },
};
