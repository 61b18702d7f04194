import { NativeConnection } from '@temporalio/worker';
import { temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { driverConfigFromEnv } from '../common/driverConfig';
import { startBootActionApi } from './bootactionApi';
import { DesignStore } from '../activities/designStore';
import { loadDesign } from '../design';
import { dataConverterFromEnv } from './dataConverter';
import { workerLogger } from './secrets';
import { installWorkerRuntime } from './telemetry';
import { createDrydockWorker } from './worker';

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
        // The deploys' designs passed the workers' validation; the API only renders them again.
        designs: new DesignStore((ref) => loadDesign(ref), logger),
        nodeReportUrl: drivers.bootActionReportUrl,
        taskQueue: cfg.taskQueue,
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
