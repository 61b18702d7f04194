import { badRequest, notFound } from '../errors';
import { intOf, machineOf, noContent, ok, type Ctx, type OpTable } from '../context';
import type { InterfaceRecord, MachineRecord } from '../store';
import { requireEditable } from './machines';

function ifaceOf(ctx: Ctx): { m: MachineRecord; i: InterfaceRecord } {
  const m = machineOf(ctx);
  const i = m.interfaces.find((x) => x.id === intOf(ctx, 'iid'));
  if (!i) throw notFound();
  return { m, i };
}

const render = (ctx: Ctx, m: MachineRecord, i: InterfaceRecord) => ok(ctx.emu.views.iface(m.systemId, m.interfaces, i));

/** A parent named by id or by name. */
function parentOf(m: MachineRecord, ref: string): InterfaceRecord {
  const i = m.interfaces.find((x) => String(x.id) === ref || x.name === ref);
  if (!i) throw badRequest(JSON.stringify({ parents: [`Unknown interface ${ref}`] }));
  return i;
}

/** nodes/{system_id}/interfaces/ */
export const interfacesCollection: OpTable = {
  GET: {
    '': (ctx) => {
      const m = machineOf(ctx);
      return ok(m.interfaces.map((i) => ctx.emu.views.iface(m.systemId, m.interfaces, i)));
    },
  },
  POST: {
    create_bond: (ctx) => {
      const m = machineOf(ctx);
      requireEditable(m, 'create a bond');
      const p = ctx.params;
      const name = p.get('name');
      if (!name) throw badRequest(JSON.stringify({ name: ['This field is required.'] }));
      if (m.interfaces.some((i) => i.name === name)) throw badRequest(JSON.stringify({ name: [`Interface with name ${name} already exists on this node.`] }));
      const parents = p.list('parents').map((ref) => parentOf(m, ref));
      if (parents.length === 0) throw badRequest(JSON.stringify({ parents: ['A bond interface must have one or more parents.'] }));
      const params: Record<string, string | number> = {};
      for (const k of ['bond_mode', 'bond_miimon', 'bond_downdelay', 'bond_updelay', 'bond_lacp_rate', 'bond_xmit_hash_policy']) {
        const v = p.get(k);
        if (v !== undefined && v !== '') params[k] = /^\d+$/.test(v) ? Number(v) : v;
      }
      const bond: InterfaceRecord = {
        id: ctx.emu.store.nextId(),
        name,
        type: 'bond',
        mac: p.get('mac_address') || parents[0]!.mac,
        vlanId: parents[0]!.vlanId,
        links: [],
        mtu: p.int('mtu') ?? null,
        parents: parents.map((x) => x.id),
        params,
        tags: p.list('tags'),
      };
      for (const parent of parents) parent.links = [];
      m.interfaces.push(bond);
      ctx.emu.counters.bump(m.systemId, 'create_bond', bond.name);
      return render(ctx, m, bond);
    },
    create_vlan: (ctx) => {
      const m = machineOf(ctx);
      requireEditable(m, 'create a VLAN interface');
      const parent = parentOf(m, ctx.params.get('parent') ?? '');
      const vlan = ctx.emu.store.vlans.get(ctx.params.int('vlan') ?? -1);
      if (!vlan) throw badRequest(JSON.stringify({ vlan: ['Select a valid choice.'] }));
      const parentVlan = parent.vlanId === null ? undefined : ctx.emu.store.vlans.get(parent.vlanId);
      if (parentVlan && parentVlan.fabricId !== vlan.fabricId)
        throw badRequest(JSON.stringify({ vlan: ['A VLAN interface can only belong to a tagged VLAN on the same fabric as its parent.'] }));
      if (m.interfaces.some((i) => i.type === 'vlan' && i.parents[0] === parent.id && i.vlanId === vlan.id)) {
        throw badRequest(JSON.stringify({ __all__: ['Interface with this Parent and VLAN already exists.'] }));
      }
      const iface: InterfaceRecord = {
        id: ctx.emu.store.nextId(),
        name: `${parent.name}.${vlan.vid}`,
        type: 'vlan',
        mac: parent.mac,
        vlanId: vlan.id,
        links: [],
        mtu: ctx.params.int('mtu') ?? null,
        parents: [parent.id],
        params: {},
        tags: ctx.params.list('tags'),
      };
      m.interfaces.push(iface);
      ctx.emu.counters.bump(m.systemId, 'create_vlan', iface.name);
      return render(ctx, m, iface);
    },
  },
};

/** nodes/{system_id}/interfaces/{id}/ */
export const interfaceItem: OpTable = {
  GET: {
    '': (ctx) => {
      const { m, i } = ifaceOf(ctx);
      return render(ctx, m, i);
    },
  },
  PUT: {
    '': (ctx) => {
      const { m, i } = ifaceOf(ctx);
      requireEditable(m, 'update an interface');
      const p = ctx.params;
      if (p.get('name')) i.name = p.get('name')!;
      if (p.get('mac_address')) i.mac = p.get('mac_address')!;
      if (p.int('mtu') !== undefined) i.mtu = p.int('mtu')!;
      if (p.has('vlan')) {
        const v = p.get('vlan');
        if (v === '' || v === undefined) i.vlanId = null;
        else if (!ctx.emu.store.vlans.has(Number(v))) throw badRequest(JSON.stringify({ vlan: ['Select a valid choice.'] }));
        else {
          i.vlanId = Number(v);
          i.links = [];
        }
      }
      ctx.emu.counters.bump(m.systemId, 'update_interface', i.name);
      return render(ctx, m, i);
    },
  },
  DELETE: {
    '': (ctx) => {
      const { m, i } = ifaceOf(ctx);
      requireEditable(m, 'delete an interface');
      m.interfaces = m.interfaces.filter((x) => x !== i);
      return noContent();
    },
  },
  POST: {
    link_subnet: (ctx) => {
      const { m, i } = ifaceOf(ctx);
      requireEditable(m, 'link a subnet');
      const p = ctx.params;
      const mode = (p.get('mode') ?? '').toLowerCase();
      if (!['auto', 'dhcp', 'static', 'link_up'].includes(mode)) throw badRequest(JSON.stringify({ mode: ['Select a valid choice.'] }));
      const subnet = ctx.emu.store.subnets.get(p.int('subnet') ?? -1);
      if (!subnet && mode !== 'link_up') throw badRequest(JSON.stringify({ subnet: ['This field is required.'] }));
      if (subnet && i.vlanId !== null && subnet.vlanId !== i.vlanId) {
        // MaaS moves the interface onto the subnet's VLAN when linking.
        i.vlanId = subnet.vlanId;
      }
      const ip = mode === 'static' ? (p.get('ip_address') ?? null) : null;
      if (subnet && i.links.some((l) => l.subnetId === subnet.id)) throw badRequest(JSON.stringify({ subnet: ['Interface is already linked to this subnet.'] }));
      if (ip && [...ctx.emu.store.machines.values()].some((x) => x.interfaces.some((f) => f.links.some((l) => l.ip === ip)))) {
        throw badRequest(JSON.stringify({ ip_address: [`IP address ${ip} already in use.`] }));
      }
      if (p.bool('default_gateway') && subnet && !subnet.gatewayIp)
        throw badRequest(JSON.stringify({ default_gateway: ['Cannot set as default gateway: subnet has no gateway IP.'] }));
      i.links = i.links.filter((l) => !(l.mode === 'link_up' && l.subnetId === null)); // drop the unconfigured placeholder
      i.links.push({ id: ctx.emu.store.nextId(), mode: mode as 'auto' | 'dhcp' | 'static' | 'link_up', subnetId: subnet?.id ?? null, ip });
      ctx.emu.counters.bump(m.systemId, 'link_subnet', i.name);
      return render(ctx, m, i);
    },
    unlink_subnet: (ctx) => {
      const { m, i } = ifaceOf(ctx);
      requireEditable(m, 'unlink a subnet');
      const id = ctx.params.int('id');
      if (!i.links.some((l) => l.id === id)) throw badRequest(JSON.stringify({ id: ['Select a valid choice.'] }));
      i.links = i.links.filter((l) => l.id !== id);
      ctx.emu.counters.bump(m.systemId, 'unlink_subnet', i.name);
      return render(ctx, m, i);
    },
    disconnect: (ctx) => {
      const { m, i } = ifaceOf(ctx);
      requireEditable(m, 'disconnect an interface');
      i.links = [];
      i.vlanId = null;
      ctx.emu.counters.bump(m.systemId, 'disconnect', i.name);
      return render(ctx, m, i);
    },
  },
};
