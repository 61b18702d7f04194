/**
 * Log lines never carry a credential. Drivers keep BMC passwords and the MaaS key out of their messages
 * (test/drivers: ipmi, redfish, redfishSushy, maas.lifecycle; end to end: secretsInHistory), and the worker's
 * JSON logger masks the credentials it is configured with, whatever form they take in a line.
 */
import type { DriverConfig } from '../../common/driverConfig';
import { jsonLogger, redact } from '../../common/logger';
import { configuredSecrets, workerLogger } from '../../worker/secrets';
import { captureLines } from '../harness/logging';

const MAAS_KEY = 'ConsumerKey0001:TokenKey0000002:TokenSecretValue000000000003';
const drivers = {
  maasApiUrl: 'http://maas.example:5240/MAAS',
  maasApiKey: MAAS_KEY,
  bootActionSecret: 'boot-action-secret-0123456789abcdef',
  promenadeToken: 'promenade-token-xyz-987',
} as DriverConfig;

test('the worker logger masks the MaaS key, each of its parts, the boot action secret and the Promenade token', () => {
  expect(configuredSecrets(drivers)).toEqual([MAAS_KEY, 'ConsumerKey0001', 'TokenKey0000002', 'TokenSecretValue000000000003', drivers.bootActionSecret, drivers.promenadeToken]);
  const out = captureLines();
  const log = workerLogger(drivers, { write: out.write });
  log.error(`MaaS answered 401 for key ${MAAS_KEY}`, { node: 'n01', header: `OAuth oauth_token="TokenKey0000002", oauth_signature="&TokenSecretValue000000000003"` });
  log.warn('boot action report', { secret: drivers.bootActionSecret, promenade: `Bearer ${drivers.promenadeToken}` });
  const text = out.lines.join('\n');
  for (const s of configuredSecrets(drivers)) expect(text).not.toContain(s);
  expect(JSON.parse(out.lines[0])).toEqual(expect.objectContaining({ level: 'error', component: 'worker', node: 'n01', msg: 'MaaS answered 401 for key ***' }));
  expect(JSON.parse(out.lines[1]).promenade).toBe('Bearer ***');
});

test('jsonLogger with secrets masks them in clear, JSON-escaped, base64 and base64url, also inside a longer encoded value', () => {
  const pw = 'pa"ss\\wo?>~rd';
  const out = captureLines();
  const log = jsonLogger({ level: 'debug', secrets: () => [pw], write: out.write });
  log.info(`login as admin/${pw}`);
  log.info('header', { authorization: `Basic ${Buffer.from(`admin:${pw}`).toString('base64')}` });
  log.info('id', { actionId: Buffer.from(`wf|${pw}`).toString('base64url'), b64: Buffer.from(pw).toString('base64') });
  const text = out.lines.join('\n');
  expect(text).not.toContain(JSON.stringify(pw).slice(1, -1));
  for (const lead of ['', 'a', 'ab']) {
    const enc = Buffer.from(`${lead}${pw}`).toString('base64');
    // The secret's own quanta (from the second on) are gone, whatever the alignment.
    expect(text).not.toContain(enc.slice(4, enc.length - 4));
  }
  expect(JSON.parse(out.lines[0]).msg).toBe('login as admin/***');
  expect(out.lines.every((l) => JSON.parse(l))).toBe(true);
});

test('without secrets the logger writes what it is given: masking is the last line of defence, not the plan', () => {
  const out = captureLines();
  jsonLogger({ write: out.write }).info('x', { v: 'visible-value' });
  expect(out.lines[0]).toContain('visible-value');
  // Short values are never masked (they would mask unrelated text).
  expect(redact('id ab and abc', ['ab'])).toBe('id ab and abc');
});
