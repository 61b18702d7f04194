/**
 * The deploy benchmark's site process (bench/deploy.ts forks it): the simulated site of a design file with
 * zero-latency peers (MaaS steps take no time, BMC power changes at once) and the boot action API its
 * deployed nodes report to, kept out of the worker's process so the worker's memory is measured alone.
 * It sends the driver configuration to its parent once up, answers `counters` with the MaaS emulator's,
 * and stops on `stop` or SIGTERM.
 */
import { Connection } from '@temporalio/client';
import { silentLogger } from '../common/logger';
import { loadDesign } from '../design';
import { TEST_DURATIONS } from '../emulators/maas';
import { startSimulatedSite } from '../worker/simulatedSite';

export interface SiteProcessInput {
  designRef: string;
  temporalAddress: string;
  namespace: string;
}

export type SiteMessage =
  | { type: 'ready'; drivers: import('../common/driverConfig').DriverConfig; bmcs: number; startMs: number }
  | { type: 'counters'; maasRequests: number; byRoute: Record<string, number> }
  | { type: 'error'; message: string };

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_SITE ?? '') as SiteProcessInput;
  const send = (m: SiteMessage) => process.send!(m);
  const loaded = await loadDesign(input.designRef);
  if (!loaded.design) throw new Error(`${input.designRef} does not load: ${loaded.status.message}`);
  const connection = await Connection.connect({ address: input.temporalAddress });
  const t0 = Date.now();
  const site = await startSimulatedSite({
    design: loaded.design,
    connection,
    namespace: input.namespace,
    // The workers' converter without DRYDOCK_CODEC_KEY (the default), as bench/deploy.ts's worker and client.
    dataConverter: {},
    enlistment: 'pxe-boot',
    durations: TEST_DURATIONS,
    powerTransitionMs: 0,
    logger: silentLogger,
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await site.stop().catch(() => undefined);
    await connection.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') void stop();
    if (m.type === 'counters') {
      const c = site.sim.maas.counters();
      send({ type: 'counters', maasRequests: c.requests.total, byRoute: c.requests.byRoute });
    }
  });
  send({ type: 'ready', drivers: site.drivers, bmcs: site.sim.bmcs.size, startMs: Date.now() - t0 });
}

main().catch((e) => {
  process.send?.({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies SiteMessage);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
