/** DD1001 Rational Boot Storage: a partition named `root` ≥ 20 GB and, after it, `boot` ≥ 1 GB (decimal units). */
import type { ValidationRule } from './framework';

const BYTES_IN_GB = 1e9;
const UNIT: Record<string, number> = { b: 1, m: 1e6, g: 1e9, t: 1e12 };

/** Drydock's SimpleBytes: digits then 1–2 unit letters of m/b/g/t, decimal. undefined = invalid format. */
export function simpleBytes(size: string | null | undefined): number | undefined {
  const m = /^(\d+)([mMbBgGtT]{1,2})/.exec(size ?? '');
  if (!m) return undefined;
  return Number(m[1]) * UNIT[m[2][0].toLowerCase()];
}

export const bootStorageRational: ValidationRule = {
  code: 'DD1001',
  longName: 'Rational Boot Storage',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      const docs = [node.docRef];
      let rootSet = false;
      for (const device of node.storage_devices) {
        for (const part of device.partitions) {
          if (part.name === 'root') {
            const bytes = simpleBytes(part.size);
            if (bytes === undefined) {
              // "BaremetalNode%s" with no space: Drydock's text, kept.
              report.error(`Root volume has an invalid size format on BaremetalNode${node.name}.`, docs, 'Use a valid root volume storage specification.');
            } else {
              rootSet = true;
              if (bytes < 20 * BYTES_IN_GB) report.error(`Root volume must be > 20GB on BaremetalNode ${node.name}`, docs, 'Configure a larger root volume');
            }
          }
          if (rootSet && part.name === 'boot') {
            const bytes = simpleBytes(part.size);
            if (bytes === undefined) {
              report.error(`Boot volume has an invalid size format on BaremetalNode ${node.name}.`, docs, 'Use a valid boot volume storage specification.');
            } else if (bytes < BYTES_IN_GB) {
              report.error(`Boot volume must be > 1GB on BaremetalNode ${node.name}`, docs, 'Configure a larger boot volume.');
            }
          }
        }
      }
      if (!rootSet) {
        report.error(`Root volume has to be set and must be > 20GB on BaremetalNode ${node.name}`, docs, 'All nodes require a defined root volume at least 20GB in size.');
      }
    }
  },
};
