/** drydock/Network/v1: an L3 network (CIDR, ranges, routes, DNS). */
import { z } from 'zod';
import { anyMap, num, str } from './common';

export const networkSchema = z.strictObject({
  cidr: str,
  ranges: z.array(z.strictObject({ type: str, start: str, end: str })).optional(),
  dns: z.strictObject({ domain: str, servers: str }).optional(),
  dhcp_relay: z.strictObject({ self_ip: str, upstream_target: str }).optional(),
  mtu: num,
  vlan: str,
  routedomain: str,
  routes: z.array(z.strictObject({ subnet: str, gateway: str, metric: num, routedomain: str })).optional(),
  labels: anyMap,
});

export type NetworkData = z.infer<typeof networkSchema>;
