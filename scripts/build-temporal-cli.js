#!/usr/bin/env node
// Builds the Temporal CLI (dev server + Web UI) from the Go module proxy into .tools/bin.
// No npm package ships the server and the SDK's own download needs the internet, so we build it.
// Plain Node with no dependencies: it runs from npm's postinstall, before anything else exists.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';
const ROOT = path.resolve(__dirname, '..');
const GOBIN = path.join(ROOT, '.tools', 'bin');
const TARGET = path.join(GOBIN, 'temporal');

function builtVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const m = /version (\S+)/.exec(r.stdout);
  return m ? m[1] : undefined;
}

function fail(message) {
  process.stderr.write(`temporal-cli: ${message}\n`);
  process.exit(1);
}

async function main() {
  const ifGo = process.argv.includes('--if-go');
  if (process.env.TEMPORAL_CLI) {
    const p = process.env.TEMPORAL_CLI;
    if (!fs.existsSync(p)) fail(`TEMPORAL_CLI is set to ${p}, which does not exist`);
    console.log(`temporal-cli: using TEMPORAL_CLI=${p} (version ${builtVersion(p) ?? 'unknown'})`);
    return;
  }
  if (fs.existsSync(TARGET) && builtVersion(TARGET) === VERSION) {
    console.log(`temporal-cli: ${path.relative(ROOT, TARGET)} ${VERSION} already built`);
    return;
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    const msg =
      'cannot build the Temporal CLI: `go` was not found on PATH. Install a Go toolchain (>= 1.21; it ' +
      'fetches Go 1.25 itself through the module proxy) or set TEMPORAL_CLI to an existing temporal binary.';
    if (ifGo) {
      process.stderr.write(`temporal-cli: warning: ${msg}\n`);
      return;
    }
    fail(msg);
  }
  fs.mkdirSync(GOBIN, { recursive: true });
  console.log(`temporal-cli: building ${MODULE}@v${VERSION} with ${go.stdout.trim()} into ${path.relative(ROOT, GOBIN)}/`);
  console.log('temporal-cli: the first build downloads and compiles ~600 packages; this takes a few minutes');
  const started = Date.now();
  let compiled = 0;
  const child = spawn('go', ['install', '-v', '-ldflags', `-s -w -X github.com/temporalio/cli/temporalcli.Version=${VERSION}`, `${MODULE}@v${VERSION}`], {
    env: { ...process.env, GOBIN, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let tail = '';
  child.stderr.on('data', (chunk) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-4000);
    compiled += text.split('\n').filter((l) => l && !l.startsWith('go: ')).length;
  });
  const tty = process.stdout.isTTY;
  const ticker = setInterval(
    () => {
      const line = `temporal-cli: ${compiled} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`;
      if (tty) process.stdout.write(`\r${line}`);
      else console.log(line);
    },
    tty ? 1000 : 15000,
  );
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (tty) process.stdout.write('\n');
  if (code !== 0) fail(`go install failed (exit ${code}):\n${tail}`);
  const v = builtVersion(TARGET);
  if (v !== VERSION) fail(`built ${TARGET} but it reports version ${v ?? 'unknown'}, expected ${VERSION}`);
  console.log(`temporal-cli: built ${path.relative(ROOT, TARGET)} ${v} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((e) => fail(e.stack || String(e)));
