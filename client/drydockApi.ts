/**
 * Drydock's REST API as its own CLI reads it (drydock_client/client.py): the worker serves it (worker/api), and the
 * commands whose data lives outside Temporal (MaaS machines, build data) read it at DRYDOCK_API_URL.
 */
import type { BuildDataRow } from '../drivers/buildData';

export const DEFAULT_API_URL = 'http://127.0.0.1:9000';

/** The API answered with an error (Drydock's `{type: 'error', message}`) or could not be reached: one line. */
export class DrydockApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** GET /nodes: Drydock's node view (MaaS machine and its power parameters). */
export interface NodeView {
  hostname: string;
  memory: number;
  cpu_count: number;
  status_name: string;
  boot_mac: string | null;
  power_state: string;
  power_address: string | null;
  boot_ip: string | null;
}

/** Drydock's BuildData.to_dict. */
export type BuildDataView = BuildDataRow;

export class DrydockApiClient {
  readonly baseUrl: string;

  constructor(
    baseUrl = process.env.DRYDOCK_API_URL || DEFAULT_API_URL,
    private readonly timeoutMs = 30_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  getNodes(): Promise<NodeView[]> {
    return this.get('/api/v1.0/nodes');
  }

  nodeBuildData(node: string, latest: boolean): Promise<BuildDataView[]> {
    return this.get(`/api/v1.0/nodes/${encodeURIComponent(node)}/builddata?latest=${latest}`);
  }

  taskBuildData(taskId: string): Promise<BuildDataView[]> {
    return this.get(`/api/v1.0/tasks/${encodeURIComponent(taskId)}/builddata`);
  }

  private async get<T>(path: string): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why =
        cause?.code === 'ECONNREFUSED'
          ? 'connection refused'
          : (e as Error).name === 'TimeoutError'
            ? `no answer within ${this.timeoutMs / 1000} s`
            : (cause?.code ?? cause?.message ?? (e as Error).message);
      throw new DrydockApiError(`cannot reach the Drydock API at ${this.baseUrl}: ${why} (set DRYDOCK_API_URL)`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.trim().slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: the text as it came
      }
      throw new DrydockApiError(`${res.status} from ${path.split('?')[0]}: ${message}`, res.status);
    }
    return JSON.parse(text) as T;
  }
}
