import { notFound } from './errors';
import { dispatch, type Ctx, type OpTable, type Reply } from './context';

interface Route {
  pattern: RegExp;
  names: string[];
  table: OpTable;
}

/** Path patterns relative to /MAAS/api/2.0/, e.g. `machines/:id/`; `op` dispatch happens in the table. */
export class Router {
  private readonly routes: Route[] = [];

  add(path: string, table: OpTable): this {
    const names: string[] = [];
    const source = path.replace(/:([a-z]+)/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    this.routes.push({ pattern: new RegExp(`^${source}$`), names, table });
    return this;
  }

  handle(rel: string, ctx: Omit<Ctx, 'path'>): Reply | Promise<Reply> {
    for (const r of this.routes) {
      const m = r.pattern.exec(rel);
      if (!m) continue;
      const path: Record<string, string> = {};
      r.names.forEach((n, i) => (path[n] = decodeURIComponent(m[i + 1]!)));
      return dispatch(r.table, { ...ctx, path });
    }
    throw notFound();
  }
}
