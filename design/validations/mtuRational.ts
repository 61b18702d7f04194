/** DD2003 MTU Rationality: MTUs in [1280, 65536]; a network's MTU ≤ that of the link carrying it natively. */
import type { ValidationRule } from './framework';

const MIN_MTU = 1280;
const MAX_MTU = 65536;

export const mtuRational: ValidationRule = {
  code: 'DD2003',
  longName: 'MTU Rationality',
  run(design, report) {
    const parentMtu = new Map<string | undefined, number>();
    let lastLinkMtu: number | undefined;
    for (const link of design.network_links) {
      const mtu = link.mtu;
      if (mtu && (mtu < MIN_MTU || mtu > MAX_MTU)) {
        report.error(`MTU must be between ${MIN_MTU} and ${MAX_MTU}, value is ${mtu}`, [link.docRef], 'Define a valid MTU. Standard is 1500, Jumbo is 9100.');
      }
      parentMtu.set(link.native_network, mtu);
      lastLinkMtu = mtu;
    }
    for (const net of design.networks) {
      const mtu = net.mtu;
      if (mtu && (mtu < MIN_MTU || mtu > MAX_MTU)) {
        // Drydock prints the last link's MTU here (a quirk the golden output shows); with no link, the network's.
        report.error(`MTU must be between ${MIN_MTU} and ${MAX_MTU}, value is ${lastLinkMtu ?? mtu}`, [net.docRef], 'Define a valid MTU. Standard is 1500, Jumbo is 9100.');
      }
      const parent = parentMtu.get(net.name);
      if (mtu && parent && mtu > parent) {
        report.error(`MTU must be <= the parent Network Link; for Network ${net.name}`, [net.docRef], 'Define a MTU less than or equal to that of the carrying network link.');
      }
    }
  },
};
