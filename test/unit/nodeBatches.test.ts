import { orchestratorSettingsSchema } from '../../common/orchestratorConfig';
import { batchesOf } from '../../workflows/nodeAction';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
const settings = (node_batch_size: number, max_parallel_nodes: number) => orchestratorSettingsSchema.parse({ node_batch_size, max_parallel_nodes });

describe('batchesOf: a large node action split into batch workflows', () => {
  test('up to one batch of nodes: no batches, the nodes as they are', () => {
    expect(batchesOf(nodes(100), settings(100, 16))).toEqual([nodes(100)]);
  });

  test.each([
    // nodes, batch size, max parallel → batches, smallest and largest
    [1000, 100, 16, 16, 62, 63],
    [1000, 100, 64, 16, 62, 63],
    [1000, 100, 10, 10, 100, 100],
    [101, 100, 16, 2, 50, 51],
    [300, 100, 64, 4, 75, 75],
    [10_000, 100, 16, 112, 89, 90],
  ])('%i nodes, batches of %i, %i in parallel → %i batches of %i–%i', (n, size, max, count, min, most) => {
    const b = batchesOf(nodes(n), settings(size, max));
    expect(b).toHaveLength(count);
    expect(Math.min(...b.map((x) => x.length))).toBe(min);
    expect(Math.max(...b.map((x) => x.length))).toBe(most);
    // Every node once, in order; no batch over the size; the count keeps every parallel slot busy.
    expect(b.flat()).toEqual(nodes(n));
    expect(most).toBeLessThanOrEqual(size);
    expect(count <= max ? max % count : count % max).toBe(0);
  });

  test('settings recorded before node_batch_size existed: one batch', () => {
    const old = { ...settings(100, 16), node_batch_size: undefined } as unknown as ReturnType<typeof settings>;
    expect(batchesOf(nodes(5000), old)).toEqual([nodes(5000)]);
  });
});
