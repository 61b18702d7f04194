/** DD2003 Storage Sizing: percentage sizes are not negative and sum to at most 99%. */
import type { HostModel } from '../model';
import type { Reporter, ValidationRule } from './framework';

const SUM_DIAG = 'Percentage-based sizes must sum to less than 100%.';

/** '30%' → 30; undefined when the size is not a percentage. */
function percent(size: string | null | undefined): number | undefined {
  const parts = (size ?? '').split('%');
  if (parts.length !== 2) return undefined;
  const n = parseInt(parts[0], 10);
  return Number.isNaN(n) ? undefined : n;
}

export const storageSizing: ValidationRule = {
  code: 'DD2003',
  longName: 'Storage Sizing',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      for (const device of node.storage_devices) {
        let sum = 0;
        for (const part of device.partitions) {
          const p = percent(part.size);
          if (p !== undefined) {
            if (p < 0) report.error(`Storage partition ${part.name} on device ${device.name} size is < 0`, [node.docRef], 'Partition size must be a positive number.');
            sum += p;
          }
          // Checked after every partition, so one overflow repeats for each later partition (Drydock's output).
          if (sum > 99) report.error(`Cumulative partition sizes on device ${device.name} is greater than 99%.`, [node.docRef], SUM_DIAG);
        }
        // Drydock checks the node's LVs once per physical device; the repetition is its documented output.
        checkLogicalVolumes(node, report);
      }
    }
  },
};

function checkLogicalVolumes(node: HostModel, report: Reporter): void {
  let sum = 0;
  for (const vg of node.volume_groups) {
    for (const lv of vg.logical_volumes) {
      const p = percent(lv.size);
      if (p === undefined) continue;
      if (p < 0) report.error(`Logical Volume ${lv.name} size is < 0 `, [node.docRef], '');
      sum += p;
    }
    if (sum > 99) report.error(`Cumulative logical volume size is greater than 99% in volume group ${vg.name}`, [node.docRef], SUM_DIAG);
  }
}
