/**
 * The build data stores against one contract (test/unit/buildDataContract.ts), and what only the file store
 * must survive: a torn last line after a crash, two processes appending at once, names that are not file names.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryLogger } from '../../common/logger';
import { MemoryBuildDataStore, type BuildDataRecord } from '../../drivers/buildData';
import { FileBuildDataStore, fileNameOf } from '../../drivers/buildDataFile';
import { buildDataStoreContract } from './buildDataContract';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-builddata-'));

buildDataStoreContract('memory', async () => {
  const store = new MemoryBuildDataStore();
  return { store, reopen: async () => store, close: async () => undefined };
});

buildDataStoreContract('file', async () => {
  const dir = tmpDir();
  return {
    store: new FileBuildDataStore({ dir }),
    reopen: async () => new FileBuildDataStore({ dir }),
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('file build data store', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const rec = (data: string, taskId = 'task-1'): BuildDataRecord => ({
    nodeName: 'n01',
    taskId,
    collectedDate: new Date().toISOString(),
    generator: 'lshw',
    dataFormat: 'text/xml',
    data,
  });

  test('a line torn by a crash is skipped and reported; the records before and after it are whole', async () => {
    const logger = memoryLogger();
    const store = new FileBuildDataStore({ dir, logger });
    await store.put([rec('before')]);
    // What a process killed in the middle of its write leaves: part of a line, no newline.
    const file = path.join(dir, 'nodes', 'n01.jsonl');
    const whole = JSON.stringify({
      node_name: 'n01',
      task_id: 'task-1',
      collected_date: new Date().toISOString(),
      generator: 'lshw',
      data_format: 'text/xml',
      data_element: 'torn',
    });
    fs.appendFileSync(file, `\n${whole.slice(0, whole.length - 9)}`);
    await new FileBuildDataStore({ dir, logger }).put([rec('after')]);

    expect((await store.forNode('n01')).map((r) => r.data).sort()).toEqual(['after', 'before']);
    expect((await store.forTask('task-1')).map((r) => r.data).sort()).toEqual(['after', 'before']);
    expect(logger.lines.filter((l) => l.includes('build data line skipped')).length).toBeGreaterThan(0);
    expect(logger.lines.join('\n')).toContain('torn or not JSON');
  });

  test('two processes appending 64 KiB records to the same node at once: every record whole', async () => {
    const writer = path.join(__dirname, 'buildDataWriter.ts');
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const run = (who: string) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(tsx, [writer, dir, who, '60'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${who} exited ${code}: ${err}`))));
      });
    await Promise.all([run('a'), run('b')]);
    const logger = memoryLogger();
    const store = new FileBuildDataStore({ dir, logger });
    const all = await store.forNode('n01');
    expect(all).toHaveLength(120);
    expect(new Set(all.map((r) => r.data.split('-y')[0])).size).toBe(120);
    expect(all.every((r) => r.data.length > 64 * 1024)).toBe(true);
    expect(await store.forTask('task-a')).toHaveLength(60);
    expect(logger.lines).toEqual([]);
  }, 60_000);

  test("node names and task ids become file names inside the store's directory, one file per name", async () => {
    expect(fileNameOf('n01')).toBe('n01.jsonl');
    expect(fileNameOf('../../etc/passwd')).toBe('%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.jsonl');
    expect(fileNameOf('a.b')).not.toBe(fileNameOf('a_b'));
    const store = new FileBuildDataStore({ dir: path.join(dir, 'store') });
    const odd = { ...rec('odd', '../task'), nodeName: '../n01' };
    await store.put([odd]);
    expect(fs.readdirSync(dir)).toEqual(['store']);
    expect(await store.forNode('../n01')).toEqual([odd]);
    expect(await store.forTask('../task')).toEqual([odd]);
    expect(await store.forNode('n01')).toEqual([]);
  });
});
