import { serialize } from '../bson';
import { commissioningOutputs, LLDP_SCRIPT, LSHW_SCRIPT } from '../hardware';
import { badRequest, conflict } from '../errors';
import { machineOf, noContent, ok, type Ctx, type OpTable } from '../context';
import { NodeStatus as S, STATUS_NAMES } from '../status';
import type { MachineRecord } from '../store';
import { applyStorageLayout } from './layout';
import { bootLink } from '../seed';

/** The user the emulator's single API key belongs to. */
const OWNER = 'drydock';

function powerParameters(m: MachineRecord): Record<string, string> {
  return { ...m.powerParameters };
}

/** machines/ : list with hostname / mac_address / id (system id) filters, as MaaS; power_parameters, allocate. */
export const machinesCollection: OpTable = {
  GET: {
    '': (ctx) => {
      const hostnames = ctx.params.all('hostname');
      const macs = ctx.params.all('mac_address').map((s) => s.toLowerCase());
      const ids = ctx.params.all('id');
      const list = [...ctx.emu.store.machines.values()].filter(
        (m) =>
          (hostnames.length === 0 || hostnames.includes(m.hostname)) &&
          (ids.length === 0 || ids.includes(m.systemId)) &&
          (macs.length === 0 || m.interfaces.some((i) => macs.includes(i.mac.toLowerCase()))),
      );
      return ok(ctx.emu.views.machines(list));
    },
    power_parameters: (ctx) => {
      const ids = ctx.params.all('id');
      const out: Record<string, Record<string, string>> = {};
      for (const m of ctx.emu.store.machines.values()) if (ids.length === 0 || ids.includes(m.systemId)) out[m.systemId] = powerParameters(m);
      return ok(out);
    },
  },
  POST: {
    allocate: (ctx) => {
      const id = ctx.params.get('system_id');
      const name = ctx.params.get('name');
      const m = id ? ctx.emu.store.machines.get(id) : name ? ctx.emu.store.machineByHostname(name) : [...ctx.emu.store.machines.values()].find((x) => x.status === S.READY);
      if (!m) throw conflict(`No machine with system ID ${id ?? ''} available.`);
      ctx.emu.lifecycle.allocate(m, OWNER);
      ctx.emu.counters.bump(m.systemId, 'allocate');
      return ok(ctx.emu.views.machine(m));
    },
  },
};

function update(ctx: Ctx) {
  const m = machineOf(ctx);
  const p = ctx.params;
  const hostname = p.get('hostname');
  if (hostname !== undefined) {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(hostname)) throw badRequest(JSON.stringify({ hostname: [`Invalid hostname: ${hostname}`] }));
    const clash = ctx.emu.store.machineByHostname(hostname);
    if (clash && clash !== m && clash.hostname === hostname) throw badRequest(JSON.stringify({ hostname: [`Node with hostname "${hostname}" already exists`] }));
    m.hostname = hostname;
  }
  const domain = p.get('domain');
  if (domain !== undefined) {
    const d = [...ctx.emu.store.domains.values()].find((x) => x.name === domain || String(x.id) === domain);
    if (!d) throw badRequest(JSON.stringify({ domain: [`Select a valid choice. ${domain} is not one of the available choices.`] }));
    m.domainId = d.id;
  }
  if (p.get('power_type') !== undefined) m.powerType = p.get('power_type')!;
  for (const [k, v] of p.entries()) if (k.startsWith('power_parameters_')) m.powerParameters[k.slice('power_parameters_'.length)] = v;
  ctx.emu.counters.bump(m.systemId, 'update');
  return ok(ctx.emu.views.machine(m));
}

/** machines/{system_id}/ */
export const machineItem: OpTable = {
  GET: {
    '': (ctx) => ok(ctx.emu.views.machine(machineOf(ctx))),
    power_parameters: (ctx) => ok(powerParameters(machineOf(ctx))),
    details: (ctx) => {
      // MaaS's get_single_probed_details: the current commissioning run's lshw and LLDP output (null before one).
      const m = machineOf(ctx);
      const out = m.commissioning ? commissioningOutputs(m.hostname, m.hardware, m.commissioning.failed) : [];
      const of = (name: string) => {
        const r = out.find((x) => x.name === name);
        return r ? Buffer.from(r.output, 'utf8') : null;
      };
      return { status: 200, body: serialize({ lshw: of(LSHW_SCRIPT), lldp: of(LLDP_SCRIPT) }), contentType: 'application/bson' };
    },
  },
  PUT: { '': update },
  DELETE: {
    '': (ctx) => {
      const m = machineOf(ctx);
      ctx.emu.lifecycle.forget(m);
      ctx.emu.store.machines.delete(m.systemId);
      for (const t of ctx.emu.store.tags.values()) t.systemIds.delete(m.systemId);
      ctx.emu.counters.bump(m.systemId, 'delete');
      ctx.emu.counters.deletedNames.set(m.systemId, m.hostname);
      return noContent();
    },
  },
  POST: {
    commission: (ctx) => {
      const m = machineOf(ctx);
      ctx.emu.lifecycle.commission(m);
      ctx.emu.counters.bump(m.systemId, 'commission');
      return ok(ctx.emu.views.machine(m));
    },
    deploy: (ctx) => {
      const m = machineOf(ctx);
      const p = ctx.params;
      ctx.emu.lifecycle.deploy(m, OWNER, { distroSeries: p.get('distro_series'), hweKernel: p.get('hwe_kernel'), userData: p.get('user_data') });
      ctx.emu.counters.bump(m.systemId, 'deploy');
      return ok(ctx.emu.views.machine(m));
    },
    release: (ctx) => {
      const m = machineOf(ctx);
      if (ctx.emu.lifecycle.release(m, ctx.params.bool('erase') ?? false) === 'started') ctx.emu.counters.bump(m.systemId, 'release');
      return ok(ctx.emu.views.machine(m));
    },
    set_storage_layout: (ctx) => {
      const m = machineOf(ctx);
      if (m.status !== S.READY) throw conflict('Cannot change the storage layout on a machine that is not Ready.');
      applyStorageLayout(ctx.emu.store, m, ctx.params);
      ctx.emu.counters.bump(m.systemId, 'set_storage_layout');
      return ok(ctx.emu.views.machine(m));
    },
    restore_networking_configuration: (ctx) => {
      const m = machineOf(ctx);
      if (m.status !== S.READY && m.status !== S.FAILED_TESTING) {
        throw conflict(`Machine must be in a ready or failed testing state to restore networking configuration (is '${STATUS_NAMES[m.status]}').`);
      }
      // Back to what commissioning discovered: physical NICs only, unlinked except the boot NIC (auto).
      const physical = m.interfaces.filter((i) => i.type === 'physical');
      for (const i of physical) {
        i.mtu = null;
        i.vlanId = ctx.emu.store.defaultVlan().id;
        i.links = i.id === m.bootInterfaceId ? [bootLink(ctx.emu.store, i.vlanId)] : [];
      }
      m.interfaces = physical;
      ctx.emu.counters.bump(m.systemId, 'restore_networking_configuration');
      return ok(ctx.emu.views.machine(m));
    },
    set_workload_annotations: (ctx) => {
      const m = machineOf(ctx);
      if (m.owner === null) throw conflict('Machine must be allocated or deployed to set workload annotations.');
      for (const [k, v] of ctx.params.entries()) {
        if (v === '') delete m.ownerData[k];
        else m.ownerData[k] = v;
      }
      ctx.emu.counters.bump(m.systemId, 'set_workload_annotations');
      return ok(ctx.emu.views.machine(m));
    },
  },
};

export function requireEditable(m: MachineRecord, what: string): void {
  if (!([S.READY, S.ALLOCATED, S.BROKEN, S.NEW, S.FAILED_TESTING] as number[]).includes(m.status)) {
    throw conflict(`Cannot ${what} because the machine is not Ready, Allocated or Broken (it is '${STATUS_NAMES[m.status]}').`);
  }
}
