import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BmcState } from './bmcState';
import { BOOT_TARGETS, errorBody, RESET_TYPES, ResetType, SystemHardware, systemDocuments } from './resources';

export type Reply = { status: number; body?: object; headers?: Record<string, string> };
type Body = Record<string, unknown>;

const SESSIONS = '/redfish/v1/SessionService/Sessions';

/** The Redfish API of one BMC, without HTTP: routing, authentication, sessions, actions. */
export class RedfishService {
  private readonly systemPath: string;
  private readonly expectedBasic: string;

  constructor(
    private readonly state: BmcState,
    private readonly opts: { username: string; password: string; systemId: string; sessions: boolean; hardware: SystemHardware },
  ) {
    this.systemPath = `/redfish/v1/Systems/${opts.systemId}`;
    this.expectedBasic = 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64');
  }

  handle(method: string, path: string, headers: IncomingHttpHeaders, body: Body): Reply {
    if (method === 'GET' && path === '/redfish') return { status: 200, body: { v1: '/redfish/v1/' } };
    if (method === 'GET' && path === '/redfish/v1/') return { status: 200, body: this.documents().get(path)! }; // no auth, as real BMCs
    if (this.opts.sessions && method === 'POST' && path === SESSIONS) return this.createSession(body);
    if (!this.authorized(headers)) {
      this.state.counters.authFailures++;
      return { status: 401, body: errorBody('NoValidSession', 'Authentication required'), headers: { 'WWW-Authenticate': 'Basic realm="redfish-emulator"' } };
    }
    if (this.opts.sessions && path.startsWith(`${SESSIONS}/`)) return this.sessionResource(method, path.slice(SESSIONS.length + 1));
    if (method === 'POST' && path === `${this.systemPath}/Actions/ComputerSystem.Reset`) return this.reset(body.ResetType);
    if (method === 'PATCH' && path === this.systemPath) return this.patchBoot(body.Boot as Body | undefined);
    if (method === 'GET' && path === SESSIONS && this.opts.sessions) {
      const ids = [...this.state.sessions.values()].map((id) => ({ '@odata.id': `${SESSIONS}/${id}` }));
      return { status: 200, body: { '@odata.id': SESSIONS, Members: ids, 'Members@odata.count': ids.length } };
    }
    const docs = this.documents();
    const doc = method === 'GET' ? docs.get(path) : undefined;
    if (doc) return { status: 200, body: doc };
    if (docs.has(path)) return { status: 405, body: errorBody('ActionNotSupported', `${method} not allowed on ${path}`) };
    return { status: 404, body: errorBody('ResourceMissingAtURI', `${path} not found`) };
  }

  private documents(): Map<string, object> {
    const docs = systemDocuments(this.opts.systemId, this.opts.hardware, { power: this.state.currentPower(), boot: this.state.boot });
    if (!this.opts.sessions) {
      // Like sushy-tools: no SessionService at all, so clients must use Basic auth.
      const root = docs.get('/redfish/v1/') as Body;
      delete root.SessionService;
      delete root.Links;
      docs.delete('/redfish/v1/SessionService');
    }
    return docs;
  }

  private authorized(headers: IncomingHttpHeaders): boolean {
    const token = headers['x-auth-token'];
    if (typeof token === 'string' && this.state.sessions.has(token)) return true;
    return headers.authorization === this.expectedBasic;
  }

  private createSession(body: Body): Reply {
    if (body.UserName !== this.opts.username || body.Password !== this.opts.password) {
      this.state.counters.authFailures++;
      return { status: 401, body: errorBody('ResourceAtUriUnauthorized', 'Invalid username or password') };
    }
    const token = randomBytes(16).toString('hex');
    const id = this.state.openSession(token);
    const location = `${SESSIONS}/${id}`;
    return { status: 201, body: { '@odata.id': location, Id: id, UserName: this.opts.username }, headers: { 'X-Auth-Token': token, Location: location } };
  }

  private sessionResource(method: string, id: string): Reply {
    if (![...this.state.sessions.values()].includes(id)) return { status: 404, body: errorBody('ResourceMissingAtURI', `session ${id} not found`) };
    if (method === 'GET') return { status: 200, body: { '@odata.id': `${SESSIONS}/${id}`, Id: id, UserName: this.opts.username } };
    if (method !== 'DELETE') return { status: 405, body: errorBody('ActionNotSupported', `${method} not allowed`) };
    this.state.closeSession(id);
    return { status: 204 };
  }

  private reset(type: unknown): Reply {
    if (!RESET_TYPES.includes(type as ResetType)) {
      return { status: 400, body: errorBody('ActionParameterValueNotInList', `ResetType ${String(type)} is not supported`) };
    }
    this.state.reset(type as ResetType);
    return { status: 204 };
  }

  private patchBoot(boot: Body | undefined): Reply {
    const enabled = String(boot?.BootSourceOverrideEnabled ?? this.state.boot.enabled);
    const target = String(boot?.BootSourceOverrideTarget ?? this.state.boot.target);
    if (!boot || !['Once', 'Continuous', 'Disabled'].includes(enabled) || !BOOT_TARGETS.includes(target)) {
      return { status: 400, body: errorBody('PropertyValueNotInList', 'invalid Boot override') };
    }
    this.state.boot = { enabled, target };
    this.state.counters.bootChanges++;
    return { status: 200, body: this.documents().get(this.systemPath)! };
  }
}
