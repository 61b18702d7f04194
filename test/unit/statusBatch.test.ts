/**
 * Shared MaaS status polling (drivers/maas/statusBatch.ts): many nodes' status reads become one machines read,
 * never two at once. Against a fake machines list that answers when the test says.
 */
import { MaasNotFoundError } from '../../drivers/maas/errors';
import type { MachinesApi } from '../../drivers/maas/models/machines';
import type { MaasMachine } from '../../drivers/maas/models/wire';
import { MachineStatusBatch } from '../../drivers/maas/statusBatch';

/** A machines API whose `list` calls are recorded and answered by the test, one at a time. */
function fakeMachines(known: string[]) {
  const calls: { ids: string[]; answer: (fail?: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const api = {
    list: (filter: { id?: string[] }) =>
      new Promise<MaasMachine[]>((resolve, reject) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        calls.push({
          ids: [...(filter.id ?? [])],
          answer: (fail) => {
            inFlight--;
            if (fail) reject(fail);
            else resolve(known.filter((id) => filter.id?.includes(id)).map((id) => ({ system_id: id, status_name: 'Deploying' }) as MaasMachine));
          },
        });
      }),
  } as unknown as MachinesApi;
  return { api, calls, maxInFlight: () => maxInFlight };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a hundred nodes reading at once share one machines read', async () => {
  const ids = Array.from({ length: 100 }, (_, i) => `sys${i}`);
  const m = fakeMachines(ids);
  const batch = new MachineStatusBatch(m.api, 'http://maas', 5);
  const reads = ids.map((id) => batch.read(id));
  await tick(20);
  expect(m.calls.map((c) => c.ids.length)).toEqual([100]);
  m.calls[0].answer();
  expect((await Promise.all(reads)).map((x) => x.system_id)).toEqual(ids);
});

test('reads asked for while one is in flight wait for it and go together in the next: never two at once', async () => {
  const m = fakeMachines(['a', 'b', 'c', 'd']);
  const batch = new MachineStatusBatch(m.api, 'http://maas', 5);
  const first = batch.read('a');
  await tick(20);
  const later = [batch.read('b'), batch.read('c'), batch.read('b')];
  await tick(20);
  expect(m.calls.map((c) => c.ids)).toEqual([['a']]);
  m.calls[0].answer();
  await first;
  await tick(20);
  expect(m.calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c']]);
  m.calls[1].answer();
  expect((await Promise.all(later)).map((x) => x.system_id)).toEqual(['b', 'c', 'b']);
  expect(m.maxInFlight()).toBe(1);
});

test('a machine MaaS does not know fails only its own read; a failed read fails its batch, not the next', async () => {
  const m = fakeMachines(['a']);
  const batch = new MachineStatusBatch(m.api, 'http://maas', 5);
  const [known, gone] = [batch.read('a'), batch.read('gone')];
  await tick(20);
  m.calls[0].answer();
  await expect(known).resolves.toMatchObject({ system_id: 'a' });
  await expect(gone).rejects.toBeInstanceOf(MaasNotFoundError);

  const failed = batch.read('a');
  await tick(20);
  m.calls[1].answer(new Error('MAAS Error: 503 - Service Unavailable'));
  await expect(failed).rejects.toThrow('503');
  const next = batch.read('a');
  await tick(20);
  m.calls[2].answer();
  await expect(next).resolves.toMatchObject({ system_id: 'a' });
});
