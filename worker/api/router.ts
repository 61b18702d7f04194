import type { ApiRequest, Reply } from './http';

/**
 * Drydock's policy rule names (policy.py), one definition: every route declares the rules it needs and the
 * authorizer (worker/api/auth.ts) decides them. POST /tasks needs `create_task` and then the action's own rule.
 */
export const POLICY = {
  readTask: 'physical_provisioner:read_task',
  createTask: 'physical_provisioner:create_task',
  deleteTasks: 'physical_provisioner:delete_tasks',
  readBuildData: 'physical_provisioner:read_build_data',
  readData: 'physical_provisioner:read_data',
  healthData: 'physical_provisioner:health_data',
  validateSiteDesign: 'physical_provisioner:validate_site_design',
} as const;

/** The action's own rule, e.g. `physical_provisioner:deploy_nodes` (Drydock names one per action). */
export const actionRule = (action: string): string => `physical_provisioner:${action}`;

export type Method = 'GET' | 'POST' | 'DELETE';

export interface Route {
  method: Method;
  /** `/api/v1.0/tasks/:id/builddata`: `:name` matches one path segment. */
  path: string;
  /** Policy rules checked before the handler runs; none for /versions, /health and the boot action key routes. */
  rules: readonly string[];
  handle(req: ApiRequest): Promise<Reply>;
}

interface Compiled {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export type Match = { route: Route; params: Record<string, string> } | { status: 404 | 405; allowed?: string[] };

/** A table of routes; a path that matches with another method is 405, no match 404. A trailing slash is accepted. */
export function createRouter(routes: Route[]): (method: string, path: string) => Match {
  const compiled: Compiled[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((seg) => (seg.startsWith(':') ? (names.push(seg.slice(1)), '([^/]+)') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return { route, names, pattern: new RegExp(`^${source}/?$`) };
  });
  return (method, path) => {
    const allowed: string[] = [];
    for (const c of compiled) {
      const m = c.pattern.exec(path);
      if (!m) continue;
      if (c.route.method !== method) {
        allowed.push(c.route.method);
        continue;
      }
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      } catch {
        return { status: 404 };
      }
      return { route: c.route, params };
    }
    return allowed.length ? { status: 405, allowed } : { status: 404 };
  };
}
