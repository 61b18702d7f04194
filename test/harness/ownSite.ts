import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_SITE_PATH } from './demoSite';

/** The example site's Region document up to its name, `demo`: the site's name is the Region's. */
const REGION_NAME = /(schema: 'drydock\/Region\/v1'\nmetadata:\n {2}schema: 'metadata\/Document\/v1'\n {2}name: )demo\n/;

/** The example site's text (or a variant of it) with its Region, and so its site, named `name`. */
export function withSiteName(demoSiteText: string, name: string): string {
  if (!REGION_NAME.test(demoSiteText)) throw new Error(`${DEMO_SITE_PATH} has no Region document named demo`);
  return demoSiteText.replace(REGION_NAME, `$1${name}\n`);
}

/** The example site, written to a temporary file under another site name. */
export interface OwnSite {
  name: string;
  /** Its `file://` design reference. */
  ref: string;
  /** Deletes the copy (afterAll). */
  remove(): void;
}

/**
 * The example site under a site name of its own. The design lock (`<site>-design-lock`) and the tasks running on
 * a site are per site name in the namespace, which every suite of a run shares: suites running at once (jest's
 * workers) on the one name `demo` take each other's lock, so each simulated-site suite names its own site.
 */
export function demoSiteNamed(name: string): OwnSite {
  const text = withSiteName(fs.readFileSync(DEMO_SITE_PATH, 'utf8'), name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `drydock-${name}-`));
  const file = path.join(dir, 'site.yaml');
  fs.writeFileSync(file, text);
  return { name, ref: `file://${file}`, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
