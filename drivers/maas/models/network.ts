import { MaasRequestError } from '../errors';
import type { MaasHttp } from '../http';
import type { FormFields } from '../multipart';
import type { MaasDomain, MaasFabric, MaasIpRange, MaasStaticRoute, MaasSubnet, MaasVlan } from './wire';

/** Fabrics, VLANs (keyed by vid in the URL), subnets, IP ranges, static routes and domains. */
export class NetworkApi {
  constructor(private readonly http: MaasHttp) {}

  fabrics(): Promise<MaasFabric[]> {
    return this.http.get('fabrics/', { operation: 'list fabrics' });
  }
  createFabric(f: { name: string; description?: string }): Promise<MaasFabric> {
    return this.http.post('fabrics/', { form: { ...f }, operation: 'create fabric' });
  }
  updateFabric(id: number, fields: FormFields): Promise<MaasFabric> {
    return this.http.put(`fabrics/${id}/`, { form: fields, operation: 'update fabric' });
  }
  vlans(fabricId: number): Promise<MaasVlan[]> {
    return this.http.get(`fabrics/${fabricId}/vlans/`, { operation: 'list vlans' });
  }
  createVlan(fabricId: number, v: { vid: number; name?: string; mtu?: number }): Promise<MaasVlan> {
    return this.http.post(`fabrics/${fabricId}/vlans/`, { form: { ...v }, operation: 'create vlan' });
  }
  /** The URL key is the VLAN tag (vid), not the VLAN's id. */
  updateVlan(fabricId: number, vid: number, fields: FormFields): Promise<MaasVlan> {
    return this.http.put(`fabrics/${fabricId}/vlans/${vid}/`, { form: fields, operation: 'update vlan' });
  }
  subnets(): Promise<MaasSubnet[]> {
    return this.http.get('subnets/', { operation: 'list subnets' });
  }
  createSubnet(fields: FormFields): Promise<MaasSubnet> {
    return this.http.post('subnets/', { form: fields, operation: 'create subnet' });
  }
  updateSubnet(id: number, fields: FormFields): Promise<MaasSubnet> {
    return this.http.put(`subnets/${id}/`, { form: fields, operation: 'update subnet' });
  }
  ipRanges(): Promise<MaasIpRange[]> {
    return this.http.get('ipranges/', { operation: 'list ip ranges' });
  }
  createIpRange(r: { type: 'reserved' | 'dynamic'; start_ip: string; end_ip: string; subnet: number; comment?: string }): Promise<MaasIpRange> {
    return this.http.post('ipranges/', { form: { ...r }, operation: 'create ip range' });
  }
  staticRoutes(): Promise<MaasStaticRoute[]> {
    return this.http.get('static-routes/', { operation: 'list static routes' });
  }
  createStaticRoute(r: { source: number; destination: number; gateway_ip: string; metric?: number }): Promise<MaasStaticRoute> {
    return this.http.post('static-routes/', { form: { ...r }, operation: 'create static route' });
  }
  deleteStaticRoute(id: number): Promise<void> {
    return this.http.delete(`static-routes/${id}/`, { operation: 'delete static route' });
  }
  domains(): Promise<MaasDomain[]> {
    return this.http.get('domains/', { operation: 'list domains' });
  }
  createDomain(d: { name: string; authoritative?: boolean; ttl?: number }): Promise<MaasDomain> {
    return this.http.post('domains/', { form: { ...d }, operation: 'create domain' });
  }
  /**
   * The domain, created when missing. Nodes are identified concurrently, so another node may create it
   * between our list and our create: MaaS then answers 400 (name already exists) and the domain is there.
   */
  async ensureDomain(name: string): Promise<MaasDomain> {
    const existing = (await this.domains()).find((d) => d.name === name);
    if (existing) return existing;
    try {
      return await this.createDomain({ name, authoritative: false });
    } catch (err) {
      const created = err instanceof MaasRequestError && (await this.domains()).find((d) => d.name === name);
      if (created) return created;
      throw err;
    }
  }
}
