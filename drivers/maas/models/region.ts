import type { MaasHttp } from '../http';
import type { FormFields } from '../multipart';
import type { MaasBootResource, MaasMachine, MaasPackageRepository, MaasRackController, MaasSshKey, MaasTag, MaasVersion } from './wire';

/** Region-wide resources: version, account, boot resources, rack controllers, tags, ssh keys, repositories. */
export class RegionApi {
  constructor(private readonly http: MaasHttp) {}

  version(): Promise<MaasVersion> {
    return this.http.get('version/', { operation: 'connectivity check' });
  }
  listAuthorisationTokens(): Promise<unknown[]> {
    return this.http.get('account/', { op: 'list_authorisation_tokens', operation: 'authentication check' });
  }
  bootResources(): Promise<MaasBootResource[]> {
    return this.http.get('boot-resources/', { operation: 'list boot resources' });
  }
  isImporting(): Promise<boolean> {
    return this.http.get('boot-resources/', { op: 'is_importing', operation: 'boot resource import check' });
  }
  rackControllers(filter: { hostname?: string; mac_address?: string } = {}): Promise<MaasRackController[]> {
    return this.http.get('rackcontrollers/', { query: filter, operation: 'list rack controllers' });
  }
  rackController(systemId: string): Promise<MaasRackController> {
    return this.http.get(`rackcontrollers/${systemId}/`, { operation: 'read rack controller' });
  }
  rackPowerParameters(): Promise<Record<string, Record<string, string>>> {
    return this.http.get('rackcontrollers/', { op: 'power_parameters', operation: 'read rack power parameters' });
  }
  tags(): Promise<MaasTag[]> {
    return this.http.get('tags/', { operation: 'list tags' });
  }
  createTag(t: { name: string; kernel_opts?: string; comment?: string; definition?: string }): Promise<MaasTag> {
    return this.http.post('tags/', { form: { ...t }, operation: 'create tag' });
  }
  deleteTag(name: string): Promise<void> {
    return this.http.delete(`tags/${encodeURIComponent(name)}/`, { operation: 'delete tag' });
  }
  tagNodes(name: string): Promise<MaasMachine[]> {
    return this.http.get(`tags/${encodeURIComponent(name)}/`, { op: 'nodes', operation: 'list tagged nodes' });
  }
  tagUpdateNodes(name: string, change: { add?: string[]; remove?: string[] }): Promise<{ added: number; removed: number }> {
    const form: FormFields = {};
    if (change.add?.length) form.add = change.add;
    if (change.remove?.length) form.remove = change.remove;
    return this.http.post(`tags/${encodeURIComponent(name)}/`, { op: 'update_nodes', form, operation: 'tag nodes' });
  }
  sshKeys(): Promise<MaasSshKey[]> {
    return this.http.get('account/prefs/sshkeys/', { operation: 'list ssh keys' });
  }
  addSshKey(key: string): Promise<MaasSshKey> {
    return this.http.post('account/prefs/sshkeys/', { form: { key }, operation: 'add ssh key' });
  }
  deleteSshKey(id: number): Promise<void> {
    return this.http.delete(`account/prefs/sshkeys/${id}/`, { operation: 'delete ssh key' });
  }
  packageRepositories(): Promise<MaasPackageRepository[]> {
    return this.http.get('package-repositories/', { operation: 'list package repositories' });
  }
  createPackageRepository(fields: FormFields): Promise<MaasPackageRepository> {
    return this.http.post('package-repositories/', { form: fields, operation: 'create package repository' });
  }
  updatePackageRepository(id: number, fields: FormFields): Promise<MaasPackageRepository> {
    return this.http.put(`package-repositories/${id}/`, { form: fields, operation: 'update package repository' });
  }
  deletePackageRepository(id: number): Promise<void> {
    return this.http.delete(`package-repositories/${id}/`, { operation: 'delete package repository' });
  }
}
