import type { BuildDataView, NodeView } from './drydockApi';
import { renderTable } from './render';

/** `drydock node list`: Drydock's CLI columns (Node Name, Status, CPUs, Memory, PXE MAC, Mgmt IP, IPMI IP, Power State). */
export function renderNodeList(nodes: NodeView[]): string {
  if (nodes.length === 0) return 'no nodes';
  const rows = nodes.map((n) => [n.hostname, n.status_name, String(n.cpu_count), String(n.memory), n.boot_mac ?? '-', n.boot_ip ?? '-', n.power_address ?? '-', n.power_state]);
  return renderTable(['NODE NAME', 'STATUS', 'CPUS', 'MEMORY', 'PXE MAC', 'MGMT IP', 'IPMI IP', 'POWER STATE'], rows);
}

/** Build data records: a header line each, then the data as collected. */
export function renderBuildData(records: BuildDataView[]): string {
  return records
    .map((r) => [`--- ${r.node_name}  ${r.generator}  ${r.data_format}  collected ${r.collected_date}  task ${r.task_id}`, r.data_element.trimEnd()].join('\n'))
    .join('\n');
}
