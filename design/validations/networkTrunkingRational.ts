/** DD2004 Network Trunking Rationalty (sic): trunking settings of each link agree with its networks. */
import { DesignError } from '../effective';
import type { ValidationRule } from './framework';

export const networkTrunkingRational: ValidationRule = {
  code: 'DD2004',
  longName: 'Network Trunking Rationalty',
  run(design, report) {
    const networks = new Map(design.networks.map((n) => [n.name, n]));
    for (const link of design.network_links) {
      if (link.allowed_networks.length > 1 && link.trunk_mode !== '802.1q') {
        // No space after the comma: Drydock's text, kept.
        report.error(
          'If there is more than 1 allowed network,trunking mode must be enabled',
          [link.docRef],
          'Reduce the allowed network list to 1 or enable trunking on the link.',
        );
      }
      if (link.trunk_mode !== 'disabled') continue;
      if (!link.native_network) {
        report.error('Trunking mode is disabled, a trunking default_network must be defined', [link.docRef], 'Non-trunked links must have a native network defined.');
        continue;
      }
      const native = networks.get(link.native_network);
      // Drydock raises here and aborts validation; the framework turns this into one error message.
      if (!native) throw new DesignError(`Network ${link.native_network} not found in design state`);
      if (native.vlan_id) {
        report.error('Network link native network has a defined VLAN tag.', [native.docRef, link.docRef], 'Tagged network not allowed on non-trunked network links.');
      }
    }
  },
};
