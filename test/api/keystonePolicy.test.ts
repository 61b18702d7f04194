import { DRYDOCK_POLICY_DEFAULTS, parseRule, Rules, type PolicyCredentials } from '../../worker/api/authPolicy';
import { qualifiedRule } from '../../worker/api/auth';
import { POLICY } from '../../worker/api';

/** Drydock's policy defaults and oslo.policy's rule language, without Keystone (fast). */
const creds = (roles: string[], extra: Partial<PolicyCredentials> = {}): PolicyCredentials => ({ roles, user_id: 'u1', project_id: 'p1', ...extra });
const check = (rule: string, c: PolicyCredentials, target = {}) => parseRule(rule)(c, target, () => false);

test("every rule the API asks for is one of Drydock's, and each defaults to role:admin", () => {
  const defaults = new Rules(DRYDOCK_POLICY_DEFAULTS);
  for (const rule of Object.values(POLICY)) {
    expect(defaults.has(qualifiedRule(rule))).toBe(true);
    expect(defaults.enforce(qualifiedRule(rule), creds(['admin']))).toBe(true);
    expect(defaults.enforce(qualifiedRule(rule), creds(['member', 'reader']))).toBe(false);
  }
  for (const action of ['validate_design', 'verify_site', 'prepare_site', 'verify_nodes', 'prepare_nodes', 'deploy_nodes', 'destroy_nodes', 'relabel_nodes']) {
    expect(DRYDOCK_POLICY_DEFAULTS[`physical_provisioner:${action}`]).toBe('role:admin');
  }
  expect(DRYDOCK_POLICY_DEFAULTS.admin_required).toBe('role:admin or is_admin:1');
  // A rule nobody defined is refused, as oslo.policy does.
  expect(defaults.enforce('physical_provisioner:no_such_rule', creds(['admin']))).toBe(false);
});

test("oslo.policy's language: and, or, not, parentheses, @, !, empty, role (case-insensitive), generic checks", () => {
  expect(check('', creds([]))).toBe(true);
  expect(check('@', creds([]))).toBe(true);
  expect(check('!', creds(['admin']))).toBe(false);
  expect(check('role:Admin', creds(['admin']))).toBe(true);
  expect(check('role:admin and role:member', creds(['admin']))).toBe(false);
  expect(check('role:admin or role:member', creds(['member']))).toBe(true);
  expect(check('not role:admin', creds(['member']))).toBe(true);
  expect(check('(role:a or role:b) and not (role:c)', creds(['b']))).toBe(true);
  expect(check('(role:a or role:b) and not (role:c)', creds(['b', 'c']))).toBe(false);
  expect(check('project_id:%(project_id)s', creds([]), { project_id: 'p1' })).toBe(true);
  expect(check('project_id:%(project_id)s', creds([]), { project_id: 'p2' })).toBe(false);
  expect(check('project_id:%(project_id)s', creds([]))).toBe(false);
  expect(check("'p1':%(project_id)s", creds([]), { project_id: 'p1' })).toBe(true);
  expect(check("'p1':%(project_id)s", creds([]), { project_id: 'p2' })).toBe(false);
  expect(check('is_admin_project:True', creds([], { is_admin_project: true }))).toBe(true);
  expect(check('is_admin:1', creds(['member']))).toBe(false);
  expect(() => parseRule('role:admin and (role:x')).toThrow(/missing \)/);
});

test('rule: refers to another rule; a loop is refused instead of recursing forever', () => {
  const rules = new Rules({ a: 'rule:b', b: 'role:admin', loop1: 'rule:loop2', loop2: 'rule:loop1 or role:x' });
  expect(rules.enforce('a', creds(['admin']))).toBe(true);
  expect(rules.enforce('a', creds(['member']))).toBe(false);
  expect(rules.enforce('loop1', creds(['x']))).toBe(true);
  expect(rules.enforce('loop1', creds(['y']))).toBe(false);
});
