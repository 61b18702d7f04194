import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { DriverConfig } from '../common/driverConfig';
import { silentLogger, type Logger } from '../common/logger';
import { DesignStore } from '../activities/designStore';
import { loadDesign, type EffectiveDesign } from '../design';
import { startBootActionApi, type BootActionApi } from './bootactionApi';
import { TEST_DURATIONS, type StepDurations } from '../emulators/maas';
import { startSiteSimulator, type SiteSimulator, type SiteSimulatorOptions } from '../emulators/site/simulator';

export interface SimulatedSite {
  sim: SiteSimulator;
  api: BootActionApi;
  /** What a worker needs to reach this site: MAAS_API_URL/KEY, DRYDOCK_BMC_ENDPOINTS, boot action and Promenade settings. */
  drivers: DriverConfig;
  stop(): Promise<void>;
}

export interface SimulatedSiteOptions extends Partial<Pick<SiteSimulatorOptions, 'enlistment' | 'maas' | 'powerTransitionMs'>> {
  design: EffectiveDesign;
  /** Temporal connection for the boot action API (node reports become signals). */
  connection: Connection;
  namespace?: string;
  /** The workers' data converter (reports become signals they decode); default from DRYDOCK_CODEC_KEY. */
  dataConverter?: DataConverter;
  /** MaaS step durations; instant by default. */
  durations?: Partial<StepDurations>;
  logger?: Logger;
  /**
   * The workers' state directory (build data in files there, as DRYDOCK_STATE_DIR); default a temporary one
   * removed by stop(). `npm start` passes its own, so build data outlives the simulated site like its tasks.
   */
  stateDir?: string;
}

/**
 * A whole site on this machine: the simulator (MaaS, BMCs, Promenade, nodes that run their boot actions) and
 * the boot action API those nodes report to, with the driver configuration that points a worker at them.
 * Used by `npm start`'s embedded default, the tests and the history recorder.
 */
export async function startSimulatedSite(opts: SimulatedSiteOptions): Promise<SimulatedSite> {
  const logger = opts.logger ?? silentLogger;
  const sim = await startSiteSimulator({
    design: opts.design,
    enlistment: opts.enlistment ?? 'pxe-boot',
    powerTransitionMs: opts.powerTransitionMs ?? 100,
    logger,
    maas: { stepDurations: { ...TEST_DURATIONS, ...opts.durations }, ...opts.maas },
  });
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-site-state-'));
  let api: BootActionApi;
  const secret = randomBytes(24).toString('hex');
  try {
    // The API renders each node's assets from the design its deploy started with, as the workers do.
    const designs = new DesignStore((ref) => loadDesign(ref), logger);
    api = await startBootActionApi({ connection: opts.connection, namespace: opts.namespace, dataConverter: opts.dataConverter, secret, designs, logger });
  } catch (e) {
    await sim.stop();
    if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  const drivers: DriverConfig = {
    maasApiUrl: sim.maas.url,
    maasApiKey: sim.maas.apiKey,
    ipmiCipherSuite: 3,
    ipmiCommandTimeout: 10,
    redfishUseSsl: false,
    redfishInsecure: false,
    powerStateChangeMaxRetries: 40,
    powerStateChangeRetryInterval: 0.1,
    bmcEndpoints: sim.bmcEndpoints,
    bootActionSecret: secret,
    bootActionReportUrl: api.reportUrl,
    promenadeUrl: sim.promenade.url,
    promenadeToken: sim.promenadeToken,
    stateDir,
  };
  return {
    sim,
    api,
    drivers,
    stop: async () => {
      await api.stop();
      await sim.stop();
      if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
