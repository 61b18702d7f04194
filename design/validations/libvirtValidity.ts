/** DD4002 Valid Libvirt Configuration: libvirt nodes have a qemu+ssh libvirt_uri and a boot MAC. */
import type { ValidationRule } from './framework';

export const libvirtValidity: ValidationRule = {
  code: 'DD4002',
  longName: 'Valid Libvirt Configuration',
  run(design, report) {
    for (const node of design.baremetal_nodes) {
      if (node.oob_type !== 'libvirt') continue;
      const uri = node.oob_parameters?.libvirt_uri;
      if (!uri) {
        report.error(`OOB parameter libvirt_uri missing for node ${node.name}.`, [node.docRef], 'Provide libvirt URI to node hypervisor.');
      } else if (!String(uri).startsWith('qemu+ssh')) {
        report.error('OOB parameter libvirt_uri has invalid scheme.', [node.docRef], "Only scheme 'qemu+ssh' is supported.");
      }
      if (!node.boot_mac) {
        // "requries": Drydock's text, kept.
        report.error('libvirt-based node requries defined boot MAC address.', [node.docRef], "Specify the node's PXE MAC address in metadata.boot_mac");
      }
    }
  },
};
