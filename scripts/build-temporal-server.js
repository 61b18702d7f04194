#!/usr/bin/env node
// Builds the Temporal server (`temporal-server`) and its SQL schema tool (`temporal-sql-tool`) from the Go module
// proxy into .tools/bin: the production shape (a server on PostgreSQL) that the cluster test and `npm run cluster` run.
// The server is pinned to the version the Temporal CLI's go.mod requires, and built inside a module whose go.mod is
// the CLI's own: the same dependency graph, so the Go build cache the CLI build filled serves most of this one.
// Plain Node with no dependencies, like build-temporal-cli.js: it runs from the bootstrap before anything else.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// The CLI whose go.mod pins everything (scripts/build-temporal-cli.js builds the same version).
const CLI_MODULE = 'github.com/temporalio/cli';
const CLI_VERSION = '1.5.1';
// What that go.mod requires; checked below, so a CLI bump that moves the server says so instead of drifting.
const SERVER_VERSION = '1.29.1';
const ROOT = path.resolve(__dirname, '..');
const GOBIN = path.join(ROOT, '.tools', 'bin');
const BUILD_DIR = path.join(ROOT, '.tools', 'build', `temporal-server-${SERVER_VERSION}`);
const TARGETS = [
  { pkg: 'go.temporal.io/server/cmd/server', bin: 'temporal-server' },
  { pkg: 'go.temporal.io/server/cmd/tools/sql', bin: 'temporal-sql-tool' },
];

function say(message) {
  console.log(`temporal-server: ${message}`);
}

function fail(message) {
  process.stderr.write(`temporal-server: ${message}\n`);
  process.exit(1);
}

/** The version a built binary reports (`temporal-server --version` prints "temporal version 1.29.1"). */
function builtVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const m = /version (\S+)/.exec(r.stdout);
  return m ? m[1] : undefined;
}

function upToDate() {
  return TARGETS.every((t) => builtVersion(path.join(GOBIN, t.bin)) === SERVER_VERSION);
}

/** The CLI module's go.mod and go.sum, fetched through the module proxy (a no-op when the CLI build already did). */
function cliModuleFiles() {
  const r = spawnSync('go', ['mod', 'download', '-json', `${CLI_MODULE}@v${CLI_VERSION}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '' } });
  if (r.status !== 0) fail(`go mod download ${CLI_MODULE}@v${CLI_VERSION} failed:\n${r.stderr || r.stdout}`);
  const info = JSON.parse(r.stdout);
  const goMod = fs.readFileSync(path.join(info.Dir, 'go.mod'), 'utf8');
  const goSum = fs.readFileSync(path.join(info.Dir, 'go.sum'), 'utf8');
  const m = /^\s*go\.temporal\.io\/server v(\S+)/m.exec(goMod);
  if (!m) fail(`${CLI_MODULE}@v${CLI_VERSION} go.mod does not require go.temporal.io/server`);
  if (m[1] !== SERVER_VERSION) fail(`${CLI_MODULE}@v${CLI_VERSION} requires go.temporal.io/server v${m[1]}; update SERVER_VERSION here to match`);
  return { goMod, goSum };
}

async function main() {
  if (upToDate()) {
    say(`${TARGETS.map((t) => path.relative(ROOT, path.join(GOBIN, t.bin))).join(', ')} ${SERVER_VERSION} already built`);
    return;
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    fail('cannot build the Temporal server: `go` was not found on PATH. Install a Go toolchain (>= 1.21; it fetches Go 1.25 itself through the module proxy).');
  }
  const { goMod, goSum } = cliModuleFiles();
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  fs.writeFileSync(path.join(BUILD_DIR, 'go.mod'), goMod.replace(/^module .*$/m, 'module drydock.local/temporal-server-build'));
  fs.writeFileSync(path.join(BUILD_DIR, 'go.sum'), goSum);
  fs.mkdirSync(GOBIN, { recursive: true });
  say(`building go.temporal.io/server v${SERVER_VERSION} (server and SQL schema tool) with ${go.stdout.trim()} into ${path.relative(ROOT, GOBIN)}/`);
  const started = Date.now();
  for (const t of TARGETS) {
    const out = path.join(GOBIN, t.bin);
    // The CLI's flags (no -trimpath, CGO off): compile results are keyed by them, so its build cache serves this build.
    const args = ['build', '-mod=mod', '-ldflags', '-s -w', '-o', out, t.pkg];
    const child = spawn('go', args, { cwd: BUILD_DIR, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '' }, stdio: ['ignore', 'inherit', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
    const ticker = setInterval(() => say(`building ${t.bin}, ${Math.round((Date.now() - started) / 1000)} s`), 15000);
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearInterval(ticker);
    if (code !== 0) fail(`go build ${t.pkg} failed (exit ${code}):\n${tail}`);
    const v = builtVersion(out);
    if (v !== SERVER_VERSION) fail(`built ${out} but it reports version ${v ?? 'unknown'}, expected ${SERVER_VERSION}`);
  }
  say(`built ${TARGETS.map((t) => t.bin).join(' and ')} ${SERVER_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((e) => fail(e.stack || String(e)));
