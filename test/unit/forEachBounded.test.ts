/**
 * forEachBounded: the node actions' fan-out (at most max_parallel_nodes children in flight). It is plain
 * promise code, so it runs outside a workflow; importing workflows/nodeAction outside one is safe because
 * the module only creates activity stubs at load and calls no workflow API until a workflow runs it.
 */
import { forEachBounded } from '../../workflows/nodeAction';

/** Work items the test finishes by hand, so that what is in flight at each moment is known. */
function manualWork() {
  const started: number[] = [];
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = (item: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(item);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = () => (inFlight -= 1);
      pending.set(item, { resolve: () => (done(), resolve()), reject: (e) => (done(), reject(e)) });
    });
  return {
    fn,
    started,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    finish: async (item: number) => {
      pending.get(item)!.resolve();
      pending.delete(item);
      await settle();
    },
    fail: async (item: number, e: Error) => {
      pending.get(item)!.reject(e);
      pending.delete(item);
      await settle();
    },
  };
}

/** Lets every promise reaction that is ready run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('at most `limit` in flight; the next item starts only when one finishes, in list order', async () => {
  const w = manualWork();
  const items = [1, 2, 3, 4, 5, 6, 7];
  const all = forEachBounded(items, 3, w.fn);
  await settle();
  expect(w.started).toEqual([1, 2, 3]);
  await w.finish(2);
  expect(w.started).toEqual([1, 2, 3, 4]);
  expect(w.inFlight()).toBe(3);
  await w.finish(1);
  await w.finish(4);
  expect(w.started).toEqual([1, 2, 3, 4, 5, 6]);
  for (const i of [3, 5, 6]) await w.finish(i);
  expect(w.started).toEqual(items);
  await w.finish(7);
  await expect(all).resolves.toBeUndefined();
  expect(w.maxInFlight()).toBe(3);
});

test('every item runs exactly once, also when items finish in another order than they started', async () => {
  const seen: string[] = [];
  const items = Array.from({ length: 25 }, (_, i) => `n${String(i + 1).padStart(2, '0')}`);
  // Later items finish sooner: completion order is the reverse of start order within each wave.
  await forEachBounded(items, 4, async (n) => {
    await new Promise((r) => setTimeout(r, 25 - Number(n.slice(1))));
    seen.push(n);
  });
  expect([...seen].sort()).toEqual(items);
  expect(new Set(seen).size).toBe(items.length);
});

test('a limit larger than the list starts every item at once', async () => {
  const w = manualWork();
  const all = forEachBounded([1, 2, 3], 16, w.fn);
  await settle();
  expect(w.started).toEqual([1, 2, 3]);
  expect(w.inFlight()).toBe(3);
  for (const i of [3, 1, 2]) await w.finish(i);
  await expect(all).resolves.toBeUndefined();
});

test('a limit of 1 runs the items one after the other', async () => {
  const w = manualWork();
  const all = forEachBounded([1, 2, 3], 1, w.fn);
  await settle();
  expect(w.started).toEqual([1]);
  await w.finish(1);
  expect(w.started).toEqual([1, 2]);
  await w.finish(2);
  await w.finish(3);
  await expect(all).resolves.toBeUndefined();
  expect(w.maxInFlight()).toBe(1);
});

test('an empty list resolves at once without calling fn', async () => {
  const fn = jest.fn(async () => undefined);
  await expect(forEachBounded([], 5, fn)).resolves.toBeUndefined();
  expect(fn).not.toHaveBeenCalled();
});

test('a rejecting item rejects the whole run with its error; its lane starts nothing more', async () => {
  const w = manualWork();
  const all = forEachBounded([1, 2, 3, 4, 5], 2, w.fn);
  const outcome = all.then(
    () => 'resolved',
    (e: Error) => e.message,
  );
  await settle();
  expect(w.started).toEqual([1, 2]);
  await w.fail(1, new Error('child workflow failed'));
  await expect(outcome).resolves.toBe('child workflow failed');
  // The failed lane stops; the other lane goes on with the remaining items (node actions catch child failures
  // inside fn, so in practice fn never rejects).
  expect(w.started).toEqual([1, 2]);
  await w.finish(2);
  expect(w.started).toEqual([1, 2, 3]);
  await w.finish(3);
  await w.finish(4);
  await w.finish(5);
  expect(w.started).toEqual([1, 2, 3, 4, 5]);
});
