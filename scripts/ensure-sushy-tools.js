#!/usr/bin/env node
// Makes sure the sushy-tools Redfish emulator (a test peer) is installed in a project-local virtualenv,
// .tools/venv, at a pinned version. Plain Node, no dependencies: bootstrap runs it before anything else.
// Usage: node scripts/ensure-sushy-tools.js [--quiet]      prints the sushy-emulator path on success.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// Pinned so a fresh clone tests against the same emulator behaviour.
const SUSHY_TOOLS_VERSION = '2.2.0';
// bcrypt is needed to write and check the htpasswd file the tests use for Basic auth.
const EXTRA_PACKAGES = ['bcrypt'];

const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.tools', 'venv');
const BIN = path.join(VENV, 'bin');
const quiet = process.argv.includes('--quiet');

function say(msg) {
  if (!quiet) console.error(`ensure-sushy-tools: ${msg}`);
}

function fail(msg) {
  console.error(`ensure-sushy-tools: ${msg}`);
  process.exit(1);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : ['ignore', 2, 2] });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  return r.status === 0;
}

function installedVersion() {
  const py = path.join(BIN, 'python3');
  if (!fs.existsSync(py)) return null;
  const r = spawnSync(py, ['-c', 'import importlib.metadata as m, bcrypt; print(m.version("sushy-tools"))'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function findPython() {
  for (const cand of [process.env.PYTHON, 'python3']) {
    if (!cand) continue;
    const r = spawnSync(cand, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (r.status === 0) return cand;
  }
  return null;
}

function main() {
  const have = installedVersion();
  if (have === SUSHY_TOOLS_VERSION && fs.existsSync(path.join(BIN, 'sushy-emulator'))) {
    say(`sushy-tools ${have} already installed in ${path.relative(ROOT, VENV)}`);
    console.log(path.join(BIN, 'sushy-emulator'));
    return;
  }
  const python = findPython();
  if (!python) fail('python3 not found: install Python 3 (Debian: apt-get install python3 python3-venv) or set PYTHON');
  if (!fs.existsSync(path.join(BIN, 'pip'))) {
    say(`creating virtualenv ${path.relative(ROOT, VENV)} with ${python}`);
    fs.mkdirSync(path.dirname(VENV), { recursive: true });
    fs.rmSync(VENV, { recursive: true, force: true });
    if (!run(python, ['-m', 'venv', VENV])) {
      fail(`"${python} -m venv" failed: the Python venv module is missing (Debian: apt-get install python3-venv)`);
    }
  }
  say(`installing sushy-tools==${SUSHY_TOOLS_VERSION} ${EXTRA_PACKAGES.join(' ')} (from PyPI)`);
  const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', ...(quiet ? ['-q'] : []), `sushy-tools==${SUSHY_TOOLS_VERSION}`, ...EXTRA_PACKAGES];
  if (!run(path.join(BIN, 'python3'), pipArgs)) {
    fail(`pip could not install sushy-tools==${SUSHY_TOOLS_VERSION}: is PyPI reachable (proxy, PIP_INDEX_URL)?`);
  }
  if (!fs.existsSync(path.join(BIN, 'sushy-emulator'))) fail('sushy-emulator missing from the virtualenv after install');
  say(`sushy-tools ${SUSHY_TOOLS_VERSION} ready`);
  console.log(path.join(BIN, 'sushy-emulator'));
}

main();
