/**
 * Connection configuration the Temporal way (@temporalio/envconfig, common/config.ts): a profile of a TOML file,
 * TEMPORAL_* variables over it, the CLI's --address/--namespace/--profile over both; against a server behind
 * TLS and one behind mutual TLS (certificates made here with openssl; test/harness/tlsProxy.ts terminates TLS
 * in front of the run's dev server, which serves none), and over IPv6.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectWorker } from '../../worker/connect';
import { ConfigError, connectionOptions, temporalConfigFromEnv } from '../../common/config';
import { silentLogger } from '../../common/logger';
import { createDrydockWorker } from '../../worker/worker';
import { runDrydock } from '../harness/cli';
import { DEMO_SITE_PATH } from '../harness/demoSite';
import { installQuietRuntime } from '../harness/quietRuntime';
import { fastSettings, temporalAddress } from '../harness/temporal';
import { makeTestPki, startTcpProxy, startTlsProxy, type Proxy, type TestPki } from '../harness/tlsProxy';

let dir: string;
let pki: TestPki;
let mtls: Proxy;
let tlsOnly: Proxy;
let ipv6: Proxy | undefined;
let configFile: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-tls-'));
  pki = makeTestPki(dir);
  mtls = await startTlsProxy(pki, temporalAddress(), { mutual: true });
  tlsOnly = await startTlsProxy(pki, temporalAddress(), { mutual: false });
  ipv6 = await startTcpProxy('::1', temporalAddress()).catch(() => undefined);
  configFile = path.join(dir, 'temporal.toml');
  fs.writeFileSync(
    configFile,
    [
      '[profile.secure]',
      `address = "${mtls.address}"`,
      'namespace = "default"',
      '[profile.secure.tls]',
      `server_ca_cert_path = "${pki.caCert}"`,
      `client_cert_path = "${pki.clientCert}"`,
      `client_key_path = "${pki.clientKey}"`,
      '',
      '[profile.nocert]',
      `address = "${mtls.address}"`,
      '[profile.nocert.tls]',
      `server_ca_cert_path = "${pki.caCert}"`,
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await Promise.all([mtls?.close(), tlsOnly?.close(), ipv6?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One line on stderr, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

describe('the configuration', () => {
  test('a profile of the file, the variables over it, the command line over both', () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'secure' };
    const cfg = temporalConfigFromEnv(env);
    expect(cfg.address).toBe(mtls.address);
    expect(cfg.profile).toBe('secure');
    const tls = cfg.tls as { serverRootCACertificate: Uint8Array; clientCertPair: { crt: Uint8Array; key: Uint8Array } };
    const pem = (b: Uint8Array) => Buffer.from(b).toString();
    expect([pem(tls.serverRootCACertificate), pem(tls.clientCertPair.crt), pem(tls.clientCertPair.key)]).toEqual(
      [pki.caCert, pki.clientCert, pki.clientKey].map((f) => fs.readFileSync(f, 'utf8')),
    );
    expect(temporalConfigFromEnv({ ...env, TEMPORAL_NAMESPACE: 'ops' }).namespace).toBe('ops');
    const cli = temporalConfigFromEnv({ ...env, TEMPORAL_ADDRESS: '10.0.0.1:7233' }, { address: '[::1]:7233', namespace: 'lab', profile: 'nocert' });
    expect(cli).toMatchObject({ address: '[::1]:7233', namespace: 'lab', profile: 'nocert' });
    expect((cli.tls as { clientCertPair?: unknown }).clientCertPair).toBeUndefined();
  });

  test('an API key turns TLS on; TEMPORAL_TLS=false turns it off; no file, no TLS', () => {
    const key = temporalConfigFromEnv({ TEMPORAL_ADDRESS: 'x.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k1' });
    expect(connectionOptions(key)).toEqual({ address: 'x.tmprl.cloud:7233', apiKey: 'k1', tls: true });
    expect(temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'secure', TEMPORAL_TLS: 'false' }).tls).toBe(false);
    expect(connectionOptions(temporalConfigFromEnv({ HOME: dir }))).toEqual({ address: '127.0.0.1:7233' });
  });

  test.each([
    ['a missing file', { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' }, /TEMPORAL_CONFIG_FILE: no such file: \/nonexistent\/temporal.toml/],
    ['a missing profile', { TEMPORAL_PROFILE: 'nope' }, /Profile 'nope' not found/],
    [
      'a missing certificate',
      { TEMPORAL_PROFILE: 'nocert', TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/k.pem' },
      /ENOENT.*\/nonexistent\//,
    ],
    ['an address without a port', { TEMPORAL_ADDRESS: 'temporal.example' }, /TEMPORAL_ADDRESS: must be host:port/],
  ])('%s is one line naming it', (_what, env, message) => {
    expect(() => temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: configFile, ...env })).toThrow(ConfigError);
    expect(() => temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: configFile, ...env })).toThrow(message);
  });

  test('bad TOML is one line naming the file', () => {
    const bad = path.join(dir, 'bad.toml');
    fs.writeFileSync(bad, '[profile.x\naddress = 1\n');
    expect(() => temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: bad })).toThrow(
      new RegExp(`^invalid Temporal connection configuration \\(TEMPORAL_CONFIG_FILE ${bad}\\): [^\\n]+$`),
    );
  });
});

describe('mutual TLS', () => {
  test('a worker and the CLI with the profile: a task runs and is listed', async () => {
    installQuietRuntime();
    const cfg = temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'secure' });
    const connection = await connectWorker(cfg);
    const taskQueue = `test-mtls-${process.pid}-${Date.now()}`;
    const worker = await createDrydockWorker({
      connection,
      namespace: cfg.namespace,
      taskQueue,
      settings: fastSettings(),
      logger: silentLogger,
      dataConverter: {},
      workflowBundle: { codePath: process.env.DRYDOCK_TEST_WORKFLOW_BUNDLE! },
    });
    const env = { TEMPORAL_CONFIG_FILE: configFile, DRYDOCK_TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: '', TEMPORAL_PROFILE: '' };
    try {
      await worker.runUntil(async () => {
        const validated = await runDrydock(['--profile', 'secure', 'validate-design', DEMO_SITE_PATH], env);
        expect(validated.stderr).toBe('');
        expect(validated.code).toBe(0);
        const taskId = /\(task ([0-9a-f-]{36})\)/.exec(validated.stdout)?.[1];
        expect(taskId).toBeDefined();
        const listed = await runDrydock(['--profile', 'secure', 'task', 'list', '--action', 'validate_design', '--output', 'json'], env);
        expect(listed.stderr).toBe('');
        expect(listed.code).toBe(0);
        expect((JSON.parse(listed.stdout) as { task_id: string }[]).map((t) => t.task_id)).toContain(taskId);
      });
    } finally {
      await connection.close();
    }
  });

  test('without the client certificate: one line naming the TLS problem, exit 1', async () => {
    const r = await runDrydock(['task', 'list'], { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'nocert', TEMPORAL_CONNECT_TIMEOUT: '3' });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(
      new RegExp(`^drydock: cannot reach Temporal at ${mtls.address} \\(TLS\\): the server refused the TLS session: TLS alert "certificate required"`),
    );
    expect(r.stdout).toBe('');
  });

  test('a client certificate of another CA is refused in one line', async () => {
    const r = await runDrydock(['task', 'list'], {
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: 'nocert',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.otherClientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.otherClientKey,
      TEMPORAL_CONNECT_TIMEOUT: '3',
    });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^drydock: cannot reach Temporal at .* \(mutual TLS\): the server (refused|closed) the TLS session/);
  });

  test('the worker without its certificate fails to connect, naming it', async () => {
    const cfg = temporalConfigFromEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'nocert' });
    await expect(connectWorker(cfg)).rejects.toThrow(
      new RegExp(`^cannot reach Temporal at ${mtls.address.replace(/[.[\]]/g, '\\$&')} \\(TLS\\): the server refused the TLS session: TLS alert "certificate required"`),
    );
  });
});

describe('TLS', () => {
  test('with the CA from the environment and --address: tasks listed', async () => {
    const r = await runDrydock(['--address', tlsOnly.address, 'task', 'list', '--limit', '1'], { TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert, TEMPORAL_ADDRESS: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('without the CA: one line saying the certificate is not trusted', async () => {
    const r = await runDrydock(['--address', tlsOnly.address, 'task', 'list'], { TEMPORAL_TLS: 'true', TEMPORAL_CONNECT_TIMEOUT: '3' });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/TLS handshake failed: the server's certificate is not signed by a trusted CA .*TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
  });

  test('plaintext to a TLS server: one line suggesting TLS', async () => {
    const r = await runDrydock(['--address', tlsOnly.address, 'task', 'list'], { TEMPORAL_CONNECT_TIMEOUT: '3' });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/\(plaintext\): .*require TLS/);
  });
});

describe('IPv6', () => {
  test('[::1]:port for the CLI and the worker', async () => {
    if (!ipv6) {
      console.warn('IPv6 test skipped: this machine has no ::1');
      return;
    }
    expect(ipv6.address).toMatch(/^\[::1\]:\d+$/);
    const r = await runDrydock(['task', 'list', '--limit', '1'], { TEMPORAL_ADDRESS: ipv6.address });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    installQuietRuntime();
    const connection = await connectWorker(temporalConfigFromEnv({ TEMPORAL_ADDRESS: ipv6.address }));
    try {
      expect((await connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
  });
});
