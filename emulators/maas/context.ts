import type { Logger } from '../../common/logger';
import { notFound, unknownOp, HttpError } from './errors';
import type { FaultState } from './faults';
import type { Lifecycle } from './lifecycle';
import type { Params } from './params';
import type { MachineRecord, MaasStore } from './store';
import type { Views } from './views';

/** Per machine system_id, how many times each operation was accepted. */
export class Counters {
  private readonly byMachine = new Map<string, Record<string, number>>();
  /** Last hostname of machines that were deleted, so their counts stay readable. */
  readonly deletedNames = new Map<string, string>();
  readonly requests: Record<string, number> = {};
  total = 0;

  /** Per machine and, for an operation on one of its interfaces or disks, per that object's name too. */
  private readonly byObject = new Map<string, Record<string, Record<string, number>>>();

  bump(systemId: string, op: string, on?: string): void {
    const c = this.byMachine.get(systemId) ?? {};
    c[op] = (c[op] ?? 0) + 1;
    this.byMachine.set(systemId, c);
    if (on === undefined) return;
    const objects = this.byObject.get(systemId) ?? {};
    const o = (objects[on] ??= {});
    o[op] = (o[op] ?? 0) + 1;
    this.byObject.set(systemId, objects);
  }
  /** Operations on the machine's interfaces and disks, by their names (`bond0`, `enp2s0f0`, `sda`). */
  objectsOf(systemId: string): Record<string, Record<string, number>> {
    return JSON.parse(JSON.stringify(this.byObject.get(systemId) ?? {})) as Record<string, Record<string, number>>;
  }
  request(key: string): void {
    this.total++;
    this.requests[key] = (this.requests[key] ?? 0) + 1;
  }
  of(systemId: string): Record<string, number> {
    return { ...(this.byMachine.get(systemId) ?? {}) };
  }
  systemIds(): string[] {
    return [...this.byMachine.keys()];
  }
}

export interface Emu {
  store: MaasStore;
  views: Views;
  lifecycle: Lifecycle;
  faults: FaultState;
  counters: Counters;
  logger: Logger;
}

export interface Ctx {
  method: string;
  op: string | undefined;
  params: Params;
  /** Named path segments (:id...). */
  path: Record<string, string>;
  emu: Emu;
}

export interface Reply {
  status?: number;
  json?: unknown;
  text?: string;
  body?: Buffer;
  contentType?: string;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;
/** Handlers per HTTP method, then per op ('' = no op). */
export type OpTable = Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', Record<string, Handler>>>;

export const ok = (json: unknown): Reply => ({ status: 200, json });
export const noContent = (): Reply => ({ status: 204 });

export function dispatch(table: OpTable, ctx: Ctx): Reply | Promise<Reply> {
  const ops = table[ctx.method as keyof OpTable];
  if (!ops) throw new HttpError(405, `Method not allowed: ${ctx.method}`);
  const handler = ops[ctx.op ?? ''];
  if (!handler) throw unknownOp(ctx.method, ctx.op);
  return handler(ctx);
}

export function machineOf(ctx: Ctx): MachineRecord {
  const m = ctx.emu.store.machines.get(ctx.path.id ?? '');
  if (!m) throw notFound();
  return m;
}

export function intOf(ctx: Ctx, name: string): number {
  const n = Number(ctx.path[name]);
  if (!Number.isInteger(n)) throw notFound();
  return n;
}
