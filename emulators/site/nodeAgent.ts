import { createHash } from 'node:crypto';
import fetch from 'node-fetch';
import YAML from 'yaml';
import type { Logger } from '../../common/logger';
import type { MaasEmulator } from '../maas';

/**
 * What a deployed node does on first boot, as far as Drydock can see: cloud-init runs the user data's
 * `runcmd`, whose curl commands report boot actions to the boot action API. Only those commands are
 * understood; anything else in the user data is ignored.
 */
export async function runBootActionReports(
  maas: MaasEmulator,
  done: Set<string>,
  logger: Logger,
  attempts = new Map<string, number>(),
  /** The site is stopping: a report in flight is abandoned, as a node powered off mid-request. */
  signal?: AbortSignal,
): Promise<void> {
  for (const d of maas.deployments()) {
    if (signal?.aborted) return;
    if (d.statusName !== 'Deployed' || !d.userData) continue;
    const deployment = `${d.systemId}:${createHash('sha256').update(d.userData).digest('hex')}`;
    for (const [i, cmd] of curlCommands(decodeUserData(d.userData)).entries()) {
      const key = `${deployment}:${i}`;
      if (done.has(key)) continue;
      if (signal?.aborted) return;
      // As curl --retry: connection refused and 5xx are tried again (here on the agent's next tick).
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      let retry = false;
      try {
        const res = await fetch(cmd.url, { method: 'POST', headers: cmd.headers, body: cmd.body, signal });
        retry = res.status >= 500;
        logger.info('simulated node reported a boot action', { node: d.hostname, status: res.status, attempt });
      } catch (e) {
        if (signal?.aborted) return;
        retry = true;
        logger.warn('simulated node could not reach the boot action API', { node: d.hostname, error: (e as Error).message, attempt });
      }
      if (!retry || attempt > cmd.retries) done.add(key);
    }
  }
}

function decodeUserData(raw: string): string {
  if (raw.startsWith('#cloud-config')) return raw;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  return text.startsWith('#cloud-config') ? text : '';
}

interface CurlPost {
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** curl --retry */
  retries: number;
}

function curlCommands(cloudConfig: string): CurlPost[] {
  if (!cloudConfig) return [];
  const doc = YAML.parse(cloudConfig) as { runcmd?: unknown[] } | null;
  const out: CurlPost[] = [];
  for (const cmd of doc?.runcmd ?? []) {
    if (!Array.isArray(cmd) || cmd[0] !== 'curl') continue;
    const args = cmd.map(String);
    const post: CurlPost = { url: args[args.length - 1], headers: {}, retries: 0 };
    for (let i = 1; i < args.length - 1; i++) {
      if (args[i] === '-H') {
        const [k, ...v] = args[++i].split(':');
        post.headers[k.trim()] = v.join(':').trim();
      } else if (args[i] === '-d') post.body = args[++i];
      else if (args[i] === '--retry') post.retries = Number(args[++i]);
      else if (args[i] === '--retry-delay') i++;
    }
    out.push(post);
  }
  return out;
}
