// Whether dist/ (npm run build) is current: built after the last change to any source it compiles from.
// Plain Node with no dependencies: bin/drydock.js asks on every run, before anything else is loaded.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** Written last by the build: the time the build started, so a source changed during it counts as newer. */
const STAMP = path.join(DIST, '.build-stamp');
/** What the build compiles (tsconfig.build.json's include) and what decides how. */
const SOURCE_DIRS = ['workflows', 'activities', 'worker', 'client', 'design', 'drivers', 'emulators', 'common'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The newest mtime of the sources; a directory's counts too, so an added, removed or renamed file does. */
function newestSourceMtime() {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    newest = Math.max(newest, st.mtimeMs);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
  };
  for (const d of SOURCE_DIRS) visit(path.join(ROOT, d));
  for (const f of SOURCE_FILES) visit(path.join(ROOT, f));
  return newest;
}

/** 'current', 'missing' or 'stale'. Without the sources (a package of dist/ alone) a built dist/ is current. */
function buildState() {
  let stamp;
  try {
    stamp = Number(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return 'missing';
  }
  if (!fs.existsSync(path.join(ROOT, 'client', 'cli.ts'))) return 'current';
  return newestSourceMtime() <= stamp ? 'current' : 'stale';
}

/** The compiled file of a source module (e.g. 'client/cli'), or undefined when dist/ is not current. */
function compiledModule(rel) {
  return buildState() === 'current' ? path.join(DIST, `${rel}.js`) : undefined;
}

module.exports = { ROOT, DIST, STAMP, SOURCE_DIRS, buildState, compiledModule };
