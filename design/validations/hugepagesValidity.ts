/** DD1008 Hugepages: the effective kernel parameters set both `hugepages` and `hugepagesz`, or neither. */
import type { ValidationRule } from './framework';

export const hugepagesValidity: ValidationRule = {
  code: 'DD1008',
  longName: 'Hugepages',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      const params = node.kernel_params ?? {};
      if ('hugepages' in params !== 'hugepagesz' in params) {
        report.error('Invalid hugepages kernel configuration', [node.docRef], 'hugepages and hugepagesz must be specified together');
      }
    }
  },
};
