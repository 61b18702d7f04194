/**
 * Build data (Drydock's `build_data` table, objects/builddata.py): what was collected about a node during a
 * task, e.g. the outputs of MaaS's commissioning scripts. Kept outside Temporal: a workflow history carries
 * names and digests only. Three stores implement it: in memory (unit tests), JSON lines under the state
 * directory (the embedded default, drivers/buildDataFile.ts) and Drydock's `build_data` table in PostgreSQL
 * (production, drivers/buildDataPostgres.ts).
 */
export interface BuildDataRecord {
  nodeName: string;
  taskId: string;
  /** ISO 8601 in UTC as `Date.prototype.toISOString` writes it (the stores order by it as text). */
  collectedDate: string;
  /** What produced it, e.g. `lshw`, `commission:maas-capture-lldpd` (Drydock's generator). */
  generator: string;
  /** MIME type: `text/xml`, `text/plain`. */
  dataFormat: string;
  data: string;
}

/**
 * Drydock's `build_data` row (BuildData.to_dict): the columns the PostgreSQL store keeps, the lines the file
 * store writes and what the API answers.
 */
export interface BuildDataRow {
  node_name: string;
  task_id: string;
  collected_date: string;
  generator: string;
  data_format: string;
  data_element: string;
}

export const BUILD_DATA_COLUMNS = ['node_name', 'task_id', 'collected_date', 'generator', 'data_format', 'data_element'] as const;

export function toBuildDataRow(r: BuildDataRecord): BuildDataRow {
  return { node_name: r.nodeName, task_id: r.taskId, collected_date: r.collectedDate, generator: r.generator, data_format: r.dataFormat, data_element: r.data };
}

export function fromBuildDataRow(row: BuildDataRow): BuildDataRecord {
  return { nodeName: row.node_name, taskId: row.task_id, collectedDate: row.collected_date, generator: row.generator, dataFormat: row.data_format, data: row.data_element };
}

export interface BuildDataStore {
  /** Appends the records (a record never replaces another: each collection is kept). */
  put(records: BuildDataRecord[]): Promise<void>;
  /** A node's records, newest first; `latest`: only the newest record of each generator. */
  forNode(node: string, opts?: { latest?: boolean }): Promise<BuildDataRecord[]>;
  /** A task's records, newest first. */
  forTask(taskId: string): Promise<BuildDataRecord[]>;
}

/**
 * Newest first; records collected at the same moment keep the order they were put in (`seq`). Every store
 * orders by this one rule.
 */
export function newestFirst(records: { r: BuildDataRecord; seq: number }[]): BuildDataRecord[] {
  return records.sort((a, b) => b.r.collectedDate.localeCompare(a.r.collectedDate) || a.seq - b.seq).map((x) => ({ ...x.r }));
}

/** Drydock's `latest=true`: the newest record of each generator, from records already newest first. */
export function latestPerGenerator(newest: BuildDataRecord[]): BuildDataRecord[] {
  const seen = new Set<string>();
  return newest.filter((r) => !seen.has(r.generator) && (seen.add(r.generator), true));
}

/** In-process build data: for unit tests; lost when the process ends. */
export class MemoryBuildDataStore implements BuildDataStore {
  private readonly rows: { r: BuildDataRecord; seq: number }[] = [];
  private seq = 0;

  async put(records: BuildDataRecord[]): Promise<void> {
    for (const r of records) this.rows.push({ r: { ...r }, seq: this.seq++ });
  }

  async forNode(node: string, opts: { latest?: boolean } = {}): Promise<BuildDataRecord[]> {
    const all = newestFirst(this.rows.filter((x) => x.r.nodeName === node));
    return opts.latest ? latestPerGenerator(all) : all;
  }

  async forTask(taskId: string): Promise<BuildDataRecord[]> {
    return newestFirst(this.rows.filter((x) => x.r.taskId === taskId));
  }
}
