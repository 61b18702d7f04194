/**
 * Build data in files: the embedded default, under the state directory (DRYDOCK_STATE_DIR) next to the
 * embedded Temporal server's database. Append-only JSON lines, one file per node, with Drydock's
 * `build_data` column names:
 *
 *   <dir>/nodes/<node>.jsonl   one record a line
 *   <dir>/tasks/<task>.jsonl   which nodes' files hold the task's records (`{"node_name": …}` a line)
 *
 * Nothing is held in memory, so a worker that restarts, or a second worker on the same directory, reads
 * what the first one wrote. Each put is one O_APPEND write per file (the kernel appends a write whole,
 * so two processes never interleave inside one) followed by fsync; the task's index line is written
 * before the node's records, so a crash in between leaves at most an index line naming a file without
 * that task's records, which reading ignores. A crash in the middle of a write leaves a torn last line:
 * every write starts on a fresh line, so the torn one is skipped when read and the next write is whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../common/logger';
import { BUILD_DATA_COLUMNS, fromBuildDataRow, latestPerGenerator, newestFirst, toBuildDataRow, type BuildDataRecord, type BuildDataRow, type BuildDataStore } from './buildData';

/** A line of a node file is Drydock's `build_data` row; a line that is not one (torn by a crash) is skipped. */
function fromRow(v: unknown): BuildDataRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (!BUILD_DATA_COLUMNS.every((k) => typeof o[k] === 'string')) return undefined;
  return fromBuildDataRow(o as unknown as BuildDataRow);
}

/**
 * A node name or task id as a file name: letters, digits, `_` and `-` as they are, every other byte as
 * `%XX`, so no name can climb out of its directory (`..`, `/`) and two names never share a file.
 */
export function fileNameOf(name: string): string {
  let out = '';
  for (const b of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${out}.jsonl`;
}

export interface FileBuildDataStoreOptions {
  /** The store's directory, e.g. `<DRYDOCK_STATE_DIR>/builddata`; created when missing. */
  dir: string;
  /** Where a skipped (torn or foreign) line is reported. */
  logger?: Logger;
}

export class FileBuildDataStore implements BuildDataStore {
  readonly dir: string;
  private readonly logger?: Logger;

  constructor(opts: FileBuildDataStoreOptions) {
    this.dir = path.resolve(opts.dir);
    this.logger = opts.logger;
  }

  async put(records: BuildDataRecord[]): Promise<void> {
    const byNode = new Map<string, BuildDataRecord[]>();
    for (const r of records) byNode.set(r.nodeName, [...(byNode.get(r.nodeName) ?? []), r]);
    for (const [node, rows] of byNode) {
      for (const taskId of new Set(rows.map((r) => r.taskId))) {
        await appendLines(this.file('tasks', taskId), [JSON.stringify({ node_name: node })]);
      }
      await appendLines(
        this.file('nodes', node),
        rows.map((r) => JSON.stringify(toBuildDataRow(r))),
      );
    }
  }

  async forNode(node: string, opts: { latest?: boolean } = {}): Promise<BuildDataRecord[]> {
    const all = newestFirst((await this.read('nodes', node)).map((r, seq) => ({ r, seq })));
    return opts.latest ? latestPerGenerator(all) : all;
  }

  async forTask(taskId: string): Promise<BuildDataRecord[]> {
    const nodes = new Set<string>();
    for (const line of await this.lines(this.file('tasks', taskId))) {
      const node = (line.value as { node_name?: unknown } | undefined)?.node_name;
      if (typeof node === 'string') nodes.add(node);
    }
    const rows: { r: BuildDataRecord; seq: number }[] = [];
    for (const node of nodes) {
      for (const r of await this.read('nodes', node)) if (r.taskId === taskId) rows.push({ r, seq: rows.length });
    }
    return newestFirst(rows);
  }

  private file(kind: 'nodes' | 'tasks', name: string): string {
    return path.join(this.dir, kind, fileNameOf(name));
  }

  private async read(kind: 'nodes', name: string): Promise<BuildDataRecord[]> {
    const out: BuildDataRecord[] = [];
    for (const line of await this.lines(this.file(kind, name))) {
      const r = fromRow(line.value);
      if (r && r.nodeName === name) out.push(r);
      else this.skipped(line.file, line.number, 'not a build data record');
    }
    return out;
  }

  /** The file's parsed lines; blank lines are the separators every write starts with, torn ones are skipped. */
  private async lines(file: string): Promise<{ file: string; number: number; value: unknown }[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: { file: string; number: number; value: unknown }[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push({ file, number: i + 1, value: JSON.parse(line) });
      } catch {
        this.skipped(file, i + 1, 'torn or not JSON (a write cut short by a crash)');
      }
    });
    return out;
  }

  private skipped(file: string, line: number, why: string): void {
    this.logger?.warn('build data line skipped', { file, line, why });
  }
}

/**
 * One O_APPEND write of whole lines, starting on a fresh line, then fsync (and of the directory when the file
 * is new), so what put() returned for survives a crash of the process or the machine.
 */
async function appendLines(file: string, lines: string[]): Promise<void> {
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true });
  const fresh = !fs.existsSync(file);
  const fh = await fs.promises.open(file, 'a');
  try {
    const buf = Buffer.from(`\n${lines.join('\n')}\n`, 'utf8');
    for (let off = 0; off < buf.length;) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
    await fh.datasync();
  } finally {
    await fh.close();
  }
  if (fresh) await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const d = await fs.promises.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
