import type { MaasHttp } from '../http';
import type { MaasNodeResult } from './wire';

/** MaaS's script result types (metadataserver RESULT_TYPE). */
export const RESULT_TYPE = { commissioning: 0, installation: 1, testing: 2 } as const;

/** commissioning-results/ (Drydock models/node_results.py): script outputs, `data` in base64. */
export class ResultsApi {
  constructor(private readonly http: MaasHttp) {}

  /** Filters go in the query string: MaaS reads GET parameters only (Drydock's body on a GET is ignored). */
  list(systemId: string, resultType: number): Promise<MaasNodeResult[]> {
    return this.http.get('commissioning-results/', {
      query: { system_id: systemId, result_type: String(resultType) },
      operation: 'read commissioning results',
      node: systemId,
    });
  }
}
