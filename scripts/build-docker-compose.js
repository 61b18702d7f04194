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
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { provideGoTool, runGo } = require('./goBuild');

const VERSION = '2.40.3';
const MODULE = 'github.com/docker/compose/v2';
const ROOT = path.resolve(__dirname, '..');
const BUILD_DIR = path.join(ROOT, '.tools', 'build', `docker-compose-${VERSION}`);

/** The version a plugin binary reports (`docker-compose version --short` prints "2.40.3"). */
function builtVersion(bin) {
  const r = spawnSync(bin, ['version', '--short'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

/**
 * Compose's go.mod has exclude and replace directives, which `go install module@version` refuses and which only
 * count in the main module: the build runs in a module whose go.mod is Compose's own, renamed, requiring Compose.
 */
function prepareBuildModule(out) {
  const r = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@v${VERSION}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '' } });
  if (r.status !== 0) out.fail(`go mod download ${MODULE}@v${VERSION} failed:\n${r.stderr || r.stdout}`);
  const dir = JSON.parse(r.stdout).Dir;
  const goMod = fs.readFileSync(path.join(dir, 'go.mod'), 'utf8').replace(/^module .*$/m, 'module drydock.local/docker-compose-build');
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  fs.writeFileSync(path.join(BUILD_DIR, 'go.mod'), `${goMod}\nrequire ${MODULE} v${VERSION}\n`);
  fs.writeFileSync(path.join(BUILD_DIR, 'go.sum'), fs.readFileSync(path.join(dir, 'go.sum'), 'utf8'));
}

const target = path.join(ROOT, '.tools', 'bin', 'docker-compose');
provideGoTool({
  name: 'docker-compose',
  envVar: 'DOCKER_COMPOSE',
  target,
  version: VERSION,
  builtVersion,
  build: (out) => {
    prepareBuildModule(out);
    // Compose's Makefile stamps its version the same way; without it `docker compose version` says "dev".
    const ldflags = `-s -w -X ${MODULE}/internal.Version=v${VERSION}`;
    return runGo(out, ['build', '-v', '-mod=mod', '-ldflags', ldflags, '-o', target, `${MODULE}/cmd`], { cwd: BUILD_DIR, env: { GOFLAGS: '' } });
  },
});
