/** drydock/Rack/v1: a rack, its ToR switches and location. */
import { z } from 'zod';
import { anyMap, str, strList } from './common';

export const rackSchema = z.strictObject({
  // Drydock declares mgmt_ip/sdn_api_uri one level too high (on tor_switches itself); mirrored as-is.
  tor_switches: z.looseObject({ mgmt_ip: str, sdn_api_uri: str }).optional(),
  location: z.looseObject({ clli: str, grid: str }).optional(),
  local_networks: strList,
  labels: anyMap,
});

export type RackData = z.infer<typeof rackSchema>;
