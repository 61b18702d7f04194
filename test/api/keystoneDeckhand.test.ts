import fs from 'node:fs';
import { DesignStore } from '../../activities/designStore';
import type { KeystoneCredentials } from '../../common/keystone';
import { silentLogger } from '../../common/logger';
import { loadDesign } from '../../design';
import { startDrydockApi, type DrydockApi } from '../../worker/api';
import { keystoneAuthorizer } from '../../worker/api/auth';
import type { Task } from '../../workflows/task';
import { keystoneUnavailable, startKeystone, startProtectedServer, type KeystoneServer, type ProtectedServer, keystoneTest } from '../harness/keystone';
import { DEMO_SITE_PATH, startSimulatedSite, type SimulatedSite } from '../harness/site';
import { fastSettings, startTestWorker, type TestWorkerEnv } from '../harness/temporal';

/**
 * Drydock's API behind a real Keystone, and a site design that only a Deckhand behind Keystone serves: POST
 * /tasks without a token is 401, with a token lacking the admin role 403 (nothing started); with Drydock's
 * admin role the design at `deckhand+http://…` validates and deploys two nodes (IPMI n01, Redfish n07) on the
 * simulated site, the worker and the boot action routes fetching it with the service token.
 */
const skip = keystoneUnavailable();
// The example site under a name of its own: its prepare_site lock does not meet other suites' `demo`.
const designText = fs.readFileSync(DEMO_SITE_PATH, 'utf8').replace(/^(  name: )demo$/m, '$1kstest');
const nodeFilter = { filter_set_type: 'intersection', filter_set: [{ filter_type: 'union', node_names: ['n01', 'n07'] }] };

describe('Drydock API and a Deckhand design behind Keystone', () => {
  let ks: KeystoneServer;
  let service: KeystoneCredentials;
  let operator: KeystoneCredentials;
  let deckhand: ProtectedServer;
  let site: SimulatedSite;
  let env: TestWorkerEnv;
  let api: DrydockApi;
  let designRef: string;
  let adminToken: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    const reason = await skip;
    if (reason) return console.warn(`Skipping the Keystone API tests: ${reason}`);
    ks = await startKeystone();
    service = await ks.createUser({ name: 'drydock', password: 'drydock-service-pass', project: 'service', roles: ['admin'] });
    operator = await ks.createUser({ name: 'operator', password: 'operator-pass', project: 'site', roles: ['member'] });
    deckhand = await startProtectedServer(ks, service, (r) =>
      r.method === 'GET' && r.url === '/api/v1.0/revisions/2/rendered-documents' ? { status: 200, body: designText, type: 'application/x-yaml' } : { status: 404, body: '{}' },
    );
    designRef = `deckhand+${deckhand.url}/api/v1.0/revisions/2/rendered-documents`;
    // The worker's and the boot action routes' service credentials, as an operator sets them.
    Object.assign(process.env, {
      DRYDOCK_KEYSTONE_URL: ks.url,
      DRYDOCK_KEYSTONE_USERNAME: 'drydock',
      DRYDOCK_KEYSTONE_PASSWORD: 'drydock-service-pass',
      DRYDOCK_KEYSTONE_PROJECT_NAME: 'service',
    });
    // The simulator builds the site from the same design (BMCs at its addresses); the tasks get the Deckhand reference.
    const file = `${fs.mkdtempSync('/tmp/drydock-kstest-')}/site.yaml`;
    fs.writeFileSync(file, designText);
    site = await startSimulatedSite({ designRef: `file://${file}` });
    env = await startTestWorker('keystone', { drivers: site.drivers, settings: fastSettings() });
    api = await startDrydockApi({
      connection: env.connection,
      taskQueue: env.taskQueue,
      deps: { designs: new DesignStore((ref) => loadDesign(ref), silentLogger) },
      secret: 'x'.repeat(32),
      logger: silentLogger,
      authorize: keystoneAuthorizer({ credentials: service }),
    });
    adminToken = await ks.login(service);
  }, 300_000);

  afterAll(async () => {
    process.env = saved;
    await api?.stop();
    await env?.close();
    await site?.stop();
    await deckhand?.stop();
    await ks?.stop();
  });

  const maybe = keystoneTest(skip);

  async function call(method: string, p: string, token?: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (token) headers['x-auth-token'] = token;
    const res = await fetch(`${api.url}/api/v1.0${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  /** POST /tasks as Drydock's admin, then the task once it ended. */
  const runAction = (action: string) =>
    env.run(async (): Promise<Task> => {
      const created = await call('POST', '/tasks', adminToken, { action, design_ref: designRef, ...(action === 'validate_design' ? {} : { node_filter: nodeFilter }) });
      expect(created.status).toBe(201);
      return env.client.waitTask(created.json.task_id, undefined, 200);
    });
  const errorsOf = (t: Task) => t.result.details.messageList.filter((m) => m.error).map((m) => `${m.context}: ${m.message}`);

  maybe('POST /tasks: no token 401, a token without the admin role 403; nothing is started', async () => {
    const body = { action: 'deploy_nodes', design_ref: designRef };
    expect(await call('POST', '/tasks', undefined, body)).toEqual({ status: 401, json: { type: 'error', message: 'Unauthenticated', retry: false } });
    expect(await call('POST', '/tasks', 'gAAAAABnot-a-keystone-token', body)).toMatchObject({ status: 401 });
    expect(await call('POST', '/tasks', await ks.login(operator), body)).toEqual({ status: 403, json: { type: 'error', message: 'Forbidden', retry: false } });
    expect(await call('GET', '/tasks', await ks.login(operator))).toMatchObject({ status: 403 });
    expect(await call('GET', '/tasks', adminToken)).toEqual({ status: 200, json: [] });
  });

  maybe('the Deckhand reference is refused without a token, and validates through the worker with one', async () => {
    expect((await fetch(designRef.replace('deckhand+', ''))).status).toBe(401);
    const task = await runAction('validate_design');
    expect(errorsOf(task)).toEqual([]);
    expect(task.result.status).toBe('success');
    expect(deckhand.statuses).toContain(200);
  });

  maybe(
    'prepare_site, prepare_nodes, deploy_nodes and relabel_nodes on the Deckhand design: two nodes deployed (a deploy succeeds only once the nodes reported their boot actions, fetched through the boot action routes)',
    async () => {
      // relabel_nodes: the simulated Promenade takes its own static token (PROMENADE_TOKEN wins over Keystone's).
      for (const action of ['prepare_site', 'prepare_nodes', 'deploy_nodes', 'relabel_nodes']) {
        const task = await runAction(action);
        expect({ action, errors: errorsOf(task), status: task.result.status }).toEqual({ action, errors: [], status: 'success' });
      }
      const deployed = site.sim.maas
        .machines()
        .filter((m) => m.status_name === 'Deployed')
        .map((m) => m.hostname)
        .sort();
      expect(deployed).toEqual(['n01', 'n07']);
      // Every request the Deckhand saw from Drydock carried a valid token.
      expect(deckhand.statuses.filter((s) => s !== 200)).toEqual([401]);
    },
    600_000,
  );
});
