/** DD4001 Valid IPMI Configuration: IPMI nodes have account, credential, network and an OOB address. */
import type { ValidationRule } from './framework';

export const ipmiValidity: ValidationRule = {
  code: 'DD4001',
  longName: 'Valid IPMI Configuration',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      if (node.oob_type !== 'ipmi') continue;
      const params = node.oob_parameters ?? {};
      for (const p of ['account', 'credential', 'network']) {
        // FIX: Drydock's string formatting raised TypeError here; this is the message it meant to emit.
        if (!params[p]) report.error(`OOB parameter ${p} for IPMI node ${node.name} missing.`, [node.docRef], `Define OOB parameter ${p}`);
      }
      const oobNetwork = params.network;
      if (oobNetwork && !node.addressing.some((a) => a.network === oobNetwork)) {
        report.error(`OOB address missing for IPMI node ${node.name}.`, [node.docRef], 'Provide address to node OOB interface.');
      }
    }
  },
};
