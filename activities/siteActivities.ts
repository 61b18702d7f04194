import { cancellationSignal } from '@temporalio/activity';
import type { DesignRefInput, NodeRef, SiteCheck, StepReport } from './contract';
import type { OrchestrationDeps } from './orchestration';
import { templatePlan } from './plans';
import { resolvers } from './resolve';

/** The site-wide steps (VerifySite, PrepareSite): MaaS services and region configuration, BMC checks. */
export function createSiteActivities(deps: OrchestrationDeps) {
  const { provisioner, bmc } = resolvers(deps);
  return {
    async verifyProvisioner(_input: DesignRefInput): Promise<SiteCheck[]> {
      if (!deps.provisioner) return [{ name: 'node_driver', ok: false, message: 'No node driver enabled, ending task.' }];
      return (await deps.provisioner!.validateServices()).map((c) => ({ ...c }));
    },
    async validateBmc(ref: NodeRef): Promise<string> {
      const { target, drivers } = await bmc(ref);
      await drivers.power.validate(target, { signal: cancellationSignal() });
      return `BMC of ${ref.node} at ${target.address} answers and accepts its credentials`;
    },
    async createNetworkTemplate(input: DesignRefInput): Promise<StepReport> {
      const { design } = await deps.designs.usable(input.designRef, input.contentHash);
      return provisioner().createNetworkTemplate(templatePlan(design));
    },
    async configureUserCredentials(input: DesignRefInput): Promise<StepReport> {
      const { design } = await deps.designs.usable(input.designRef, input.contentHash);
      return provisioner().configureUserCredentials(design.region?.authorized_keys ?? []);
    },
    async configureNodeProvisioner(input: DesignRefInput): Promise<StepReport> {
      const { design } = await deps.designs.usable(input.designRef, input.contentHash);
      return provisioner().configureNodeProvisioner(design.region?.repositories ?? { remove_unlisted: false, repositories: [] });
    },
  };
}
