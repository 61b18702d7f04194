/** DD1006 Network Bond Rationality: bond options agree with the bonding mode. */
import type { ValidationRule } from './framework';

export const rationalNetworkBond: ValidationRule = {
  code: 'DD1006',
  longName: 'Network Bond Rationality',
  run(design, report) {
    for (const link of design.network_links) {
      const docs = [link.docRef];
      const mode = link.bonding_mode;
      if (mode === 'disabled') {
        const options = [link.bonding_peer_rate, link.bonding_xmit_hash, link.bonding_mon_rate, link.bonding_up_delay, link.bonding_down_delay];
        if (options.some((o) => o !== undefined && o !== null)) {
          report.error('If bonding mode is disabled no other bond option can be specified', docs, 'Enable a bonding mode or remove the bond options.');
        }
      } else if (mode === '802.3ad') {
        const mon = link.bonding_mon_rate ?? 0;
        if ((link.bonding_up_delay ?? 0) < mon) {
          report.error(`Up delay ${link.bonding_up_delay} is less than mon rate ${mon}`, docs, 'Link up delay must be equal or greater than the mon_rate');
        }
        if ((link.bonding_down_delay ?? 0) < mon) {
          report.error(`Down delay ${link.bonding_down_delay} is less than mon rate ${mon}`, docs, 'Link down delay must be equal or greater than the mon_rate');
        }
      } else if (mode === 'active-backup' || mode === 'balance-rr') {
        // FIX: Drydock tested the misspelt 'balanced-rr' and called a missing get(), raising TypeError for
        // every active-backup link. This is the check it meant to make.
        if (link.bonding_xmit_hash) {
          report.error(`Hash cannot be defined if bond mode is ${mode}`, docs, 'Hash mode is only applicable to LACP (802.3ad)');
        }
        if (link.bonding_peer_rate) {
          report.error(`Peer rate cannot be defined if bond mode is ${mode}`, docs, 'Peer rate is only applicable to LACP (802.3ad)');
        }
      }
    }
  },
};
