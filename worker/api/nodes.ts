import { NodeFilterError, selectNodes } from '../../design/nodeFilter';
import { toBuildDataRow } from '../../drivers/buildData';
import type { ApiContext } from './context';
import { ApiError, boolParam, readJsonObject, type ApiRequest, type Reply } from './http';
import { POLICY, type Route } from './router';
import { parseNodeFilter } from './tasks';

/** Drydock's NodesResource, NodeBuildDataResource and NodeFilterResource. */
export function nodeRoutes(ctx: ApiContext): Route[] {
  return [
    { method: 'GET', path: '/api/v1.0/nodes', rules: [POLICY.readData], handle: () => listNodes(ctx) },
    { method: 'GET', path: '/api/v1.0/nodes/:hostname/builddata', rules: [POLICY.readBuildData], handle: (req) => nodeBuildData(ctx, req) },
    { method: 'POST', path: '/api/v1.0/nodefilter', rules: [POLICY.readData], handle: (req) => nodeFilter(ctx, req) },
  ];
}

/** Drydock's BuildData.to_dict. */
export const buildDataView = toBuildDataRow;

/** GET /nodes: every machine the provisioner (MaaS) knows, in Drydock's fields. */
async function listNodes(ctx: ApiContext): Promise<Reply> {
  const p = ctx.deps.provisioner;
  if (!p) throw new ApiError(500, 'No node driver enabled: the worker has no MaaS configured (MAAS_API_URL, MAAS_API_KEY)');
  const machines = await p.listMachines();
  return {
    status: 200,
    json: machines.map((m) => ({
      hostname: m.hostname,
      memory: m.memory,
      cpu_count: m.cpuCount,
      status_name: m.statusName,
      boot_mac: m.bootMac ?? null,
      power_state: m.powerState,
      power_address: m.powerAddress ?? null,
      boot_ip: m.bootIp ?? null,
    })),
  };
}

/** GET /nodes/{hostname}/builddata?latest=: the node's build data (latest: the newest per generator), or 404. */
async function nodeBuildData(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const latest = boolParam(req, 'latest');
  const store = ctx.deps.buildData;
  const records = store ? await store.forNode(req.params.hostname, { latest }) : [];
  if (records.length === 0) throw new ApiError(404, store ? 'No build data found' : 'No build data found: this worker keeps no build data (no store configured)');
  return { status: 200, json: records.map(buildDataView) };
}

/** POST /nodefilter `{design_ref, node_filter?}`: the names of the design's nodes the filter selects. */
async function nodeFilter(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
  const body = await readJsonObject(req);
  const designRef = body.design_ref;
  if (designRef === undefined || designRef === null) throw new ApiError(400, 'Missing input required value: design_ref');
  if (typeof designRef !== 'string' || designRef.trim() === '') throw new ApiError(400, `Invalid design_ref ${JSON.stringify(designRef)}`);
  const filter = parseNodeFilter(body.node_filter);
  const loaded = await ctx.deps.designs.fetch(designRef);
  if (!loaded.design || loaded.status.status !== 'Success') {
    const errors = loaded.status.details.messageList.filter((m) => m.error).map((m) => m.message);
    throw new ApiError(400, `Unable to render effective site design ${designRef}: ${errors.slice(0, 5).join('; ') || loaded.status.message}`);
  }
  try {
    return { status: 200, json: selectNodes(loaded.design, filter) };
  } catch (e) {
    if (e instanceof NodeFilterError) throw new ApiError(400, e.message);
    throw e;
  }
}
