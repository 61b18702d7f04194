#!/usr/bin/env node
// Builds helm from the Go module proxy into .tools/bin, for the chart test (`helm lint`, `helm template`).
// No npm package ships helm and its release downloads need the internet, so we build it, as the Temporal CLI.
// Plain Node with no dependencies.
//
//   node scripts/build-helm.js          # build unless .tools/bin/helm is already this version
//   node scripts/build-helm.js --path   # the same, then print the binary's path on stdout (for tests)
//   HELM=/usr/local/bin/helm ...        # use an existing helm instead
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { provideGoTool, runGo } = require('./goBuild');

const VERSION = '3.22.0';
const MODULE = 'helm.sh/helm/v3/cmd/helm';
const GOBIN = path.resolve(__dirname, '..', '.tools', 'bin');

function builtVersion(bin) {
  const r = spawnSync(bin, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

provideGoTool({
  name: 'helm',
  envVar: 'HELM',
  target: path.join(GOBIN, 'helm'),
  version: VERSION,
  builtVersion,
  // helm's Makefile stamps its version the same way; without it `helm version` says v3.x-dev.
  build: (out) =>
    runGo(
      out,
      [
        'install',
        '-v',
        '-ldflags',
        `-s -w -X helm.sh/helm/v3/internal/version.version=v${VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
        `${MODULE}@v${VERSION}`,
      ],
      {
        env: { GOBIN },
      },
    ),
});
