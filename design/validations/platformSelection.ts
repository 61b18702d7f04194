/** DD3001 Platform Selection: each node's image and kernel are offered by the provisioner (MaaS). */
import type { ValidationRule } from './framework';

const NOT_VALIDATED = 'Cannot validate platform selection without accessing the node provisioner.';

export const platformSelection: ValidationRule = {
  code: 'DD3001',
  longName: 'Platform Selection',
  async run(design, report, ctx) {
    const catalog = ctx.platformCatalog;
    if (!catalog) {
      // "imageand": Drydock's text, kept.
      report.warning('Platform Validation: No enabled node driver, imageand kernel selections not validated.', [], NOT_VALIDATED);
      return;
    }
    let images: string[];
    try {
      images = await catalog.images();
    } catch {
      report.warning('Platform validation: Could not load images from driver, skippingimage and kernel selection validation.', [], NOT_VALIDATED);
      return;
    }
    const kernelsByImage = new Map<string, Promise<string[]>>();
    for (const node of design.baremetal_nodes) {
      if (!node.image) continue;
      if (!images.includes(node.image)) {
        report.error(`Platform Validation: invalid image ${node.image}`, [node.docRef], `Select a valid image from: ${images.join(',')}`);
        continue;
      }
      if (!node.kernel) continue;
      if (!kernelsByImage.has(node.image)) kernelsByImage.set(node.image, catalog.kernels(node.image));
      let kernels: string[];
      try {
        kernels = await (kernelsByImage.get(node.image) as Promise<string[]>);
      } catch {
        report.warning('Platform validation: Could not load kernels from driver, skippingimage and kernel selection validation.', [], NOT_VALIDATED);
        return;
      }
      if (!kernels.includes(node.kernel)) {
        report.error(`Platform Validation: invalid kernel ${node.kernel}`, [node.docRef], `Select a valid kernel from: ${kernels.join(',')}`);
      }
    }
  },
};
