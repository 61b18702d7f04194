/**
 * A real OpenStack Keystone (from PyPI, in .tools/keystone-venv) for the tests: SQLite backend, Fernet tokens,
 * `keystone-manage bootstrap` for the admin user and the identity endpoint, served by uWSGI on a free loopback
 * port. The schema is migrated once into a template (.tools/keystone-template) that each start copies.
 * When Keystone is not installed and cannot be, `keystoneUnavailable()` says why and the tests skip.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fetch from 'node-fetch';
import { issueToken, KeystoneTokenProvider, validateToken, type KeystoneCredentials } from '../../common/keystone';
import { freeTcpPort } from '../../common/ports';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const VENV = path.join(ROOT, '.tools/keystone-venv');
const BIN = path.join(VENV, 'bin');
const TEMPLATE = path.join(ROOT, '.tools/keystone-template');

function confText(dir: string, port: number, tokenExpirationSeconds: number): string {
  return [
    '[DEFAULT]',
    'use_stderr = true',
    // bcrypt's lowest cost: every user created and every password login hashes, and tests log in often
    // (Keystone's default of 12 rounds costs a quarter second of CPU each).
    '[identity]',
    'password_hash_rounds = 4',
    '[database]',
    `connection = sqlite:///${path.join(dir, 'keystone.db')}`,
    '[token]',
    'provider = fernet',
    `expiration = ${tokenExpirationSeconds}`,
    '[fernet_tokens]',
    `key_repository = ${path.join(dir, 'fernet-keys')}`,
    '[fernet_receipts]',
    `key_repository = ${path.join(dir, 'fernet-keys')}`,
    '[credential]',
    `key_repository = ${path.join(dir, 'credential-keys')}`,
    '[cache]',
    'enabled = false',
    `# port ${port}`,
    '',
  ].join('\n');
}

let installAttempt: Promise<string | undefined> | undefined;

/** Installs Keystone into .tools/keystone-venv when it is not there; the reason when that fails. */
/** A test that runs when its peers can run here, else says why it did not (`reason`: e.g. keystoneUnavailable()). */
export function keystoneTest(reason: Promise<string | undefined>) {
  return (name: string, fn: () => Promise<void>, timeout?: number) =>
    test(
      name,
      async () => {
        const why = await reason;
        if (why) {
          console.warn(`skipped: ${why}`);
          return;
        }
        await fn();
      },
      timeout,
    );
}

export function keystoneUnavailable(): Promise<string | undefined> {
  installAttempt ??= (async () => {
    if (fs.existsSync(path.join(BIN, 'keystone-manage')) && fs.existsSync(path.join(BIN, 'uwsgi'))) return undefined;
    try {
      await run('python3', ['-m', 'venv', VENV]);
      await run(path.join(BIN, 'pip'), ['install', '--quiet', 'keystone', 'uwsgi'], { timeout: 15 * 60_000 });
      return undefined;
    } catch (e) {
      return `Keystone could not be installed from PyPI into ${VENV}: ${(e as Error).message.split('\n')[0]}`;
    }
  })();
  return installAttempt;
}

/** The migrated schema and keys, made once; concurrent test files wait for the one that makes it. */
async function template(): Promise<string> {
  if (fs.existsSync(path.join(TEMPLATE, 'ready'))) return TEMPLATE;
  const lock = `${TEMPLATE}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (fs.existsSync(path.join(TEMPLATE, 'ready'))) return TEMPLATE;
      // A lock left by a run killed while making the template (it takes well under a minute).
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (fs.existsSync(path.join(TEMPLATE, 'ready'))) return TEMPLATE;
    fs.rmSync(TEMPLATE, { recursive: true, force: true });
    fs.mkdirSync(TEMPLATE, { recursive: true });
    const conf = path.join(TEMPLATE, 'keystone.conf');
    fs.writeFileSync(conf, confText(TEMPLATE, 0, 3600));
    const manage = (...args: string[]) => run(path.join(BIN, 'keystone-manage'), ['--config-file', conf, ...args], { timeout: 120_000 });
    await manage('db_sync');
    await manage('fernet_setup', '--keystone-user', 'root', '--keystone-group', 'root');
    await manage('credential_setup', '--keystone-user', 'root', '--keystone-group', 'root');
    fs.writeFileSync(path.join(TEMPLATE, 'ready'), new Date().toISOString());
    return TEMPLATE;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface KeystoneUser {
  name: string;
  password: string;
  project: string;
  roles: string[];
}

export interface KeystoneServer {
  /** The identity endpoint, http://127.0.0.1:<port>/v3. */
  url: string;
  /** The bootstrap admin (project admin, role admin). */
  admin: KeystoneCredentials;
  /** Creates a user with these roles on the project (created if missing), in the Default domain. */
  createUser(user: KeystoneUser): Promise<KeystoneCredentials>;
  /** Adds a service and its endpoints to the catalog. */
  addService(type: string, name: string, url: string): Promise<void>;
  /** A project-scoped token of these credentials. */
  login(creds: KeystoneCredentials): Promise<string>;
  stop(): Promise<void>;
}

/** Starts Keystone on a free loopback port; tokens live `tokenExpirationSeconds` (Keystone's default 3600). */
export async function startKeystone(opts: { tokenExpirationSeconds?: number } = {}): Promise<KeystoneServer> {
  const reason = await keystoneUnavailable();
  if (reason) throw new Error(reason);
  const tpl = await template();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-keystone-'));
  fs.copyFileSync(path.join(tpl, 'keystone.db'), path.join(dir, 'keystone.db'));
  fs.cpSync(path.join(tpl, 'fernet-keys'), path.join(dir, 'fernet-keys'), { recursive: true });
  fs.cpSync(path.join(tpl, 'credential-keys'), path.join(dir, 'credential-keys'), { recursive: true });
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}/v3`;
  const conf = path.join(dir, 'keystone.conf');
  fs.writeFileSync(conf, confText(dir, port, opts.tokenExpirationSeconds ?? 3600));
  const adminPassword = randomBytes(12).toString('hex');
  await run(
    path.join(BIN, 'keystone-manage'),
    [
      '--config-file',
      conf,
      'bootstrap',
      '--bootstrap-password',
      adminPassword,
      '--bootstrap-region-id',
      'RegionOne',
      ...['admin', 'public', 'internal'].flatMap((i) => [`--bootstrap-${i}-url`, url]),
    ],
    { timeout: 120_000 },
  );
  const log = fs.openSync(path.join(dir, 'uwsgi.log'), 'a');
  const proc: ChildProcess = spawn(
    path.join(BIN, 'uwsgi'),
    [
      '--http11-socket',
      `127.0.0.1:${port}`,
      '--module',
      'keystone.wsgi.api:application',
      '--master',
      '--processes',
      '1',
      '--threads',
      '4',
      '--die-on-term',
      '--need-app',
      '--disable-logging',
    ],
    { env: { ...process.env, OS_KEYSTONE_CONFIG_FILES: conf }, stdio: ['ignore', log, log] },
  );
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(killer);
    }
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const admin: KeystoneCredentials = { authUrl: url, username: 'admin', password: adminPassword, projectName: 'admin', userDomainName: 'Default', projectDomainName: 'Default' };
  let adminToken: string;
  try {
    for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
      if (proc.exitCode !== null) throw new Error(`Keystone exited at start: ${fs.readFileSync(path.join(dir, 'uwsgi.log'), 'utf8').slice(-2000)}`);
      if (Date.now() > end) throw new Error('Keystone did not answer within 60 s');
      const ok = await fetch(url).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
    }
    adminToken = (await issueToken(admin)).token;
  } catch (e) {
    // Whatever failed after the spawn, the server does not outlive the start.
    await stop();
    throw e;
  }
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { 'X-Auth-Token': adminToken, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`Keystone ${method} ${p}: HTTP ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as Record<string, any>);
  };
  const ids = { project: new Map<string, string>(), role: new Map<string, string>() };
  const idOf = async (kind: 'project' | 'role', name: string, create: boolean): Promise<string> => {
    if (ids[kind].has(name)) return ids[kind].get(name)!;
    const found = (await api('GET', `/${kind}s?name=${encodeURIComponent(name)}`))![`${kind}s`] as { id: string }[];
    const id =
      found[0]?.id ?? (create ? ((await api('POST', `/${kind}s`, { [kind]: { name, ...(kind === 'project' ? { domain_id: 'default' } : {}) } }))![kind].id as string) : undefined);
    if (!id) throw new Error(`Keystone has no ${kind} ${name}`);
    ids[kind].set(name, id);
    return id;
  };
  return {
    url,
    admin,
    login: async (creds) => (await issueToken(creds)).token,
    createUser: async (u) => {
      const project = await idOf('project', u.project, true);
      const user = (await api('POST', '/users', { user: { name: u.name, password: u.password, domain_id: 'default', default_project_id: project } }))!.user.id as string;
      for (const role of u.roles) await api('PUT', `/projects/${project}/users/${user}/roles/${await idOf('role', role, true)}`);
      return { authUrl: url, username: u.name, password: u.password, projectName: u.project, userDomainName: 'Default', projectDomainName: 'Default' };
    },
    addService: async (type, name, endpointUrl) => {
      const service = (await api('POST', '/services', { service: { type, name } }))!.service.id as string;
      for (const iface of ['public', 'internal', 'admin']) {
        await api('POST', '/endpoints', { endpoint: { service_id: service, interface: iface, url: endpointUrl, region_id: 'RegionOne' } });
      }
    },
    stop,
  };
}

export interface ProtectedServer {
  url: string;
  /** Requests answered, by status. */
  statuses: number[];
  stop(): Promise<void>;
}

/**
 * A service behind Keystone as keystonemiddleware puts one there (Deckhand, Promenade): each request's
 * X-Auth-Token is validated with the service's own token; none or an invalid one → 401 before `handle` runs.
 */
export async function startProtectedServer(
  keystone: KeystoneServer,
  service: KeystoneCredentials,
  handle: (req: http.IncomingMessage, body: string) => { status: number; body: string; type?: string },
): Promise<ProtectedServer> {
  const own = new KeystoneTokenProvider(service);
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const reply = (status: number, text: string, type = 'application/json') => {
        statuses.push(status);
        res.writeHead(status, { 'Content-Type': type });
        res.end(text);
      };
      const token = req.headers['x-auth-token'];
      const valid = typeof token === 'string' && (await validateToken(keystone.url, await own.token(), token).catch(() => undefined));
      if (!valid) return reply(401, JSON.stringify({ title: 'Unauthorized', description: 'Authentication required' }));
      const r = handle(req, body);
      reply(r.status, r.body, r.type);
    });
  });
  const port = await freeTcpPort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, statuses, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
