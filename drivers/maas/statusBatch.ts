import type { DriverErrorContext } from '../errors';
import { MaasNotFoundError } from './errors';
import type { MachinesApi } from './models/machines';
import type { MaasMachine } from './models/wire';

/**
 * Shared status polling: the machine reads that many nodes' workflows ask for within `windowMs` become one
 * `GET machines/?id=…&id=…` (MaaS filters its machine list by system id), instead of one request per node
 * per poll interval as Drydock makes. A read is not cancelled with one caller's activity: it serves them all.
 */
export class MachineStatusBatch {
  private pending = new Map<string, { resolve: (m: MaasMachine) => void; reject: (e: unknown) => void }[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly machines: MachinesApi,
    private readonly address: string,
    private readonly windowMs = 200,
  ) {}

  read(systemId: string): Promise<MaasMachine> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(systemId) ?? [];
      waiting.push({ resolve, reject });
      this.pending.set(systemId, waiting);
      this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.timer = undefined;
    try {
      const found = new Map((await this.machines.list({ id: [...batch.keys()] }, { shared: true })).map((m) => [m.system_id, m]));
      for (const [id, waiting] of batch) {
        const m = found.get(id);
        const ctx: DriverErrorContext = { operation: 'read machine', node: id, address: this.address, peer: 'MaaS' };
        for (const w of waiting) m ? w.resolve(m) : w.reject(new MaasNotFoundError('MAAS Error: 404 - not found', ctx));
      }
    } catch (e) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(e);
    }
  }
}
