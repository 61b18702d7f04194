/**
 * Runs the MaaS emulator as a process (the site simulator's MaaS):
 *   npx tsx emulators/maas/main.ts --port 5240 --api-key ck:tk:secret --machines machines.json
 * Prints the maas_api_url on stdout; logs every status transition as JSON on stderr.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { jsonLogger } from '../../common/logger';
import { DEMO_DURATIONS, TEST_DURATIONS, startMaasEmulator, type EnlistSpec } from './index';

const program = new Command()
  .name('maas-emulator')
  .option('--port <n>', 'listen port (0 = any free port)', '5240')
  .option('--address <ip>', 'listen address', '127.0.0.1')
  .option('--api-key <key>', 'accepted API key consumer:token:secret (default: $MAAS_API_KEY)')
  .option('--machines <file>', 'JSON array of EnlistSpec to enlist at start')
  .option('--count <n>', 'also enlist N generic machines', '0')
  .option('--durations <kind>', "'demo' (commissioning 8 s, deploying 12 s...) or 'test' (instant)", 'demo')
  .option('--fail-commissioning <hosts>', 'comma-separated hostnames whose commissioning fails')
  .option('--fail-deployment <hosts>', 'comma-separated hostnames whose deployment fails')
  .option('--error-rate <fraction>', 'fraction of API requests answered 503', '0')
  .parse();

async function main(): Promise<void> {
  const o = program.opts<Record<string, string | undefined>>();
  const apiKey = o.apiKey ?? process.env.MAAS_API_KEY;
  if (!apiKey) throw new Error('--api-key or MAAS_API_KEY is required');
  const logger = jsonLogger({ base: { component: 'maas-emulator' }, secrets: () => [apiKey, ...apiKey.split(':')] });
  const machines: EnlistSpec[] = o.machines ? (JSON.parse(readFileSync(o.machines, 'utf8')) as EnlistSpec[]) : [];
  for (let i = 0; i < Number(o.count); i++) machines.push({ power_type: 'manual' });
  const list = (s?: string) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const emu = await startMaasEmulator({
    port: Number(o.port),
    address: o.address,
    apiKey,
    logger,
    machines,
    stepDurations: o.durations === 'test' ? TEST_DURATIONS : DEMO_DURATIONS,
    faults: { failCommissioning: list(o.failCommissioning), failDeployment: list(o.failDeployment), httpErrorRate: Number(o.errorRate) || undefined },
  });
  process.stdout.write(`${emu.url}\n`);
  const stop = () => void emu.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`maas-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
