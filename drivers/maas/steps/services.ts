import { DriverError } from '../../errors';
import type { ServiceCheck } from '../../provisioner';
import type { StepDeps } from './common';

const RACK_SERVICES = ['http', 'dhcpd', 'rackd', 'tftp'];

/** ValidateNodeServices (Drydock's MaaS driver): connectivity, authentication, boot images, rack controller health. */
export async function validateServices(deps: StepDeps): Promise<ServiceCheck[]> {
  const { region } = deps.client;
  const checks: ServiceCheck[] = [];
  const run = async (name: string, fn: () => Promise<ServiceCheck[]>): Promise<boolean> => {
    try {
      checks.push(...(await fn()));
      return true;
    } catch (e) {
      if (!(e instanceof DriverError)) throw e;
      checks.push({ name, ok: false, message: e.message, context: 'maas', contextType: 'cluster', retry: e.transient || undefined });
      return false;
    }
  };
  const reachable = await run('connectivity', async () => {
    await region.version();
    return [{ name: 'connectivity', ok: true, message: 'Able to connect to MaaS.', context: 'maas', contextType: 'cluster' }];
  });
  if (!reachable) return checks;
  const authed = await run('authentication', async () => {
    await region.listAuthorisationTokens();
    return [{ name: 'authentication', ok: true, message: 'Able to authenticate with MaaS API.', context: 'maas', contextType: 'cluster' }];
  });
  if (!authed) return checks;
  await run('boot_resources', async () => {
    if (await region.isImporting()) return [{ name: 'boot_resources', ok: false, message: 'MaaS is importing boot resources.', context: 'maas', contextType: 'cluster' }];
    const resources = await region.bootResources();
    if (resources.length === 0) return [{ name: 'boot_resources', ok: false, message: 'MaaS has no boot resources.', context: 'maas', contextType: 'cluster' }];
    return [{ name: 'boot_resources', ok: true, message: 'Validated MaaS boot resources.', context: 'maas', contextType: 'cluster' }];
  });
  await run('rack_controllers', async () => {
    const racks = await region.rackControllers();
    if (racks.length === 0) return [{ name: 'rack_controllers', ok: false, message: 'No rack controllers registered in MaaS.', context: 'maas', contextType: 'cluster' }];
    const out: ServiceCheck[] = [];
    let healthy = 0;
    for (const summary of racks) {
      const rack = await region.rackController(summary.system_id);
      const bad = RACK_SERVICES.filter((s) => {
        const svc = rack.service_set.find((x) => x.name === s);
        return !svc || (svc.status !== 'running' && svc.status !== 'off');
      });
      if (bad.length === 0) healthy++;
      else
        out.push({
          name: 'rack_controllers',
          ok: false,
          message: `Rack controller ${rack.hostname} not healthy: ${bad.join(', ')} not running.`,
          context: rack.system_id,
          contextType: 'rack_ctlr',
        });
    }
    out.push(
      healthy > 0
        ? { name: 'rack_controllers', ok: true, message: `${healthy} healthy rack controller(s) found.`, context: 'maas', contextType: 'cluster' }
        : { name: 'rack_controllers', ok: false, message: 'No healthy rack controllers found.', context: 'maas', contextType: 'cluster' },
    );
    return out;
  });
  return checks;
}

/** Images are the series of `ubuntu/<series>` boot resources. */
export async function availableImages(deps: StepDeps): Promise<string[]> {
  const resources = await deps.client.region.bootResources();
  return [...new Set(resources.filter((r) => r.name.startsWith('ubuntu/')).map((r) => r.name.split('/')[1]!))];
}

/** Kernels are the second part of `architecture` for the image's resources. */
export async function availableKernels(deps: StepDeps, image: string): Promise<string[]> {
  const resources = await deps.client.region.bootResources();
  return [
    ...new Set(
      resources
        .filter((r) => r.name === `ubuntu/${image}`)
        .map((r) => r.architecture.split('/')[1] ?? '')
        .filter(Boolean),
    ),
  ];
}
