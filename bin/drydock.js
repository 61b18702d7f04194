#!/usr/bin/env node
// The compiled CLI when dist/ is current (npm run build); otherwise the TypeScript sources through tsx, so a
// change not built yet still runs as written.
'use strict';
// Node 22+: V8 keeps the compiled code of the modules loaded, so later runs start faster.
require('node:module').enableCompileCache?.();
const compiled = require('../scripts/buildState').compiledModule('client/cli');
if (compiled) {
  require(compiled);
} else {
  require('tsx/cjs');
  require('../client/cli.ts');
}
