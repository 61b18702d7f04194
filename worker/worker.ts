import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { loadDesign } from '../design';
import { createActivities, type ActivityDeps } from '../activities';
import { DesignStore } from '../activities/designStore';
import { jsonLogger, type Logger } from '../common/logger';
import { driverConfigFromEnv, type DriverConfig } from '../common/driverConfig';
import { MaasClient, MaasProvisioner } from '../drivers/maas';
import { createOobDrivers } from '../drivers/oob';
import { orchestratorSettingsFromEnv, type OrchestratorSettings } from '../common/orchestratorConfig';
import { temporalConfigFromEnv, type TemporalConfig } from '../common/config';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface DrydockWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  settings?: OrchestratorSettings;
  logger?: Logger;
  /** Driver configuration; from the environment by default. */
  drivers?: DriverConfig;
  /** Overrides for activity dependencies. */
  deps?: Partial<ActivityDeps>;
  /** A pre-built bundle (tests bundle once per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivityTaskExecutions?: number;
}

/** Real drivers from configuration (MAAS_API_URL/KEY, BMC options, boot action reports). */
export function defaultDeps(settings: OrchestratorSettings, logger: Logger, drivers: DriverConfig = driverConfigFromEnv()): ActivityDeps {
  const provisioner =
    drivers.maasApiUrl && drivers.maasApiKey
      ? new MaasProvisioner(new MaasClient({ apiUrl: drivers.maasApiUrl, apiKey: drivers.maasApiKey }, logger), logger)
      : undefined;
  const catalog = provisioner && { images: () => provisioner.availableImages(), kernels: (i: string) => provisioner.availableKernels(i) };
  const oobConfig = {
    logger,
    ipmi: {
      cipherSuite: drivers.ipmiCipherSuite,
      commandTimeoutMs: drivers.ipmiCommandTimeout * 1000,
      powerStateChangeMaxRetries: drivers.powerStateChangeMaxRetries,
      powerStateChangeRetryIntervalMs: drivers.powerStateChangeRetryInterval * 1000,
    },
    redfish: {
      useSsl: drivers.redfishUseSsl,
      insecureSkipVerify: drivers.redfishInsecure,
      powerStateChangeMaxRetries: drivers.powerStateChangeMaxRetries,
      powerStateChangeRetryIntervalMs: drivers.powerStateChangeRetryInterval * 1000,
    },
  };
  const oob = { ipmi: createOobDrivers('ipmi', oobConfig), redfish: createOobDrivers('redfish', oobConfig) };
  return {
    settings,
    logger,
    designs: new DesignStore((ref) => loadDesign(ref, { platformCatalog: catalog || undefined }), logger),
    provisioner,
    oob: (type) => oob[type],
    bmcPorts: drivers.bmcPorts,
    bootActions: { secret: drivers.bootActionSecret, reportUrl: drivers.bootActionReportUrl },
  };
}

export async function createDrydockWorker(opts: DrydockWorkerOptions): Promise<Worker> {
  const logger = opts.logger ?? jsonLogger({ base: { component: 'worker' } });
  const settings = opts.settings ?? orchestratorSettingsFromEnv();
  const deps = { ...defaultDeps(settings, logger, opts.drivers), ...opts.deps };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
  });
}

/** `npm run worker`: a worker for an existing Temporal server (TEMPORAL_ADDRESS). */
export async function runWorker(cfg: TemporalConfig): Promise<void> {
  if (!cfg.address) throw new Error('TEMPORAL_ADDRESS is not set: the worker needs a Temporal server (or use `npm start`)');
  const connection = await NativeConnection.connect({ address: cfg.address });
  const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
  console.error(`drydock worker: polling task queue ${cfg.taskQueue} on ${cfg.address} (namespace ${cfg.namespace})`);
  await worker.run();
  await connection.close();
}

if (require.main === module) {
  runWorker(temporalConfigFromEnv()).catch((e) => {
    console.error(`drydock worker: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
