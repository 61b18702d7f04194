/**
 * Node filters (Drydock's Orchestrator.process_node_filter). Within one filter each criterion ORs its values;
 * the filter's `filter_type` and the set's `filter_set_type` combine criteria/filters by union or
 * intersection. Results are node names in design order (Drydock's order is undefined; ours is stable).
 */
import type { NodeFilter, NodeFilterSet } from './model';

export class NodeFilterError extends Error {}

/** The node fields a filter reads. */
export interface FilterableNode {
  name: string;
  tags?: string[] | null;
  owner_data?: Record<string, string> | null;
  rack?: string | null;
}

export function selectNodes(design: { baremetal_nodes: FilterableNode[] }, nodeFilter: NodeFilterSet | null | undefined): string[] {
  const nodes = design.baremetal_nodes ?? [];
  if (nodeFilter === null || nodeFilter === undefined) return nodes.map((n) => n.name);
  if (typeof nodeFilter !== 'object' || Array.isArray(nodeFilter)) {
    throw new NodeFilterError(`Invalid node filter: expected an object {filter_set_type, filter_set}, got ${JSON.stringify(nodeFilter)}`);
  }
  const setType = nodeFilter.filter_set_type;
  if (setType !== 'union' && setType !== 'intersection') {
    throw new NodeFilterError(`Unknown filter set type ${JSON.stringify(setType)}: use 'union' or 'intersection'`);
  }
  const selected = combine(
    setType,
    (nodeFilter.filter_set ?? []).map((f) => applyFilter(f, nodes)),
  );
  return nodes.filter((n) => selected.has(n.name)).map((n) => n.name);
}

/** One filter → the set of matching names (empty when it has no criteria, as Drydock's callers treat it). */
function applyFilter(f: NodeFilter, nodes: FilterableNode[]): Set<string> {
  const type = f.filter_type ?? 'intersection';
  if (type !== 'union' && type !== 'intersection') {
    throw new NodeFilterError(`Unknown filter type ${JSON.stringify(type)}: use 'union' or 'intersection'`);
  }
  const criteria: Set<string>[] = [];
  const add = (present: boolean, match: (n: FilterableNode) => boolean) => {
    // Drydock: an absent or empty criterion is "no constraint" for intersection and [] for union.
    if (present) criteria.push(new Set(nodes.filter(match).map((n) => n.name)));
  };
  // Sets, not list scans: a filter naming every node would otherwise cost O(nodes²).
  const names = new Set(f.node_names ?? []);
  const tags = new Set(f.node_tags ?? []);
  const labels = Object.entries(f.node_labels ?? {});
  const racks = new Set(f.rack_names ?? []);
  add(names.size > 0, (n) => names.has(n.name));
  add(tags.size > 0, (n) => (n.tags ?? []).some((t) => tags.has(t)));
  add(labels.length > 0, (n) => labels.some(([k, v]) => n.owner_data?.[k] === v));
  add(racks.size > 0, (n) => n.rack !== null && n.rack !== undefined && racks.has(n.rack));
  // rack_labels is not implemented by Drydock and selects every node; it is kept that way.
  if (Object.keys(f.rack_labels ?? {}).length > 0) criteria.push(new Set(nodes.map((n) => n.name)));
  if (criteria.length === 0) return new Set();
  return combine(type, criteria);
}

function combine(type: 'union' | 'intersection', sets: Set<string>[]): Set<string> {
  if (sets.length === 0) return new Set();
  if (type === 'union') return new Set(sets.flatMap((s) => [...s]));
  return sets.slice(1).reduce((acc, s) => new Set([...acc].filter((x) => s.has(x))), sets[0]);
}
