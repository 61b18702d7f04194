import type { FormFields } from '../multipart';
import type { RepositoriesPlan, RepositoryPlan, StepReport } from '../../provisioner';
import type { StepDeps } from './common';

/** ConfigureUserCredentials: add each authorized key MaaS does not have yet. */
export async function configureUserCredentials(deps: StepDeps, sshKeys: string[]): Promise<StepReport> {
  const existing = new Set((await deps.client.region.sshKeys()).map((k) => k.key.trim()));
  const report: Required<StepReport> = { messages: [], successes: [], failures: [] };
  if (sshKeys.length === 0) return { messages: ['No authorized keys in the site design, no work to do.'], successes: [], failures: [] };
  for (const raw of sshKeys) {
    const key = raw.replace(/\r?\n/g, '').trim();
    const label = key.split(/\s+/).slice(2).join(' ') || key.slice(0, 24) + '...';
    if (!existing.has(key)) {
      await deps.client.region.addSshKey(key);
      existing.add(key);
      report.messages.push(`Added SSH key ${label}`);
    }
    report.successes.push(label);
  }
  return report;
}

const DEFAULT_REPOS = new Set(['main_archive', 'ports_archive']);
const ALL_COMPONENTS = ['main', 'restricted', 'universe', 'multiverse'];
const ALL_POCKETS = ['security', 'updates', 'backports'];

/** Drydock's repository mapping: MaaS's default archives get disabled_components, apt repos disabled_pockets. */
function repoFields(r: RepositoryPlan): FormFields {
  const fields: FormFields = { name: r.name, url: r.url ?? '', arches: (r.arches ?? []).join(','), distributions: (r.distributions ?? []).join(',') };
  if (r.gpgkey) fields.key = r.gpgkey;
  if (DEFAULT_REPOS.has(r.name)) fields.disabled_components = ALL_COMPONENTS.filter((c) => !(r.components ?? []).includes(c)).join(',');
  else fields.components = (r.components ?? []).join(',');
  if ((r.repo_type ?? 'apt') === 'apt') fields.disabled_pockets = ALL_POCKETS.filter((p) => !(r.subrepos ?? []).includes(p)).join(',');
  return fields;
}

/** ConfigureNodeProvisioner: create or update each Region repository; optionally remove the unlisted. */
export async function configureNodeProvisioner(deps: StepDeps, plan: RepositoriesPlan): Promise<StepReport> {
  const api = deps.client.region;
  const existing = await api.packageRepositories();
  const report: Required<StepReport> = { messages: [], successes: [], failures: [] };
  for (const r of plan.repositories) {
    const fields = repoFields(r);
    const found = existing.find((e) => e.name === r.name);
    if (found) {
      await api.updatePackageRepository(found.id, fields);
      report.messages.push(`Updated package repository ${r.name}`);
    } else {
      await api.createPackageRepository(fields);
      report.messages.push(`Created package repository ${r.name}`);
    }
    report.successes.push(r.name);
  }
  if (plan.remove_unlisted) {
    const listed = new Set(plan.repositories.map((r) => r.name));
    for (const e of existing) {
      if (listed.has(e.name) || DEFAULT_REPOS.has(e.name)) continue;
      await api.deletePackageRepository(e.id);
      report.messages.push(`Removed unlisted package repository ${e.name}`);
    }
  }
  return report;
}
