import type { Logger } from '../../../common/logger';
import type { MaasClient } from '../maasClient';
import type { MaasMachine } from '../models/wire';
import type { Machine } from '../../provisioner';

/** What every step needs: the API and a logger. */
export interface StepDeps {
  client: MaasClient;
  logger: Logger;
}

export function toMachine(m: MaasMachine, rackController = false): Machine {
  return {
    systemId: m.system_id,
    hostname: m.hostname,
    statusName: m.status_name ?? (rackController ? 'Deployed' : 'Unknown'),
    status: m.status ?? -1,
    powerState: m.power_state ?? 'unknown',
    powerType: m.power_type ?? '',
    domain: m.domain?.name ?? '',
    bootMac: m.boot_interface?.mac_address,
    bootIp: m.boot_interface?.links?.[0]?.ip_address ?? undefined,
    tags: m.tag_names ?? [],
    ownerData: m.owner_data ?? {},
    rackController,
  };
}
