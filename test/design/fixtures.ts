/** The project's own fixtures: base-site.yaml plus per-rule overlays that replace or add documents. */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';

export const FIXTURES = path.join(__dirname, 'fixtures');

/** base-site.yaml with the overlay's documents replacing those of the same schema and name (or appended). */
export function siteWith(overlay?: string): string {
  const docs = (file: string) =>
    parseAllDocuments(fs.readFileSync(path.join(FIXTURES, file), 'utf8'))
      .map((d) => d.toJS() as { schema: string; metadata: { name: string } })
      .filter(Boolean);
  const base = docs('base-site.yaml');
  for (const doc of overlay ? docs(`invalid/${overlay}.yaml`) : []) {
    const i = base.findIndex((b) => b.schema === doc.schema && b.metadata.name === doc.metadata.name);
    if (i === -1) base.push(doc);
    else base[i] = doc;
  }
  return base.map((d) => `---\n${stringify(d)}`).join('');
}
