/** DD4001 Bootaction Definition: every node is targeted by at least one boot action (a warning). */
import { selectNodes } from '../nodeFilter';
import type { ValidationRule } from './framework';

export const bootactionDefined: ValidationRule = {
  code: 'DD4001',
  longName: 'Bootaction Definition',
  run(design, report) {
    const targeted = new Set<string>();
    for (const ba of design.bootactions) {
      for (const n of ba.target_nodes ?? selectNodes(design, ba.node_filter)) targeted.add(n);
    }
    for (const node of design.baremetal_nodes) {
      if (!targeted.has(node.name)) {
        report.warning(`Node ${node.name} is not in scope for any bootactions.`, [node.docRef], 'It is expected all nodes have at least one post-deploy action.');
      }
    }
  },
};
