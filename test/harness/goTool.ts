import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../common/temporalCli';

/**
 * A Go tool a packaging test runs, built by its script (scripts/build-helm.js, build-docker-compose.js) the first
 * time, or the binary `envVar` names: its path, or why there is none (no `go` to build it).
 */
export function goTool(script: string, envVar: string, what: string): { bin?: string; why?: string } {
  if (!process.env[envVar] && spawnSync('go', ['version']).status !== 0) return { why: `no \`go\` on PATH to build ${what} (or set ${envVar})` };
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', script), '--path'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/${script} failed (its output is above)`);
  return { bin: r.stdout.trim() };
}
