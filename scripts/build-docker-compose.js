#!/usr/bin/env node
// Builds the Docker Compose CLI plugin (`docker-compose`) from the Go module proxy into .tools/bin, for the
// packaging test's `docker compose config`: Debian's docker.io ships the docker CLI without the compose v2 plugin
// and its release downloads need the internet, so we build it, as helm and the Temporal CLI. `config` needs no
// Docker engine. Plain Node with no dependencies.
//
//   node scripts/build-docker-compose.js          # build unless .tools/bin/docker-compose is already this version
//   node scripts/build-docker-compose.js --path   # the same, then print the plugin's path on stdout (for tests)
//   DOCKER_COMPOSE=/usr/libexec/docker/cli-plugins/docker-compose ...   # use an existing plugin instead
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VERSION = '2.40.3';
const MODULE = 'github.com/docker/compose/v2';
const ROOT = path.resolve(__dirname, '..');
const GOBIN = path.join(ROOT, '.tools', 'bin');
const TARGET = path.join(GOBIN, 'docker-compose');
const BUILD_DIR = path.join(ROOT, '.tools', 'build', `docker-compose-${VERSION}`);
const printPath = process.argv.includes('--path');
// With --path stdout carries only the path; progress goes to stderr.
const log = (line) => (printPath ? process.stderr : process.stdout).write(`docker-compose: ${line}\n`);

/** The version a plugin binary reports (`docker-compose version --short` prints "2.40.3"). */
function builtVersion(bin) {
  const r = spawnSync(bin, ['version', '--short'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

function fail(message) {
  process.stderr.write(`docker-compose: ${message}\n`);
  process.exit(1);
}

function done(bin) {
  if (printPath) process.stdout.write(`${bin}\n`);
}

/**
 * Compose's go.mod has exclude and replace directives, which `go install module@version` refuses and which only
 * count in the main module: the build runs in a module whose go.mod is Compose's own, renamed, requiring Compose.
 */
function prepareBuildModule() {
  const r = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@v${VERSION}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '' } });
  if (r.status !== 0) fail(`go mod download ${MODULE}@v${VERSION} failed:\n${r.stderr || r.stdout}`);
  const dir = JSON.parse(r.stdout).Dir;
  const goMod = fs.readFileSync(path.join(dir, 'go.mod'), 'utf8').replace(/^module .*$/m, 'module drydock.local/docker-compose-build');
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  fs.writeFileSync(path.join(BUILD_DIR, 'go.mod'), `${goMod}\nrequire ${MODULE} v${VERSION}\n`);
  fs.writeFileSync(path.join(BUILD_DIR, 'go.sum'), fs.readFileSync(path.join(dir, 'go.sum'), 'utf8'));
}

async function main() {
  if (process.env.DOCKER_COMPOSE) {
    const p = process.env.DOCKER_COMPOSE;
    if (!fs.existsSync(p)) fail(`DOCKER_COMPOSE is set to ${p}, which does not exist`);
    log(`using DOCKER_COMPOSE=${p} (version ${builtVersion(p) ?? 'unknown'})`);
    return done(p);
  }
  if (fs.existsSync(TARGET) && builtVersion(TARGET) === VERSION) {
    log(`${path.relative(ROOT, TARGET)} ${VERSION} already built`);
    return done(TARGET);
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    fail('cannot build docker compose: `go` was not found on PATH. Install a Go toolchain (>= 1.24) or set DOCKER_COMPOSE to an existing plugin binary.');
  }
  prepareBuildModule();
  fs.mkdirSync(GOBIN, { recursive: true });
  log(`building ${MODULE}/cmd@v${VERSION} with ${go.stdout.trim()} into ${path.relative(ROOT, GOBIN)}/ (the first build takes minutes)`);
  const started = Date.now();
  let compiled = 0;
  // Compose's Makefile stamps its version the same way; without it `docker compose version` says "dev".
  const ldflags = `-s -w -X ${MODULE}/internal.Version=v${VERSION}`;
  const child = spawn('go', ['build', '-v', '-mod=mod', '-ldflags', ldflags, '-o', TARGET, `${MODULE}/cmd`], {
    cwd: BUILD_DIR,
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr.on('data', (chunk) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-4000);
    compiled += text.split('\n').filter((l) => l && !l.startsWith('go: ')).length;
  });
  const ticker = setInterval(() => log(`${compiled} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`), 15000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (code !== 0) fail(`go build failed (exit ${code}):\n${tail}`);
  const v = builtVersion(TARGET);
  if (v !== VERSION) fail(`built ${TARGET} but it reports version ${v ?? 'unknown'}, expected ${VERSION}`);
  log(`built ${path.relative(ROOT, TARGET)} ${v} in ${Math.round((Date.now() - started) / 1000)} s`);
  done(TARGET);
}

main().catch((e) => fail(e.stack || String(e)));
