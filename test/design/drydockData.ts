/**
 * Access to Drydock's reference data, read in place from ../shared/drydock (never copied into the repo).
 * When it is absent, suites skip loudly instead of failing or passing silently.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileDesign, executeRule, ingestText, RULES_BY_CLASS, type PlatformCatalog, type SiteDesign, type ValidationMessage } from '../../design';

/** ../shared next to the repository root, or DRYDOCK_SHARED_DIR for a clone that lives elsewhere. */
const SHARED_DIR = process.env.DRYDOCK_SHARED_DIR ? path.resolve(process.env.DRYDOCK_SHARED_DIR) : path.resolve(__dirname, '../../../shared');
export const DRYDOCK_DIR = path.join(SHARED_DIR, 'drydock');
export const REFERENCE_DIR = path.join(SHARED_DIR, 'reference');
export const SKIP_MESSAGE = `skipped: Drydock reference data not found at ${DRYDOCK_DIR} (set DRYDOCK_SHARED_DIR to the folder holding drydock/ and reference/)`;
export const HAVE_DRYDOCK = fs.existsSync(path.join(DRYDOCK_DIR, 'yaml_samples'));

/** describe() when the data is there; otherwise describe.skip with the reason in its title and on stderr. */
export function describeDrydock(name: string, fn: () => void): void {
  if (HAVE_DRYDOCK) {
    describe(name, fn);
  } else {
    console.warn(`${name}: ${SKIP_MESSAGE}`);
    describe.skip(`${name} (${SKIP_MESSAGE})`, fn);
  }
}

export const samplePath = (file: string): string => path.join(DRYDOCK_DIR, 'yaml_samples', file);
export const sampleRef = (file: string): string => `file://${samplePath(file)}`;
export const readSample = (file: string): string => fs.readFileSync(samplePath(file), 'utf8');

/**
 * Drydock's get_effective_site as its unit tests use it: the ingested design, compiled when ingestion
 * succeeded (rules then run on it whatever the status says).
 */
export function effectiveSite(file: string): { design: SiteDesign; ingestFailed: boolean; ingestMessages: ValidationMessage[] } {
  const ingested = ingestText(readSample(file), file);
  const design = ingested.failed ? ingested.design : compileDesign(ingested.design);
  return { design, ingestFailed: ingested.failed, ingestMessages: ingested.messages };
}

/** One rule's messages on one sample. */
export async function ruleMessages(cls: string, file: string, ctx: { platformCatalog?: PlatformCatalog } = {}): Promise<ValidationMessage[]> {
  return executeRule(RULES_BY_CLASS[cls], effectiveSite(file).design, ctx);
}

/** The mocked MaaS catalog of Drydock's "with drivers" tests. */
export const MOCK_MAAS: PlatformCatalog = {
  images: async () => ['xenial'],
  kernels: async () => ['ga-16.04', 'hwe-16.04'],
};
