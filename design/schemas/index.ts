/** The eight design document kinds and their schemas: the single source of structural validation. */
import type { z } from 'zod';
import { compileAcceptor, type Acceptor } from './accept';
import { baremetalNodeSchema } from './baremetalNode';
import { bootActionSchema } from './bootAction';
import { hardwareProfileSchema } from './hardwareProfile';
import { hostProfileSchema } from './hostProfile';
import { networkSchema } from './network';
import { networkLinkSchema } from './networkLink';
import { rackSchema } from './rack';
import { regionSchema } from './region';

export const KINDS = ['Region', 'NetworkLink', 'Network', 'HardwareProfile', 'HostProfile', 'BaremetalNode', 'BootAction', 'Rack'] as const;
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

/** SCHEMAS compiled once: true only when the schema would accept the data (false: ask the schema). */
export const ACCEPTS = Object.fromEntries(Object.entries(SCHEMAS).map(([kind, s]) => [kind, compileAcceptor(s)])) as Record<Kind, Acceptor>;

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
