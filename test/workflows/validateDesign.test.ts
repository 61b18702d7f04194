import { describeDrydock, sampleRef } from '../design/drydockData';
import { startTestWorker, type TestWorkerEnv } from '../harness/temporal';
import { cliEnvFor, runDrydock, type CliRun } from '../harness/cli';

/** `drydock validate-design`: through the validate_design workflow, and --offline in-process; same verdicts. */
describeDrydock('drydock validate-design', () => {
  let env: TestWorkerEnv;
  beforeAll(async () => {
    env = await startTestWorker('validate');
  });
  afterAll(() => env?.close());

  const drydock = (...args: string[]): Promise<CliRun> => runDrydock(args, cliEnvFor(env));

  test.each([
    ['deckhand_fullsite.yaml', 0, 'Success', 0],
    ['invalid_validation.yaml', 1, 'Failure', 31],
  ])('%s: exit %i, status %s, %i errors, online and offline alike', async (file, code, status, errors) => {
    const online = await env.run(() => drydock('validate-design', sampleRef(file), '--output', 'json'));
    const offline = await drydock('validate-design', sampleRef(file), '--offline', '--output', 'json');
    for (const r of [online, offline]) {
      expect(r.code).toBe(code);
      const s = JSON.parse(r.stdout);
      expect(s).toMatchObject({ kind: 'Status', status, details: { errorCount: errors } });
    }
    // The same messages, in the same order; only their timestamps differ.
    const messages = (out: string) => JSON.parse(out).details.messageList.map(({ ts: _ts, ...m }: { ts: string }) => m);
    expect(messages(online.stdout)).toEqual(messages(offline.stdout));
  });

  test('a design that cannot be loaded: exit 2 and the reference named, in one line of text', async () => {
    const missing = 'file:///nonexistent/site.yaml';
    const r = await env.run(() => drydock('validate-design', missing));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Site design file:\/\/\/nonexistent\/site\.yaml: could not be loaded/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
