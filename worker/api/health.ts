import type { ApiContext } from './context';
import type { Reply } from './http';
import { POLICY, type Route } from './router';

/**
 * Drydock's HealthResource and HealthExtendedResource. Healthy: Temporal (Drydock's database) answers and the
 * provisioner's ValidateNodeServices checks pass. Drydock's own MaaS check always passed (it compared the wrong
 * object); this one asks MaaS.
 */
export function healthRoutes(ctx: ApiContext): Route[] {
  return [
    { method: 'GET', path: '/api/v1.0/health', rules: [], handle: async () => ((await checks(ctx)).some((c) => c.error) ? { status: 503 } : { status: 204 }) },
    { method: 'GET', path: '/api/v1.0/health/extended', rules: [POLICY.healthData], handle: () => extended(ctx) },
  ];
}

interface SimpleMessage {
  message: string;
  error: boolean;
  kind: 'SimpleMessage';
}

const HEALTH_TIMEOUT_MS = 10_000;

async function checks(ctx: ApiContext): Promise<SimpleMessage[]> {
  const msg = (message: string, error: boolean): SimpleMessage => ({ message, error, kind: 'SimpleMessage' });
  const out: SimpleMessage[] = [];
  try {
    await withTimeout(ctx.client.workflowService.getSystemInfo({}), 'Temporal');
    out.push(msg(`Temporal: namespace ${ctx.client.options.namespace} reachable`, false));
  } catch (e) {
    out.push(msg(`Temporal: ${(e as Error).message.split('\n')[0]}`, true));
  }
  const p = ctx.deps.provisioner;
  if (!p) {
    out.push(msg('Node driver: none enabled (no MaaS configured)', false));
    return out;
  }
  try {
    for (const c of await withTimeout(p.validateServices(), 'MaaS')) out.push(msg(`${c.name}: ${c.message}`, !c.ok));
  } catch (e) {
    out.push(msg(`MaaS: ${(e as Error).message.split('\n')[0]}`, true));
  }
  return out;
}

async function extended(ctx: ApiContext): Promise<Reply> {
  const messageList = await checks(ctx);
  const errorCount = messageList.filter((m) => m.error).length;
  const code = errorCount ? 503 : 200;
  return {
    status: code,
    json: {
      kind: 'Status',
      apiVersion: 'v1.0',
      metadata: {},
      status: errorCount ? 'Failure' : 'Success',
      message: errorCount ? 'Drydock failed to respond' : '',
      reason: 'HealthCheck',
      details: { errorCount, messageList },
      code,
    },
  };
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: no answer within ${HEALTH_TIMEOUT_MS / 1000} s`)), HEALTH_TIMEOUT_MS)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
