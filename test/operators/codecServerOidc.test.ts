/**
 * The codec server decrypts for the OIDC access token the Web UI forwards (TEMPORAL_CODEC_PASS_ACCESS_TOKEN): the
 * signed-in user's JWT, checked against the issuer's keys. The identity provider here is a loopback HTTP server
 * serving a discovery document and a JWKS of keys this test made; the test signs its tokens itself (one with the
 * openssl CLI, as another implementation) and POSTs /decode with plain HTTP requests.
 */
import { execFileSync } from 'node:child_process';
import { constants, createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { AesGcmCodec } from '../../common/codec';
import { decodedValue, encryptedBody } from '../harness/codecBodies';
import { memoryLogger } from '../../common/logger';
import { codecServerConfigFromEnv, startCodecServer, type CodecServer } from '../../worker/codecServer';
import { OidcVerifier, ClaimNotAllowedError } from '../../worker/oidcToken';

const codec = new AesGcmCodec({ current: { id: 'k1', key: randomBytes(32) } });
const STATIC_TOKEN = `cli-${randomBytes(18).toString('base64url')}`;
const AUDIENCE = 'temporal-ui';
const GROUP = 'drydock-operators';

type Alg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384';
interface TestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JsonWebKey;
}

function rsaKey(kid: string, alg?: Alg): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', ...(alg ? { alg } : {}) } };
}
function ecKey(kid: string, namedCurve: 'P-256' | 'P-384'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const HASH: Record<Alg, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', PS256: 'sha256', ES256: 'sha256', ES384: 'sha384' };

/** A JWS compact token (RFC 7515) signed with `key`, as an identity provider makes one. */
function jwt(alg: Alg, key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = { kid: key.kid }): string {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  const data = Buffer.from(input);
  const signature = alg.startsWith('ES')
    ? sign(HASH[alg], data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : alg === 'PS256'
      ? sign('sha256', data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign(HASH[alg], data, key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** An OIDC provider's two documents on loopback: discovery and JWKS, with request counts. */
class IdentityProvider {
  keys: TestKey[] = [];
  discoveryIssuer?: string;
  fetches = { discovery: 0, jwks: 0 };
  private server?: http.Server;
  port = 0;

  get issuer() {
    return `http://127.0.0.1:${this.port}/realms/drydock`;
  }

  async start(port = 0) {
    this.server = http.createServer((req, res) => {
      if (req.url === '/realms/drydock/.well-known/openid-configuration') {
        this.fetches.discovery++;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ issuer: this.discoveryIssuer ?? this.issuer, jwks_uri: `${this.issuer}/protocol/openid-connect/certs` }));
      } else if (req.url === '/realms/drydock/protocol/openid-connect/certs') {
        this.fetches.jwks++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop() {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}

/** POST /decode as the Web UI does: X-Namespace and the forwarded access token. */
async function decode(srv: CodecServer, token: string | undefined, value: unknown = { node: 'n01' }, namespace = 'default') {
  const res = await fetch(`${srv.url}/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': namespace, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    body: await encryptedBody(codec, value),
  });
  const text = await res.text();
  return { status: res.status, text, error: res.ok ? undefined : (JSON.parse(text) as { error: string }).error, headers: res.headers };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowS = () => Math.floor(Date.now() / 1000);

describe('the Web UI forwards its signed-in user OIDC access token', () => {
  const idp = new IdentityProvider();
  const log = memoryLogger();
  let srv: CodecServer;
  const rsa = rsaKey('rsa-1');
  const ps = rsaKey('rsa-ps', 'PS256');
  const ec256 = ecKey('ec-256', 'P-256');
  const ec384 = ecKey('ec-384', 'P-384');
  const claims = (over: Record<string, unknown> = {}) => ({ iss: idp.issuer, aud: AUDIENCE, sub: 'alice', iat: nowS(), exp: nowS() + 300, groups: [GROUP, 'staff'], ...over });
  const tokensSent: string[] = [];
  const send = (token: string, value?: unknown, namespace?: string) => {
    tokensSent.push(token);
    return decode(srv, token, value, namespace);
  };

  beforeAll(async () => {
    await idp.start();
    idp.keys = [rsa, ps, ec256, ec384];
    // Configured through the environment, as a deployment does; the discovery document gives the JWKS.
    const cfg = codecServerConfigFromEnv({
      DRYDOCK_CODEC_PORT: '0',
      DRYDOCK_CODEC_AUTH_TOKEN: STATIC_TOKEN,
      DRYDOCK_CODEC_NAMESPACES: 'default',
      DRYDOCK_CODEC_OIDC_ISSUER: idp.issuer,
      DRYDOCK_CODEC_OIDC_AUDIENCE: `other-app, ${AUDIENCE}`,
      DRYDOCK_CODEC_OIDC_ALLOWED: `groups=${GROUP},drydock-admins`,
    });
    // A short cool-down between key fetches, so that the rotation below needs no 30 s wait.
    srv = await startCodecServer({ codec, ...cfg, auth: { ...cfg.auth, oidc: { ...cfg.auth!.oidc!, jwksCooldownMs: 300 } }, logger: log });
  });
  afterAll(async () => {
    await srv?.stop();
    await idp.stop();
  });

  test('a valid token decodes, whichever algorithm the issuer signs with', async () => {
    const r = await send(jwt('RS256', rsa, claims()), { node: 'n02', step: 'deploy' });
    expect([r.status, r.error]).toEqual([200, undefined]);
    expect(decodedValue(r.text)).toEqual({ node: 'n02', step: 'deploy' });
    for (const [alg, key] of [
      ['RS384', rsa],
      ['RS512', rsa],
      ['PS256', ps],
      ['ES256', ec256],
      ['ES384', ec384],
    ] as const) {
      const res = await send(jwt(alg, key, claims({ aud: ['account', AUDIENCE] })), alg);
      expect([alg, res.status, res.error]).toEqual([alg, 200, undefined]);
      expect(decodedValue(res.text)).toBe(alg);
    }
    // Discovery once, keys once: the cache serves the rest.
    expect(idp.fetches).toEqual({ discovery: 1, jwks: 1 });
  });

  test('a token signed by openssl (another implementation of RS256) decodes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-oidc-'));
    try {
      fs.writeFileSync(path.join(dir, 'key.pem'), rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: rsa.kid })}.${b64(claims({ sub: 'openssl' }))}`;
      fs.writeFileSync(path.join(dir, 'input'), input);
      const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', 'key.pem', 'input'], { cwd: dir });
      const r = await send(`${input}.${sig.toString('base64url')}`, 'openssl');
      expect([r.status, decodedValue(r.text)]).toEqual([200, 'openssl']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('expired, not yet valid, another issuer, another audience: 401 with the reason', async () => {
    const cases: [string, string, string][] = [
      ['expired', jwt('RS256', rsa, claims({ exp: nowS() - 120 })), 'access token not accepted: token expired'],
      ['no exp', jwt('RS256', rsa, claims({ exp: undefined })), 'access token not accepted: token has no exp'],
      ['nbf ahead', jwt('ES256', ec256, claims({ nbf: nowS() + 600 })), 'access token not accepted: token not valid yet (nbf)'],
      [
        'issuer',
        jwt('RS256', rsa, claims({ iss: 'https://idp.example.net/realms/drydock' })),
        'access token not accepted: issuer https://idp.example.net/realms/drydock not accepted',
      ],
      ['audience', jwt('RS256', rsa, claims({ aud: 'account' })), 'access token not accepted: token not issued for this audience'],
      ['no audience', jwt('RS256', rsa, claims({ aud: undefined })), 'access token not accepted: token not issued for this audience'],
    ];
    for (const [what, token, error] of cases) {
      const r = await send(token, 'the secret');
      expect([what, r.status, r.error]).toEqual([what, 401, error]);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="drydock-codec", error="invalid_token", error_description="/);
      expect(r.text).not.toContain('the secret');
    }
    // Within the clock skew (60 s), a token just expired still decodes.
    expect((await send(jwt('RS256', rsa, claims({ exp: nowS() - 20 })))).status).toBe(200);
  });

  test('a bad signature, a changed claim, alg none, HS256 keyed with the public key: 401', async () => {
    const impostor = rsaKey('rsa-1');
    expect((await send(jwt('RS256', impostor, claims()))).error).toBe('access token not accepted: bad signature');
    const [h, , s] = jwt('RS256', rsa, claims({ groups: ['staff'] })).split('.');
    expect((await send(`${h}.${b64(claims())}.${s}`)).error).toBe('access token not accepted: bad signature');
    const ecAsEs384 = jwt('ES256', ec256, claims(), { kid: ec256.kid, alg: 'ES256' }).replace(/^[^.]+/, b64({ alg: 'ES384', kid: ec256.kid }));
    expect((await send(ecAsEs384)).error).toBe('access token not accepted: key ec-256 is not for ES384');

    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expect((await send(none)).error).toBe('access token not accepted: unsigned token (alg none)');
    // The classic confusion: HMAC keyed with the RSA public key, which anyone can fetch from the JWKS.
    const pem = createPublicKey(rsa.privateKey).export({ format: 'pem', type: 'spki' });
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: rsa.kid })}.${b64(claims())}`;
    const hs = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    const r = await send(hs);
    expect([r.status, r.error]).toEqual([401, 'access token not accepted: alg HS256 not accepted (RS256, RS384, RS512, PS256, ES256, ES384)']);
  });

  test('an unknown key id refetches the keys: after a rotation the new key works and the retired one no longer does', async () => {
    const rsa2 = rsaKey('rsa-2');
    const before = idp.fetches.jwks;
    await sleep(350);
    expect((await send(jwt('RS256', rsa2, claims()))).error).toBe('access token not accepted: unknown key id rsa-2');
    expect(idp.fetches.jwks).toBe(before + 1);
    // The issuer rotates: rsa-2 published, rsa-1 retired. No restart of the codec server.
    idp.keys = [rsa2, ps, ec256, ec384];
    await sleep(350);
    const r = await send(jwt('RS256', rsa2, claims()), 'rotated');
    expect([r.status, decodedValue(r.text)]).toEqual([200, 'rotated']);
    expect(idp.fetches.jwks).toBe(before + 2);
    expect((await send(jwt('RS256', rsa, claims()))).error).toBe('access token not accepted: unknown key id rsa-1');

    // Made-up key ids in a burst cost the issuer one fetch, not one each (which also brings rsa-1 back for the rest).
    idp.keys = [rsa, rsa2, ps, ec256, ec384];
    await sleep(350);
    const n = idp.fetches.jwks;
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => send(jwt('RS256', rsa2, claims(), { kid: `made-up-${i}` }))));
    expect(burst.map((b) => b.status)).toEqual(Array(6).fill(401));
    expect(idp.fetches.jwks).toBe(n + 1);
  });

  test('a valid token of a user without the required group: 403; another namespace: 403', async () => {
    const r = await send(jwt('RS256', rsa, claims({ sub: 'mallory', groups: ['staff'] })), 'the secret');
    expect([r.status, r.error]).toEqual([403, 'access token not allowed: claim groups holds none of drydock-operators, drydock-admins']);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="drydock-codec", error="insufficient_scope"/);
    expect(r.text).not.toContain('the secret');
    expect((await send(jwt('RS256', rsa, claims({ groups: undefined })))).status).toBe(403);
    // A single string is a one-value claim.
    expect((await send(jwt('RS256', rsa, claims({ groups: 'drydock-admins' })))).status).toBe(200);
    const other = await send(jwt('RS256', rsa, claims()), 'x', 'other');
    expect([other.status, other.error]).toEqual([403, 'namespace "other" is not served by this codec server']);
  });

  test('the static token (what the CLI sends) still works beside OIDC; other tokens are 401', async () => {
    const r = await decode(srv, STATIC_TOKEN, 'from the CLI');
    expect([r.status, decodedValue(r.text)]).toEqual([200, 'from the CLI']);
    expect((await decode(srv, `${STATIC_TOKEN}x`)).error).toBe('bearer token not accepted');
    expect((await decode(srv, 'undefined')).error).toBe('bearer token not accepted');
    const none = await decode(srv, undefined);
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="drydock-codec"']);
  });

  test('no token reaches the logs; each refusal is logged with its reason', () => {
    const all = log.lines.join('\n');
    expect(tokensSent.length).toBeGreaterThan(20);
    for (const t of tokensSent) expect(all).not.toContain(t.split('.')[2] || t.split('.')[1]);
    expect(all).not.toContain(STATIC_TOKEN.slice(4));
    expect(log.lines.filter((l) => l.includes('"msg":"codec request refused"') && l.includes('token expired'))).toHaveLength(1);
  });
});

describe("the issuer's keys unavailable", () => {
  const rsa = rsaKey('rsa-1');

  test('keys expired from the cache and the issuer down: 503 (logged once), then decoding again once it is back', async () => {
    const idp = new IdentityProvider();
    await idp.start();
    idp.keys = [rsa];
    const log = memoryLogger();
    const srv = await startCodecServer({
      codec,
      port: 0,
      logger: log,
      auth: { oidc: { issuer: idp.issuer, audiences: [AUDIENCE], jwksTtlMs: 300, jwksCooldownMs: 100 } },
    });
    const token = () => jwt('RS256', rsa, { iss: idp.issuer, aud: AUDIENCE, sub: 'alice', exp: nowS() + 300 });
    try {
      expect((await decode(srv, token())).status).toBe(200);
      const port = idp.port;
      await idp.stop();
      await sleep(350);
      const down = await decode(srv, token());
      expect([down.status, down.error, down.headers.get('retry-after')]).toEqual([503, "access token cannot be checked now: the issuer's keys are unavailable", '30']);
      await sleep(150);
      expect((await decode(srv, token())).status).toBe(503);
      const unavailable = log.lines.filter((l) => l.includes('"msg":"OIDC keys unavailable"'));
      expect(unavailable).toHaveLength(1);
      // The JWKS address came from the discovery document at the first fetch.
      expect(unavailable[0]).toContain(`http://127.0.0.1:${port}/realms/drydock/protocol/openid-connect/certs unreachable: ECONNREFUSED`);

      await idp.start(port);
      await sleep(150);
      const back = await decode(srv, token(), 'back');
      expect([back.status, decodedValue(back.text)]).toEqual([200, 'back']);
      expect(log.lines.filter((l) => l.includes('"msg":"OIDC keys available again"'))).toHaveLength(1);
    } finally {
      await srv.stop();
      await idp.stop();
    }
  });

  test('a discovery document naming another issuer, or a JWKS with no usable key: 503, the reason logged', async () => {
    const idp = new IdentityProvider();
    await idp.start();
    const log = memoryLogger();
    const srv = await startCodecServer({ codec, port: 0, logger: log, auth: { oidc: { issuer: idp.issuer, audiences: [AUDIENCE], jwksCooldownMs: 0 } } });
    try {
      idp.discoveryIssuer = 'https://elsewhere.example.net';
      const token = jwt('RS256', rsa, { iss: idp.issuer, aud: AUDIENCE, exp: nowS() + 300 });
      expect((await decode(srv, token)).status).toBe(503);
      expect(log.lines.join('\n')).toContain(`names issuer https://elsewhere.example.net, not ${idp.issuer}`);
      idp.discoveryIssuer = undefined;
      // A 1024-bit RSA key is too weak to be trusted and an HMAC key (kty oct) is not a public key: neither is used.
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
      idp.keys = [
        { ...rsa, jwk: { ...weak, kid: 'weak' } },
        { ...rsa, jwk: { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' } },
      ];
      expect((await decode(srv, token)).status).toBe(503);
      expect(log.lines.join('\n')).not.toContain('holds no usable signing key'); // logged once per outage: the first reason only
      idp.keys = [rsa];
      expect((await decode(srv, token)).status).toBe(200);
    } finally {
      await srv.stop();
      await idp.stop();
    }
  });
});

test('a claim by dotted path (Keycloak realm roles) and a token with no kid when the issuer has one key', async () => {
  const idp = new IdentityProvider();
  await idp.start();
  const rsa = rsaKey('only');
  idp.keys = [rsa];
  try {
    const v = new OidcVerifier({
      issuer: idp.issuer,
      audiences: [AUDIENCE],
      jwksUrl: `${idp.issuer}/protocol/openid-connect/certs`,
      allowed: { claim: 'realm_access.roles', values: ['drydock'] },
    });
    const c = { iss: idp.issuer, aud: AUDIENCE, sub: 'bob', exp: nowS() + 60 };
    await expect(v.verify(jwt('RS256', rsa, { ...c, realm_access: { roles: ['drydock', 'x'] } }, {}))).resolves.toMatchObject({ subject: 'bob' });
    await expect(v.verify(jwt('RS256', rsa, { ...c, realm_access: { roles: ['x'] } }))).rejects.toThrow(ClaimNotAllowedError);
    // jwksUrl given: the discovery document is never asked for.
    expect(idp.fetches).toEqual({ discovery: 0, jwks: 1 });
  } finally {
    await idp.stop();
  }
});

test('configuration: what OIDC needs, each error naming its variable', () => {
  const issuer = 'https://idp.example.net/realms/drydock';
  expect(
    codecServerConfigFromEnv({ DRYDOCK_CODEC_OIDC_ISSUER: issuer, DRYDOCK_CODEC_OIDC_AUDIENCE: AUDIENCE, DRYDOCK_CODEC_OIDC_ALLOWED: 'realm_access.roles = drydock, ops' }).auth,
  ).toEqual({
    oidc: { issuer, audiences: [AUDIENCE], allowed: { claim: 'realm_access.roles', values: ['drydock', 'ops'] } },
  });
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_OIDC_ISSUER: issuer })).toThrow(
    "invalid configuration: DRYDOCK_CODEC_OIDC_ISSUER needs DRYDOCK_CODEC_OIDC_AUDIENCE (the audience of the Web UI's access tokens)",
  );
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_OIDC_AUDIENCE: AUDIENCE })).toThrow('invalid configuration: DRYDOCK_CODEC_OIDC_AUDIENCE needs DRYDOCK_CODEC_OIDC_ISSUER');
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_OIDC_ISSUER: 'http://idp.example.net', DRYDOCK_CODEC_OIDC_AUDIENCE: AUDIENCE })).toThrow(
    'invalid configuration: DRYDOCK_CODEC_OIDC_ISSUER: must be an https URL (http only on a loopback address)',
  );
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_OIDC_ISSUER: issuer, DRYDOCK_CODEC_OIDC_AUDIENCE: AUDIENCE, DRYDOCK_CODEC_OIDC_JWKS_URL: 'ftp://x' })).toThrow(
    'DRYDOCK_CODEC_OIDC_JWKS_URL: must be an https URL',
  );
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_OIDC_ISSUER: issuer, DRYDOCK_CODEC_OIDC_AUDIENCE: AUDIENCE, DRYDOCK_CODEC_OIDC_ALLOWED: 'drydock-operators' })).toThrow(
    'invalid configuration: DRYDOCK_CODEC_OIDC_ALLOWED: must be <claim>=<value>[,<value>…], e.g. groups=drydock-operators',
  );
});

test('OIDC alone is a credential: the codec server may listen beyond loopback with it', async () => {
  const srv = await startCodecServer({ codec, port: 0, host: '0.0.0.0', auth: { oidc: { issuer: 'https://idp.example.net', audiences: [AUDIENCE] } } });
  try {
    const r = await fetch(`${srv.url.replace('0.0.0.0', '127.0.0.1')}/decode`, { method: 'POST', body: await encryptedBody(codec, 'x') });
    expect([r.status, await r.json()]).toEqual([401, { error: 'credentials required: Authorization: Bearer <token>' }]);
  } finally {
    await srv.stop();
  }
});
