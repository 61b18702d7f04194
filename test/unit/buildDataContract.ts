/**
 * The one contract every BuildDataStore meets (memory, files, PostgreSQL): Drydock's build data reads
 * (`GET /nodes/{name}/builddata?latest=`, `GET /tasks/{id}/builddata`) over records that are only ever appended.
 */
import type { BuildDataRecord, BuildDataStore } from '../../drivers/buildData';

export interface StoreUnderTest {
  /** A store on empty backing storage. */
  store: BuildDataStore;
  /** Another store object on the same backing storage: a worker restarted, or a second worker. */
  reopen(): Promise<BuildDataStore>;
  close(): Promise<void>;
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 12, minute, 0, 0)).toISOString();

const rec = (nodeName: string, taskId: string, minute: number, generator: string, data: string, dataFormat = 'text/plain'): BuildDataRecord => ({
  nodeName,
  taskId,
  collectedDate: at(minute),
  generator,
  dataFormat,
  data,
});

const brief = (rs: BuildDataRecord[]) => rs.map((r) => `${r.nodeName}/${r.taskId}/${r.collectedDate.slice(11, 16)}/${r.generator}/${r.data.slice(0, 12)}`);

export function buildDataStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} build data store`, () => {
    let s: StoreUnderTest;
    beforeEach(async () => {
      s = await open();
    });
    afterEach(async () => {
      await s?.close();
    });

    test("a node's records newest first; latest: the newest of each generator; a task's records over its nodes", async () => {
      await s.store.put([rec('n01', 'task-a', 1, 'commission:maas-lshw', 'lshw a'), rec('n01', 'task-a', 1, 'lshw', '<list>a</list>', 'text/xml')]);
      await s.store.put([rec('n02', 'task-a', 2, 'lshw', '<list>b</list>', 'text/xml')]);
      await s.store.put([rec('n01', 'task-b', 3, 'lshw', '<list>c</list>', 'text/xml')]);

      expect(brief(await s.store.forNode('n01'))).toEqual([
        'n01/task-b/12:03/lshw/<list>c</lis',
        'n01/task-a/12:01/commission:maas-lshw/lshw a',
        'n01/task-a/12:01/lshw/<list>a</lis',
      ]);
      expect(brief(await s.store.forNode('n01', { latest: true }))).toEqual(['n01/task-b/12:03/lshw/<list>c</lis', 'n01/task-a/12:01/commission:maas-lshw/lshw a']);
      expect(brief(await s.store.forTask('task-a'))).toEqual([
        'n02/task-a/12:02/lshw/<list>b</lis',
        'n01/task-a/12:01/commission:maas-lshw/lshw a',
        'n01/task-a/12:01/lshw/<list>a</lis',
      ]);
      expect(await s.store.forNode('n03')).toEqual([]);
      expect(await s.store.forTask('task-c')).toEqual([]);
    });

    test('a record is never replaced: collecting the same generator again keeps both', async () => {
      await s.store.put([rec('n01', 'task-a', 5, 'lshw', 'first')]);
      await s.store.put([rec('n01', 'task-a', 5, 'lshw', 'second')]);
      // Collected at the same moment: the order they were put in.
      expect((await s.store.forNode('n01')).map((r) => r.data)).toEqual(['first', 'second']);
      expect((await s.store.forNode('n01', { latest: true })).map((r) => r.data)).toEqual(['first']);
    });

    test('every field comes back exactly: newlines, quotes, non-ASCII, a 2 MB lshw document', async () => {
      const big = `<?xml version="1.0" ?>\n<list>\n${'  <node id="network" class="network" handle="PCI:0000:01:00.0">é\u2713"\\\t</node>\n'.repeat(25_000)}</list>\n`;
      const records = [
        rec('n01', '6f1c1a2e-6a55-4c39-9d51-8f0f7c2a9b10', 7, 'lshw', big, 'text/xml'),
        rec('n01', '6f1c1a2e-6a55-4c39-9d51-8f0f7c2a9b10', 7, 'commission:maas-list-modaliases', 'line 1\r\nline "2"\n\u0001end'),
      ];
      await s.store.put(records);
      expect(await s.store.forNode('n01')).toEqual(records);
      expect(await s.store.forTask('6f1c1a2e-6a55-4c39-9d51-8f0f7c2a9b10')).toEqual(records);
    });

    test('a store opened again on the same storage (a restarted or a second worker) reads what was put, and adds to it', async () => {
      await s.store.put([rec('n01', 'task-a', 1, 'lshw', 'before')]);
      const again = await s.reopen();
      expect((await again.forNode('n01')).map((r) => r.data)).toEqual(['before']);
      await again.put([rec('n01', 'task-b', 2, 'lshw', 'after')]);
      expect((await s.store.forNode('n01')).map((r) => r.data)).toEqual(['after', 'before']);
      expect((await s.store.forTask('task-b')).map((r) => r.data)).toEqual(['after']);
    });

    test('concurrent puts from two store objects lose nothing', async () => {
      const other = await s.reopen();
      const batch = (who: string, i: number) => [rec('n01', `task-${who}`, i % 60, 'lshw', `${who}-${i}-${'x'.repeat(5000)}`)];
      await Promise.all([...Array.from({ length: 40 }, (_, i) => s.store.put(batch('a', i))), ...Array.from({ length: 40 }, (_, i) => other.put(batch('b', i)))]);
      const all = await s.store.forNode('n01');
      expect(all).toHaveLength(80);
      expect(new Set(all.map((r) => r.data.split('-x')[0])).size).toBe(80);
      expect(await s.store.forTask('task-a')).toHaveLength(40);
    });
  });
}
