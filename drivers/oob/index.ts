import type { Logger } from '../../common/logger';
import type { OobDrivers, OobType } from '../bmc';
import { createIpmiDrivers, IpmiDriverConfig } from './ipmi';
import { createRedfishDrivers, RedfishDriverConfig } from './redfish';
import type { Fetch } from './redfishClient';
import type { RunCommand } from './runCommand';

export interface OobDriverConfig {
  ipmi?: IpmiDriverConfig;
  redfish?: RedfishDriverConfig;
  logger: Logger;
  /** Test seams; the real ones by default. */
  runCommand?: RunCommand;
  fetch?: Fetch;
}

/** The drivers for a node's `oob.type`: which implementation serves a node is data, not code paths. */
export function createOobDrivers(oobType: OobType, config: OobDriverConfig): OobDrivers {
  switch (oobType) {
    case 'ipmi':
      return createIpmiDrivers(config.ipmi ?? {}, { logger: config.logger, runCommand: config.runCommand });
    case 'redfish':
      return createRedfishDrivers(config.redfish ?? {}, { logger: config.logger, fetch: config.fetch });
    default:
      throw new Error(`unsupported OOB type ${String(oobType)} (supported: ipmi, redfish)`);
  }
}

export type { IpmiDriverConfig } from './ipmi';
export type { RedfishDriverConfig } from './redfish';
export { PowerStateTimeoutError } from './power';
