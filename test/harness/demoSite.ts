import path from 'node:path';
import { loadDesign, type EffectiveDesign } from '../../design';

/** The example site design (10 nodes, n01–n06 IPMI, n07–n10 Redfish) every simulated-site test uses. */
export const DEMO_SITE_PATH = path.resolve(__dirname, '../../examples/site/demo-site.yaml');
export const DEMO_SITE = `file://${DEMO_SITE_PATH}`;

/** The effective design of `ref` (the example site by default); throws, naming the errors, unless it validates. */
export async function demoDesign(ref = DEMO_SITE): Promise<EffectiveDesign> {
  const loaded = await loadDesign(ref);
  if (!loaded.design || loaded.status.status !== 'Success')
    throw new Error(`${ref} does not validate: ${JSON.stringify(loaded.status.details.messageList.filter((m) => m.error))}`);
  return loaded.design;
}
