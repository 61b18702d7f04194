/**
 * The validation framework (Drydock orchestrator/validations/validators.py): each rule reports messages
 * prefixed with its long name and named with its code; a rule that reports no error adds exactly one Info
 * "Validation successful.".
 */
import type { DocumentRef, SiteDesign } from '../model';
import { makeMessage, type Level, type ValidationMessage } from '../status';

/** Where PlatformSelection gets the provisioner's images and kernels (Drydock: the MaaS node driver). */
export interface PlatformCatalog {
  images(): Promise<string[]>;
  kernels(image: string): Promise<string[]>;
}

export interface RuleContext {
  platformCatalog?: PlatformCatalog;
}

export class Reporter {
  readonly messages: ValidationMessage[] = [];
  private errors = 0;

  constructor(
    readonly code: string,
    readonly longName: string,
  ) {}

  error(msg: string, documents: DocumentRef[] = [], diagnostic = ''): void {
    this.errors++;
    this.add('Error', msg, documents, diagnostic);
  }

  warning(msg: string, documents: DocumentRef[] = [], diagnostic = ''): void {
    this.add('Warning', msg, documents, diagnostic);
  }

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  private add(level: Level, msg: string, documents: DocumentRef[], diagnostic: string): void {
    this.messages.push(makeMessage(this.code, level, `${this.longName}: ${msg}`, documents, diagnostic));
  }

  finish(): ValidationMessage[] {
    if (!this.hasErrors) this.messages.push(makeMessage(this.code, 'Info', `${this.longName}: Validation successful.`));
    return this.messages;
  }
}

export interface ValidationRule {
  code: string;
  longName: string;
  run(design: SiteDesign, report: Reporter, ctx: RuleContext): void | Promise<void>;
}

/** Run one rule; a rule that throws reports the exception as an error instead of aborting the others. */
export async function executeRule(rule: ValidationRule, design: SiteDesign, ctx: RuleContext = {}): Promise<ValidationMessage[]> {
  const report = new Reporter(rule.code, rule.longName);
  try {
    await rule.run(design, report, ctx);
  } catch (e) {
    // Drydock aborts the whole validation here ("Error loading effective site"); we report and go on.
    report.error(e instanceof Error ? e.message : String(e), [], 'The rule could not complete; fix the design error it names.');
  }
  return report.finish();
}

/** Python's repr() of str/None/number/dict/list, for the messages that embed one (IpLocalityCheck). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  return String(v);
}
