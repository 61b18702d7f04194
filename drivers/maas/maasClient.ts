import type { Logger } from '../../common/logger';
import { MaasHttp, type FetchFn, type MaasClientConfig } from './http';
import { InterfacesApi } from './models/interfaces';
import { MachinesApi } from './models/machines';
import { NetworkApi } from './models/network';
import { RegionApi } from './models/region';
import { ResultsApi } from './models/results';
import { StorageApi } from './models/storage';

export type { MaasClientConfig, FetchFn } from './http';

/** The MaaS 2.0 REST API, one small object per resource family (like Drydock's models/). */
export class MaasClient {
  readonly machines: MachinesApi;
  readonly interfaces: InterfacesApi;
  readonly storage: StorageApi;
  readonly network: NetworkApi;
  readonly region: RegionApi;
  readonly results: ResultsApi;
  readonly http: MaasHttp;

  constructor(config: MaasClientConfig, logger: Logger, fetch?: FetchFn) {
    this.http = new MaasHttp(config, logger, fetch);
    this.machines = new MachinesApi(this.http);
    this.interfaces = new InterfacesApi(this.http);
    this.storage = new StorageApi(this.http);
    this.network = new NetworkApi(this.http);
    this.region = new RegionApi(this.http);
    this.results = new ResultsApi(this.http);
  }

  get address(): string {
    return this.http.address;
  }
}
