#!/usr/bin/env node
// First step of `npm start` and `npm test` on any machine, fresh or not: installs what is missing
// (npm packages, the Temporal CLI, and for tests the Debian/PyPI peers) or says plainly what is missing.
// Plain Node with no dependencies, because it runs before node_modules exists.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const mode = process.argv[2] || 'start';

function say(msg) {
  console.log(`bootstrap: ${msg}`);
}

function fail(msg) {
  console.error(`bootstrap: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0;
}

/** npm ci when node_modules is missing or older than the lockfile. */
function ensureNpmPackages() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  say('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Debian packages the peers come from; installed with apt-get when we are root, else named. */
function ensureDebianPackages(pkgs) {
  const missing = pkgs.filter((p) => !onPath(p.bin));
  if (missing.length === 0) return;
  const names = [...new Set(missing.map((p) => p.deb))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    fail(`missing ${missing.map((p) => p.bin).join(', ')}: install the Debian packages ${names.join(' ')} (apt-get install ${names.join(' ')})`);
  }
  say(`installing Debian packages: ${names.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * npm start runs the compiled code: built when dist/ is missing or older than a source. Type errors do not stop
 * it (the code runs as tsx would run it); a build that fails leaves npm start on the sources, through tsx.
 */
function ensureBuild() {
  const state = require('./buildState').buildState();
  if (state === 'current') return;
  say(`${state === 'missing' ? 'building' : 'rebuilding'} the compiled code (npm run build)`);
  const r = spawnSync(process.execPath, [path.join(__dirname, 'build.js'), '--allow-type-errors'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) say('the build failed; npm start runs the TypeScript sources (tsx) instead');
}

ensureNpmPackages();
run(process.execPath, [path.join(__dirname, 'build-temporal-cli.js')]);
if (mode === 'start') ensureBuild();
// The simulated site of npm start and the tests: IPMI BMCs (ipmi_sim, driven with ipmitool) and nodes that run
// their cloud-init sandboxed (emulators/site/sandbox.ts).
ensureDebianPackages([
  { bin: 'bwrap', deb: 'bubblewrap' },
  { bin: 'ipmitool', deb: 'ipmitool' },
  { bin: 'ipmi_sim', deb: 'openipmi' },
]);
if (mode === 'test') {
  ensureDebianPackages([{ bin: 'chromium', deb: 'chromium' }]);
  const sushy = path.join(__dirname, 'ensure-sushy-tools.js');
  if (fs.existsSync(sushy)) run(process.execPath, [sushy]);
}
// The production shape on this machine (test/cluster, npm run cluster): Debian's PostgreSQL (test/harness/postgres.ts;
// Debian keeps the server off PATH, in /usr/lib/postgresql/<major>/bin) and the Temporal server with its SQL schema
// tool, built from the module proxy like the CLI.
if (mode === 'test' || mode === 'cluster') {
  const pgLib = '/usr/lib/postgresql';
  const havePostgres = fs.existsSync(pgLib) && fs.readdirSync(pgLib).some((v) => fs.existsSync(path.join(pgLib, v, 'bin', 'postgres')));
  if (!havePostgres) ensureDebianPackages([{ bin: 'postgres', deb: 'postgresql' }]);
  run(process.execPath, [path.join(__dirname, 'build-temporal-server.js')]);
}
