/**
 * docker-compose.temporal.yml read by Docker Compose itself: `docker compose config`, through the docker CLI with
 * the compose plugin that scripts/build-docker-compose.js builds from the Go module proxy the first time (minutes:
 * this file runs with `npm run test:packaging`, not `npm test`). `config` needs no Docker engine; without a docker
 * CLI the plugin runs standalone (`docker-compose config`), which is the same code.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { goTool } from '../harness/goTool';

const COMPOSE = path.join(PROJECT_ROOT, 'docker-compose.temporal.yml');
const ENV = {
  DRYDOCK_CODEC_KEY: Buffer.alloc(32, 7).toString('base64'),
  DRYDOCK_CODEC_AUTH_TOKEN: 'compose-test-token-0123456789',
  DRYDOCK_BOOTACTION_SECRET: 'compose-test-secret-0123456789',
  DRYDOCK_BOOTACTION_REPORT_URL: 'http://drydock.example:9000/api/v1.0/bootactions/',
  MAAS_API_URL: 'http://maas.example:5240/MAAS',
  MAAS_API_KEY: 'a:b:c',
};

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
}

const { bin: plugin, why } = goTool('build-docker-compose.js', 'DOCKER_COMPOSE', 'the compose plugin');
if (!plugin) console.warn(`skipped: docker compose config (${why})`);
const t = plugin ? test : test.skip;

// The docker CLI finds plugins in $DOCKER_CONFIG/cli-plugins: a throwaway config folder holds the one we built.
const dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-docker-config-'));
afterAll(() => fs.rmSync(dockerConfig, { recursive: true, force: true }));
const hasDockerCli = spawnSync('docker', ['--version']).status === 0;
function compose(args: string[], env: Record<string, string>) {
  if (!hasDockerCli) return spawnSync(plugin!, ['-f', COMPOSE, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  fs.mkdirSync(path.join(dockerConfig, 'cli-plugins'), { recursive: true });
  const link = path.join(dockerConfig, 'cli-plugins', 'docker-compose');
  if (!fs.existsSync(link)) fs.symlinkSync(plugin!, link);
  return spawnSync('docker', ['compose', '-f', COMPOSE, ...args], { env: { ...process.env, ...env, DOCKER_CONFIG: dockerConfig }, encoding: 'utf8' });
}

t('the docker CLI runs the compose plugin we built', () => {
  const r = compose(['version', '--short'], {});
  expect([r.status, r.stdout.trim()]).toEqual([0, expect.stringMatching(/^v?2\.\d+\.\d+$/)]);
});

t('docker compose config accepts the file: every service restarts and is health-checked, secrets interpolated', () => {
  const r = compose(['config', '--format', 'json'], ENV);
  expect([r.status, r.stderr]).toEqual([0, '']);
  const cfg = JSON.parse(r.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const declared = YAML.parse(fs.readFileSync(COMPOSE, 'utf8'), { merge: true }) as { services: Record<string, unknown> };
  expect(Object.keys(cfg.services).sort()).toEqual(Object.keys(declared.services).sort());
  for (const [name, s] of Object.entries(cfg.services)) {
    expect([name, s.restart]).toEqual([name, expect.stringMatching(/^(unless-stopped|always|on-failure)$/)]);
    // A one-shot (the search attribute Job) is judged by its exit code, the others by a health check.
    if (s.restart === 'on-failure') expect([name, s.healthcheck?.disable]).toEqual([name, true]);
    else expect([name, s.healthcheck?.test?.length]).toEqual([name, expect.any(Number)]);
  }
  const worker = cfg.services['drydock-worker'];
  expect(worker.environment).toMatchObject({ MAAS_API_URL: ENV.MAAS_API_URL, DRYDOCK_BOOTACTION_REPORT_URL: ENV.DRYDOCK_BOOTACTION_REPORT_URL });
  // The Drydock services are built from the project's Dockerfile, not installed at start.
  expect(worker.build).toMatchObject({ context: PROJECT_ROOT, dockerfile: 'Dockerfile' });
  // Compose orders the start: nothing of Drydock's starts before the Temporal server answers.
  expect(Object.values(worker.depends_on ?? {}).every((d) => d.condition === 'service_healthy' || d.condition === 'service_completed_successfully')).toBe(true);
});

t('docker compose config names each required secret that is missing and fails', () => {
  for (const name of ['DRYDOCK_CODEC_AUTH_TOKEN', 'DRYDOCK_BOOTACTION_SECRET', 'MAAS_API_KEY'] as const) {
    const r = compose(['config', '--quiet'], { ...ENV, [name]: '' });
    expect([name, r.status === 0]).toEqual([name, false]);
    expect(r.stderr).toContain(name);
  }
});
