import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { temporalCliPath } from '../../common/temporalCli';
import { base64Needles } from '../../common/secretForms';
import { formatFinding, parseWorkflowList, scanHistoriesForSecrets, scanHistoryJson } from '../../scripts/scan-histories';

const PASSWORD = 'Sup3r-s3cret"pw';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const where = { workflowId: 'deploy_nodes-1', runId: 'r1' };

/** A synthetic history in `temporal workflow show -o json` form. */
function history(input: unknown, extra: object = {}) {
  return {
    events: [
      {
        eventId: '1',
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        workflowExecutionStartedEventAttributes: {
          input: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) }] },
        },
      },
      { eventId: '2', eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', ...extra },
    ],
  };
}

describe('base64Needles', () => {
  test('one needle per alignment, each found in the base64 of the secret at that offset', () => {
    const needles = base64Needles(PASSWORD);
    expect(needles).toHaveLength(3);
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      const text = b64(`${prefix}${PASSWORD}tail`);
      expect(needles.some((n) => text.includes(n))).toBe(true);
    }
  });
});

describe('scanHistoryJson', () => {
  test('finds a secret inside a JSON payload at any byte alignment (decoded and base64 forms)', () => {
    for (const pad of ['', 'x', 'xy']) {
      const h = history({ bmc: { host: '10.0.0.7', note: pad, password: PASSWORD } });
      const f = scanHistoryJson(h, [PASSWORD], where);
      expect(f).toContainEqual(
        expect.objectContaining({
          form: 'decoded-base64',
          eventId: '1',
          eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
          path: 'events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data',
        }),
      );
    }
  });

  test('finds base64 of the secret embedded in a longer, non-base64 text', () => {
    for (const pad of ['', 'x', 'xy']) {
      const embedded = `payload was ${b64(`{"k":"${pad}${PASSWORD}"}`)}!`;
      const f = scanHistoryJson(history({ ok: true }, { failure: { message: embedded } }), [PASSWORD], where);
      expect(f.map((x) => [x.form, x.path])).toEqual([['base64', 'events[1].failure.message']]);
    }
  });

  test('finds a secret in clear text (e.g. a failure message) and reports which secret, not its value', () => {
    const f = scanHistoryJson(history({ ok: true }, { failure: { message: `ipmitool -P ${PASSWORD} failed` } }), ['other-secret', PASSWORD], where);
    expect(f).toEqual([{ ...where, secretIndex: 1, form: 'clear', path: 'events[1].failure.message', eventId: '2', eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED' }]);
    expect(formatFinding(f[0])).toBe('secret #2 found (clear) in deploy_nodes-1/r1 event 2 (EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) at events[1].failure.message');
    expect(formatFinding(f[0])).not.toContain(PASSWORD);
  });

  test('a clean history and an encrypted payload have no findings', () => {
    expect(scanHistoryJson(history({ bmc: { host: '10.0.0.7', credentialRef: 'bmc/n01' } }), [PASSWORD], where)).toEqual([]);
    const encrypted = {
      events: [{ eventId: '1', input: { payloads: [{ metadata: { encoding: b64('binary/encrypted') }, data: Buffer.alloc(300, 7).toString('base64') }] } }],
    };
    expect(scanHistoryJson(encrypted, [PASSWORD], where)).toEqual([]);
  });

  test('finds a secret in base64url (e.g. inside an id), decoded or embedded, at any alignment', () => {
    // '?>' and '~~' make the standard and URL alphabets differ.
    const secret = 'pw?>~~?>secret';
    for (const pad of ['', 'x', 'xy']) {
      const url = Buffer.from(`wf-1|${pad}${secret}`).toString('base64url');
      expect(url).toMatch(/[-_]/);
      const decoded = scanHistoryJson({ events: [{ eventId: '3', actionId: url }] }, [secret], where);
      expect(decoded.map((f) => f.form)).toEqual(['decoded-base64url']);
      const embedded = scanHistoryJson({ events: [{ eventId: '3', message: `POST /api/v1.0/bootactions/${url}/ failed` }] }, [secret], where);
      expect(embedded.map((f) => f.form)).toEqual(['base64url']);
    }
  });

  test('refuses secrets too short to search for', () => {
    expect(() => scanHistoryJson({}, ['abc'], where)).toThrow(/shorter than 4/);
  });
});

describe('scanHistoriesForSecrets', () => {
  test('lists, then shows each run, with the given CLI arguments (stubbed CLI)', async () => {
    const calls: string[][] = [];
    const runCli = async (args: string[]) => {
      calls.push(args);
      if (args[1] === 'list') {
        return JSON.stringify([{ execution: { workflowId: 'a', runId: 'ra' } }, { execution: { workflowId: 'b', runId: 'rb' } }]);
      }
      return JSON.stringify(args[3] === 'b' ? history({ password: PASSWORD }) : history({ fine: 1 }));
    };
    const f = await scanHistoriesForSecrets({ temporalCli: 'temporal', address: 'h:1', namespace: 'ns', query: "WorkflowType = 'x'", secrets: [PASSWORD], runCli });
    expect(calls[0]).toEqual(['workflow', 'list', '--address', 'h:1', '--namespace', 'ns', '-o', 'json', '--query', "WorkflowType = 'x'"]);
    expect(calls[2]).toEqual(['workflow', 'show', '-w', 'b', '-r', 'rb', '--address', 'h:1', '--namespace', 'ns', '-o', 'json']);
    expect(f.map((x) => [x.workflowId, x.form])).toEqual([['b', 'decoded-base64']]);
  });

  test('scans each listing entry too: a secret in a search attribute or the memo is found', async () => {
    const sa = (v: string) => ({ metadata: { encoding: b64('json/plain'), type: b64('Keyword') }, data: b64(JSON.stringify(v)) });
    const runCli = async (args: string[]) =>
      args[1] === 'list'
        ? JSON.stringify([
            { execution: { workflowId: 'a', runId: 'ra' }, searchAttributes: { indexedFields: { DrydockDesignRef: sa(`https://admin:${PASSWORD}@deckhand/site`) } } },
            { execution: { workflowId: 'b', runId: 'rb' }, memo: { fields: { lock: { note: PASSWORD } } } },
          ])
        : JSON.stringify(history({ fine: 1 }));
    const listed: string[] = [];
    const f = await scanHistoriesForSecrets({
      temporalCli: 't',
      address: 'h:1',
      namespace: 'ns',
      secrets: [PASSWORD],
      runCli,
      onList: (r) => listed.push(...r.map((x) => x.workflowId)),
    });
    expect(listed).toEqual(['a', 'b']);
    expect(f.map((x) => [x.workflowId, x.form, x.path])).toEqual([
      ['a', 'decoded-base64', 'listing.searchAttributes.indexedFields.DrydockDesignRef.data'],
      ['b', 'clear', 'listing.memo.fields.lock.note'],
    ]);
  });

  test('parseWorkflowList accepts a JSON array and JSON lines', () => {
    const one = { execution: { workflowId: 'a', runId: 'r' } };
    expect(parseWorkflowList(JSON.stringify([one]))).toEqual([{ workflowId: 'a', runId: 'r' }]);
    expect(parseWorkflowList(`${JSON.stringify(one)}\n${JSON.stringify(one)}\n`)).toHaveLength(2);
    expect(parseWorkflowList('')).toEqual([]);
  });

  test('against the test Temporal server: a secret passed as workflow input is found', async () => {
    const address = process.env.DRYDOCK_TEST_TEMPORAL_ADDRESS!;
    const cli = temporalCliPath();
    const wid = `scan-${randomUUID()}`;
    const secret = `pw-${randomUUID().slice(0, 8)}`;
    const exec = promisify(execFile);
    // No worker polls this queue: the workflow just sits with its input in the history.
    await exec(cli, [
      'workflow',
      'start',
      '--address',
      address,
      '-t',
      `scan-${randomUUID()}`,
      '--type',
      'leaky',
      '-w',
      wid,
      '-i',
      JSON.stringify({ bmc: { user: 'admin', password: secret } }),
    ]);
    try {
      const f = await scanHistoriesForSecrets({ temporalCli: cli, address, namespace: 'default', query: `WorkflowId = '${wid}'`, secrets: [secret, 'never-there-123'] });
      expect(f.map((x) => [x.workflowId, x.secretIndex, x.form, x.eventType])).toEqual([[wid, 0, 'decoded-base64', 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED']]);
    } finally {
      await exec(cli, ['workflow', 'terminate', '--address', address, '-w', wid, '--reason', 'test done']);
    }
  });
});
