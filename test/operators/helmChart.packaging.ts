/**
 * charts/drydock-temporal through helm itself (`helm lint`, `helm template`), helm built from the Go module proxy
 * by scripts/build-helm.js the first time (minutes: this file runs with `npm run test:packaging`, not `npm test`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../../common/temporalCli';
import { goTool } from '../harness/goTool';

const CHART = path.join(PROJECT_ROOT, 'charts', 'drydock-temporal');

const { bin: helm, why } = goTool('build-helm.js', 'HELM', 'helm');
if (!helm) console.warn(`skipped: the Helm chart tests (${why})`);
const t = helm ? test : test.skip;

interface K8s {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Record<string, any>;
}
const render = (...set: string[]) =>
  YAML.parseAllDocuments(execFileSync(helm!, ['template', 'rel', CHART, '--namespace', 'site', ...set.flatMap((s) => ['--set', s])], { encoding: 'utf8' }))
    .map((d) => d.toJSON() as K8s)
    .filter(Boolean);
const one = (docs: K8s[], kind: string, suffix: string) => {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(suffix));
  expect(found.map((d) => d.metadata.name)).toEqual([`rel-drydock-temporal${suffix}`]);
  return found[0];
};
const envOf = (c: { env: { name: string; value?: string; valueFrom?: unknown }[] }) => Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));

t('helm lint --strict passes', () => {
  const out = execFileSync(helm!, ['lint', '--strict', CHART], { encoding: 'utf8' });
  expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
});

t('the worker: 2 replicas, a disruption budget, a grace period, its secrets by reference', () => {
  const docs = render();
  const worker = one(docs, 'Deployment', '-worker');
  expect(worker.spec.replicas).toBe(2);
  const pod = worker.spec.template.spec;
  expect(pod.terminationGracePeriodSeconds).toBe(30);
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  const [c] = pod.containers;
  expect(c.command).toEqual(['node', 'dist/worker/run.js']);
  const env = envOf(c);
  expect(env.MAAS_API_KEY).toEqual({ secretKeyRef: { name: 'drydock-maas', key: 'api-key' } });
  expect(env.DRYDOCK_CODEC_KEY).toEqual({ secretKeyRef: { name: 'drydock-codec', key: 'key' } });
  expect(env.DRYDOCK_BOOTACTION_SECRET).toEqual({ secretKeyRef: { name: 'drydock-bootaction', key: 'secret' } });
  expect(env.DRYDOCK_BOOTACTION_REPORT_URL).toBe('http://rel-drydock-temporal-api.site.svc:9000/api/v1.0/bootactions/');
  const pdb = one(docs, 'PodDisruptionBudget', '-worker');
  expect(pdb.spec.minAvailable).toBe(1);
  expect(worker.spec.template.metadata.labels).toEqual(expect.objectContaining(pdb.spec.selector.matchLabels));
});

t('the boot action API Service: port 9000 to the workers API port', () => {
  const docs = render();
  const svc = one(docs, 'Service', '-api');
  const worker = one(docs, 'Deployment', '-worker');
  expect(svc.spec.ports).toEqual([{ name: 'api', port: 9000, targetPort: 'api' }]);
  expect(worker.spec.template.metadata.labels).toEqual(expect.objectContaining(svc.spec.selector));
  const [c] = worker.spec.template.spec.containers;
  expect(c.ports).toContainEqual({ name: 'api', containerPort: 9000 });
  expect(envOf(c).DRYDOCK_API_PORT).toBe('9000');
});

t('the codec server: on the pod address, with a bearer token or mutual TLS, else no chart', () => {
  const docs = render();
  const codec = one(docs, 'Deployment', '-codec');
  one(docs, 'Service', '-codec');
  const env = envOf(codec.spec.template.spec.containers[0]);
  expect(env.DRYDOCK_CODEC_BIND).toBe('0.0.0.0');
  expect(env.DRYDOCK_CODEC_AUTH_TOKEN).toEqual({ secretKeyRef: { name: 'drydock-codec-auth', key: 'token' } });
  const mtls = envOf(
    one(render('codecServer.authTokenSecret.name=', 'codecServer.tls.existingSecret=codec-tls', 'codecServer.tls.clientCaKey=ca.crt'), 'Deployment', '-codec').spec.template.spec
      .containers[0],
  );
  expect(mtls.DRYDOCK_CODEC_TLS_CLIENT_CA).toBe('/etc/drydock/codec-tls/ca.crt');
  expect(mtls.DRYDOCK_CODEC_AUTH_TOKEN).toBeUndefined();
  const open = spawnSync(helm!, ['template', 'rel', CHART, '--set', 'codecServer.authTokenSecret.name='], { encoding: 'utf8' });
  expect(open.status).not.toBe(0);
  expect(open.stderr).toContain('codecServer: set authTokenSecret.name or tls.existingSecret with tls.clientCaKey');
});

t('the search attribute Job runs after install and upgrade, with the TLS the workers use', () => {
  const job = one(render('temporal.tls.enabled=true', 'temporal.tls.existingSecret=temporal-client'), 'Job', '-search-attributes');
  expect(job.metadata.annotations!['helm.sh/hook']).toBe('post-install,post-upgrade');
  const pod = job.spec.template.spec;
  expect(pod.containers[0].command).toEqual(['node', 'dist/worker/registerSearchAttributes.js']);
  expect(fs.existsSync(path.join(PROJECT_ROOT, 'worker', 'registerSearchAttributes.ts'))).toBe(true);
  expect(envOf(pod.containers[0]).TEMPORAL_TLS_CLIENT_CERT_PATH).toBe('/etc/drydock/temporal-tls/tls.crt');
  expect(pod.volumes).toEqual([{ name: 'temporal-tls', secret: { secretName: 'temporal-client' } }]);
});

t('every DRYDOCK_ variable the chart sets is one the code reads', () => {
  const names = new Set(render().flatMap((d) => (d.spec.template?.spec.containers ?? []).flatMap((c: { env: { name: string }[] }) => c.env.map((e) => e.name))));
  const code = ['common', 'worker']
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => path.join(PROJECT_ROOT, dir, f)),
    )
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const drydock = [...names].filter((n) => n.startsWith('DRYDOCK_'));
  expect(drydock.length).toBeGreaterThan(10);
  for (const n of drydock) expect([n, code.includes(`'${n}'`) || code.includes(`${n}:`) || code.includes(`.${n}`)]).toEqual([n, true]);
});
