/** drydock/BootAction/v1: assets delivered to nodes after deployment, scoped by a node filter. */
import { z } from 'zod';
import { anyMap, bool, str, strList } from './common';

const setType = z.enum(['intersection', 'union']);

export const nodeFilterSchema = z.strictObject({
  filter_set_type: setType.optional(),
  filter_set: z
    .array(
      z.strictObject({
        filter_type: setType.optional(),
        node_names: strList,
        node_tags: strList,
        node_labels: anyMap,
        rack_names: strList,
        rack_labels: anyMap,
      }),
    )
    .optional(),
});

const asset = z.strictObject({
  // JSON-schema `pattern` is a search, not a full match: '^/.+' anchors only the start.
  path: z.string().regex(/^\/.+/, 'must be an absolute path (start with /)').optional(),
  location: str,
  type: z.enum(['unit', 'file', 'pkg_list']),
  data: z.union([z.string(), z.record(z.string(), z.string().nullable())]).optional(),
  location_pipeline: z.array(z.enum(['template'])).optional(),
  data_pipeline: z.array(z.enum(['base64_encode', 'template', 'base64_decode', 'utf8_encode', 'utf8_decode'])).optional(),
  permissions: z.string().regex(/\d{3}/, 'must contain 3 octal digits, e.g. "644"').optional(),
});

export const bootActionSchema = z.strictObject({
  signaling: bool,
  assets: z.array(asset).optional(),
  node_filter: nodeFilterSchema.optional(),
});

export type BootActionData = z.infer<typeof bootActionSchema>;
export type NodeFilterSetData = z.infer<typeof nodeFilterSchema>;
