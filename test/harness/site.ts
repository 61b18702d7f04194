import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadDesign, type EffectiveDesign } from '../../design';
import type { DriverConfig } from '../../common/driverConfig';
import { silentLogger, type Logger } from '../../common/logger';
import { TEST_DURATIONS, type StepDurations } from '../../emulators/maas';
import { startSiteSimulator, type SiteSimulator, type SiteSimulatorOptions } from '../../emulators/site/simulator';
import { startBootActionApi, type BootActionApi } from '../../worker/bootactionApi';
import { temporalAddress } from './temporal';

export const DEMO_SITE_PATH = path.resolve(__dirname, '../../examples/site/demo-site.yaml');
export const DEMO_SITE = `file://${DEMO_SITE_PATH}`;

export async function demoDesign(): Promise<EffectiveDesign> {
  const loaded = await loadDesign(DEMO_SITE);
  if (!loaded.design || loaded.status.status !== 'Success') throw new Error(`demo site does not validate: ${JSON.stringify(loaded.status.details.messageList.filter((m) => m.error))}`);
  return loaded.design;
}

export interface SimulatedSite {
  sim: SiteSimulator;
  api: BootActionApi;
  drivers: DriverConfig;
  design: EffectiveDesign;
  stop(): Promise<void>;
}

/**
 * The example site on the simulator, the boot action API, and the driver configuration a worker needs to
 * reach them (what DRYDOCK_BMC_PORTS, MAAS_API_URL/KEY and the boot action settings would say).
 */
export async function startSimulatedSite(
  opts: {
    durations?: Partial<StepDurations>;
    logger?: Logger;
    /** The workers' data converter, for the boot action API's signals; default from DRYDOCK_CODEC_KEY like theirs. */
    dataConverter?: DataConverter;
  } & Partial<Pick<SiteSimulatorOptions, 'enlistment' | 'maas'>> = {},
): Promise<SimulatedSite> {
  const design = await demoDesign();
  const sim = await startSiteSimulator({
    design,
    enlistment: opts.enlistment ?? 'pxe-boot',
    powerTransitionMs: 100,
    logger: opts.logger ?? silentLogger,
    maas: { stepDurations: { ...TEST_DURATIONS, ...opts.durations }, ...opts.maas },
  });
  const connection = await Connection.connect({ address: temporalAddress() });
  const secret = 'test-bootaction-secret-0123456789';
  const api = await startBootActionApi({ connection, dataConverter: opts.dataConverter, secret, logger: opts.logger ?? silentLogger });
  const drivers: DriverConfig = {
    maasApiUrl: sim.maas.url,
    maasApiKey: sim.maas.apiKey,
    ipmiCipherSuite: 3,
    ipmiCommandTimeout: 10,
    redfishUseSsl: false,
    redfishInsecure: false,
    powerStateChangeMaxRetries: 40,
    powerStateChangeRetryInterval: 0.1,
    bmcPorts: sim.bmcPorts,
    bootActionSecret: secret,
    bootActionReportUrl: api.reportUrl,
    promenadeUrl: sim.promenade.url,
    promenadeToken: sim.promenadeToken,
  };
  return {
    sim,
    api,
    drivers,
    design,
    stop: async () => {
      await api.stop();
      await connection.close();
      await sim.stop();
    },
  };
}

/** Emulator counters of one operation for every machine, by node name. */
export function countsOf(sim: SiteSimulator, op: string): Record<string, number> {
  const c = sim.maas.counters().machines;
  return Object.fromEntries(sim.nodes.map((n) => [n.name, c[n.name]?.[op] ?? 0]));
}
