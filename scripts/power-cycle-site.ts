/**
 * Starts the site simulator for a design (default: the example site) and power-cycles every node through
 * the real OOB drivers (ipmitool against ipmi_sim, Redfish against the emulator), as PrepareNodes does:
 *   npm run power-cycle-site [-- --site <file>]
 * One line per node: driver, BMC address and port, power state before and after, time taken.
 */
import path from 'node:path';
import { Command } from 'commander';
import { silentLogger } from '../common/logger';
import { PROJECT_ROOT } from '../common/temporalCli';
import { loadDesign } from '../design';
import { createOobDrivers } from '../drivers/oob';
import { startSiteSimulator } from '../emulators/site/simulator';

async function main(): Promise<number> {
  const o = new Command()
    .option('--site <file>', 'site design', path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml'))
    .parse()
    .opts<{ site: string }>();
  const ref = `file://${path.resolve(o.site)}`;
  const loaded = await loadDesign(ref);
  if (!loaded.design) throw new Error(`${ref} could not be loaded`);
  const sim = await startSiteSimulator({ design: loaded.design, enlistment: 'enlisted', powerTransitionMs: 300 });
  let failed = 0;
  try {
    const endpoints = sim.bmcEndpoints;
    const config = { logger: silentLogger, ipmi: { powerStateChangeRetryIntervalMs: 100, endpoints }, redfish: { useSsl: false, powerStateChangeRetryIntervalMs: 100, endpoints } };
    const drivers = { ipmi: createOobDrivers('ipmi', config), redfish: createOobDrivers('redfish', config) };
    console.log(`site ${loaded.design.site}: ${sim.nodes.length} nodes, BMCs started`);
    await Promise.all(
      sim.nodes.map(async (n) => {
        const target = { node: n.name, address: n.oobAddress, username: n.account, password: n.credential };
        const at = `${target.address} (${endpoints[n.oobAddress]!.host}:${endpoints[n.oobAddress]!.port})`;
        const { power } = drivers[n.oobType];
        const started = Date.now();
        try {
          const before = await power.powerState(target);
          await power.powerCycle(target);
          const after = await power.powerState(target);
          console.log(`${n.name}  ${n.oobType.padEnd(7)} ${at}  ${before} → cycled → ${after}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (e) {
          failed++;
          console.log(`${n.name}  ${n.oobType.padEnd(7)} ${at}  FAILED: ${e instanceof Error ? e.message : e}`);
        }
      }),
    );
  } finally {
    await sim.stop();
  }
  console.log(failed ? `${failed} node(s) failed` : 'every node power-cycled');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`power-cycle-site: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
