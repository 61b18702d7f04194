/** The 18 validation rules in Drydock's order (orchestrator/validations/validator.py) and their runner. */
import type { SiteDesign } from '../model';
import type { ValidationMessage } from '../status';
import { bootactionDefined } from './bootactionDefined';
import { bootactionPackageListValid } from './bootactionPackageListValid';
import { bootStorageRational } from './bootStorageRational';
import { cidrValidity } from './cidrValidity';
import { executeRule, type RuleContext, type ValidationRule } from './framework';
import { hostnameValidity } from './hostnameValidity';
import { hugepagesValidity } from './hugepagesValidity';
import { ipLocalityCheck } from './ipLocalityCheck';
import { ipmiValidity } from './ipmiValidity';
import { libvirtValidity } from './libvirtValidity';
import { mtuRational } from './mtuRational';
import { networkTrunkingRational } from './networkTrunkingRational';
import { noDuplicateIpsCheck } from './noDuplicateIpsCheck';
import { platformSelection } from './platformSelection';
import { rationalNetworkBond } from './rationalNetworkBond';
import { storageMountpoints } from './storageMountpoints';
import { storagePartitioning } from './storagePartitioning';
import { storageSizing } from './storageSizing';
import { uniqueNetworkCheck } from './uniqueNetworkCheck';

export const RULES: readonly ValidationRule[] = [
  bootStorageRational,
  cidrValidity,
  hugepagesValidity,
  ipLocalityCheck,
  mtuRational,
  networkTrunkingRational,
  noDuplicateIpsCheck,
  platformSelection,
  rationalNetworkBond,
  storagePartitioning,
  storageSizing,
  storageMountpoints,
  uniqueNetworkCheck,
  hostnameValidity,
  ipmiValidity,
  libvirtValidity,
  bootactionDefined,
  bootactionPackageListValid,
];

/** Rule lookup by class name as Drydock's tests know them (e.g. 'BootStorageRational'). */
export const RULES_BY_CLASS: Record<string, ValidationRule> = {
  BootStorageRational: bootStorageRational,
  CidrValidity: cidrValidity,
  HugepagesValidity: hugepagesValidity,
  IpLocalityCheck: ipLocalityCheck,
  MtuRational: mtuRational,
  NetworkTrunkingRational: networkTrunkingRational,
  NoDuplicateIpsCheck: noDuplicateIpsCheck,
  PlatformSelection: platformSelection,
  RationalNetworkBond: rationalNetworkBond,
  StoragePartitioning: storagePartitioning,
  StorageSizing: storageSizing,
  StorageMountpoints: storageMountpoints,
  UniqueNetworkCheck: uniqueNetworkCheck,
  HostnameValidity: hostnameValidity,
  IpmiValidity: ipmiValidity,
  LibvirtValidity: libvirtValidity,
  BootactionDefined: bootactionDefined,
  BootactionPackageListValid: bootactionPackageListValid,
};

/** Run all 18 rules in order; the concatenated messages. */
export async function runValidations(design: SiteDesign, ctx: RuleContext = {}): Promise<ValidationMessage[]> {
  const out: ValidationMessage[] = [];
  for (const rule of RULES) out.push(...(await executeRule(rule, design, ctx)));
  return out;
}

export { executeRule, type PlatformCatalog, type RuleContext, type ValidationRule } from './framework';
