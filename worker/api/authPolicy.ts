/**
 * Drydock's authorization rules (drydock_provisioner/policy.py, oslo.policy): the defaults, a policy file that
 * overrides them, and oslo.policy's rule language (`role:admin`, `rule:x`, `is_admin:1`, `and`/`or`/`not`,
 * parentheses, `@` always, `!` never, an empty rule always), evaluated against a request's credentials.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { TOP_LEVEL_ACTIONS } from '../../workflows/task';

/** Every Drydock rule defaults to role:admin; admin_required is the base rule. */
export const DRYDOCK_POLICY_DEFAULTS: Readonly<Record<string, string>> = {
  admin_required: 'role:admin or is_admin:1',
  ...Object.fromEntries(
    [
      'read_task',
      'create_task',
      // An action's own rule is named after it (noop has none: Drydock's API does not offer it).
      ...TOP_LEVEL_ACTIONS.filter((a) => a !== 'noop'),
      'delete_tasks',
      'read_build_data',
      'read_data',
      'ingest_data',
      'health_data',
      'validate_site_design',
    ].map((r) => [`physical_provisioner:${r}`, 'role:admin']),
  ),
};

/** What oslo.policy checks a rule against (Drydock's RequestContext.to_policy_view). */
export interface PolicyCredentials {
  roles: string[];
  user_id?: string;
  project_id?: string;
  user_domain_id?: string;
  project_domain_id?: string;
  is_admin_project?: boolean;
  [key: string]: unknown;
}

export type PolicyTarget = Record<string, string | undefined>;

/** A compiled rule; `rule` evaluates another rule by name against the same credentials and target. */
type Check = (creds: PolicyCredentials, target: PolicyTarget, rule: (name: string) => boolean) => boolean;

export class Rules {
  private readonly compiled = new Map<string, Check>();

  constructor(readonly source: Readonly<Record<string, string>>) {
    for (const [name, text] of Object.entries(source)) this.compiled.set(name, parseRule(text, name));
  }

  has(name: string): boolean {
    return this.compiled.has(name);
  }

  /** oslo.policy: an undefined rule is refused (Drydock registers every rule it enforces); so is a rule that refers to itself. */
  enforce(name: string, creds: PolicyCredentials, target: PolicyTarget = {}, seen: readonly string[] = []): boolean {
    const check = this.compiled.get(name);
    if (!check || seen.includes(name)) return false;
    return check(creds, target, (other) => this.enforce(other, creds, target, [...seen, name]));
  }
}

/**
 * Drydock's defaults, overridden rule by rule by a policy file (oslo.policy's policy.yaml or policy.json: a
 * mapping of rule name to rule text). A file that cannot be read or parsed is an error at start, named.
 */
export function loadPolicy(file?: string): Rules {
  if (!file) return new Rules(DRYDOCK_POLICY_DEFAULTS);
  let parsed: unknown;
  try {
    parsed = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`policy file ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (parsed === null || parsed === undefined) return new Rules(DRYDOCK_POLICY_DEFAULTS);
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`policy file ${file}: must be a mapping of rule name to rule`);
  const overrides: Record<string, string> = {};
  for (const [name, rule] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof rule !== 'string') throw new Error(`policy file ${file}: rule ${name} must be a string`);
    overrides[name] = rule;
  }
  return new Rules({ ...DRYDOCK_POLICY_DEFAULTS, ...overrides });
}

// ---- oslo.policy's rule language --------------------------------------------------------------------------

/** As oslo.policy's tokenizer: words split on whitespace, then parentheses peeled off their ends (`%(key)s` stays whole). */
function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const lead = /^\(*/.exec(word)![0].length;
    const trail = /\)*$/.exec(word.slice(lead))![0].length;
    const core = word.slice(lead, word.length - trail);
    out.push(...Array<string>(lead).fill('('), ...(core ? [core] : []), ...Array<string>(trail).fill(')'));
  }
  return out;
}

/** Recursive descent over `or` (lowest), `and`, `not`, parentheses and checks, as oslo.policy's parser reads them. */
export function parseRule(text: string, name = '(rule)'): Check {
  const tokens = tokenize(text);
  if (tokens.length === 0) return () => true;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`policy rule ${name} ("${text}"): ${why}`);
  };
  const orExpr = (): Check => {
    const parts = [andExpr()];
    while (tokens[i]?.toLowerCase() === 'or') {
      i++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : (c, t, r) => parts.some((p) => p(c, t, r));
  };
  const andExpr = (): Check => {
    const parts = [notExpr()];
    while (tokens[i]?.toLowerCase() === 'and') {
      i++;
      parts.push(notExpr());
    }
    return parts.length === 1 ? parts[0] : (c, t, r) => parts.every((p) => p(c, t, r));
  };
  const notExpr = (): Check => {
    if (tokens[i]?.toLowerCase() === 'not') {
      i++;
      const inner = notExpr();
      return (c, t, r) => !inner(c, t, r);
    }
    return atom();
  };
  const atom = (): Check => {
    const tok = tokens[i++];
    if (tok === undefined) return fail('unexpected end');
    if (tok === '(') {
      const inner = orExpr();
      if (tokens[i++] !== ')') fail('missing )');
      return inner;
    }
    return check(tok);
  };
  const result = orExpr();
  if (i < tokens.length) fail(`unexpected "${tokens[i]}"`);
  return result;
}

function check(tok: string): Check {
  if (tok === '@') return () => true;
  if (tok === '!') return () => false;
  const colon = tok.indexOf(':');
  // oslo.policy treats a malformed check as one that always fails.
  if (colon < 0) return () => false;
  const kind = tok.slice(0, colon);
  const match = tok.slice(colon + 1);
  if (kind === 'rule') return (_c, _t, rule) => rule(match);
  if (kind === 'role') return (c, t) => c.roles.some((role) => role.toLowerCase() === substitute(match, t)?.toLowerCase());
  return (c, t) => genericCheck(kind, match, c, t);
}

/** `%(name)s` takes the target's value; a target without it fails the check, as oslo.policy's KeyError does. */
function substitute(match: string, target: PolicyTarget): string | undefined {
  let missing = false;
  const out = match.replace(/%\((\w+)\)s/g, (_, key: string) => {
    const v = target[key];
    if (v === undefined) missing = true;
    return String(v);
  });
  return missing ? undefined : out;
}

/**
 * oslo.policy's GenericCheck: `'literal':%(key)s` compares a literal with the target's value; `field:value`
 * compares the credential (stringified; a list matches any member) with the value; True/False read as booleans.
 */
function genericCheck(kind: string, match: string, creds: PolicyCredentials, target: PolicyTarget): boolean {
  const expected = substitute(match, target);
  const quoted = /^'(.*)'$/.exec(kind);
  if (quoted) return expected === quoted[1];
  if (expected === undefined || !(kind in creds)) return false;
  const actual = creds[kind];
  if (Array.isArray(actual)) return actual.map(String).includes(expected);
  if (typeof actual === 'boolean') return (expected === 'True' || expected === '1' || expected === 'true') === actual;
  return String(actual) === expected;
}
