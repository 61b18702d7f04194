/** DD2002 IP Locality Check: route gateways and static node addresses lie inside their network's CIDR. */
import { cidrContainsText, parseCidr } from '../ipmath';
import type { NetworkModel } from '../model';
import { pyRepr, type Reporter, type ValidationRule } from './framework';

export const ipLocalityCheck: ValidationRule = {
  code: 'DD2002',
  longName: 'IP Locality Check',
  run(design, report) {
    const networks = new Map(design.networks.map((n) => [n.name, n]));
    const cidrs: Cidrs = new Map();
    if (design.networks.length === 0) {
      report.warning('No networks found.', [], 'Site design likely incomplete without defined networks');
    } else {
      for (const net of design.networks) checkRoutes(net, report, cidrs);
    }
    if (design.baremetal_nodes.length === 0) {
      report.warning('No baremetal_nodes found.', [], 'site design likely incomplete without defined networks.');
      return;
    }
    for (const node of design.baremetal_nodes) {
      for (const addr of node.addressing) {
        if (addr.type === 'dhcp') continue;
        const net = networks.get(addr.network);
        if (!net) {
          report.error(`${addr.network} is not a valid network.`, [node.docRef], 'Define network or correct address definition.');
          continue;
        }
        if (!inside(cidrs, net.cidr, addr.address)) {
          // The space before the final dot is Drydock's text, kept.
          report.error(`The IP Address ${addr.address} is not within the defined CIDR: ${net.cidr} of ${net.name} .`, [node.docRef], 'Define a valid address for this network.');
        }
      }
    }
  },
};

function checkRoutes(net: NetworkModel, report: Reporter, cidrs: Cidrs): void {
  for (const route of net.routes) {
    if (!route.gateway) {
      // Drydock embeds the Python repr of the network's whole route list.
      report.error(`No gateway found for route ${pyRepr(net.routes)}.`, [net.docRef], 'Define a network-local gateway for the route.');
    } else if (!inside(cidrs, net.cidr, route.gateway)) {
      report.error(
        `The gateway IP Address ${route.gateway} is not within the defined CIDR: ${net.cidr} of ${net.name}.`,
        [net.docRef],
        'Route gateways must reside on the local network. Check gateway IP and CIDR netmask.',
      );
    }
  }
}

type Cidrs = Map<string, ReturnType<typeof parseCidr>>;

/** `cidrs` caches parsed CIDRs for one run: a network's CIDR is parsed once, not once per node address. */
function inside(cidrs: Cidrs, cidrText: string | undefined, address: string): boolean {
  let cidr: ReturnType<typeof parseCidr>;
  if (cidrText) {
    if (!cidrs.has(cidrText)) cidrs.set(cidrText, parseCidr(cidrText));
    cidr = cidrs.get(cidrText);
  }
  return !!cidr && cidrContainsText(cidr, address);
}
