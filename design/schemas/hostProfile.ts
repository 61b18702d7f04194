/** drydock/HostProfile/v1: a reusable bundle of host settings, inherited through `host_profile`. */
import { z } from 'zod';
import { hostFields, hostProfileInterface } from './common';

export const hostProfileSchema = z.strictObject({
  ...hostFields,
  interfaces: z.record(z.string(), hostProfileInterface).optional(),
});

export type HostProfileData = z.infer<typeof hostProfileSchema>;
