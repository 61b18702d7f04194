/**
 * The codec server decrypts only for callers it can tell are allowed: a configured bearer token (what the Web UI
 * forwards with TEMPORAL_CODEC_PASS_ACCESS_TOKEN, or `temporal --codec-auth`) or a client certificate its CA
 * signed. Plain HTTP(S) requests against real servers on loopback; certificates made here with openssl.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { AesGcmCodec } from '../../common/codec';
import { decodedValue, encryptedBody } from '../harness/codecBodies';
import { memoryLogger } from '../../common/logger';
import { freeTcpPort } from '../../common/ports';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { codecServerConfigFromEnv, startCodecServer, type CodecServer } from '../../worker/codecServer';

const key = randomBytes(32);
const codec = new AesGcmCodec({ current: { id: 'k1', key } });
const TOKEN = `tok-${randomBytes(18).toString('base64url')}`;
const OLD_TOKEN = `old-${randomBytes(18).toString('base64url')}`;

describe('bearer token', () => {
  let srv: CodecServer;
  const log = memoryLogger();
  beforeAll(async () => {
    srv = await startCodecServer({ codec, port: 0, host: '127.0.0.1', logger: log, auth: { tokens: [TOKEN, OLD_TOKEN], namespaces: ['default'] } });
  });
  afterAll(() => srv.stop());

  const post = async (p: string, headers: Record<string, string>, value: unknown = { node: 'n01' }) => {
    const res = await fetch(`${srv.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: await encryptedBody(codec, value),
    });
    return { status: res.status, text: await res.text(), wwwAuthenticate: res.headers.get('www-authenticate') };
  };

  test('no credentials: 401 with a Bearer challenge, and nothing decrypted', async () => {
    const r = await post('/decode', {}, 'the secret');
    expect(r.status).toBe(401);
    expect(r.wwwAuthenticate).toBe('Bearer realm="drydock-codec"');
    expect(JSON.parse(r.text)).toEqual({ error: 'credentials required: Authorization: Bearer <token>' });
    expect(r.text).not.toContain('the secret');
  });

  test('a wrong token, another scheme or an empty bearer: 401', async () => {
    expect((await post('/decode', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post('/decode', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` })).status).toBe(401);
    // What the Web UI sends when it forwards an access token it does not have.
    expect((await post('/decode', { authorization: 'Bearer undefined' })).status).toBe(401);
    expect((await post('/encode', { authorization: 'Bearer ' })).status).toBe(401);
  });

  test('the configured token, or the one being rotated out, decodes and encodes', async () => {
    const r = await post('/decode', { authorization: `Bearer ${TOKEN}` }, { node: 'n02', step: 'deploy' });
    expect(r.status).toBe(200);
    expect(decodedValue(r.text)).toEqual({ node: 'n02', step: 'deploy' });
    expect((await post('/decode', { authorization: `bearer ${OLD_TOKEN}` })).status).toBe(200);
    expect((await post('/encode', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  test('a valid token for a namespace the server does not serve: 403', async () => {
    const other = await post('/decode', { authorization: `Bearer ${TOKEN}`, 'x-namespace': 'other' });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text).error).toBe('namespace "other" is not served by this codec server');
    const res = await fetch(`${srv.url}/decode`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: await encryptedBody(codec, 1) });
    expect(res.status).toBe(403);
  });

  test('health checks and CORS preflights need no credentials; refusals are logged without the tokens', async () => {
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const pre = await fetch(`${srv.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8080', 'access-control-request-headers': 'authorization' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = log.lines.filter((l) => l.includes('codec request refused'));
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(log.lines.join('\n')).not.toContain(TOKEN.slice(4));
    expect(log.lines.join('\n')).not.toContain(OLD_TOKEN.slice(4));
  });
});

test('no credential configured: only a loopback address is served', async () => {
  await expect(startCodecServer({ codec, port: 0, host: '0.0.0.0' })).rejects.toThrow(
    'the codec server would decrypt payloads for anyone who reaches 0.0.0.0: set DRYDOCK_CODEC_AUTH_TOKEN, DRYDOCK_CODEC_OIDC_ISSUER or DRYDOCK_CODEC_TLS_CLIENT_CA, or bind to a loopback address',
  );
  await expect(startCodecServer({ codec, port: 0, host: '::', auth: { namespaces: ['default'] } })).rejects.toThrow(/would decrypt payloads for anyone/);
  const local = await startCodecServer({ codec, port: 0, host: '127.0.0.1' });
  try {
    const res = await fetch(`${local.url}/decode`, { method: 'POST', body: await encryptedBody(codec, 'local') });
    expect(decodedValue(await res.text())).toBe('local');
  } finally {
    await local.stop();
  }
});

describe('mutual TLS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-mtls-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  let srv: CodecServer;
  const log = memoryLogger();

  /** A key and a certificate for `cn` signed by `ca` (a prefix of files in dir). */
  function issue(name: string, cn: string, ca: string, ext: string) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    fs.writeFileSync(f(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  }

  beforeAll(async () => {
    for (const ca of ['ca', 'rogue-ca']) {
      openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-subj', `/CN=${ca}`, '-days', '2', '-out', `${ca}.crt`);
    }
    issue('server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    issue('ui', 'drydock-ui', 'ca', 'extendedKeyUsage=clientAuth\n');
    issue('other', 'someone-else', 'ca', 'extendedKeyUsage=clientAuth\n');
    issue('rogue', 'drydock-ui', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
    // Through the environment, as a deployment configures it (PEM files).
    const cfg = codecServerConfigFromEnv({
      DRYDOCK_CODEC_PORT: '0',
      DRYDOCK_CODEC_TLS_CERT: f('server.crt'),
      DRYDOCK_CODEC_TLS_KEY: f('server.key'),
      DRYDOCK_CODEC_TLS_CLIENT_CA: f('ca.crt'),
      DRYDOCK_CODEC_TLS_CLIENT_NAMES: 'drydock-ui, drydock-cli',
      DRYDOCK_CODEC_AUTH_TOKEN: TOKEN,
    });
    srv = await startCodecServer({ codec, ...cfg, logger: log });
  });
  afterAll(async () => {
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function post(client: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    return encryptedBody(codec, { bmc: 'n01-oob' }).then(
      (body) =>
        new Promise((resolve, reject) => {
          const req = https.request(
            `${srv.url}/decode`,
            {
              method: 'POST',
              ca: fs.readFileSync(f('ca.crt')),
              ...(client ? { cert: fs.readFileSync(f(`${client}.crt`)), key: fs.readFileSync(f(`${client}.key`)) } : {}),
              headers: { 'content-type': 'application/json', ...headers },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        }),
    );
  }

  test('serves HTTPS', () => {
    expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('a client certificate the CA signed, with an allowed name, decodes', async () => {
    const r = await post('ui');
    expect(r.status).toBe(200);
    expect(decodedValue(r.text)).toEqual({ bmc: 'n01-oob' });
  });

  test('a certificate the CA signed for a name not allowed: 403', async () => {
    const r = await post('other');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error).toBe('client certificate someone-else is not allowed to use the codec');
  });

  test('a certificate of another CA, or none: 401', async () => {
    const rogue = await post('rogue');
    expect(rogue.status).toBe(401);
    expect(JSON.parse(rogue.text).error).toMatch(/^client certificate not accepted: /);
    const none = await post(undefined);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text).error).toBe('credentials required: Authorization: Bearer <token> or a client certificate');
  });

  test('without a certificate, the bearer token still authenticates', async () => {
    expect((await post(undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await post('rogue', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});

test('configuration: tokens, namespaces, TLS files, and what does not go together', () => {
  expect(codecServerConfigFromEnv({ DRYDOCK_CODEC_AUTH_TOKEN: `${TOKEN}, ${OLD_TOKEN}`, DRYDOCK_CODEC_NAMESPACES: 'default,lab' }).auth).toEqual({
    tokens: [TOKEN, OLD_TOKEN],
    namespaces: ['default', 'lab'],
  });
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_AUTH_TOKEN: 'short' })).toThrow(
    'invalid configuration: DRYDOCK_CODEC_AUTH_TOKEN: each token must be at least 16 characters, no spaces',
  );
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_TLS_CERT: '/nonexistent.crt' })).toThrow('DRYDOCK_CODEC_TLS_CERT and DRYDOCK_CODEC_TLS_KEY go together');
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_TLS_CERT: '/nonexistent.crt', DRYDOCK_CODEC_TLS_KEY: '/nonexistent.key' })).toThrow(
    'invalid configuration: DRYDOCK_CODEC_TLS_CERT: cannot read /nonexistent.crt: ENOENT',
  );
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_TLS_CLIENT_CA: '/ca.crt' })).toThrow(/DRYDOCK_CODEC_TLS_CLIENT_CA needs DRYDOCK_CODEC_TLS_CERT/);
});

describe('the codec server process', () => {
  const run = (env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker/codecServer.ts'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', DRYDOCK_CODEC_KEY: key.toString('base64'), DRYDOCK_CODEC_KEY_ID: 'k1', DRYDOCK_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, stderr: () => stderr };
  };

  test('refuses to start open on a non-loopback address (exit 2, one line)', async () => {
    const p = run({ DRYDOCK_CODEC_BIND: '0.0.0.0', DRYDOCK_CODEC_PORT: String(await freeTcpPort()) });
    expect(await p.exited).toBe(2);
    expect(p.stderr().trim().split('\n')).toEqual([
      'drydock codec server: the codec server would decrypt payloads for anyone who reaches 0.0.0.0: set DRYDOCK_CODEC_AUTH_TOKEN, DRYDOCK_CODEC_OIDC_ISSUER or DRYDOCK_CODEC_TLS_CLIENT_CA, or bind to a loopback address',
    ]);
  }, 20_000);

  test('with DRYDOCK_CODEC_AUTH_TOKEN: 401 then 200, and the token is in none of its log lines', async () => {
    const port = await freeTcpPort();
    const p = run({ DRYDOCK_CODEC_PORT: String(port), DRYDOCK_CODEC_AUTH_TOKEN: TOKEN });
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 15_000;
      while (!p.stderr().includes('codec server listening')) {
        if (Date.now() > deadline) throw new Error(`codec server did not start: ${p.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const body = await encryptedBody(codec, 'from the process');
      expect((await fetch(`${url}/decode`, { method: 'POST', headers: { authorization: `Bearer not-${TOKEN}` }, body })).status).toBe(401);
      const ok = await fetch(`${url}/decode`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body });
      expect(ok.status).toBe(200);
      expect(decodedValue(await ok.text())).toBe('from the process');
    } finally {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
    expect(p.stderr()).toContain('"msg":"codec request refused"');
    expect(p.stderr()).toContain('"bearerTokens":1');
    expect(p.stderr()).not.toContain(TOKEN.slice(4));
  }, 30_000);
});
