/**
 * Build data (Drydock's `build_data` table, objects/builddata.py): what was collected about a node during a
 * task, e.g. the outputs of MaaS's commissioning scripts. Kept outside Temporal: a workflow history carries
 * names and digests only. A PostgreSQL store implements the same interface for production.
 */
export interface BuildDataRecord {
  nodeName: string;
  taskId: string;
  /** ISO 8601. */
  collectedDate: string;
  /** What produced it, e.g. `lshw`, `commission:maas-capture-lldpd` (Drydock's generator). */
  generator: string;
  /** MIME type: `text/xml`, `text/plain`. */
  dataFormat: string;
  data: string;
}

export interface BuildDataStore {
  /** Appends the records (a record never replaces another: each collection is kept). */
  put(records: BuildDataRecord[]): Promise<void>;
  /** A node's records, newest first; `latest`: only the newest record of each generator. */
  forNode(node: string, opts?: { latest?: boolean }): Promise<BuildDataRecord[]>;
  /** A task's records, newest first. */
  forTask(taskId: string): Promise<BuildDataRecord[]>;
}

/** Newest first; records collected at the same moment keep the order they were put in. */
function newestFirst(records: { r: BuildDataRecord; seq: number }[]): BuildDataRecord[] {
  return records
    .sort((a, b) => b.r.collectedDate.localeCompare(a.r.collectedDate) || a.seq - b.seq)
    .map((x) => ({ ...x.r }));
}

/** In-process build data: for tests and a worker with no database configured. */
export class MemoryBuildDataStore implements BuildDataStore {
  private readonly rows: { r: BuildDataRecord; seq: number }[] = [];
  private seq = 0;

  async put(records: BuildDataRecord[]): Promise<void> {
    for (const r of records) this.rows.push({ r: { ...r }, seq: this.seq++ });
  }

  async forNode(node: string, opts: { latest?: boolean } = {}): Promise<BuildDataRecord[]> {
    const all = newestFirst(this.rows.filter((x) => x.r.nodeName === node));
    if (!opts.latest) return all;
    const seen = new Set<string>();
    return all.filter((r) => !seen.has(r.generator) && (seen.add(r.generator), true));
  }

  async forTask(taskId: string): Promise<BuildDataRecord[]> {
    return newestFirst(this.rows.filter((x) => x.r.taskId === taskId));
  }
}
