import { Connection } from '@temporalio/client';
import type { EffectiveDesign } from '../../design';
import { silentLogger, type Logger } from '../../common/logger';
import type { StepDurations } from '../../emulators/maas';
import type { SiteSimulator, SiteSimulatorOptions } from '../../emulators/site/simulator';
import { startSimulatedSite as startSite, type SimulatedSite as Site } from '../../worker/simulatedSite';
import { demoDesign } from './demoSite';
import { temporalAddress } from './temporal';

// Simulated-site tests take the example site's references from here too.
export { DEMO_SITE, DEMO_SITE_PATH, demoDesign } from './demoSite';

export interface SimulatedSite extends Site {
  design: EffectiveDesign;
}

/** The example site (or `designRef`) on the simulator with its boot action API, against the run's Temporal server. */
export async function startSimulatedSite(
  opts: { durations?: Partial<StepDurations>; logger?: Logger; designRef?: string } & Partial<Pick<SiteSimulatorOptions, 'enlistment' | 'maas'>> = {},
): Promise<SimulatedSite> {
  const design = await demoDesign(opts.designRef);
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    const site = await startSite({ ...opts, design, connection, logger: opts.logger ?? silentLogger });
    return {
      ...site,
      design,
      stop: async () => {
        await site.stop();
        await connection.close();
      },
    };
  } catch (e) {
    await connection.close();
    throw e;
  }
}

/** Emulator counters of one operation for every machine, by node name. */
export function countsOf(sim: SiteSimulator, op: string): Record<string, number> {
  const c = sim.maas.counters().machines;
  return Object.fromEntries(sim.nodes.map((n) => [n.name, c[n.name]?.[op] ?? 0]));
}
