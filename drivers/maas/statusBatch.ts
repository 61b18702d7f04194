import type { DriverErrorContext } from '../errors';
import { MaasNotFoundError } from './errors';
import type { MachinesApi } from './models/machines';
import type { MaasMachine } from './models/wire';

/**
 * Shared status polling: the machine reads that many nodes' workflows ask for become one
 * `GET machines/?id=…&id=…` (MaaS filters its machine list by system id), instead of one request per node
 * per poll interval as Drydock makes. One read is in flight at a time: reads asked for meanwhile wait for it and
 * go together in the next, which starts `windowMs` after the first of them (or after the read in flight ends),
 * so MaaS sees at most one machines read per worker at once, however many nodes wait, and a lone node waits
 * `windowMs` at most. A read is not cancelled with one caller's activity: it serves them all.
 */
/** How long the first status read waits for others to share its request. */
export const STATUS_BATCH_WINDOW_MS = 50;

export class MachineStatusBatch {
  private pending = new Map<string, { resolve: (m: MaasMachine) => void; reject: (e: unknown) => void }[]>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly machines: MachinesApi,
    private readonly address: string,
    private readonly windowMs = STATUS_BATCH_WINDOW_MS,
  ) {}

  read(systemId: string): Promise<MaasMachine> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(systemId) ?? [];
      waiting.push({ resolve, reject });
      this.pending.set(systemId, waiting);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => void this.flush(), this.windowMs);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.timer = undefined;
    this.inFlight = true;
    try {
      const found = new Map((await this.machines.list({ id: [...batch.keys()] }, { shared: true })).map((m) => [m.system_id, m]));
      for (const [id, waiting] of batch) {
        const m = found.get(id);
        const ctx: DriverErrorContext = { operation: 'read machine', node: id, address: this.address, peer: 'MaaS' };
        for (const w of waiting) m ? w.resolve(m) : w.reject(new MaasNotFoundError('MAAS Error: 404 - not found', ctx));
      }
    } catch (e) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(e);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}
