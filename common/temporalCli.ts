import fs from 'node:fs';
import path from 'node:path';

/** The directory of package.json above this file: the sources' parent, also when this runs compiled from dist/. */
export const PROJECT_ROOT = (() => {
  for (let dir = path.resolve(__dirname, '..'); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..');
  }
})();

/** The Temporal CLI: $TEMPORAL_CLI, else the one scripts/build-temporal-cli.js built into .tools/bin. */
export function temporalCliPath(): string {
  const p = process.env.TEMPORAL_CLI || path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');
  if (!fs.existsSync(p)) {
    throw new Error(`Temporal CLI not found at ${p}. Build it with \`npm run build-temporal-cli\` (needs Go) or set TEMPORAL_CLI.`);
  }
  return p;
}
