/** drydock/Region/v1: the site itself: tag definitions, SSH keys, package repositories. */
import { z } from 'zod';
import { bool, str, strList } from './common';

export const regionSchema = z.strictObject({
  tag_definitions: z.array(z.strictObject({ tag: str, definition_type: z.enum(['lshw_xpath']).optional(), definition: str })).optional(),
  authorized_keys: strList,
  // Drydock's per-repository schema sits under a misspelt keyword, so only remove_unlisted is checked.
  repositories: z.looseObject({ remove_unlisted: bool }).optional(),
});

export type RegionData = z.infer<typeof regionSchema>;
