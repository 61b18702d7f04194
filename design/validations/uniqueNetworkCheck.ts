/** DD1007 Allowed Network Check: a network rides one link; node interfaces use networks their link allows. */
import type { ValidationRule } from './framework';

export const uniqueNetworkCheck: ValidationRule = {
  code: 'DD1007',
  longName: 'Allowed Network Check',
  run(design, report) {
    const carrier = new Map<string, string>();
    for (const link of design.network_links) {
      for (const net of link.allowed_networks) {
        const other = carrier.get(net);
        if (other !== undefined) {
          report.error(
            `Allowed network ${net} duplicated on NetworkLink ${other} and NetworkLink ${link.name}`,
            [],
            'Each network is only allowed to cross a single network link.',
          );
        } else {
          carrier.set(net, link.name);
        }
      }
    }
    const links = new Map(design.network_links.map((l) => [l.name, l]));
    for (const node of design.baremetal_nodes) {
      for (const iface of node.interfaces) {
        const link = iface.network_link ? links.get(iface.network_link) : undefined;
        if (!link) {
          report.error(
            `Interface ${iface.device_name} connected to undefined network link ${iface.network_link ?? 'None'}.`,
            [node.docRef],
            'Define the network link attached to this interface.',
          );
          continue;
        }
        for (const net of iface.networks ?? []) {
          if (!link.allowed_networks.includes(net)) {
            report.error(
              `Interface ${iface.device_name} attached to network ${net} not allowed on interface link`,
              [node.docRef],
              'Interfaces can only be attached to networks allowed on the network link connected to the interface.',
            );
          }
        }
      }
    }
  },
};
