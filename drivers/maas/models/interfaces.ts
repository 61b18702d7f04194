import type { MaasHttp } from '../http';
import type { FormFields } from '../multipart';
import type { MaasInterface } from './wire';

export interface BondOptions {
  name: string;
  parents: number[];
  mtu?: number;
  macAddress?: string;
  bondMode?: string;
  bondMiimon?: number;
  bondDowndelay?: number;
  bondUpdelay?: number;
  bondLacpRate?: string;
  bondXmitHashPolicy?: string;
  tags?: string[];
}

/** nodes/{system_id}/interfaces/ (Drydock models/interface.py). */
export class InterfacesApi {
  constructor(private readonly http: MaasHttp) {}

  private base(systemId: string): string {
    return `nodes/${systemId}/interfaces/`;
  }
  list(systemId: string): Promise<MaasInterface[]> {
    return this.http.get(this.base(systemId), { operation: 'list interfaces', node: systemId });
  }
  update(systemId: string, id: number, fields: FormFields): Promise<MaasInterface> {
    return this.http.put(`${this.base(systemId)}${id}/`, { form: fields, operation: 'update interface', node: systemId });
  }
  disconnect(systemId: string, id: number): Promise<MaasInterface> {
    return this.http.post(`${this.base(systemId)}${id}/`, { op: 'disconnect', form: {}, operation: 'disconnect interface', node: systemId });
  }
  linkSubnet(systemId: string, id: number, link: { subnet: number; mode: 'dhcp' | 'static' | 'link_up'; ipAddress?: string; defaultGateway?: boolean }): Promise<MaasInterface> {
    const form: FormFields = { subnet: link.subnet, mode: link.mode };
    if (link.ipAddress) form.ip_address = link.ipAddress;
    if (link.defaultGateway) form.default_gateway = true;
    return this.http.post(`${this.base(systemId)}${id}/`, { op: 'link_subnet', form, operation: 'link subnet', node: systemId });
  }
  unlinkSubnet(systemId: string, id: number, linkId: number): Promise<MaasInterface> {
    return this.http.post(`${this.base(systemId)}${id}/`, { op: 'unlink_subnet', form: { id: linkId }, operation: 'unlink subnet', node: systemId });
  }
  createVlan(systemId: string, opts: { vlan: number; parent: number; mtu?: number; tags?: string[] }): Promise<MaasInterface> {
    const form: FormFields = { vlan: opts.vlan, parent: opts.parent };
    if (opts.mtu) form.mtu = opts.mtu;
    if (opts.tags?.length) form.tags = opts.tags.join(',');
    return this.http.post(this.base(systemId), { op: 'create_vlan', form, operation: 'create vlan interface', node: systemId });
  }
  createBond(systemId: string, o: BondOptions): Promise<MaasInterface> {
    const form: FormFields = {
      name: o.name,
      parents: o.parents,
      mtu: o.mtu,
      mac_address: o.macAddress,
      bond_mode: o.bondMode,
      bond_miimon: o.bondMiimon,
      bond_downdelay: o.bondDowndelay,
      bond_updelay: o.bondUpdelay,
      bond_lacp_rate: o.bondLacpRate,
      bond_xmit_hash_policy: o.bondXmitHashPolicy,
    };
    for (const k of Object.keys(form)) if (form[k] === undefined) delete form[k];
    if (o.tags?.length) form.tags = o.tags.join(',');
    return this.http.post(this.base(systemId), { op: 'create_bond', form, operation: 'create bond', node: systemId });
  }
}
