#!/usr/bin/env node
// `node scripts/launch.js worker/run [args…]`: runs that module as the main program, compiled from dist/ when
// dist/ is current (npm run build), else its TypeScript source through tsx. npm start and npm run worker use it.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { ROOT, compiledModule } = require('./buildState');

const rel = process.argv[2];
if (!rel) {
  console.error('usage: node scripts/launch.js <module, e.g. worker/run> [args…]');
  process.exit(2);
}
let main = compiledModule(rel);
if (!main) {
  require('tsx/cjs');
  main = path.join(ROOT, `${rel}.ts`);
}
// As `node <main> args…`: the module is require.main and sees its own arguments.
process.argv.splice(1, 2, main);
Module.runMain(main);
