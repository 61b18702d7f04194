import type { Route } from './router';

/** Drydock's VersionsResource: the API versions this server speaks, no policy. */
export function versionRoutes(): Route[] {
  return [{ method: 'GET', path: '/versions', rules: [], handle: async () => ({ status: 200, json: { 'v1.0': { path: '/api/v1.0', status: 'stable' } } }) }];
}
