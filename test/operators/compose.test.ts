/**
 * docker-compose.temporal.yml and the Dockerfile it builds, checked as files (no Docker engine here). Compose
 * itself reads the file in composeConfig.packaging.ts (`npm run test:packaging`).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../../common/temporalCli';

const COMPOSE = path.join(PROJECT_ROOT, 'docker-compose.temporal.yml');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: unknown[];
  healthcheck?: { test?: unknown; disable?: boolean };
  restart?: string;
}
const compose = YAML.parse(fs.readFileSync(COMPOSE, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const drydockServices = Object.entries(compose.services).filter(([, s]) => s.image?.includes('drydock-temporal'));

test('every service has a restart policy and a health check (a one-shot: its exit code, restarted on failure)', () => {
  for (const [name, s] of Object.entries(compose.services)) {
    expect([name, s.restart]).toEqual([name, expect.stringMatching(/^(unless-stopped|always|on-failure)$/)]);
    if (s.restart === 'on-failure') expect([name, s.healthcheck]).toEqual([name, { disable: true }]);
    else expect([name, s.healthcheck?.test]).toEqual([name, expect.anything()]);
  }
});

test('the Drydock services run the image: compiled code, nothing installed or mounted at start', () => {
  expect(drydockServices.map(([n]) => n).sort()).toEqual(['drydock-codec-server', 'drydock-search-attributes', 'drydock-worker']);
  for (const [name, s] of drydockServices) {
    // Named volumes for state only: no source tree mounted in.
    for (const v of (s.volumes ?? []) as string[]) expect([name, v]).toEqual([name, expect.stringMatching(/^[a-z][\w-]*:\//)]);
    const cmd = ([] as string[]).concat(s.command ?? []).join(' ');
    expect([name, cmd]).toEqual([name, expect.stringMatching(/^node dist\/worker\/\w+\.js$/)]);
    // The file the command runs is one the build compiles.
    expect(fs.existsSync(path.join(PROJECT_ROOT, cmd.replace(/^node dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  }
  expect(fs.readFileSync(COMPOSE, 'utf8')).not.toMatch(/npm (ci|install)|apt-get|npx tsx/);
});

test('the codec server is reachable from the UI only with credentials', () => {
  const codec = compose.services['drydock-codec-server'].environment!;
  expect(codec.DRYDOCK_CODEC_BIND).toBe('0.0.0.0');
  expect(codec.DRYDOCK_CODEC_AUTH_TOKEN).toMatch(/^\$\{DRYDOCK_CODEC_AUTH_TOKEN:\?/);
  const ui = compose.services['temporal-ui'].environment!;
  expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
  expect(codec.DRYDOCK_CODEC_CORS_ORIGIN).toBe(ui.TEMPORAL_CORS_ORIGINS);
});

test('Dockerfile: Node 22 or 24, npm run build, ipmitool, a non-root user, and every COPY source present and not ignored', () => {
  const df = fs.readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  expect(df).toMatch(/^ARG NODE_IMAGE=node:(22|24)[-.\w]*$/m);
  expect(df).toMatch(/^RUN npm run build$/m);
  expect(df).toMatch(/apt-get install[^\n]*\bipmitool\b/);
  const users = [...df.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
  expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
  const ignored = fs
    .readFileSync(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  const sources = [...df.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
  expect(sources.length).toBeGreaterThan(5);
  for (const src of sources) {
    expect([src, fs.existsSync(path.join(PROJECT_ROOT, src))]).toEqual([src, true]);
    expect([src, ignored.includes(src.split('/')[0])]).toEqual([src, false]);
  }
});
