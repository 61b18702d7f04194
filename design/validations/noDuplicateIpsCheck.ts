/** DD2005 Duplicated IP Check: no static address is used twice, across nodes or within one node. */
import type { DocumentRef } from '../model';
import type { ValidationRule } from './framework';

export const noDuplicateIpsCheck: ValidationRule = {
  code: 'DD2005',
  longName: 'Duplicated IP Check',
  run(design, report) {
    if (design.baremetal_nodes.length === 0) {
      report.warning('No BaremetalNodes Found.', [], 'Site design unlikely complete with no defined baremetal nodes.');
      return;
    }
    // One pass with a map: O(addresses), where a pairwise scan would be O(n²) on large sites.
    const firstUse = new Map<string, DocumentRef>();
    for (const node of design.baremetal_nodes) {
      for (const addr of node.addressing) {
        if (addr.type === 'dhcp') continue;
        const first = firstUse.get(addr.address);
        if (first) {
          // Trailing space: Drydock's text, kept.
          report.error(`Duplicate IP Address Found: ${addr.address} `, [node.docRef, first], 'Select unique IP addresses for each node.');
        } else {
          firstUse.set(addr.address, node.docRef);
        }
      }
    }
  },
};
