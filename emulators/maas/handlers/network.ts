import { badRequest, notFound } from '../errors';
import { intOf, noContent, ok, type Ctx, type OpTable } from '../context';
import type { SubnetRecord, VlanRecord } from '../store';

function fabricId(ctx: Ctx): number {
  const id = intOf(ctx, 'fid');
  if (!ctx.emu.store.fabrics.has(id)) throw notFound();
  return id;
}

/** VLAN items are addressed by their tag (vid) within the fabric. */
function vlanOf(ctx: Ctx): VlanRecord {
  const v = ctx.emu.store.vlanByVid(fabricId(ctx), intOf(ctx, 'vid'));
  if (!v) throw notFound();
  return v;
}

function subnetOf(ctx: Ctx): SubnetRecord {
  const s = ctx.emu.store.subnets.get(intOf(ctx, 'id'));
  if (!s) throw notFound();
  return s;
}

function updateVlan(ctx: Ctx, v: VlanRecord): void {
  const p = ctx.params;
  if (p.has('name')) v.name = p.get('name') || null;
  if (p.int('vid') !== undefined) v.vid = p.int('vid')!;
  if (p.int('mtu') !== undefined) v.mtu = p.int('mtu')!;
  if (p.has('dhcp_on')) v.dhcpOn = p.bool('dhcp_on') ?? false;
  if (p.has('primary_rack')) v.primaryRack = p.get('primary_rack') || null;
  if (p.has('secondary_rack')) v.secondaryRack = p.get('secondary_rack') || null;
  if (p.has('relay_vlan')) v.relayVlan = p.int('relay_vlan') ?? null;
  if (v.dhcpOn && !v.primaryRack) throw badRequest(JSON.stringify({ dhcp_on: ['dhcp can only be turned on when a primary rack controller is set.'] }));
}

/** A subnet's vlan may be given by id; without one MaaS puts it on the default fabric's untagged VLAN. */
function vlanParam(ctx: Ctx): number | undefined {
  const v = ctx.params.get('vlan');
  if (v === undefined || v === '') return undefined;
  if (!ctx.emu.store.vlans.has(Number(v))) throw badRequest(JSON.stringify({ vlan: ['Select a valid choice.'] }));
  return Number(v);
}

function updateSubnet(ctx: Ctx, s: SubnetRecord): void {
  const p = ctx.params;
  if (p.has('name')) s.name = p.get('name') || s.cidr;
  if (p.has('cidr')) s.cidr = p.get('cidr')!;
  if (p.has('gateway_ip')) s.gatewayIp = p.get('gateway_ip') || null;
  if (p.has('dns_servers'))
    s.dnsServers = p
      .all('dns_servers')
      .flatMap((x) => x.split(/[\s,]+/))
      .filter(Boolean);
  if (p.has('rdns_mode')) s.rdnsMode = p.int('rdns_mode') ?? 2;
  if (p.has('allow_proxy')) s.allowProxy = p.bool('allow_proxy') ?? true;
  const vlan = vlanParam(ctx);
  if (vlan !== undefined) s.vlanId = vlan;
}

export const fabricsCollection: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.fabrics.keys()].map((id) => ctx.emu.views.fabric(id))) },
  POST: {
    '': (ctx) => {
      const name = ctx.params.get('name');
      if (name && ctx.emu.store.fabricByName(name)) throw badRequest(JSON.stringify({ name: ['Fabric with this Name already exists.'] }));
      const f = ctx.emu.store.createFabric(name, ctx.params.get('description') ?? '');
      return ok(ctx.emu.views.fabric(f.id));
    },
  },
};

export const fabricItem: OpTable = {
  GET: { '': (ctx) => ok(ctx.emu.views.fabric(fabricId(ctx))) },
  PUT: {
    '': (ctx) => {
      const f = ctx.emu.store.fabrics.get(fabricId(ctx))!;
      const name = ctx.params.get('name');
      if (name && name !== f.name && ctx.emu.store.fabricByName(name)) throw badRequest(JSON.stringify({ name: ['Fabric with this Name already exists.'] }));
      if (name) f.name = name;
      if (ctx.params.has('description')) f.description = ctx.params.get('description') ?? '';
      return ok(ctx.emu.views.fabric(f.id));
    },
  },
  DELETE: {
    '': (ctx) => {
      const id = fabricId(ctx);
      ctx.emu.store.fabrics.delete(id);
      for (const v of [...ctx.emu.store.vlans.values()]) if (v.fabricId === id) ctx.emu.store.vlans.delete(v.id);
      return noContent();
    },
  },
};

export const vlansCollection: OpTable = {
  GET: {
    '': (ctx) => {
      const fid = fabricId(ctx);
      return ok([...ctx.emu.store.vlans.values()].filter((v) => v.fabricId === fid).map((v) => ctx.emu.views.vlan(v)));
    },
  },
  POST: {
    '': (ctx) => {
      const fid = fabricId(ctx);
      const vid = ctx.params.int('vid');
      if (vid === undefined || vid < 0 || vid > 4094) throw badRequest(JSON.stringify({ vid: ['VID must be between 0 and 4094.'] }));
      if (ctx.emu.store.vlanByVid(fid, vid)) throw badRequest(JSON.stringify({ __all__: ['VLAN with this Vid and Fabric already exists.'] }));
      const v = ctx.emu.store.createVlan(fid, vid, ctx.params.get('name') ?? null, ctx.params.int('mtu') ?? 1500);
      return ok(ctx.emu.views.vlan(v));
    },
  },
};

export const vlanItem: OpTable = {
  GET: { '': (ctx) => ok(ctx.emu.views.vlan(vlanOf(ctx))) },
  PUT: {
    '': (ctx) => {
      const v = vlanOf(ctx);
      updateVlan(ctx, v);
      return ok(ctx.emu.views.vlan(v));
    },
  },
  DELETE: {
    '': (ctx) => {
      ctx.emu.store.vlans.delete(vlanOf(ctx).id);
      return noContent();
    },
  },
};

export const subnetsCollection: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.subnets.values()].map((s) => ctx.emu.views.subnet(s))) },
  POST: {
    '': (ctx) => {
      const cidr = ctx.params.get('cidr');
      if (!cidr || !/^[\d.:a-f]+\/\d+$/i.test(cidr)) throw badRequest(JSON.stringify({ cidr: ['This field is required.'] }));
      if ([...ctx.emu.store.subnets.values()].some((s) => s.cidr === cidr)) throw badRequest(JSON.stringify({ cidr: ['Subnet with this Cidr already exists.'] }));
      const s: SubnetRecord = {
        id: ctx.emu.store.nextId(),
        name: cidr,
        cidr,
        vlanId: vlanParam(ctx) ?? ctx.emu.store.defaultVlan().id,
        gatewayIp: null,
        dnsServers: [],
        rdnsMode: 2,
        allowProxy: true,
      };
      updateSubnet(ctx, s);
      ctx.emu.store.subnets.set(s.id, s);
      return ok(ctx.emu.views.subnet(s));
    },
  },
};

export const subnetItem: OpTable = {
  GET: { '': (ctx) => ok(ctx.emu.views.subnet(subnetOf(ctx))) },
  PUT: {
    '': (ctx) => {
      const s = subnetOf(ctx);
      updateSubnet(ctx, s);
      return ok(ctx.emu.views.subnet(s));
    },
  },
  DELETE: {
    '': (ctx) => {
      ctx.emu.store.subnets.delete(subnetOf(ctx).id);
      return noContent();
    },
  },
};

export const ipRangesCollection: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.ipRanges.keys()].map((id) => ctx.emu.views.ipRange(id))) },
  POST: {
    '': (ctx) => {
      const p = ctx.params;
      const type = p.get('type');
      if (type !== 'reserved' && type !== 'dynamic') throw badRequest(JSON.stringify({ type: ['Select a valid choice.'] }));
      const start = p.get('start_ip');
      const end = p.get('end_ip');
      if (!start || !end) throw badRequest(JSON.stringify({ start_ip: ['This field is required.'] }));
      const subnetId = p.int('subnet') ?? [...ctx.emu.store.subnets.values()].find((s) => sameNet(s.cidr, start))?.id;
      if (subnetId === undefined || !ctx.emu.store.subnets.has(subnetId)) throw badRequest(JSON.stringify({ subnet: ['No subnet found for this range.'] }));
      const id = ctx.emu.store.nextId();
      ctx.emu.store.ipRanges.set(id, { id, type, startIp: start, endIp: end, subnetId, comment: p.get('comment') ?? '' });
      return ok(ctx.emu.views.ipRange(id));
    },
  },
};

export const ipRangeItem: OpTable = {
  GET: {
    '': (ctx) => {
      const id = intOf(ctx, 'id');
      if (!ctx.emu.store.ipRanges.has(id)) throw notFound();
      return ok(ctx.emu.views.ipRange(id));
    },
  },
  DELETE: {
    '': (ctx) => {
      if (!ctx.emu.store.ipRanges.delete(intOf(ctx, 'id'))) throw notFound();
      return noContent();
    },
  },
};

export const staticRoutesCollection: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.staticRoutes.keys()].map((id) => ctx.emu.views.staticRoute(id))) },
  POST: {
    '': (ctx) => {
      const p = ctx.params;
      const source = p.int('source');
      const destination = p.int('destination');
      if (source === undefined || !ctx.emu.store.subnets.has(source)) throw badRequest(JSON.stringify({ source: ['Select a valid choice.'] }));
      if (destination === undefined || !ctx.emu.store.subnets.has(destination)) throw badRequest(JSON.stringify({ destination: ['Select a valid choice.'] }));
      if ([...ctx.emu.store.staticRoutes.values()].some((r) => r.sourceId === source && r.destinationId === destination)) {
        throw badRequest(JSON.stringify({ __all__: ['Static route with this Source and Destination already exists.'] }));
      }
      const id = ctx.emu.store.nextId();
      ctx.emu.store.staticRoutes.set(id, { id, sourceId: source, destinationId: destination, gatewayIp: p.get('gateway_ip') ?? '', metric: p.int('metric') ?? 0 });
      return ok(ctx.emu.views.staticRoute(id));
    },
  },
};

export const staticRouteItem: OpTable = {
  GET: {
    '': (ctx) => {
      const id = intOf(ctx, 'id');
      if (!ctx.emu.store.staticRoutes.has(id)) throw notFound();
      return ok(ctx.emu.views.staticRoute(id));
    },
  },
  DELETE: {
    '': (ctx) => {
      if (!ctx.emu.store.staticRoutes.delete(intOf(ctx, 'id'))) throw notFound();
      return noContent();
    },
  },
};

export const domainsCollection: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.domains.keys()].map((id) => ctx.emu.views.domain(id))) },
  POST: {
    '': (ctx) => {
      const name = ctx.params.get('name');
      if (!name) throw badRequest(JSON.stringify({ name: ['This field is required.'] }));
      if ([...ctx.emu.store.domains.values()].some((d) => d.name === name)) throw badRequest(JSON.stringify({ name: ['Domain with this Name already exists.'] }));
      const id = ctx.emu.store.nextId();
      ctx.emu.store.domains.set(id, { id, name, authoritative: ctx.params.bool('authoritative') ?? true, ttl: ctx.params.int('ttl') ?? null });
      return ok(ctx.emu.views.domain(id));
    },
  },
};

/** IPv4 only: is `ip` inside `cidr`? */
export function sameNet(cidr: string, ip: string): boolean {
  const [net, bits] = cidr.split('/');
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  if (!net || bits === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(net) & mask) === (toInt(ip) & mask);
}
