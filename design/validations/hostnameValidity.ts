/** DD3003 Hostname Validity: the node FQDN (name + primary network DNS domain) is a valid DNS name. */
import type { ValidationRule } from './framework';

const LABEL = /^[a-z0-9-]{1,63}$/i;

export const hostnameValidity: ValidationRule = {
  code: 'DD3003',
  longName: 'Hostname Validity',
  run(design, report) {
    const networks = new Map(design.networks.map((n) => [n.name, n]));
    for (const node of design.baremetal_nodes) {
      const domain = (node.primary_network && networks.get(node.primary_network)?.dns_domain) || 'local';
      const fqdn = `${node.name}.${domain}`;
      if (fqdn.length > 255) {
        report.error(`FQDN ${fqdn} is invalid, greater than 255 characters.`, [node.docRef], 'RFC 1035 requires full DNS names to be < 256 characters.');
      }
      for (const label of fqdn.split('.')) {
        if (!LABEL.test(label)) {
          report.error(
            `FQDN ${fqdn} is invalid - label '${label}' is invalid.`,
            [node.docRef],
            'RFC 1035 requires each label in a DNS name to be <= 63 characters and contain only A-Z, a-z, 0-9, and hyphens.',
          );
        }
      }
    }
  },
};
