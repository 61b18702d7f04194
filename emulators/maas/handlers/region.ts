import { badRequest, notFound } from '../errors';
import { intOf, noContent, ok, type Ctx, type OpTable } from '../context';
import { commissioningOutputs } from '../hardware';
import type { RackControllerRecord, RepositoryRecord } from '../store';

export const VERSION = {
  capabilities: ['networks-management', 'static-ipaddresses', 'ipv6-deployment-ubuntu', 'devices-management', 'storage-deployment-ubuntu', 'network-deployment-ubuntu'],
  version: '3.4.0',
  subversion: 'emulated',
};

export const version: OpTable = { GET: { '': () => ok(VERSION) } };

export const account: OpTable = {
  GET: { list_authorisation_tokens: () => ok([{ name: 'drydock', token: '(hidden by the emulator)', consumer: 'drydock' }]) },
};

export const bootResources: OpTable = {
  GET: {
    '': (ctx) => ok(ctx.emu.store.bootResources.map((_b, i) => ctx.emu.views.bootResource(i))),
    is_importing: (ctx) => ok(ctx.emu.store.importing || ctx.emu.faults.current.importing === true),
  },
};

/** The rack view with a `rackServiceDown` fault applied. */
function rackView(ctx: Ctx, r: RackControllerRecord) {
  const down = ctx.emu.faults.current.rackServiceDown;
  const json = ctx.emu.views.rackController(r);
  json.service_set = json.service_set.map((s) => (s.name === down ? { ...s, status: 'dead', status_info: 'emulated fault' } : s));
  return json;
}

export const rackControllers: OpTable = {
  GET: {
    '': (ctx) => {
      const hostnames = ctx.params.all('hostname');
      const macs = ctx.params.all('mac_address').map((m) => m.toLowerCase());
      const list = [...ctx.emu.store.rackControllers.values()].filter(
        (r) => (hostnames.length === 0 || hostnames.includes(r.hostname)) && (macs.length === 0 || r.interfaces.some((i) => macs.includes(i.mac.toLowerCase()))),
      );
      return ok(list.map((r) => rackView(ctx, r)));
    },
    power_parameters: (ctx) => ok(Object.fromEntries([...ctx.emu.store.rackControllers.keys()].map((id) => [id, {}]))),
  },
};

export const rackController: OpTable = {
  GET: {
    '': (ctx) => {
      const r = ctx.emu.store.rackControllers.get(ctx.path.id ?? '');
      if (!r) throw notFound();
      return ok(rackView(ctx, r));
    },
  },
};

function tagOf(ctx: Ctx) {
  const t = ctx.emu.store.tags.get(ctx.path.name ?? '');
  if (!t) throw notFound();
  return t;
}

export const tagsCollection: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.tags.keys()].map((n) => ctx.emu.views.tag(n))) },
  POST: {
    '': (ctx) => {
      const name = ctx.params.get('name');
      if (!name || !/^[\w-]+$/.test(name)) throw badRequest(JSON.stringify({ name: ['Invalid character in tag name.'] }));
      // Drydock tolerates this exact text when two workers race to create a tag.
      if (ctx.emu.store.tags.has(name)) throw badRequest(JSON.stringify({ name: ['Tag with this Name already exists.'] }));
      ctx.emu.store.tags.set(name, {
        name,
        definition: ctx.params.get('definition') ?? '',
        comment: ctx.params.get('comment') ?? '',
        kernelOpts: ctx.params.get('kernel_opts') ?? null,
        systemIds: new Set(),
      });
      return ok(ctx.emu.views.tag(name));
    },
  },
};

export const tagItem: OpTable = {
  GET: {
    '': (ctx) => ok(ctx.emu.views.tag(tagOf(ctx).name)),
    nodes: (ctx) => {
      const t = tagOf(ctx);
      return ok(ctx.emu.views.machines([...t.systemIds].map((id) => ctx.emu.store.machines.get(id)).filter((m) => m !== undefined)));
    },
  },
  DELETE: {
    '': (ctx) => {
      ctx.emu.store.tags.delete(tagOf(ctx).name);
      return noContent();
    },
  },
  POST: {
    update_nodes: (ctx) => {
      const t = tagOf(ctx);
      let added = 0;
      let removed = 0;
      for (const id of ctx.params.all('add')) {
        if (!ctx.emu.store.machines.has(id)) throw badRequest(`Unknown node(s): ${id}.`);
        if (!t.systemIds.has(id)) {
          t.systemIds.add(id);
          ctx.emu.counters.bump(id, 'tag');
          added++;
        }
      }
      for (const id of ctx.params.all('remove')) if (t.systemIds.delete(id)) removed++;
      return ok({ added, removed });
    },
  },
};

export const sshKeys: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.sshKeys].map(([id, key]) => ({ id, key, resource_uri: `/MAAS/api/2.0/account/prefs/sshkeys/${id}/` }))) },
  POST: {
    '': (ctx) => {
      const key = ctx.params.get('key')?.trim();
      if (!key || !/^(ssh-|ecdsa-)/.test(key)) throw badRequest(JSON.stringify({ key: ['Invalid SSH public key.'] }));
      if ([...ctx.emu.store.sshKeys.values()].includes(key)) throw badRequest(JSON.stringify({ __all__: ['This key has already been added for this user.'] }));
      const id = ctx.emu.store.nextId();
      ctx.emu.store.sshKeys.set(id, key);
      return ok({ id, key, resource_uri: `/MAAS/api/2.0/account/prefs/sshkeys/${id}/` });
    },
  },
};

export const sshKeyItem: OpTable = {
  GET: {
    '': (ctx) => {
      const id = intOf(ctx, 'id');
      const key = ctx.emu.store.sshKeys.get(id);
      if (!key) throw notFound();
      return ok({ id, key });
    },
  },
  DELETE: {
    '': (ctx) => {
      if (!ctx.emu.store.sshKeys.delete(intOf(ctx, 'id'))) throw notFound();
      return noContent();
    },
  },
};

function applyRepo(ctx: Ctx, r: RepositoryRecord): void {
  const p = ctx.params;
  if (p.has('name')) r.name = p.get('name')!;
  if (p.has('url')) r.url = p.get('url')!;
  if (p.has('key')) r.key = p.get('key') ?? '';
  if (p.has('enabled')) r.enabled = p.bool('enabled') ?? true;
  if (p.has('distributions')) r.distributions = p.list('distributions');
  if (p.has('components')) r.components = p.list('components');
  if (p.has('disabled_components')) r.disabledComponents = p.list('disabled_components');
  if (p.has('disabled_pockets')) r.disabledPockets = p.list('disabled_pockets');
  if (p.has('arches')) r.arches = p.list('arches');
}

export const repositories: OpTable = {
  GET: { '': (ctx) => ok([...ctx.emu.store.repositories.keys()].map((id) => ctx.emu.views.repository(id))) },
  POST: {
    '': (ctx) => {
      const name = ctx.params.get('name');
      if (!name || !ctx.params.get('url')) throw badRequest(JSON.stringify({ name: ['This field is required.'] }));
      if ([...ctx.emu.store.repositories.values()].some((r) => r.name === name)) throw badRequest(JSON.stringify({ name: ['Package repository with this Name already exists.'] }));
      const r = ctx.emu.store.addRepository(name, '', ['amd64']);
      applyRepo(ctx, r);
      return ok(ctx.emu.views.repository(r.id));
    },
  },
};

function repoOf(ctx: Ctx): RepositoryRecord {
  const r = ctx.emu.store.repositories.get(intOf(ctx, 'id'));
  if (!r) throw notFound();
  return r;
}

export const repository: OpTable = {
  GET: { '': (ctx) => ok(ctx.emu.views.repository(repoOf(ctx).id)) },
  PUT: {
    '': (ctx) => {
      const r = repoOf(ctx);
      applyRepo(ctx, r);
      return ok(ctx.emu.views.repository(r.id));
    },
  },
  DELETE: {
    '': (ctx) => {
      const r = repoOf(ctx);
      if (r.name === 'main_archive' || r.name === 'ports_archive') throw badRequest('Default repositories may not be deleted.');
      ctx.emu.store.repositories.delete(r.id);
      return noContent();
    },
  },
};

/**
 * commissioning-results/ (alias installation-results/), MaaS's NodeResultsHandler: the finished script results
 * of each machine's current commissioning run (result_type 0), filtered by system_id, name and result_type;
 * `data` is the script's output in base64. The emulator runs no installation or testing scripts.
 */
export const nodeResults: OpTable = {
  GET: {
    '': (ctx) => {
      const ids = ctx.params.all('system_id');
      const names = ctx.params.all('name');
      const type = ctx.params.get('result_type');
      if (type !== undefined && !/^\d+$/.test(type)) throw badRequest(JSON.stringify({ result_type: ['Please enter an integer value'] }));
      const out: unknown[] = [];
      if (type !== undefined && Number(type) !== COMMISSIONING_RESULT) return ok(out);
      for (const m of ctx.emu.store.machines.values()) {
        if ((ids.length && !ids.includes(m.systemId)) || !m.commissioning) continue;
        const when = new Date(m.commissioning.at).toISOString().slice(0, 23);
        commissioningOutputs(m.hostname, m.hardware, m.commissioning.failed).forEach((r, i) => {
          if (names.length && !names.includes(r.name)) return;
          out.push({
            created: when,
            updated: when,
            id: scriptResultId(m.systemId, i),
            name: r.name,
            script_result: r.exitStatus,
            result_type: COMMISSIONING_RESULT,
            node: { system_id: m.systemId },
            data: Buffer.from(r.output, 'utf8').toString('base64'),
            resource_uri: '/MAAS/api/2.0/commissioning-scripts/',
          });
        });
      }
      return ok(out);
    },
  },
};

/** metadataserver.enum RESULT_TYPE.COMMISSIONING */
const COMMISSIONING_RESULT = 0;

/** A stable integer id per machine and script, as a database row would have. */
function scriptResultId(systemId: string, index: number): number {
  return (parseInt(systemId, 36) % 100_000) * 100 + index + 1;
}
