#!/usr/bin/env node
// Builds helm from the Go module proxy into .tools/bin, for the chart test (`helm lint`, `helm template`).
// No npm package ships helm and its release downloads need the internet, so we build it, as the Temporal CLI.
// Plain Node with no dependencies.
//
//   node scripts/build-helm.js          # build unless .tools/bin/helm is already this version
//   node scripts/build-helm.js --path   # the same, then print the binary's path on stdout (for tests)
//   HELM=/usr/local/bin/helm ...        # use an existing helm instead
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VERSION = '3.22.0';
const MODULE = 'helm.sh/helm/v3/cmd/helm';
const ROOT = path.resolve(__dirname, '..');
const GOBIN = path.join(ROOT, '.tools', 'bin');
const TARGET = path.join(GOBIN, 'helm');
const printPath = process.argv.includes('--path');
// With --path stdout carries only the path; progress goes to stderr.
const log = (line) => (printPath ? process.stderr : process.stdout).write(`helm: ${line}\n`);

function builtVersion(bin) {
  const r = spawnSync(bin, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

function fail(message) {
  process.stderr.write(`helm: ${message}\n`);
  process.exit(1);
}

function done(bin) {
  if (printPath) process.stdout.write(`${bin}\n`);
}

async function main() {
  if (process.env.HELM) {
    const p = process.env.HELM;
    if (!fs.existsSync(p)) fail(`HELM is set to ${p}, which does not exist`);
    log(`using HELM=${p} (version ${builtVersion(p) ?? 'unknown'})`);
    return done(p);
  }
  if (fs.existsSync(TARGET) && builtVersion(TARGET) === VERSION) {
    log(`${path.relative(ROOT, TARGET)} ${VERSION} already built`);
    return done(TARGET);
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    fail('cannot build helm: `go` was not found on PATH. Install a Go toolchain (>= 1.24) or set HELM to an existing helm binary.');
  }
  fs.mkdirSync(GOBIN, { recursive: true });
  log(`building ${MODULE}@v${VERSION} with ${go.stdout.trim()} into ${path.relative(ROOT, GOBIN)}/ (the first build takes minutes)`);
  const started = Date.now();
  let compiled = 0;
  // helm's Makefile stamps its version the same way; without it `helm version` says v3.x-dev.
  const ldflags = `-s -w -X helm.sh/helm/v3/internal/version.version=v${VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean`;
  const child = spawn('go', ['install', '-v', '-ldflags', ldflags, `${MODULE}@v${VERSION}`], {
    env: { ...process.env, GOBIN, CGO_ENABLED: '0' },
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
  if (code !== 0) fail(`go install failed (exit ${code}):\n${tail}`);
  const v = builtVersion(TARGET);
  if (v !== VERSION) fail(`built ${TARGET} but it reports version ${v ?? 'unknown'}, expected ${VERSION}`);
  log(`built ${path.relative(ROOT, TARGET)} ${v} in ${Math.round((Date.now() - started) / 1000)} s`);
  done(TARGET);
}

main().catch((e) => fail(e.stack || String(e)));
