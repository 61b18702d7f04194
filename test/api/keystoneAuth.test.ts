import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import nodeFetch from 'node-fetch';
import { KeystoneTokenProvider, REFRESH_BEFORE_EXPIRY_MS, validateToken, type FetchFn, type KeystoneCredentials } from '../../common/keystone';
import { resolveDesignRef } from '../../design/resolver';
import { PromenadeLabelDriver } from '../../drivers/promenade';
import { silentLogger } from '../../common/logger';
import { apiAuthSettingsFromEnv, authorizerFromSettings, keystoneAuthorizer, type Authorize } from '../../worker/api/auth';
import { loadPolicy } from '../../worker/api/authPolicy';
import { keystoneUnavailable, startKeystone, startProtectedServer, type KeystoneServer, type ProtectedServer, keystoneTest } from '../harness/keystone';

/**
 * The worker's Keystone side against a real Keystone (PyPI, SQLite, uWSGI): Drydock's policy on validated
 * tokens (401 / 403 / allowed), the service token provider (one login, a new one before expiry, a fresh one
 * after a revocation), and the Deckhand and Promenade calls it authenticates.
 */
const skip = keystoneUnavailable();

describe('Keystone authentication and Drydock policy', () => {
  let ks: KeystoneServer;
  let service: KeystoneCredentials;
  let operator: KeystoneCredentials;
  let admin: Authorize;
  let keystoneCalls: string[];
  const countingFetch: FetchFn = ((url: string, init: Parameters<FetchFn>[1]) => {
    keystoneCalls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    return nodeFetch(url, init);
  }) as FetchFn;
  const req = (headers: Record<string, string>) => ({ headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }) as unknown as IncomingMessage;

  beforeAll(async () => {
    const reason = await skip;
    if (reason) return console.warn(`Skipping the Keystone tests: ${reason}`);
    ks = await startKeystone();
    // Drydock's service user (Airship gives it admin on the service project) and an operator without admin.
    service = await ks.createUser({ name: 'drydock', password: 'drydock-pass', project: 'service', roles: ['admin'] });
    operator = await ks.createUser({ name: 'operator', password: 'operator-pass', project: 'site', roles: ['member', 'reader'] });
    admin = keystoneAuthorizer({ credentials: service, fetch: countingFetch });
  }, 300_000);
  afterAll(async () => ks?.stop());
  beforeEach(() => (keystoneCalls = []));

  const maybe = keystoneTest(skip);

  maybe('no token: 401 Unauthenticated, whatever the rule', async () => {
    const d = await admin(req({}), ['read_task']);
    expect(d).toMatchObject({ allowed: false, status: 401, message: 'Unauthenticated', context: { authenticated: false } });
    expect(keystoneCalls).toEqual([]);
  });

  maybe('a token Keystone does not know: 401 (Keystone answered 404 to its validation)', async () => {
    const d = await admin(req({ 'X-Auth-Token': 'gAAAAAB-not-a-token' }), ['read_task']);
    expect(d).toMatchObject({ allowed: false, status: 401, message: 'Unauthenticated' });
    expect(keystoneCalls).toEqual(['POST /v3/auth/tokens', 'GET /v3/auth/tokens']);
  });

  maybe('a token without the admin role: 403 Forbidden on POST /tasks (create_task and deploy_nodes)', async () => {
    const token = await ks.login(operator);
    const d = await admin(req({ 'X-Auth-Token': token }), ['create_task', 'deploy_nodes']);
    expect(d).toMatchObject({ allowed: false, status: 403, message: 'Forbidden', context: { authenticated: true, user: 'operator', projectName: 'site' } });
    expect(d.context.roles.sort()).toEqual(['member', 'reader']);
  });

  maybe('an admin token passes every physical_provisioner rule; the context carries its user, project and Drydock headers', async () => {
    const token = await ks.login({ ...service });
    const marker = '3f5e1c7a-9b2d-4c1e-8f3a-2b6d9e0c4a71';
    const d = await admin(req({ 'X-Auth-Token': token, 'X-Context-Marker': marker, 'X-End-User': 'shipyard-op' }), [
      'create_task',
      'deploy_nodes',
      'read_task',
      'validate_site_design',
      'read_data',
      'read_build_data',
      'health_data',
      'delete_tasks',
      'relabel_nodes',
    ]);
    expect(d).toMatchObject({ allowed: true, context: { authenticated: true, user: 'drydock', projectName: 'service', contextMarker: marker, endUser: 'shipyard-op' } });
    expect(d.context.roles).toContain('admin');
    // A marker that is not a UUID is ignored, as Drydock's context middleware does.
    expect((await admin(req({ 'X-Auth-Token': token, 'X-Context-Marker': 'nope' }), ['read_task'])).context).toMatchObject({ contextMarker: undefined, endUser: 'drydock' });
  });

  maybe('a validated token is cached: the second request does not ask Keystone', async () => {
    const token = await ks.login(operator);
    const fresh = keystoneAuthorizer({ credentials: service, fetch: countingFetch });
    await fresh(req({ 'X-Auth-Token': token }), ['read_task']);
    const first = keystoneCalls.length;
    expect(first).toBe(2); // the service login, then the validation
    await fresh(req({ 'X-Auth-Token': token }), ['create_task']);
    expect(keystoneCalls.length).toBe(first);
  });

  maybe('policy file: rules are overridden one by one; POST /tasks needs both create_task and the action rule', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-policy-'));
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(
      file,
      [
        '"physical_provisioner:create_task": "role:member"',
        '"physical_provisioner:verify_nodes": "role:member or rule:admin_required"',
        '"physical_provisioner:read_task": "role:reader and not role:admin"',
        '',
      ].join('\n'),
    );
    try {
      const settings = apiAuthSettingsFromEnv({
        DRYDOCK_KEYSTONE_URL: ks.url,
        DRYDOCK_KEYSTONE_USERNAME: 'drydock',
        DRYDOCK_KEYSTONE_PASSWORD: 'drydock-pass',
        DRYDOCK_POLICY_FILE: file,
      });
      const authorize = authorizerFromSettings(settings, silentLogger)!;
      const token = await ks.login(operator);
      expect((await authorize(req({ 'X-Auth-Token': token }), ['create_task', 'verify_nodes'])).allowed).toBe(true);
      // create_task passes, deploy_nodes keeps its default (role:admin): refused.
      expect(await authorize(req({ 'X-Auth-Token': token }), ['create_task', 'deploy_nodes'])).toMatchObject({ allowed: false, status: 403 });
      expect((await authorize(req({ 'X-Auth-Token': token }), ['read_task'])).allowed).toBe(true);
      expect((await authorize(req({ 'X-Auth-Token': await ks.login(service) }), ['read_task'])).allowed).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadPolicy('/nonexistent/policy.yaml')).toThrow(/policy file \/nonexistent\/policy.yaml/);
  });

  maybe('Keystone unreachable: 503, and no credentials in the message', async () => {
    const down = keystoneAuthorizer({ credentials: { ...service, authUrl: 'http://127.0.0.1:9/v3' } });
    const d = await down(req({ 'X-Auth-Token': 'x' }), ['read_task']);
    expect(d).toMatchObject({ allowed: false, status: 503 });
    expect(JSON.stringify(d)).not.toContain('drydock-pass');
  });

  maybe('the service token provider logs in once, again before the token expires, and after a 401', async () => {
    let clock = Date.now();
    const tokens = new KeystoneTokenProvider(service, { fetch: countingFetch, now: () => clock });
    const [a, b] = await Promise.all([tokens.token(), tokens.token()]);
    expect(a).toBe(b);
    expect(keystoneCalls).toEqual(['POST /v3/auth/tokens']);
    const body = await tokens.tokenBody();
    expect(body.roles?.map((r) => r.name)).toContain('admin');
    expect(await tokens.endpoint('identity')).toBe(ks.url);
    // Within the refresh margin of its expiry: a new login, a new token that Keystone validates.
    clock = Date.parse(body.expires_at) - REFRESH_BEFORE_EXPIRY_MS + 1000;
    const c = await tokens.token();
    expect(c).not.toBe(a);
    expect(keystoneCalls).toEqual(['POST /v3/auth/tokens', 'POST /v3/auth/tokens']);
    expect((await validateToken(ks.url, c, c))?.user.name).toBe('drydock');
    expect(await tokens.token(true)).not.toBe(c);
  });

  describe('Deckhand and Promenade behind Keystone', () => {
    const design = 'schema: drydock/Region/v1\nmetadata: {name: kstest}\ndata: {}\n';
    let deckhand: ProtectedServer;
    let promenade: ProtectedServer;
    const labelsPut: string[] = [];

    beforeAll(async () => {
      if (await skip) return;
      deckhand = await startProtectedServer(ks, service, (r) =>
        r.url === '/api/v1.0/revisions/1/rendered-documents' ? { status: 200, body: design, type: 'application/x-yaml' } : { status: 404, body: '{}' },
      );
      promenade = await startProtectedServer(ks, service, (r, body) => {
        labelsPut.push(`${r.method} ${r.url} ${body}`);
        return { status: 200, body: '{}' };
      });
    });
    afterAll(async () => {
      await deckhand?.stop();
      await promenade?.stop();
    });

    maybe('a deckhand+http reference without Keystone is refused (401); with the token provider it is fetched', async () => {
      const ref = `deckhand+${deckhand.url}/api/v1.0/revisions/1/rendered-documents`;
      await expect(resolveDesignRef(ref, { retries: 1 })).rejects.toThrow(/HTTP 401/);
      const tokens = new KeystoneTokenProvider(service);
      expect((await resolveDesignRef(ref, { tokens, retries: 1 })).toString()).toBe(design);
    });

    maybe('a revoked token: the resolver and the Promenade driver log in again once and succeed', async () => {
      const ref = `deckhand+${deckhand.url}/api/v1.0/revisions/1/rendered-documents`;
      const tokens = new KeystoneTokenProvider(service, { fetch: countingFetch });
      const first = await tokens.token();
      // Keystone's revocation: DELETE /v3/auth/tokens with the token as X-Subject-Token.
      const revoked = await nodeFetch(`${ks.url}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': first, 'X-Subject-Token': first } });
      expect(revoked.status).toBe(204);
      keystoneCalls = [];
      const before = deckhand.statuses.length;
      expect((await resolveDesignRef(ref, { tokens, retries: 1 })).toString()).toBe(design);
      expect(deckhand.statuses.slice(before)).toEqual([401, 200]);
      expect(keystoneCalls).toEqual(['POST /v3/auth/tokens']);

      const driver = new PromenadeLabelDriver({ url: promenade.url }, tokens, silentLogger);
      await driver.relabel('n01', { role: 'worker' });
      expect(labelsPut).toEqual(['PUT /api/v1.0/node-labels/n01 {"role":"worker"}']);
      expect(promenade.statuses).toEqual([200]);
    });
  });
});
