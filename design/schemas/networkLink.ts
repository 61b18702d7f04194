/** drydock/NetworkLink/v1: an L2 link (bonding, MTU, trunking, allowed networks). */
import { z } from 'zod';
import { anyMap, num, str, strList } from './common';

export const networkLinkSchema = z.strictObject({
  bonding: z.strictObject({ mode: str, hash: str, peer_rate: str, mon_rate: num, up_delay: num, down_delay: num }).optional(),
  mtu: num,
  linkspeed: str,
  trunking: z.strictObject({ mode: str, default_network: str }).optional(),
  allowed_networks: strList,
  labels: anyMap,
});

export type NetworkLinkData = z.infer<typeof networkLinkSchema>;
