/** drydock/HardwareProfile/v1: a server model: device aliases, CPU sets, hugepage configurations. */
import { z } from 'zod';
import { anyMap, num, str, strMap } from './common';

export const hardwareProfileSchema = z.strictObject({
  vendor: str,
  generation: str,
  hw_version: str,
  bios_version: str,
  boot_mode: z.enum(['bios', 'uefi']).optional(),
  bootstrap_protocol: z.enum(['pxe', 'usb', 'hdd']).optional(),
  pxe_interface: num,
  device_aliases: anyMap,
  cpu_sets: strMap,
  // Drydock misspells `properties` here, so only "each hugepage conf is an object" is enforced.
  hugepages: z.record(z.string(), z.looseObject({})).optional(),
});

export type HardwareProfileData = z.infer<typeof hardwareProfileSchema>;
