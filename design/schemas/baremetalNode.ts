/** drydock/BaremetalNode/v1: a physical server; a host profile plus its addresses. */
import { z } from 'zod';
import { hostFields, nodeInterface, str } from './common';

export const baremetalNodeSchema = z.strictObject({
  ...hostFields,
  interfaces: z.record(z.string(), nodeInterface).optional(),
  addressing: z.array(z.looseObject({ address: str, network: str })).optional(),
});

export type BaremetalNodeData = z.infer<typeof baremetalNodeSchema>;
