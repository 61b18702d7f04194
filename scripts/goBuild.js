// What the scripts that build a Go tool from the module proxy into .tools/bin share (build-helm.js,
// build-docker-compose.js): plain Node with no dependencies, as they run before anything is installed.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/**
 * Messages of the tool `name`; with `--path` on the command line stdout carries only the binary's path (for tests),
 * so progress goes to stderr.
 */
function toolOutput(name) {
  const printPath = process.argv.includes('--path');
  return {
    log: (line) => (printPath ? process.stderr : process.stdout).write(`${name}: ${line}\n`),
    fail(message) {
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(1);
    },
    done(bin) {
      if (printPath) process.stdout.write(`${bin}\n`);
    },
  };
}

/** `go version`'s line, or a failure naming what to do instead (`instead`: e.g. set HELM to an existing binary). */
function goVersion(out, what, instead) {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) out.fail(`cannot build ${what}: \`go\` was not found on PATH. Install a Go toolchain (>= 1.24) or ${instead}.`);
  return go.stdout.trim();
}

/** Runs `go <args>` (a build or install with -v), saying every 15 s how many packages it has compiled. */
async function runGo(out, args, opts = {}) {
  const started = Date.now();
  let compiled = 0;
  const child = spawn('go', args, { cwd: opts.cwd, env: { ...process.env, CGO_ENABLED: '0', ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (chunk) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-4000);
    compiled += text.split('\n').filter((l) => l && !l.startsWith('go: ')).length;
  });
  const ticker = setInterval(() => out.log(`${compiled} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`), 15000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (code !== 0) out.fail(`go ${args[0]} failed (exit ${code}):\n${tail}`);
  return Math.round((Date.now() - started) / 1000);
}

/**
 * The tool at `target` in `version`: the binary `envVar` names when set, the one already built when it reports
 * `version`, else `build(out, goLine)` builds it. Prints its path on stdout with --path.
 */
async function provideGoTool({ name, envVar, target, version, builtVersion, build }) {
  const out = toolOutput(name);
  const root = path.resolve(__dirname, '..');
  try {
    if (process.env[envVar]) {
      const p = process.env[envVar];
      if (!fs.existsSync(p)) out.fail(`${envVar} is set to ${p}, which does not exist`);
      out.log(`using ${envVar}=${p} (version ${builtVersion(p) ?? 'unknown'})`);
      return out.done(p);
    }
    if (fs.existsSync(target) && builtVersion(target) === version) {
      out.log(`${path.relative(root, target)} ${version} already built`);
      return out.done(target);
    }
    const goLine = goVersion(out, name, `set ${envVar} to an existing ${name} binary`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    out.log(`building ${name} ${version} with ${goLine} into ${path.relative(root, path.dirname(target))}/ (the first build takes minutes)`);
    const seconds = await build(out);
    const v = builtVersion(target);
    if (v !== version) out.fail(`built ${target} but it reports version ${v ?? 'unknown'}, expected ${version}`);
    out.log(`built ${path.relative(root, target)} ${v} in ${seconds} s`);
    out.done(target);
  } catch (e) {
    out.fail(e.stack || String(e));
  }
}

module.exports = { provideGoTool, runGo };
