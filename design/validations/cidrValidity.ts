/** DD2006 CIDR Validity: a network's CIDR must have no host bits set (MaaS refuses it otherwise). */
import { formatIp, parseCidr } from '../ipmath';
import type { ValidationRule } from './framework';

export const cidrValidity: ValidationRule = {
  code: 'DD2006',
  longName: 'CIDR Validity',
  run(design, report) {
    if (design.networks.length === 0) {
      report.warning('No networks found.', [], 'Site design likely incomplete without defined networks');
      return;
    }
    for (const net of design.networks) {
      if (!net.cidr) continue;
      const cidr = parseCidr(net.cidr);
      if (!cidr) {
        report.error(`The provided CIDR ${net.cidr} is not a valid CIDR`, [net.docRef], 'Provide a CIDR such as 10.0.0.0/24.');
      } else if (cidr.address !== cidr.network) {
        report.error(`The provided CIDR ${net.cidr} has host bits set`, [net.docRef], `Provide a CIDR acceptable by MAAS: ${formatIp(cidr.version, cidr.network)}/${cidr.prefix}`);
      }
    }
  },
};
