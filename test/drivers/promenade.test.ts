import { memoryLogger } from '../../common/logger';
import { AuthenticationError, PermanentDriverError, TransientDriverError } from '../../drivers/errors';
import { PromenadeLabelDriver, type TokenProvider } from '../../drivers/promenade';
import { startPromenadeEmulator, type PromenadeEmulator } from '../../emulators/promenade';
import { failure } from '../harness/failure';

describe('Promenade label driver against the emulator', () => {
  let prom: PromenadeEmulator;
  beforeAll(async () => {
    prom = await startPromenadeEmulator({ tokens: ['tok-valid-1'], nodes: ['node01', 'node02'] });
  });
  afterAll(async () => prom.stop());

  const provider = (first: string, refreshed: string): TokenProvider & { refreshes: number } => {
    const p = { refreshes: 0, token: async (refresh?: boolean) => (refresh ? (p.refreshes++, refreshed) : first) };
    return p;
  };

  it('puts the labels; Promenade removes keys no longer listed', async () => {
    const driver = new PromenadeLabelDriver({ url: prom.url }, provider('tok-valid-1', 'unused'), memoryLogger());
    await driver.relabel('node01', { rack: 'r1', role: 'compute' });
    await driver.relabel('node01', { rack: 'r1' });
    expect(prom.labels('node01')).toEqual({ rack: 'r1' });
    expect(prom.counters().relabel.node01).toBe(2);
  });

  it('re-authenticates once on 401', async () => {
    const tokens = provider('tok-expired', 'tok-valid-1');
    const driver = new PromenadeLabelDriver({ url: `${prom.url}/api/` }, tokens, memoryLogger());
    await driver.relabel('node02', { zone: 'a' });
    expect(tokens.refreshes).toBe(1);
    expect(prom.labels('node02')).toEqual({ zone: 'a' });
  });

  it('fails with AuthenticationError when the fresh token is refused too, without the token in the message', async () => {
    const logger = memoryLogger();
    const driver = new PromenadeLabelDriver({ url: prom.url }, provider('tok-bad-aaa', 'tok-bad-bbb'), logger);
    const err = await failure(driver.relabel('node01', { a: 'b' }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(String(err)).toContain('Promenade authentication failed');
    expect(String(err) + logger.lines.join('\n')).not.toMatch(/tok-bad/);
  });

  it('maps 404 to a permanent error and 503 to a transient one', async () => {
    const driver = new PromenadeLabelDriver({ url: prom.url }, provider('tok-valid-1', 'x'), memoryLogger());
    const missing = await failure(driver.relabel('ghost', {}));
    expect(missing).toBeInstanceOf(PermanentDriverError);
    expect(String(missing)).toContain('relabel node node ghost');
    prom.failNext(1);
    await expect(driver.relabel('node01', {})).rejects.toBeInstanceOf(TransientDriverError);
  });

  it('times out instead of hanging', async () => {
    const driver = new PromenadeLabelDriver({ url: 'http://127.0.0.1:9', timeoutMs: 500 }, provider('t', 't'), memoryLogger());
    await expect(driver.relabel('node01', {})).rejects.toBeInstanceOf(TransientDriverError);
  });
});
