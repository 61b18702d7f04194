import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../common/logger';

export interface PromenadeEmulatorOptions {
  port?: number;
  address?: string;
  /** Tokens accepted in X-Auth-Token. */
  tokens: string[];
  /** Kubernetes nodes; a relabel of any other node answers 404. Unset: every node exists. */
  nodes?: string[];
  logger?: Logger;
}

export interface PromenadeCounters {
  relabel: Record<string, number>;
  unauthorized: number;
}

export interface PromenadeEmulator {
  url: string;
  labels(node: string): Record<string, string> | undefined;
  setTokens(tokens: string[]): void;
  /** The next `count` requests answer `status` (default 503). */
  failNext(count: number, status?: number): void;
  counters(): PromenadeCounters;
  stop(): Promise<void>;
}

const PROTECTED = /^kubernetes\.io/;

/** A tiny Promenade: node labels with Promenade's diff semantics, token check, join-script stub. */
export async function startPromenadeEmulator(opts: PromenadeEmulatorOptions): Promise<PromenadeEmulator> {
  const logger = opts.logger ?? silentLogger;
  let tokens = new Set(opts.tokens);
  const labels = new Map<string, Record<string, string>>();
  const counters: PromenadeCounters = { relabel: {}, unauthorized: 0 };
  let fail = { count: 0, status: 503 };

  const status = (code: number, message: string) => ({
    kind: 'Status',
    apiVersion: 'v1.0',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason: message,
    details: {},
    code,
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://promenade');
      const send = (code: number, body: unknown, type = 'application/json') =>
        res.writeHead(code, { 'Content-Type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
      if (url.pathname === '/api/v1.0/health') return res.writeHead(204).end();
      if (url.pathname === '/versions') return send(200, { v1_0: { path: '/api/v1.0', status: 'stable' } });
      if (fail.count > 0) {
        fail.count--;
        return send(fail.status, status(fail.status, 'Emulated fault'));
      }
      const token = req.headers['x-auth-token'];
      if (typeof token !== 'string' || !tokens.has(token)) {
        counters.unauthorized++;
        return send(401, status(401, 'Unauthorized'));
      }
      const m = /^\/api\/v1\.0\/node-labels\/([^/]+)$/.exec(url.pathname);
      if (m && req.method === 'PUT') {
        const node = decodeURIComponent(m[1]!);
        if (opts.nodes && !opts.nodes.includes(node)) return send(404, status(404, `Node ${node} not found`));
        let wanted: Record<string, string>;
        try {
          wanted = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
        } catch {
          return send(400, status(400, 'Invalid JSON body'));
        }
        const current = labels.get(node) ?? {};
        const next: Record<string, string> = {};
        for (const [k, v] of Object.entries(current)) if (PROTECTED.test(k)) next[k] = v;
        Object.assign(next, wanted);
        labels.set(node, next);
        counters.relabel[node] = (counters.relabel[node] ?? 0) + 1;
        logger.info('Promenade emulator: labels updated', { node, labels: Object.keys(wanted).length });
        return send(200, status(200, 'Update node labels successfully'));
      }
      if (url.pathname === '/api/v1.0/join-scripts' && req.method === 'GET') {
        for (const p of ['design_ref', 'ip', 'hostname']) if (!url.searchParams.get(p)) return send(400, status(400, `${p} is required`));
        return send(200, `#!/bin/bash\n# emulated join script for ${url.searchParams.get('hostname')}\nexit 0\n`, 'text/x-shellscript');
      }
      return send(404, status(404, 'Not Found'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.address ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}`,
    labels: (node) => (labels.has(node) ? { ...labels.get(node)! } : undefined),
    setTokens: (t) => (tokens = new Set(t)),
    failNext: (count, code = 503) => (fail = { count, status: code }),
    counters: () => ({ relabel: { ...counters.relabel }, unauthorized: counters.unauthorized }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
