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
import { startDrydockApi, type ApiDeps, type Authorize, type DrydockApi } from './api';
import type { BuildDataStore } from '../drivers/buildData';
import { orchestratorSettingsFromEnv } from '../common/orchestratorConfig';
import { defaultDeps } from './deps';
import { TEST_DURATIONS, type StepDurations } from '../emulators/maas';
import { startSiteSimulator, type SiteSimulator, type SiteSimulatorOptions } from '../emulators/site/simulator';
import { keystoneTokensFromEnv } from '../common/keystone';

export interface SimulatedSite {
  sim: SiteSimulator;
  /** Drydock's API (boot action reports included) the site's nodes report to. */
  api: DrydockApi;
  /** The drivers the API reads (MaaS provisioner, build data): give a worker the same ones. */
  apiDeps: ApiDeps;
  /** What a worker needs to reach this site: MAAS_API_URL/KEY, DRYDOCK_BMC_ENDPOINTS, boot action and Promenade settings. */
  drivers: DriverConfig;
  stop(): Promise<void>;
}

export interface SimulatedSiteOptions extends Partial<Pick<SiteSimulatorOptions, 'enlistment' | 'maas' | 'powerTransitionMs' | 'bmcReports'>> {
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
  /** Drydock's API: port (default any free one), bind address, the workers' task queue, policy hook, build data store. */
  api?: { port?: number; host?: string; taskQueue?: string; authorize?: Authorize; buildData?: BuildDataStore };
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
    bmcReports: opts.bmcReports,
    logger,
    maas: { stepDurations: { ...TEST_DURATIONS, ...opts.durations }, ...opts.maas },
  });
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-site-state-'));
  let api: DrydockApi;
  let apiDeps: ApiDeps;
  const secret = randomBytes(24).toString('hex');
  try {
    // The API renders each node's assets from the design its deploy started with, as the workers do.
    const designs = new DesignStore((ref) => loadDesign(ref, { tokens: keystoneTokensFromEnv() }), logger);
    apiDeps = { designs };
    const o = opts.api ?? {};
    api = await startDrydockApi({
      connection: opts.connection,
      namespace: opts.namespace,
      dataConverter: opts.dataConverter,
      secret,
      deps: apiDeps,
      logger,
      port: o.port,
      host: o.host,
      taskQueue: o.taskQueue,
      authorize: o.authorize,
    });
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
  // The API lists machines and serves build data through a worker's own drivers for this site.
  const workerDeps = defaultDeps(orchestratorSettingsFromEnv(), logger, drivers);
  apiDeps.provisioner = workerDeps.provisioner;
  apiDeps.buildData = opts.api?.buildData ?? workerDeps.buildData;
  return {
    sim,
    api,
    apiDeps,
    drivers,
    stop: async () => {
      await api.stop();
      await sim.stop();
      if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
