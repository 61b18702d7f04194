#!/usr/bin/env node
// Runs the CLI from its TypeScript sources (tsx), so there is no build step to forget.
require('tsx/cjs');
require('../client/cli.ts');
