import type { MaasHttp } from '../http';
import type { FormFields } from '../multipart';
import type { MaasMachine, MaasPowerParameters } from './wire';

/** machines/ and machines/{system_id}/ (Drydock models/machine.py). */
export class MachinesApi {
  constructor(private readonly http: MaasHttp) {}

  /** `id`: system ids (MaaS filters by them); `shared`: a read that serves several callers, never cancelled by one. */
  list(filter: { hostname?: string; mac_address?: string; id?: string[] } = {}, opts: { shared?: boolean } = {}): Promise<MaasMachine[]> {
    return this.http.get('machines/', { query: filter, operation: 'list machines', shared: opts.shared });
  }
  get(systemId: string): Promise<MaasMachine> {
    return this.http.get(`machines/${systemId}/`, { operation: 'read machine', node: systemId });
  }
  update(systemId: string, fields: FormFields): Promise<MaasMachine> {
    return this.http.put(`machines/${systemId}/`, { form: fields, operation: 'update machine', node: systemId });
  }
  delete(systemId: string): Promise<void> {
    return this.http.delete(`machines/${systemId}/`, { operation: 'delete machine', node: systemId });
  }
  /** Collection op: system_id → power parameters of every machine. */
  powerParameters(): Promise<Record<string, MaasPowerParameters>> {
    return this.http.get('machines/', { op: 'power_parameters', operation: 'read power parameters' });
  }
  machinePowerParameters(systemId: string): Promise<MaasPowerParameters> {
    return this.http.get(`machines/${systemId}/`, { op: 'power_parameters', operation: 'read power parameters', node: systemId });
  }
  allocate(systemId: string): Promise<MaasMachine> {
    return this.http.post('machines/', { op: 'allocate', form: { system_id: systemId }, operation: 'allocate', node: systemId });
  }
  commission(systemId: string, opts: { enableSsh?: boolean; skipBmcConfig?: boolean } = {}): Promise<MaasMachine> {
    const form = { enable_ssh: opts.enableSsh ? '1' : '0', skip_bmc_config: opts.skipBmcConfig ? '1' : '0' };
    return this.http.post(`machines/${systemId}/`, { op: 'commission', form, operation: 'commission', node: systemId });
  }
  deploy(systemId: string, opts: { distroSeries?: string; hweKernel?: string; userData?: string }): Promise<MaasMachine> {
    const form: FormFields = {};
    if (opts.userData !== undefined) form.user_data = opts.userData;
    if (opts.distroSeries) form.distro_series = opts.distroSeries;
    if (opts.hweKernel) form.hwe_kernel = opts.hweKernel;
    return this.http.post(`machines/${systemId}/`, { op: 'deploy', form, operation: 'deploy', node: systemId });
  }
  release(systemId: string, erase: { erase: boolean; secureErase: boolean; quickErase: boolean }): Promise<MaasMachine> {
    const form = { erase: erase.erase, secure_erase: erase.secureErase, quick_erase: erase.quickErase };
    return this.http.post(`machines/${systemId}/`, { op: 'release', form, operation: 'release', node: systemId });
  }
  setStorageLayout(systemId: string, fields: FormFields): Promise<MaasMachine> {
    return this.http.post(`machines/${systemId}/`, { op: 'set_storage_layout', form: fields, operation: 'set storage layout', node: systemId });
  }
  restoreNetworkingConfiguration(systemId: string): Promise<MaasMachine> {
    return this.http.post(`machines/${systemId}/`, { op: 'restore_networking_configuration', form: {}, operation: 'restore networking', node: systemId });
  }
  setWorkloadAnnotations(systemId: string, annotations: Record<string, string>): Promise<MaasMachine> {
    return this.http.post(`machines/${systemId}/`, { op: 'set_workload_annotations', form: annotations, operation: 'set workload annotations', node: systemId });
  }
  /** BSON document {lshw, lldp} of commissioning output. */
  details(systemId: string): Promise<Buffer> {
    return this.http.get(`machines/${systemId}/`, { op: 'details', binary: true, operation: 'read details', node: systemId });
  }
}
