import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../common/logger';
import { CLOUD_INIT_OUTPUT_LOG, NodeAgent, type CloudInitRun } from '../../emulators/site/nodeAgent';

// A deployed node's cloud-init, standalone: a fake MaaS hands out the cloud-config the worker writes, a tiny
// boot action API serves the units and files tarballs and takes reports; the node runs everything sandboxed.

const KEY = 'k3y-of-n01';
interface Report {
  actionId: string;
  key: string | undefined;
  body: { status: string; details: { message: string; error: boolean }[] };
}

let dir: string;
let server: http.Server;
let reportUrl: string;
const reports: Report[] = [];
const tarballs: Record<string, Buffer> = {};

function tarball(name: string, files: Record<string, { text: string; mode: number }>): Buffer {
  const src = fs.mkdtempSync(path.join(dir, `${name}-`));
  for (const [p, f] of Object.entries(files)) {
    fs.mkdirSync(path.join(src, path.dirname(p)), { recursive: true });
    fs.writeFileSync(path.join(src, p), f.text, { mode: f.mode });
  }
  const out = path.join(dir, `${name}.tgz`);
  // File members only, root-owned, as the boot action API builds them.
  execFileSync('tar', ['-czf', out, '--owner=0', '--group=0', '-C', src, ...Object.keys(files)]);
  return fs.readFileSync(out);
}

/** A unit's script that reports its boot action's status itself, as the design's assets do. */
function reportScript(actionId: string, status: string, message: string): string {
  return [
    '#!/bin/bash',
    `body=$(printf '{"status":"${status}","details":[{"message":"%s","error":false}]}' "${message}")`,
    `curl -fsS -X POST -H 'Content-Type: application/json' -H 'X-Bootaction-Key: ${KEY}' -d "$body" '${reportUrl}${actionId}'`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-agent-test-'));
  server = http.createServer((req, res) => {
    const key = req.headers['x-bootaction-key'] as string | undefined;
    const asset = /^\/api\/v1\.0\/bootactions\/nodes\/n01\/(units|files)$/.exec(req.url ?? '');
    if (req.method === 'GET' && asset) {
      if (key !== KEY) return void res.writeHead(key ? 403 : 401).end();
      res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(tarballs[asset[1]]);
      return;
    }
    const report = /^\/api\/v1\.0\/bootactions\/([A-Z0-9]+)$/.exec(req.url ?? '');
    if (req.method === 'POST' && report) {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        reports.push({ actionId: report[1], key, body: JSON.parse(body) });
        res.writeHead(201).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  reportUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1.0/bootactions/`;
  tarballs.units = tarball('units', {
    // Airship's promjoin puts its unit under /lib/systemd/system: /lib is the host's /usr/lib, read-only.
    'lib/systemd/system/motd-report.service': { text: '[Unit]\nDescription=report\n[Service]\nType=oneshot\nExecStart=/opt/motd-report.sh\n', mode: 0o644 },
    'opt/motd-report.sh': { text: reportScript('01AAAAAAAAAAAAAAAAAAAAAAAA', 'success', '$(hostname): $(cat /etc/motd)'), mode: 0o755 },
    'etc/systemd/system/broken.service': {
      text: '[Service]\nType=oneshot\nExecStart=/bin/bash -c \\\n  "/opt/broken.sh"\n',
      mode: 0o644,
    },
    'opt/broken.sh': { text: `${reportScript('01BBBBBBBBBBBBBBBBBBBBBBBB', 'failure', 'broken on $(hostname)')}exit 3\n`, mode: 0o755 },
  });
  tarballs.files = tarball('files', { 'etc/motd': { text: 'Welcome to n01\n', mode: 0o644 } });
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The cloud-config the worker writes for a node (packages, fetch units and files, enable the units). */
function cloudConfig(units: string[], key = KEY): string {
  const fetch = (what: string) => [
    'sh',
    '-c',
    `curl -fsS --retry 10 --retry-connrefused --retry-delay 2 -H 'X-Bootaction-Key: ${key}' '${reportUrl}nodes/n01/${what}' | tar -xz -C /`,
  ];
  return `#cloud-config\n${JSON.stringify({
    packages: ['docker.io', ['kubelet', '1.29.0']],
    runcmd: [fetch('units'), fetch('files'), ['systemctl', 'daemon-reload'], ['systemctl', 'enable', '--now', ...units]],
  })}\n`;
}

interface Deployment {
  systemId: string;
  hostname: string;
  statusName: string;
  userData: string | null;
}

function agentFor(deployments: Deployment[], commandTimeoutMs = 30_000): NodeAgent {
  const stateRoot = fs.mkdtempSync(path.join(dir, 'site-'));
  return new NodeAgent({ maas: { deployments: () => deployments }, stateRoot, logger: silentLogger, commandTimeoutMs, pollMs: 100 }).start();
}

async function finished(agent: NodeAgent, hostname: string, timeoutMs = 30_000): Promise<CloudInitRun> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const run = agent.cloudInit(hostname);
    if (run && run.state !== 'running') return run;
  }
  throw new Error(`cloud-init of ${hostname} did not finish within ${timeoutMs} ms`);
}

/** The `sleep <marker>` processes on the host: the sandbox's pid namespace is part of it. */
function sleeping(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${marker}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a deployed node fetches its units and files into its own root, and its units report themselves', async () => {
  reports.length = 0;
  const hostMotd = fs.readFileSync('/etc/motd', 'utf8');
  const agent = agentFor([{ systemId: 'abc123', hostname: 'n01', statusName: 'Deployed', userData: cloudConfig(['motd-report.service', 'broken.service']) }]);
  try {
    const run = await finished(agent, 'n01');
    const root = agent.nodeRoot('n01');
    expect(run.packages).toEqual(['docker.io', 'kubelet=1.29.0']);
    expect(run.commands.map((c) => [c.argv[0], c.result.exitCode, c.result.timedOut])).toEqual([
      ['sh', 0, false],
      ['sh', 0, false],
      ['systemctl', 0, false],
      ['systemctl', 1, false], // broken.service failed, as systemctl says of a failed oneshot unit
    ]);
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('Welcome to n01\n');
    expect(fs.readFileSync(path.join(root, 'opt/motd-report.sh'), 'utf8')).toContain('curl');
    expect(fs.existsSync(path.join(root, 'usr/lib/systemd/system/motd-report.service'))).toBe(true);
    // The host kept its own.
    expect(fs.readFileSync('/etc/motd', 'utf8')).toBe(hostMotd);
    for (const p of ['/opt/motd-report.sh', '/usr/lib/systemd/system/motd-report.service', '/etc/systemd/system/broken.service']) {
      expect(fs.existsSync(p)).toBe(false);
    }
    // The reports are the units' own, sent from inside the node (its hostname, its /etc/motd).
    expect(reports.map((r) => [r.actionId, r.key, r.body.status, r.body.details[0].message])).toEqual([
      ['01AAAAAAAAAAAAAAAAAAAAAAAA', KEY, 'success', 'n01: Welcome to n01'],
      ['01BBBBBBBBBBBBBBBBBBBBBBBB', KEY, 'failure', 'broken on n01'],
    ]);
    expect(fs.readFileSync(path.join(root, 'var/lib/simulated-systemd/motd-report.service.result'), 'utf8').trim()).toBe('0');
    expect(fs.readFileSync(path.join(root, 'var/lib/simulated-systemd/broken.service.result'), 'utf8').trim()).toBe('3');
    const log = fs.readFileSync(path.join(root, CLOUD_INIT_OUTPUT_LOG), 'utf8');
    expect(log).toContain('packages recorded, not installed (simulation): docker.io kubelet=1.29.0');
    expect(log).toContain('Job for broken.service failed');
    // Once per deployment: later looks at MaaS run nothing again.
    await new Promise((r) => setTimeout(r, 500));
    expect(reports).toHaveLength(2);
  } finally {
    await agent.stop();
  }
});

test('a node whose key is refused gets nothing and reports nothing', async () => {
  reports.length = 0;
  const agent = agentFor([{ systemId: 'abc124', hostname: 'n01', statusName: 'Deployed', userData: cloudConfig(['motd-report.service'], 'wrong-key') }]);
  try {
    const run = await finished(agent, 'n01');
    expect(run.commands.map((c) => c.result.exitCode)).toEqual([2, 2, 0, 1]); // tar: empty input; the unit is not there
    expect(fs.existsSync(path.join(agent.nodeRoot('n01'), 'etc/motd'))).toBe(false);
    expect(fs.readFileSync(path.join(agent.nodeRoot('n01'), CLOUD_INIT_OUTPUT_LOG), 'utf8')).toContain('error: 403');
    expect(reports).toEqual([]);
  } finally {
    await agent.stop();
  }
});

test('a script cannot write outside its node root, nor see the host processes, and the host is untouched', async () => {
  const canary = fs.mkdtempSync(path.join(dir, 'host-canary-'));
  const hostEtc = `/etc/drydock-node-agent-test-${process.pid}`;
  const hostHosts = fs.readFileSync('/etc/hosts', 'utf8');
  const userData = `#cloud-config\n${JSON.stringify({
    runcmd: [
      `echo escaped > ${canary}/escaped`, // the host's folder does not exist in the node
      ['sh', '-c', 'mount -o remount,rw /usr && touch /usr/escaped'],
      ['sh', '-c', `kill -0 ${process.pid}`],
      ['sh', '-c', 'echo x > /proc/sysrq-trigger'],
      // Allowed, and lands in the node root: the same paths, made inside the node.
      ['sh', '-c', `mkdir -p ${canary} && echo inside > ${canary}/escaped && echo inside > ${hostEtc} && rm /etc/hosts`],
    ],
  })}\n`;
  const agent = agentFor([{ systemId: 'abc125', hostname: 'n01', statusName: 'Deployed', userData }]);
  try {
    const run = await finished(agent, 'n01');
    const codes = run.commands.map((c) => c.result.exitCode);
    expect(codes.slice(0, 4).every((c) => c !== 0 && c !== null)).toBe(true);
    expect(codes[4]).toBe(0);
    expect(fs.readdirSync(canary)).toEqual([]);
    expect(fs.existsSync(hostEtc)).toBe(false);
    expect(fs.existsSync('/usr/escaped')).toBe(false);
    expect(fs.readFileSync('/etc/hosts', 'utf8')).toBe(hostHosts);
    const root = agent.nodeRoot('n01');
    expect(fs.readFileSync(path.join(root, canary, 'escaped'), 'utf8')).toBe('inside\n');
    expect(fs.readFileSync(path.join(root, hostEtc), 'utf8')).toBe('inside\n');
    expect(fs.readFileSync(path.join(root, CLOUD_INIT_OUTPUT_LOG), 'utf8')).toMatch(/Directory nonexistent/);
  } finally {
    await agent.stop();
    fs.rmSync(hostEtc, { force: true });
  }
});

test("one boot: what a command leaves running is there for the next, and none sees the agent's channel", async () => {
  const userData = `#cloud-config\n${JSON.stringify({
    runcmd: [
      ['sh', '-c', 'sleep 30 </dev/null >/dev/null 2>&1 & echo $! > /bg'],
      ['sh', '-c', 'kill -0 "$(cat /bg)"'],
      ['sh', '-c', 'for fd in 3 4; do [ ! -e /proc/self/fd/$fd ] || exit 1; done; env | sort > /env'],
      ['false'],
      ['no-such-command'],
    ],
  })}\n`;
  const agent = agentFor([{ systemId: 'abc128', hostname: 'n01', statusName: 'Deployed', userData }]);
  try {
    const run = await finished(agent, 'n01');
    expect(run.commands.map((c) => c.result.exitCode)).toEqual([0, 0, 0, 1, 127]);
    // Only what the sandbox sets (sh adds PWD), as cloud-init's environment holds only its own.
    const env = fs.readFileSync(path.join(agent.nodeRoot('n01'), 'env'), 'utf8');
    expect(env.split('\n').filter((l) => l && !/^(PWD|SHLVL|_)=/.test(l))).toEqual(['HOME=/root', 'LANG=C.UTF-8', expect.stringMatching(/^PATH=\/usr\/local\/sbin:/)]);
    const log = fs.readFileSync(path.join(agent.nodeRoot('n01'), CLOUD_INIT_OUTPUT_LOG), 'utf8');
    expect(log).toMatch(/runcmd: false\n[^]*runcmd: false: exit status 1\n[^]*runcmd: no-such-command\n[^]*runcmd: no-such-command: exit status 127\n/);
  } finally {
    await agent.stop();
  }
});

test('a hanging command is killed at the time limit, the next one still runs; stop() ends a running node', async () => {
  const marker = `${31_400 + (process.pid % 1000)}`;
  const deployments: Deployment[] = [
    { systemId: 'abc126', hostname: 'n01', statusName: 'Deployed', userData: `#cloud-config\nruncmd:\n  - [sleep, "${marker}"]\n  - [sh, -c, "echo after > /after"]\n` },
  ];
  const agent = agentFor(deployments, 1500);
  try {
    const run = await finished(agent, 'n01');
    expect(run.commands[0].result).toMatchObject({ exitCode: null, timedOut: true });
    expect(run.commands[0].result.ms).toBeGreaterThanOrEqual(1500);
    expect(run.commands[0].result.ms).toBeLessThan(5000);
    expect(run.commands[1].result.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(agent.nodeRoot('n01'), 'after'), 'utf8')).toBe('after\n');
    expect(sleeping(marker)).toEqual([]);

    // Redeployed (other user data): a fresh root, and the simulator stopping kills what runs.
    deployments[0] = { ...deployments[0], userData: `#cloud-config\nruncmd:\n  - [sleep, "${marker}"]\n` };
    for (let i = 0; i < 50 && sleeping(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sleeping(marker)).toHaveLength(1);
    expect(fs.existsSync(path.join(agent.nodeRoot('n01'), 'after'))).toBe(false);
    const t0 = Date.now();
    await agent.stop();
    expect(Date.now() - t0).toBeLessThan(1400);
    expect(agent.cloudInit('n01')?.state).toBe('stopped');
    expect(sleeping(marker)).toEqual([]);
  } finally {
    await agent.stop();
  }
});

test('a released node is powered off, and its next deployment boots a fresh root', async () => {
  const marker = `${32_400 + (process.pid % 1000)}`;
  const userData = `#cloud-config\nruncmd:\n  - [sh, -c, "echo first >> /boots"]\n  - [sleep, "${marker}"]\n`;
  const deployments: Deployment[] = [{ systemId: 'abc127', hostname: 'n01', statusName: 'Deployed', userData }];
  const agent = agentFor(deployments);
  try {
    for (let i = 0; i < 50 && sleeping(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sleeping(marker)).toHaveLength(1);
    deployments[0] = { ...deployments[0], statusName: 'Releasing' };
    const run = await finished(agent, 'n01', 5000);
    expect(run.state).toBe('stopped');
    expect(run.commands[1].result.stopped).toBe(true);
    expect(sleeping(marker)).toEqual([]);
    // Deployed again, same user data: cloud-init runs again, on a fresh disk.
    deployments[0] = { ...deployments[0], statusName: 'Deployed' };
    for (let i = 0; i < 50 && sleeping(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sleeping(marker)).toHaveLength(1);
    expect(agent.cloudInit('n01')).not.toBe(run);
    expect(fs.readFileSync(path.join(agent.nodeRoot('n01'), 'boots'), 'utf8')).toBe('first\n');
  } finally {
    await agent.stop();
  }
});
