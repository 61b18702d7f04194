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
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Command } from 'commander';
import { DrydockClient } from '../client/drydockClient';
import { codecConfigFromEnv, createCodec, CODEC_OFF_WARNING } from '../common/codec';
import { temporalConfigFromEnv, type TemporalConfig } from '../common/config';
import { jsonLogger, type Logger } from '../common/logger';
import { stateDirFromEnv } from '../common/driverConfig';
import { orchestratorSettingsFromEnv } from '../common/orchestratorConfig';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign, type EffectiveDesign } from '../design';
import { DEMO_DURATIONS } from '../emulators/maas';
import { startSimulatedSite } from './simulatedSite';
import { apiAuthSettingsFromEnv, authorizerFromSettings } from './api/auth';
import { apiConfigFromEnv } from './api';
import { codecServerConfigFromEnv, startCodecServer, type CodecServer } from './codecServer';
import { runDemo } from './demo';
import { superviseDevServer } from './devServer';
import { reapRecordedPeers, recordPeersIn } from '../emulators/bmc/processGroup';
import { runWorker } from './run';
import { configuredSecrets, designCredentials } from './secrets';
import { installWorkerRuntime } from './telemetry';
import { createDrydockWorker } from './worker';

const STATE_DIR = stateDirFromEnv();
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

/**
 * What Ctrl-C, a worker that stops or a server that cannot be kept running asks for: one stop, with an exit
 * code, bounded by HARD_STOP_MS; the resources started so far are stopped in reverse order.
 */
class Shutdown {
  /** What is being stopped now ('' while running). */
  stopping = '';
  exitCode = 0;
  readonly requested: Promise<void>;
  private resolve: () => void = () => undefined;
  private readonly stops: [string, () => Promise<unknown>][] = [];

  constructor() {
    this.requested = new Promise<void>((r) => (this.resolve = r));
    const onSignal = () => {
      if (this.stopping) {
        console.log('drydock: stopping now');
        process.exit(130);
      }
      console.log('\ndrydock: stopping');
      this.request(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  request(code: number): void {
    if (this.stopping) return;
    this.stopping = 'the worker';
    this.exitCode = code;
    setTimeout(() => {
      console.error(`drydock: still stopping ${this.stopping} after ${HARD_STOP_MS / 1000} s; killing what is left`);
      process.exit(code || 1); // the exit hook SIGKILLs every peer process
    }, HARD_STOP_MS).unref();
    this.resolve();
  }

  /** Stops `what` at the end, before what was started earlier. */
  onStop(what: string, stop: () => Promise<unknown>): void {
    this.stops.push([what, stop]);
  }

  async stopAll(): Promise<void> {
    for (const [what, stop] of this.stops.reverse()) {
      this.stopping = what;
      await stop().catch(() => undefined);
    }
  }
}

/** What a start killed with SIGKILL left running goes first; from now on every peer process is recorded. */
function takeOverPeers(): void {
  const peersDir = path.join(STATE_DIR, 'peers');
  const leftOver = reapRecordedPeers(peersDir);
  if (leftOver.length) {
    console.log(`drydock: stopped what an earlier npm start on ${STATE_DIR} left running: ${leftOver.map((p) => `${path.basename(p.argv[0])} (pid ${p.pid})`).join(', ')}`);
  }
  recordPeersIn(peersDir);
}

async function loadSiteDesign(siteRef: string): Promise<EffectiveDesign> {
  const loaded = await loadDesign(siteRef);
  if (!loaded.design || loaded.status.status !== 'Success') {
    const errors = loaded.status.details.messageList.filter((m) => m.error).map((m) => `  ${m.message}`);
    throw new Error(`site design ${siteRef} does not validate:\n${errors.join('\n')}`);
  }
  return loaded.design;
}

/** The codec server the Web UI decodes payloads through, when a codec key is set. */
async function startCodec(logger: Logger, shutdown: Shutdown): Promise<CodecServer | undefined> {
  const codec = createCodec(codecConfigFromEnv());
  if (!codec) {
    console.log(`drydock: ${CODEC_OFF_WARNING}`);
    return undefined;
  }
  const codecServer = await startCodecServer({ codec, ...codecServerConfigFromEnv(), logger });
  shutdown.onStop('the codec server', () => codecServer.stop());
  return codecServer;
}

function printBanner(lines: {
  ui?: string;
  address: string;
  cfg: TemporalConfig;
  logFile: string;
  apiUrl: string;
  maasUrl: string;
  nodeRoots: string;
  codecUrl?: string;
  metricsUrl?: string;
}): void {
  console.log(
    [
      '',
      'Drydock on Temporal is running.',
      `  Web UI:            ${lines.ui ? `${lines.ui}/workflows` : '(none)'}`,
      `  Temporal frontend: ${lines.address} (embedded dev server, restarted if it exits)`,
      `  Worker:            task queue "${lines.cfg.taskQueue}", namespace "${lines.cfg.namespace}"; logs in ${path.relative(process.cwd(), lines.logFile)}`,
      `  Drydock API:       ${lines.apiUrl}/api/v1.0 (DRYDOCK_API_PORT; boot action reports too)`,
      `  Simulated MaaS:    ${lines.maasUrl}`,
      `  Node roots:        ${lines.nodeRoots} (what each deployed node's cloud-init wrote; gone when npm start stops)`,
      lines.codecUrl ? `  Codec server:      ${lines.codecUrl} (the Web UI decodes encrypted payloads through it)` : '',
      lines.metricsUrl ? `  Metrics:           ${lines.metricsUrl}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

function printNextSteps(siteRef: string, nodes: string[]): void {
  const first = nodes[0] ?? 'n01';
  console.log(
    [
      '',
      'Next, in another terminal:',
      `  npx drydock task list`,
      `  npx drydock node list`,
      `  npx drydock node builddata ${first} --latest`,
      `  npx drydock task show <task id>`,
      `  npx drydock task create destroy_nodes --design-ref ${siteRef} --wait`,
      `  npx drydock task create deploy_nodes --design-ref ${siteRef} -n ${nodes.slice(0, 2).join(',') || first} --wait`,
      '',
      'Ctrl-C stops the worker, the simulated site and the embedded server; tasks are kept for the next start.',
    ].join('\n'),
  );
}

/**
 * Stops the worker once a stop is requested. With the server down it cannot report, so it is not waited
 * for: the history has what it needs, and the next start carries on from there as after a crash.
 */
async function stopWorker(worker: Worker, running: Promise<void>, serverUp: boolean): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  let timer: NodeJS.Timeout | undefined;
  const stoppedInTime = await Promise.race([running.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), serverUp ? WORKER_STOP_MS : 0)))]);
  clearTimeout(timer);
  if (!stoppedInTime) {
    console.log(
      `drydock: ${serverUp ? `the worker did not stop within ${WORKER_STOP_MS / 1000} s` : 'the Temporal server is down, so the worker cannot report'}; stopping the rest (tasks carry on from their history at the next start)`,
    );
  }
}

async function runEmbedded(cfg: TemporalConfig, o: MainOptions): Promise<number> {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  takeOverPeers();

  const logFile = path.join(STATE_DIR, 'drydock.log');
  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  // Masked in every log line: the design's BMC passwords and the simulated site's keys, once known.
  const secrets: string[] = [];
  const logger = jsonLogger({ base: { component: 'worker' }, secrets: () => secrets, write: (l) => logStream.write(l + '\n') });
  const { metricsUrl } = installWorkerRuntime(logger);
  const shutdown = new Shutdown();

  try {
    const siteRef = `file://${path.resolve(o.site)}`;
    const design = await loadSiteDesign(siteRef);
    secrets.push(...designCredentials(design));
    const codecServer = await startCodec(logger, shutdown);
    if (shutdown.stopping) return shutdown.exitCode;

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
          shutdown.request(1);
        },
      },
    );
    shutdown.onStop('the embedded Temporal server', () => server.stop());
    if (shutdown.stopping) return shutdown.exitCode;

    console.log(`drydock: starting the simulated site "${design.site}" (${design.baremetal_nodes.length} nodes)`);
    const clientConnection = await Connection.connect({ address: server.address });
    shutdown.onStop("the Drydock API's connection", () => clientConnection.close());
    // Drydock's API on DRYDOCK_API_PORT (9000 as Drydock's): the site's nodes report there, operators and Shipyard ask there.
    // With DRYDOCK_KEYSTONE_URL, Keystone tokens and Drydock's policy guard it (worker/api/auth.ts).
    const api = { ...apiConfigFromEnv(), taskQueue: cfg.taskQueue, authorize: authorizerFromSettings(apiAuthSettingsFromEnv(), logger) };
    const site = await startSimulatedSite({
      design,
      connection: clientConnection,
      namespace: cfg.namespace,
      durations: DEMO_DURATIONS,
      powerTransitionMs: 1000,
      logger,
      stateDir: STATE_DIR,
      api,
    });
    shutdown.onStop('the simulated site', () => site.stop());
    secrets.push(...configuredSecrets(site.drivers));
    if (shutdown.stopping) return shutdown.exitCode;

    const connection = await NativeConnection.connect({ address: server.address });
    shutdown.onStop("the worker's connection", () => connection.close());
    // Drydock polls every 10 s; the simulated site answers in seconds, so the demo polls faster unless told.
    const settings = orchestratorSettingsFromEnv({ DRYDOCK_POLL_INTERVAL: '2', ...process.env });
    // The API's MaaS provisioner and build data store are the worker's.
    const { provisioner, buildData } = site.apiDeps;
    const deps = { ...(provisioner && { provisioner }), ...(buildData && { buildData }) };
    const worker = await createDrydockWorker({ connection, namespace: cfg.namespace, taskQueue: cfg.taskQueue, logger, drivers: site.drivers, settings, deps });
    if (shutdown.stopping) return shutdown.exitCode;
    const running = worker.run().catch((e) => {
      if (!shutdown.stopping) console.error(`drydock: the worker stopped: ${e instanceof Error ? e.message : e}`);
      shutdown.request(1);
    });
    void running.then(() => shutdown.request(shutdown.exitCode));

    const ui = server.uiUrl && `${server.uiUrl}/namespaces/${cfg.namespace}`;
    printBanner({
      ui,
      address: server.address,
      cfg,
      logFile,
      apiUrl: site.api.url,
      maasUrl: site.sim.maas.url,
      nodeRoots: site.sim.nodeRoot('<node>'),
      codecUrl: codecServer?.url,
      metricsUrl,
    });

    if (o.demo) {
      // The embedded server is local and plaintext: only the address, whatever a profile says about TLS.
      const client = await DrydockClient.connect({ namespace: cfg.namespace, taskQueue: cfg.taskQueue, connectTimeout: cfg.connectTimeout, address: server.address });
      shutdown.onStop("the demo's client", () => client.close());
      console.log(`\nDeploying the site design ${siteRef} on the simulated site:`);
      const demo = runDemo({ client, designRef: siteRef, uiNamespaceUrl: ui, out: process.stdout }).catch((e) => {
        if (!shutdown.stopping) console.error(`drydock: the demo deployment stopped: ${e instanceof Error ? e.message : e}`);
      });
      await Promise.race([demo, shutdown.requested]);
    }
    if (!shutdown.stopping)
      printNextSteps(
        siteRef,
        design.baremetal_nodes.map((n) => n.name),
      );
    await shutdown.requested;
    server.endSupervision();
    await stopWorker(worker, running, server.pid() !== undefined);
    return shutdown.exitCode;
  } catch (e) {
    if (shutdown.stopping) return shutdown.exitCode; // a start step interrupted by Ctrl-C
    throw e;
  } finally {
    await shutdown.stopAll();
    await new Promise<void>((r) => logStream.end(r));
  }
}

main().catch((e) => {
  console.error(`drydock: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
