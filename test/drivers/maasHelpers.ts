import { memoryLogger } from '../../common/logger';
import { MaasClient } from '../../drivers/maas/maasClient';
import { MaasProvisioner } from '../../drivers/maas/provisioner';
import { startMaasEmulator, type MaasEmulator, type MaasEmulatorOptions } from '../../emulators/maas';

/** A distinctive key so a leak is easy to grep for. */
export const API_KEY = 'ConsumerKeyXyz:TokenKeyAbc123:TokenSecretQwerty789';

export interface MaasRig {
  emu: MaasEmulator;
  client: MaasClient;
  provisioner: MaasProvisioner;
  logs: string[];
}

export async function startRig(opts: Partial<MaasEmulatorOptions> = {}): Promise<MaasRig> {
  const emuLog = memoryLogger();
  const emu = await startMaasEmulator({ apiKey: API_KEY, logger: emuLog, ...opts });
  const logger = memoryLogger();
  const client = new MaasClient({ apiUrl: emu.url, apiKey: API_KEY, backoffMs: 5, maxBackoffMs: 20, readTimeoutMs: 5000 }, logger);
  return { emu, client, provisioner: new MaasProvisioner(client, logger), logs: mergeLines(logger.lines, emuLog.lines) };
}

/** A live view over both loggers' lines. */
function mergeLines(a: string[], b: string[]): string[] {
  return new Proxy([] as string[], { get: (_t, p) => Reflect.get([...a, ...b], p) });
}

/** Polls machineStatus like the orchestrator would (here without durable timers). */
export async function waitForStatus(p: MaasProvisioner, systemId: string, done: (s: string) => boolean, timeoutMs = 5000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = (await p.machineStatus(systemId)).statusName;
    if (done(s)) return s;
    if (Date.now() > until) throw new Error(`status still ${s}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function expectNoKey(text: string): void {
  for (const part of [API_KEY, ...API_KEY.split(':')]) expect(text).not.toContain(part);
}
