import type { Reply } from './context';
import type { MaasFaults } from './faults';
import type { EnlistSpec } from './seed';
import type { MaasEmulatorCore } from './server';

/**
 * The emulator's own HTTP API under /MAAS/emulator/ (no auth: it is a loopback test tool):
 *   GET counters · GET machines · GET machines/<hostname> · POST machines (EnlistSpec JSON)
 *   GET|PUT|DELETE faults (MaasFaults JSON) · POST advance {"ms": n}
 */
export function controlRoutes(core: MaasEmulatorCore) {
  return async (method: string, rel: string, body: Buffer): Promise<Reply> => {
    const json = <T>(): T => (body.length ? (JSON.parse(body.toString('utf8')) as T) : ({} as T));
    try {
      if (rel === 'counters' && method === 'GET') return { json: core.counters() };
      if (rel === 'machines' && method === 'GET') return { json: core.emu.views.machines(core.emu.store.machines.values()) };
      if (rel === 'machines' && method === 'POST') return { json: core.enlist(json<EnlistSpec>()) };
      if (rel.startsWith('machines/') && method === 'GET') {
        const m = core.machine(decodeURIComponent(rel.slice('machines/'.length)));
        return m ? { json: m } : { status: 404, text: 'Not Found' };
      }
      if (rel === 'faults' && method === 'GET') return { json: core.emu.faults.current };
      if (rel === 'faults' && (method === 'PUT' || method === 'POST')) {
        core.emu.faults.set(json<MaasFaults>());
        return { json: core.emu.faults.current };
      }
      if (rel === 'faults' && method === 'DELETE') {
        core.emu.faults.clear();
        return { status: 204 };
      }
      if (rel === 'advance' && method === 'POST') {
        core.advance(json<{ ms?: number }>().ms ?? 0);
        return { status: 204 };
      }
      return { status: 404, text: 'Not Found' };
    } catch (err) {
      return { status: 400, text: err instanceof Error ? err.message : String(err) };
    }
  };
}
