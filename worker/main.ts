/**
 * `npm start`: the main job.
 * - TEMPORAL_ADDRESS unset (the default): the embedded Temporal dev server (SQLite in .temporal/, so tasks
 *   survive a restart) with its Web UI, the simulated example site (MaaS emulator, ipmi_sim and Redfish BMCs,
 *   Promenade, nodes that run their boot actions), the worker, and then the example site is deployed end to
 *   end: prepare_site, prepare_nodes, deploy_nodes. `--no-demo` starts everything but deploys nothing.
 *   The server is restarted when it exits (same database, same ports); Ctrl-C ends everything within
 *   HARD_STOP_MS; peer processes are recorded in <state dir>/peers, so none outlives this process.
 * - TEMPORAL_ADDRESS set: only the worker, against that server and the drivers configured in the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Command } from 'commander';
import { DrydockClient } from '../client/drydockClient';
import { codecConfigFromEnv, createCodec, CODEC_OFF_WARNING } from '../common/codec';
import { temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { jsonLogger } from '../common/logger';
import { orchestratorSettingsFromEnv } from '../common/orchestratorConfig';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign } from '../design';
import { DEMO_DURATIONS } from '../emulators/maas';
import { startSimulatedSite } from './simulatedSite';
import { codecServerConfigFromEnv, startCodecServer, type CodecServer } from './codecServer';
import { runDemo } from './demo';
import { superviseDevServer } from './devServer';
import { reapRecordedPeers, recordPeersIn } from '../emulators/bmc/processGroup';
import { runWorker } from './run';
import { configuredSecrets, designCredentials } from './secrets';
import { installWorkerRuntime } from './telemetry';
import { createDrydockWorker } from './worker';

const STATE_DIR = path.resolve(process.env.DRYDOCK_STATE_DIR ?? path.join(PROJECT_ROOT, '.temporal'));
const DEMO_SITE = path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml');

interface MainOptions {
  demo: boolean;
  site: string;
}

async function main(): Promise<void> {
  const o = new Command()
    .name('npm start --')
    .description('Drydock on Temporal: embedded Temporal server, simulated site, worker, and a deployment of the example site')
    .option('--no-demo', 'start the server, the simulated site and the worker, but deploy nothing')
    .option('--site <file>', 'site design the simulator builds and the demo deploys', DEMO_SITE)
    .parse()
    .opts<MainOptions>();
  const cfg = temporalConfigFromEnv();
  if (cfg.address) {
    await runWorker(cfg);
    return;
  }
  // Explicit: nothing left behind (a keep-alive socket, a server restart in progress) holds the process.
  process.exit(await runEmbedded(cfg, o));
}

/** Ctrl-C ends `npm start` within this time whatever is stuck (a dead server's retries, a report in flight). */
const HARD_STOP_MS = 8000;
/**
 * How long the worker may take to stop (its activities end and report) before the rest is stopped anyway;
 * with the server down it cannot report, so it is not waited for: the history has what it needs, and the
 * next start carries on from there as after a crash.
 */
const WORKER_STOP_MS = 4000;

async function runEmbedded(cfg: TemporalConfig, o: MainOptions): Promise<number> {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  // What a start killed with SIGKILL left running (its BMCs, its server) goes first; from now on every peer
  // process is recorded, and a watchdog ends them if this process is killed before it can.
  const peersDir = path.join(STATE_DIR, 'peers');
  const leftOver = reapRecordedPeers(peersDir);
  if (leftOver.length) {
    console.log(`drydock: stopped what an earlier npm start on ${STATE_DIR} left running: ${leftOver.map((p) => `${path.basename(p.argv[0])} (pid ${p.pid})`).join(', ')}`);
  }
  recordPeersIn(peersDir);

  const logFile = path.join(STATE_DIR, 'drydock.log');
  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  // Masked in every log line: the design's BMC passwords and the simulated site's keys, once known.
  const secrets: string[] = [];
  const logger = jsonLogger({ base: { component: 'worker' }, secrets: () => secrets, write: (l) => logStream.write(l + '\n') });
  const { metricsUrl } = installWorkerRuntime(logger);

  const stops: [string, () => Promise<unknown>][] = [];
  let stopping = '';
  let exitCode = 0;
  let stopRequested: () => void = () => undefined;
  const stopRequest = new Promise<void>((r) => (stopRequested = r));
  const requestStop = (code: number) => {
    if (stopping) return;
    stopping = 'the worker';
    exitCode = code;
    setTimeout(() => {
      console.error(`drydock: still stopping ${stopping} after ${HARD_STOP_MS / 1000} s; killing what is left`);
      process.exit(code || 1); // the exit hook SIGKILLs every peer process
    }, HARD_STOP_MS).unref();
    stopRequested();
  };
  const onSignal = () => {
    if (stopping) {
      console.log('drydock: stopping now');
      process.exit(130);
    }
    console.log('\ndrydock: stopping');
    requestStop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const siteRef = `file://${path.resolve(o.site)}`;
    const loaded = await loadDesign(siteRef);
    if (!loaded.design || loaded.status.status !== 'Success') {
      const errors = loaded.status.details.messageList.filter((m) => m.error).map((m) => `  ${m.message}`);
      throw new Error(`site design ${siteRef} does not validate:\n${errors.join('\n')}`);
    }

    secrets.push(...designCredentials(loaded.design));
    const codec = createCodec(codecConfigFromEnv());
    let codecServer: CodecServer | undefined;
    if (codec) {
      codecServer = await startCodecServer({ codec, ...codecServerConfigFromEnv(), logger });
      stops.push(['the codec server', () => codecServer!.stop()]);
    } else {
      console.log(`drydock: ${CODEC_OFF_WARNING}`);
    }
    if (stopping) return exitCode;

    console.log(`drydock: starting the embedded Temporal dev server (state in ${path.relative(process.cwd(), path.join(STATE_DIR, 'temporal.db'))})`);
    const serverLog = path.join(STATE_DIR, 'temporal.log');
    const server = await superviseDevServer(
      {
        port: Number(process.env.DRYDOCK_EMBEDDED_PORT ?? 7233),
        uiPort: Number(process.env.DRYDOCK_EMBEDDED_UI_PORT ?? 8233),
        dbFile: path.join(STATE_DIR, 'temporal.db'),
        logFile: serverLog,
        uiCodecEndpoint: codecServer?.url,
      },
      {
        say: (line) => console.log(line),
        onGiveUp: () => {
          console.error(`drydock: ERROR: the embedded Temporal server cannot be kept running; stopping (see ${path.relative(process.cwd(), serverLog)})`);
          requestStop(1);
        },
      },
    );
    stops.push(['the embedded Temporal server', () => server.stop()]);
    if (stopping) return exitCode;

    console.log(`drydock: starting the simulated site "${loaded.design.site}" (${loaded.design.baremetal_nodes.length} nodes)`);
    const clientConnection = await Connection.connect({ address: server.address });
    stops.push(['the boot action API\'s connection', () => clientConnection.close()]);
    const site = await startSimulatedSite({
      design: loaded.design,
      connection: clientConnection,
      namespace: cfg.namespace,
      durations: DEMO_DURATIONS,
      powerTransitionMs: 1000,
      logger,
    });
    stops.push(['the simulated site', () => site.stop()]);
    secrets.push(...configuredSecrets(site.drivers));
    if (stopping) return exitCode;

    const connection = await NativeConnection.connect({ address: server.address });
    stops.push(['the worker\'s connection', () => connection.close()]);
    // Drydock polls every 10 s; the simulated site answers in seconds, so the demo polls faster unless told.
    const settings = orchestratorSettingsFromEnv({ DRYDOCK_POLL_INTERVAL: '2', ...process.env });
    const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue, logger, drivers: site.drivers, settings });
    if (stopping) return exitCode;
    const running = worker.run().catch((e) => {
      if (!stopping) console.error(`drydock: the worker stopped: ${e instanceof Error ? e.message : e}`);
      requestStop(1);
    });
    void running.then(() => requestStop(exitCode));

    const ui = server.uiUrl && `${server.uiUrl}/namespaces/${cfg.namespace}`;
    console.log(
      [
        '',
        'Drydock on Temporal is running.',
        `  Web UI:            ${ui ? `${ui}/workflows` : '(none)'}`,
        `  Temporal frontend: ${server.address} (embedded dev server, restarted if it exits)`,
        `  Worker:            task queue "${cfg.taskQueue}", namespace "${cfg.namespace}"; logs in ${path.relative(process.cwd(), logFile)}`,
        `  Simulated MaaS:    ${site.sim.maas.url}`,
        codecServer ? `  Codec server:      ${codecServer.url} (the Web UI decodes encrypted payloads through it)` : '',
        metricsUrl ? `  Metrics:           ${metricsUrl}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );

    if (o.demo) {
      const client = await DrydockClient.connect({ ...cfg, address: server.address });
      stops.push(['the demo\'s client', () => client.close()]);
      console.log(`\nDeploying the site design ${siteRef} on the simulated site:`);
      const demo = runDemo({ client, designRef: siteRef, uiNamespaceUrl: ui, out: process.stdout }).catch((e) => {
        if (!stopping) console.error(`drydock: the demo deployment stopped: ${e instanceof Error ? e.message : e}`);
      });
      await Promise.race([demo, stopRequest]);
    }
    if (!stopping) {
      console.log(
        [
          '',
          'Next, in another terminal:',
          `  npx drydock task list`,
          `  npx drydock task show <task id>`,
          `  npx drydock task create destroy_nodes --design-ref ${siteRef} --wait`,
          `  npx drydock task create deploy_nodes --design-ref ${siteRef} -n n01,n02 --wait`,
          '',
          'Ctrl-C stops the worker, the simulated site and the embedded server; tasks are kept for the next start.',
        ].join('\n'),
      );
    }
    await stopRequest;
    server.endSupervision();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    const serverUp = server.pid() !== undefined;
    let timer: NodeJS.Timeout | undefined;
    const stoppedInTime = await Promise.race([running.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), serverUp ? WORKER_STOP_MS : 0)))]);
    clearTimeout(timer);
    if (!stoppedInTime) {
      console.log(`drydock: ${serverUp ? `the worker did not stop within ${WORKER_STOP_MS / 1000} s` : 'the Temporal server is down, so the worker cannot report'}; stopping the rest (tasks carry on from their history at the next start)`);
    }
    return exitCode;
  } catch (e) {
    if (stopping) return exitCode; // a start step interrupted by Ctrl-C
    throw e;
  } finally {
    for (const [what, stop] of stops.reverse()) {
      stopping = what;
      await stop().catch(() => undefined);
    }
    await new Promise<void>((r) => logStream.end(r));
  }
}

main().catch((e) => {
  console.error(`drydock: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
