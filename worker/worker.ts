import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { TemporalDesignLocks } from '../activities/designLocks';
import { TemporalNodeClaims } from '../activities/nodeClaims';
import { Context } from '@temporalio/activity';
import { startBootActionApi } from './bootactionApi';
import { loadDesign, type EffectiveDesign } from '../design';
import { createActivities, HEARTBEAT_EVERY_MS, type ActivityDeps } from '../activities';
import { DesignStore } from '../activities/designStore';
import { jsonLogger, type Logger } from '../common/logger';
import { driverConfigFromEnv, type DriverConfig } from '../common/driverConfig';
import { MaasClient, MaasProvisioner } from '../drivers/maas';
import { createOobDrivers } from '../drivers/oob';
import { PromenadeLabelDriver, staticTokenProvider } from '../drivers/promenade';
import { orchestratorSettingsFromEnv, type OrchestratorSettings } from '../common/orchestratorConfig';
import { temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { codecConfigFromEnv, createDataConverter, FAILURE_CONVERTER_PATH } from '../common/codec';
import { installRuntime, telemetryConfigFromEnv } from './telemetry';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** The running activity's cancellation (a terminated task), for driver calls made outside any activity: none. */
function currentCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

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
  /**
   * A pre-built bundle (tests bundle once per run); otherwise the workflows are bundled at start. When the
   * data converter has a failure converter (the codec is on), the bundle must have been built with the same
   * one: `bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH })`.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Payload codec and failure converter. Default: from DRYDOCK_CODEC_KEY / _KEY_ID / _OLD_KEYS
   * (`createDataConverter(codecConfigFromEnv())`); without a key the SDK default, and a warning once.
   * `{}` is the SDK default whatever the environment says.
   */
  dataConverter?: DataConverter;
  maxConcurrentActivityTaskExecutions?: number;
}

/** Real drivers from configuration (MAAS_API_URL/KEY, BMC options, boot action reports). */
export function defaultDeps(settings: OrchestratorSettings, logger: Logger, drivers: DriverConfig = driverConfigFromEnv()): ActivityDeps {
  const provisioner =
    drivers.maasApiUrl && drivers.maasApiKey
      ? new MaasProvisioner(new MaasClient({ apiUrl: drivers.maasApiUrl, apiKey: drivers.maasApiKey, retries: 0, abortSignal: currentCancellation }, logger), logger)
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
    labels: drivers.promenadeUrl
      ? new PromenadeLabelDriver({ url: drivers.promenadeUrl }, staticTokenProvider(() => drivers.promenadeToken ?? ''), logger)
      : undefined,
    bmcPorts: drivers.bmcPorts,
    bootActions: { secret: drivers.bootActionSecret, reportUrl: drivers.bootActionReportUrl },
  };
}

/** The credentials a worker is configured with: the MaaS API key and each of its parts, the boot action secret, the Promenade token. */
export function configuredSecrets(drivers: DriverConfig): string[] {
  const key = drivers.maasApiKey;
  return [...(key ? [key, ...key.split(':')] : []), drivers.bootActionSecret, drivers.promenadeToken].filter((s): s is string => !!s);
}

/** The BMC passwords a site design carries (those long enough to mask without false matches). */
export function designCredentials(design: EffectiveDesign): string[] {
  return design.baremetal_nodes.map((n) => String(n.oob.credential ?? '')).filter((c) => c.length >= 4);
}

/**
 * The worker's JSON logger (stderr): every line has the configured credentials masked, as a last line of
 * defence (drivers never log them). BMC passwords come from designs and are not known here: drivers keep
 * them out of messages (see the driver tests and test/operators/secretsInHistory.test.ts).
 */
export function workerLogger(drivers: DriverConfig, opts: { write?: (line: string) => void } = {}): Logger {
  const secrets = configuredSecrets(drivers);
  return jsonLogger({ base: { component: 'worker' }, secrets: () => secrets, write: opts.write });
}

let codecWarningLogged = false;

/** The data converter from the environment (DRYDOCK_CODEC_*); logs the "encryption is off" warning once per process. */
export function dataConverterFromEnv(logger: Logger): DataConverter | undefined {
  const { dataConverter, warning } = createDataConverter(codecConfigFromEnv());
  if (warning && !codecWarningLogged) {
    codecWarningLogged = true;
    logger.warn(warning);
  }
  return dataConverter;
}

/**
 * The module a pre-built workflow bundle loads as its failure converter (bundleWorkflowCode's
 * failureConverterPath), e.g. `./common/failureConverter.ts`; undefined when it was built without one.
 * Webpack names the module after the comment the SDK's bundler puts on that require.
 */
export function bundleFailureConverterModule(bundle: NonNullable<WorkerOptions['workflowBundle']>): string | undefined {
  const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath, 'utf8');
  const m = /\/\*! __temporal_custom_failure_converter \*\/ "([^"]+)"/.exec(code);
  // Without a failure converter the request is an ignored module, named "?<hash>".
  return m && !m[1].startsWith('?') ? m[1] : undefined;
}

/** Whether the bundle was built with `failureConverterPath` (same file name, so the same converter). */
export function bundleHasFailureConverter(bundle: NonNullable<WorkerOptions['workflowBundle']>, failureConverterPath = FAILURE_CONVERTER_PATH): boolean {
  const mod = bundleFailureConverterModule(bundle);
  const stem = (p: string) => path.basename(p).replace(/\.[cm]?[jt]s$/, '');
  return mod !== undefined && stem(mod) === stem(failureConverterPath);
}

export async function createDrydockWorker(opts: DrydockWorkerOptions): Promise<Worker> {
  const drivers = opts.drivers ?? driverConfigFromEnv();
  const logger = opts.logger ?? workerLogger(drivers);
  const settings = opts.settings ?? orchestratorSettingsFromEnv();
  const dataConverter = opts.dataConverter ?? dataConverterFromEnv(logger);
  // Workflow code converts its own failures inside the sandbox, with the converter the bundle was built with:
  // a bundle without it would write workflow failure messages to the history in clear.
  if (opts.workflowBundle && dataConverter?.failureConverterPath && !bundleHasFailureConverter(opts.workflowBundle, dataConverter.failureConverterPath)) {
    throw new Error(
      'the workflow bundle was built without the failure converter the data converter uses: build it with ' +
        'bundleWorkflowCode({ workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH }) or let the worker bundle the workflows',
    );
  }
  const client = new Client({ connection: opts.connection, namespace: opts.namespace, dataConverter });
  const designLocks = new TemporalDesignLocks(client);
  const nodeClaims = new TemporalNodeClaims(client);
  const deps = { ...defaultDeps(settings, logger, drivers), designLocks, nodeClaims, ...opts.deps };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    dataConverter,
    activities: createActivities(deps),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 50,
    // Each heartbeat goes out, and a cancellation comes back within a second (not 80% of the heartbeat timeout).
    maxHeartbeatThrottleInterval: HEARTBEAT_EVERY_MS,
  });
}

/**
 * Installs the process-wide Temporal Runtime with `logger` and, when DRYDOCK_METRICS_PORT is set, the
 * Prometheus endpoint. Call it before the first NativeConnection. If a Runtime already exists (something
 * connected first), it is kept: a warning says the metrics setting could not apply.
 */
export function installWorkerRuntime(logger: Logger): { metricsUrl?: string } {
  const telemetry = telemetryConfigFromEnv();
  try {
    return installRuntime({ logger, metricsPort: telemetry.metricsPort, metricsBind: telemetry.metricsBind });
  } catch (e) {
    if (!/already been (installed|instantiated)/.test(e instanceof Error ? e.message : String(e))) throw e;
    if (telemetry.metricsPort) logger.warn('the Temporal runtime was already running: DRYDOCK_METRICS_PORT not applied', { metricsPort: telemetry.metricsPort });
    return {};
  }
}

/** `npm run worker`: a worker for an existing Temporal server (TEMPORAL_ADDRESS). */
export async function runWorker(cfg: TemporalConfig): Promise<void> {
  if (!cfg.address) throw new Error('TEMPORAL_ADDRESS is not set: the worker needs a Temporal server (or use `npm start`)');
  const drivers = driverConfigFromEnv();
  const logger = workerLogger(drivers);
  const { metricsUrl } = installWorkerRuntime(logger);
  const connection = await NativeConnection.connect({ address: cfg.address });
  const dataConverter = dataConverterFromEnv(logger);
  const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue, logger, drivers, dataConverter });
  // Deployed nodes report their boot actions over HTTP; this worker serves those reports when asked to.
  const apiPort = process.env.DRYDOCK_BOOTACTION_API_PORT;
  const api = apiPort
    ? await startBootActionApi({
        connection,
        namespace: cfg.namespace,
        dataConverter,
        secret: drivers.bootActionSecret,
        logger,
        port: Number(apiPort),
        host: process.env.DRYDOCK_BOOTACTION_API_BIND || '127.0.0.1',
      })
    : undefined;
  if (api) console.error(`drydock worker: boot action reports at ${api.reportUrl} (nodes are told ${drivers.bootActionReportUrl})`);
  if (metricsUrl) console.error(`drydock worker: Prometheus metrics at ${metricsUrl}`);
  console.error(`drydock worker: polling task queue ${cfg.taskQueue} on ${cfg.address} (namespace ${cfg.namespace})`);
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await api?.stop();
    await connection.close();
  }
}

if (require.main === module) {
  runWorker(temporalConfigFromEnv()).catch((e) => {
    console.error(`drydock worker: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
