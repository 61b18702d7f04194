/**
 * Building blocks shared by the per-kind schemas. Each mirrors a fragment of Drydock's draft-04 JSON
 * schemas (../shared/drydock/schemas/): every property is optional, `null` is rejected where the JSON
 * schema names a type (draft-04 `type` has no implicit null), `format` is never enforced, and unknown keys
 * are rejected only where Drydock sets `additionalProperties: false` (strictObject); elsewhere they are
 * tolerated (looseObject).
 */
import { z } from 'zod';

export const str = z.string().optional();
export const num = z.number().optional();
export const bool = z.boolean().optional();
export const strList = z.array(z.string()).optional();
/** `type: object, additionalProperties: true`. */
export const anyMap = z.record(z.string(), z.unknown()).optional();
export const strMap = z.record(z.string(), z.string()).optional();

const partitionFilesystem = z.strictObject({
  mountpoint: str,
  fstype: str,
  mount_options: str,
  fs_uuid: str,
  fs_label: str,
});

const partition = z.strictObject({
  name: str,
  size: str,
  part_uuid: str,
  volume_group: str,
  labels: strMap,
  bootable: bool,
  filesystem: partitionFilesystem.optional(),
});

const physicalDevice = z.looseObject({
  labels: strMap,
  volume_group: str,
  partitions: z.array(partition).optional(),
});

/** Drydock leaves LV filesystems open (no additionalProperties on that object). */
const lvFilesystem = z.looseObject({
  mountpoint: str,
  fstype: str,
  mount_options: str,
  fs_uuid: str,
  fs_label: str,
});

const logicalVolume = z.looseObject({ name: str, lv_uuid: str, size: str, filesystem: lvFilesystem.optional() });

const volumeGroup = z.looseObject({ vg_uuid: str, logical_volumes: z.array(logicalVolume).optional() });

export const storage = z.looseObject({
  physical_devices: z.record(z.string(), physicalDevice).optional(),
  volume_groups: z.record(z.string(), volumeGroup).optional(),
});

/** `oob` keeps every extra key (e.g. `port`, `libvirt_uri`): they become OOB driver parameters. */
export const oob = z.looseObject({ type: str, network: str, account: str, credential: str });

export const platform = z.strictObject({ image: str, kernel: str, kernel_params: anyMap });

export const hostMetadata = z.strictObject({ tags: strList, owner_data: strMap, rack: str, boot_mac: str });

const interfaceBase = {
  device_link: str,
  slaves: strList,
  networks: strList,
};

/**
 * An interface value of `null` is accepted (Drydock's schema would reject it and its legacy ingester
 * silently dropped it): here it means "remove the inherited interface", see effective.ts.
 */
export const hostProfileInterface = z
  .looseObject({
    ...interfaceBase,
    sriov: z.looseObject({ vf_count: num, trustmode: bool }).optional(),
  })
  .nullable();

/** BaremetalNode's schema has no `sriov` property, but unknown keys are tolerated, so sriov passes as-is. */
export const nodeInterface = z.looseObject(interfaceBase).nullable();

/** The fields HostProfile and BaremetalNode share. */
export const hostFields = {
  oob: oob.optional(),
  storage: storage.optional(),
  platform: platform.optional(),
  metadata: hostMetadata.optional(),
  host_profile: str,
  hardware_profile: str,
  primary_network: str,
};
