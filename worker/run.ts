import { describeSecurity, temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { connectWorker } from './connect';
import { driverConfigFromEnv } from '../common/driverConfig';
import { apiConfigFromEnv, startDrydockApi } from './api';
import { orchestratorSettingsFromEnv } from '../common/orchestratorConfig';
import { defaultDeps } from './deps';
import { DesignStore } from '../activities/designStore';
import { loadDesign } from '../design';
import { dataConverterFromEnv } from './dataConverter';
import { workerLogger } from './secrets';
import { installWorkerRuntime } from './telemetry';
import { createDrydockWorker } from './worker';
import { keystoneTokensFromEnv } from '../common/keystone';
import { apiAuthSettingsFromEnv, authorizerFromSettings } from './api/auth';

/** `npm run worker`: a worker for an existing Temporal server (TEMPORAL_ADDRESS). */
export async function runWorker(cfg: TemporalConfig): Promise<void> {
  if (!cfg.address) throw new Error('TEMPORAL_ADDRESS is not set (nor an address in a TEMPORAL_PROFILE): the worker needs a Temporal server (or use `npm start`)');
  const drivers = driverConfigFromEnv();
  const logger = workerLogger(drivers);
  const { metricsUrl } = installWorkerRuntime(logger);
  const connection = await connectWorker(cfg);
  const dataConverter = dataConverterFromEnv(logger);
  const apiConfig = apiConfigFromEnv();
  const settings = orchestratorSettingsFromEnv();
  // One set of drivers for the worker and its API: the API lists the machines and serves the build data the worker keeps.
  const deps = defaultDeps(settings, logger, drivers);
  const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue, logger, drivers, dataConverter, settings, deps });
  // Drydock's API (port 9000 as Drydock's), the deployed nodes' boot action reports included.
  const api = await startDrydockApi({
    connection,
    namespace: cfg.namespace,
    dataConverter,
    taskQueue: cfg.taskQueue,
    // The deploys' designs passed the workers' validation; the boot action routes only render them again.
    deps: { designs: new DesignStore((ref) => loadDesign(ref, { tokens: keystoneTokensFromEnv() }), logger), provisioner: deps.provisioner, buildData: deps.buildData },
    secret: drivers.bootActionSecret,
    nodeReportUrl: drivers.bootActionReportUrl,
    logger,
    port: apiConfig.port,
    host: apiConfig.host,
    // Keystone and Drydock's policy when DRYDOCK_KEYSTONE_URL is set; without it every request passes (noauth).
    authorize: authorizerFromSettings(apiAuthSettingsFromEnv(), logger),
  });
  console.error(`drydock worker: Drydock API at ${api.url}/api/v1.0 (boot action reports at ${api.reportUrl}; nodes are told ${drivers.bootActionReportUrl})`);
  if (metricsUrl) console.error(`drydock worker: Prometheus metrics at ${metricsUrl}`);
  console.error(`drydock worker: polling task queue ${cfg.taskQueue} on ${cfg.address} (namespace ${cfg.namespace}, ${describeSecurity(cfg)})`);
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await api.stop();
    await connection.close();
  }
}

if (require.main === module) {
  runWorker(temporalConfigFromEnv()).catch((e) => {
    console.error(`drydock worker: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
