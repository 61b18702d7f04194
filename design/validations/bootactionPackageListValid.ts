/** DD4002 Bootaction pkg_list Validation: pkg_list assets name packages with Debian-style versions. */
import type { ValidationRule } from './framework';

const VERSION = /^(\d+:)?([a-zA-Z0-9.+~-]+)(-[a-zA-Z0-9.+~]+)$/;

export const bootactionPackageListValid: ValidationRule = {
  code: 'DD4002',
  longName: 'Bootaction pkg_list Validation',
  run(design, report) {
    for (const ba of design.bootactions) {
      for (const asset of ba.assets) {
        if (asset.type !== 'pkg_list') continue;
        if (!asset.location && !asset.package_list) {
          report.error("Bootaction has asset of type 'pkg_list' but no valid package data", [ba.docRef], 'pkg_list bootaction assets must specify a list of packages.');
          continue;
        }
        for (const version of Object.values(asset.package_list ?? {})) {
          if (version && !VERSION.test(version)) {
            report.error(`Version specifier ${version} is not a valid format.`, [ba.docRef], 'pkg_list version specifications must be in a valid format.');
          }
        }
      }
    }
  },
};
