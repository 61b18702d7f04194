#!/usr/bin/env node
// `npm run build`: the runtime code compiled to dist/ (tsconfig.build.json), its non-TypeScript files copied
// beside it, the workflows pre-bundled (worker/bundle.ts), then the stamp that makes dist/ current
// (scripts/buildState.js). Type errors fail it; `--allow-type-errors` (npm start's bootstrap) emits anyway and
// says so in one line, as tsx would run the same code.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, DIST, STAMP, SOURCE_DIRS } = require('./buildState');

const allowTypeErrors = process.argv.includes('--allow-type-errors');

function say(msg) {
  console.log(`build: ${msg}`);
}

function fail(msg) {
  console.error(`build: ${msg}`);
  process.exit(1);
}

/** Every file under `dir`, relative to ROOT. */
function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(path.relative(ROOT, p));
  }
  return out;
}

function compile() {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--pretty', 'false'], { cwd: ROOT, encoding: 'utf8' });
  if (r.error) fail(`could not run tsc: ${r.error.message}`);
  const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  // tsc exits 2 when it reported errors but wrote the output, 1 when it wrote nothing.
  if (r.status === 0) return;
  if (r.status === 2 && allowTypeErrors) {
    say(`${errors.length} type error(s), compiled anyway (see them with npm run typecheck); first: ${errors[0] ?? '?'}`);
    return;
  }
  process.stderr.write(r.stdout + r.stderr);
  fail(`tsc found ${errors.length} type error(s); dist/ is not current`);
}

/** Files the code reads beside itself (e.g. emulators/site/systemctl.sh) go with it; old outputs of removed sources go. */
function syncAssets() {
  for (const dir of SOURCE_DIRS) {
    for (const rel of walk(path.join(ROOT, dir))) {
      if (rel.endsWith('.ts') || rel.endsWith('.md')) continue;
      const to = path.join(DIST, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(ROOT, rel), to);
      fs.chmodSync(to, fs.statSync(path.join(ROOT, rel)).mode);
    }
    for (const rel of walk(path.join(DIST, dir))) {
      const m = /^(.*)\.js(\.map)?$/.exec(path.relative(DIST, path.join(ROOT, rel)));
      if (m && !fs.existsSync(path.join(ROOT, `${m[1]}.ts`)) && !fs.existsSync(path.join(ROOT, `${m[1]}.js`))) fs.rmSync(path.join(ROOT, rel));
    }
  }
}

async function main() {
  const started = Date.now();
  fs.rmSync(STAMP, { force: true });
  const t0 = Date.now();
  compile();
  syncAssets();
  say(`compiled to ${path.relative(process.cwd(), DIST) || '.'}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = Date.now();
  const { writeWorkflowBundles } = require(path.join(DIST, 'worker', 'bundle.js'));
  const files = await writeWorkflowBundles(DIST);
  say(`bundled the workflows (${files.map((f) => path.basename(f)).join(', ')}) in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  fs.writeFileSync(STAMP, String(started));
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
