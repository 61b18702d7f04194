import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activities';
import { DesignStore } from '../activities/designStore';
import { driverConfigFromEnv, type DriverConfig } from '../common/driverConfig';
import type { Logger } from '../common/logger';
import type { OrchestratorSettings } from '../common/orchestratorConfig';
import { loadDesign } from '../design';
import type { BuildDataStore } from '../drivers/buildData';
import { FileBuildDataStore } from '../drivers/buildDataFile';
import { PostgresBuildDataStore, redactedPostgresUrl } from '../drivers/buildDataPostgres';
import { MaasClient, MaasProvisioner } from '../drivers/maas';
import { createOobDrivers } from '../drivers/oob';
import { PromenadeLabelDriver, staticTokenProvider } from '../drivers/promenade';
import { keystoneTokensFromEnv, type TokenProvider } from '../common/keystone';

/** The running activity's cancellation (a terminated task), for driver calls made outside any activity: none. */
function currentCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Build data in PostgreSQL when DRYDOCK_BUILD_DATA_URL is set, else in files under the state directory. */
export function buildDataStoreOf(drivers: Pick<DriverConfig, 'buildDataUrl' | 'stateDir'>, logger: Logger): BuildDataStore {
  if (drivers.buildDataUrl) {
    logger.info('build data store: PostgreSQL', { url: redactedPostgresUrl(drivers.buildDataUrl) });
    return new PostgresBuildDataStore({ url: drivers.buildDataUrl, logger });
  }
  const dir = path.join(drivers.stateDir, 'builddata');
  logger.info('build data store: files', { dir });
  return new FileBuildDataStore({ dir, logger });
}

/** An explicit PROMENADE_TOKEN (a token issued out of band, the simulated site's) wins; else the Keystone service token. */
function promenadeTokens(drivers: DriverConfig, keystone: TokenProvider | undefined): TokenProvider {
  return drivers.promenadeToken || !keystone ? staticTokenProvider(() => drivers.promenadeToken ?? '') : keystone;
}

/** Real drivers from configuration (MAAS_API_URL/KEY, BMC options, boot action reports). */
export function defaultDeps(settings: OrchestratorSettings, logger: Logger, drivers: DriverConfig = driverConfigFromEnv()): ActivityDeps {
  const provisioner =
    drivers.maasApiUrl && drivers.maasApiKey
      ? new MaasProvisioner(new MaasClient({ apiUrl: drivers.maasApiUrl, apiKey: drivers.maasApiKey, retries: 0, abortSignal: currentCancellation }, logger), logger)
      : undefined;
  const catalog = provisioner && { images: () => provisioner.availableImages(), kernels: (i: string) => provisioner.availableKernels(i) };
  const oobConfig = {
    logger,
    ipmi: {
      cipherSuite: drivers.ipmiCipherSuite,
      commandTimeoutMs: drivers.ipmiCommandTimeout * 1000,
      powerStateChangeMaxRetries: drivers.powerStateChangeMaxRetries,
      powerStateChangeRetryIntervalMs: drivers.powerStateChangeRetryInterval * 1000,
      endpoints: drivers.bmcEndpoints,
    },
    redfish: {
      useSsl: drivers.redfishUseSsl,
      insecureSkipVerify: drivers.redfishInsecure,
      powerStateChangeMaxRetries: drivers.powerStateChangeMaxRetries,
      powerStateChangeRetryIntervalMs: drivers.powerStateChangeRetryInterval * 1000,
      endpoints: drivers.bmcEndpoints,
    },
  };
  const oob = { ipmi: createOobDrivers('ipmi', oobConfig), redfish: createOobDrivers('redfish', oobConfig) };
  // One Keystone service token for Deckhand design references and Promenade, refreshed before it expires.
  const tokens = keystoneTokensFromEnv();
  return {
    settings,
    logger,
    designs: new DesignStore((ref) => loadDesign(ref, { platformCatalog: catalog || undefined, tokens }), logger),
    provisioner,
    oob: (type) => oob[type],
    labels: drivers.promenadeUrl ? new PromenadeLabelDriver({ url: drivers.promenadeUrl }, promenadeTokens(drivers, tokens), logger) : undefined,
    bootActions: { secret: drivers.bootActionSecret, reportUrl: drivers.bootActionReportUrl },
    buildData: buildDataStoreOf(drivers, logger),
  };
}
