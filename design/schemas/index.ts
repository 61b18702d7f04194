/** The eight design document kinds and their schemas: the single source of structural validation. */
import type { z } from 'zod';
import { baremetalNodeSchema } from './baremetalNode';
import { bootActionSchema } from './bootAction';
import { hardwareProfileSchema } from './hardwareProfile';
import { hostProfileSchema } from './hostProfile';
import { networkSchema } from './network';
import { networkLinkSchema } from './networkLink';
import { rackSchema } from './rack';
import { regionSchema } from './region';

export const KINDS = [
  'Region',
  'NetworkLink',
  'Network',
  'HardwareProfile',
  'HostProfile',
  'BaremetalNode',
  'BootAction',
  'Rack',
] as const;
export type Kind = (typeof KINDS)[number];

export const SCHEMAS: Record<Kind, z.ZodType> = {
  Region: regionSchema,
  NetworkLink: networkLinkSchema,
  Network: networkSchema,
  HardwareProfile: hardwareProfileSchema,
  HostProfile: hostProfileSchema,
  BaremetalNode: baremetalNodeSchema,
  BootAction: bootActionSchema,
  Rack: rackSchema,
};

export function isKind(kind: string): kind is Kind {
  return (KINDS as readonly string[]).includes(kind);
}

export * from './baremetalNode';
export * from './bootAction';
export * from './hardwareProfile';
export * from './hostProfile';
export * from './network';
export * from './networkLink';
export * from './rack';
export * from './region';
