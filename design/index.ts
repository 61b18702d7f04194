/**
 * The site-design package: resolve a design_ref, ingest its documents, compile the effective design and
 * run Drydock's 18 validation rules. Pure TypeScript, no Temporal.
 */
import { createHash } from 'crypto';
import { compileDesign, type EffectiveDesign } from './effective';
import { ingestText } from './ingest';
import { DesignRefError, redactRef, resolveDesignRef, type ResolveOptions } from './resolver';
import { makeMessage, statusFrom, type ValidationMessage, type ValidationStatus } from './status';
import { runValidations, type PlatformCatalog } from './validations';
import { DesignParseError } from './yamlParse';

export interface DesignOptions extends ResolveOptions {
  /** The provisioner's images and kernels; without it PlatformSelection warns (as Drydock without a node driver). */
  platformCatalog?: PlatformCatalog;
}

export interface LoadedDesign {
  status: ValidationStatus;
  /** Present when the design compiled; use it only when status.status is 'Success'. */
  design?: EffectiveDesign;
  /** sha256 (hex) of the fetched bytes; '' when nothing could be fetched. */
  contentHash: string;
  /** Set when the design could not be fetched, decoded or parsed (nothing was validated). */
  loadError?: string;
}

/** Resolve, ingest, compile and validate a design reference. Never throws for design problems. */
export async function loadDesign(designRef: string, opts: DesignOptions = {}): Promise<LoadedDesign> {
  let bytes: Buffer;
  try {
    bytes = await resolveDesignRef(designRef, opts);
  } catch (e) {
    return loadFailure(e instanceof DesignRefError ? e.message : `Cannot fetch design reference ${redactRef(designRef)}: ${String(e)}`, '');
  }
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  const text = decodeText(bytes);
  if (typeof text !== 'string') return loadFailure(`Design reference ${redactRef(designRef)} is not a YAML text document: ${text.error}`, contentHash);
  const result = await validateDesignText(text, { ...opts, source: redactRef(designRef) });
  return { ...result, contentHash };
}

/** Ingest, compile and validate in-memory YAML. */
export async function validateDesignText(
  text: string,
  opts: DesignOptions & { source?: string } = {},
): Promise<{ status: ValidationStatus; design?: EffectiveDesign; loadError?: string }> {
  const source = opts.source ?? 'design';
  let ingested;
  try {
    ingested = ingestText(text, source);
  } catch (e) {
    if (e instanceof DesignParseError) return loadFailure(e.message, '');
    throw e;
  }
  // Like Drydock, a design with ingest errors is neither compiled nor validated.
  if (ingested.failed) return { status: statusFrom(ingested.messages) };
  let design: EffectiveDesign;
  try {
    design = compileDesign(ingested.design);
  } catch (e) {
    // Drydock's get_effective_site: any exception (a missing profile, a bad node filter...) becomes this error.
    const msg = makeMessage('DD000', 'Error', `Error loading effective site: ${e instanceof Error ? e.message : String(e)}`);
    return { status: statusFrom([...ingested.messages, msg]) };
  }
  const messages: ValidationMessage[] = [...ingested.messages, ...(await runValidations(design, { platformCatalog: opts.platformCatalog }))];
  return { status: statusFrom(messages), design };
}

function loadFailure(text: string, contentHash: string): LoadedDesign {
  const status = statusFrom([makeMessage('DD000', 'Error', text, [], 'Check that the design reference points at a readable multi-document YAML file.')]);
  status.message = 'Site design could not be loaded.';
  status.reason = text;
  return { status, contentHash, loadError: text };
}

/** UTF-8 text, or why the bytes are not text (binary garbage gets a clear message, not a YAML error). */
function decodeText(bytes: Buffer): string | { error: string } {
  const nul = bytes.indexOf(0);
  if (nul !== -1) return { error: `binary content (NUL byte at offset ${nul})` };
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { error: 'binary content (not valid UTF-8)' };
  }
}

/** `drydock validate-design <ref> --offline`: 0 = no error, 1 = validation failed, 2 = could not load. */
export async function runValidateDesignOffline(
  designRef: string,
  opts: { output: 'text' | 'json' } & DesignOptions = { output: 'text' },
): Promise<{ exitCode: 0 | 1 | 2; text: string }> {
  const loaded = await loadDesign(designRef, opts);
  const exitCode = validationExitCode(loaded.status, !loaded.loadError);
  const text = opts.output === 'json' ? JSON.stringify(loaded.status, null, 2) : validationReport(redactRef(designRef), loaded.status, !!loaded.loadError);
  return { exitCode, text };
}

/** validate-design's exit code: 0 = no error, 1 = validation failed, 2 = could not load. */
export function validationExitCode(status: ValidationStatus, loaded: boolean): 0 | 1 | 2 {
  return !loaded ? 2 : status.status === 'Success' ? 0 : 1;
}

/** The human-readable validation report: one verdict line, then one line per message. */
export function validationReport(ref: string, status: ValidationStatus, loadError: boolean): string {
  const msgs = status.details.messageList;
  const lines = msgs.map((m) => {
    const docs = m.documents.map((d) => `${d.schema.split('/')[1] ?? d.schema}/${d.name}`).join(',') || '-';
    return `${m.level.toUpperCase().padEnd(7)} ${m.name.padEnd(6)} ${docs.padEnd(28)} ${m.message}`;
  });
  const count = (level: string) => msgs.filter((m) => m.level === level).length;
  const verdict = loadError ? 'could not be loaded' : status.status === 'Success' ? 'passed validation' : 'failed validation';
  return [`Site design ${ref}: ${verdict} (${count('Error')} errors, ${count('Warning')} warnings, ${count('Info')} info)`, ...lines].join('\n');
}

export { compileDesign, DesignError, kernelParamString, oobOf, type EffectiveBootAction, type EffectiveDesign, type EffectiveNode, type OobSettings } from './effective';
export { ingestText, type IngestResult } from './ingest';
export type * from './model';
export { NodeFilterError, selectNodes } from './nodeFilter';
export { DesignRefError, resolveDesignRef, redactRef, type ResolveOptions } from './resolver';
export { makeMessage, statusFrom, type Level, type ValidationMessage, type ValidationStatus } from './status';
export { executeRule, RULES, RULES_BY_CLASS, runValidations, type PlatformCatalog, type RuleContext, type ValidationRule } from './validations';
export { BootActionRenderError, renderNodeAssets, tarball, type BootActionIdentity, type RenderedAsset } from './bootactions';
