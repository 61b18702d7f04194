/**
 * The hardware a node really has, read from the `lshw -xml` output MaaS collects when it commissions a machine,
 * and Drydock's alias resolution over it (BaremetalNode.apply_logicalnames): a HardwareProfile names NICs and
 * disks by alias at a bus address; the networking and storage steps need the kernel's logical names.
 */
import type { DeviceAlias, HardwareProfileModel } from './model';

/** One `<node>` of lshw's tree, flattened: what alias resolution and hardware checks read. */
export interface LshwDevice {
  id: string;
  /** lshw class: network, disk, storage, bridge, system... */
  class: string;
  /** e.g. `pci@0000:01:00.0`, `scsi@0:0.0.0`. */
  businfo?: string;
  /** Every `<logicalname>` in order (a disk may have several). */
  logicalnames: string[];
  product?: string;
  vendor?: string;
  serial?: string;
  /** `<size>` in its unit (bytes for disks and memory, bit/s for NICs, Hz for CPUs). */
  size?: number;
  /** `<version>`: the BIOS version on the `firmware` node (SMBIOS type 0). */
  version?: string;
  /** `<date>`: the BIOS release date on the `firmware` node (mm/dd/yyyy, as SMBIOS has it). */
  date?: string;
  /** `<configuration>` settings by id: a CPU's `cores`, `enabledcores`, `threads`. */
  settings: Record<string, string>;
  disabled: boolean;
}

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** A small XML reader for lshw's output: elements, attributes, text, comments and the declaration. */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const top = stack[stack.length - 1]!;
    top.text += decode(xml.slice(last, m.index));
    last = tag.lastIndex;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      if (top.name !== m[2]) throw new Error(`lshw XML: </${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[3] !== undefined) {
      const attrs: Record<string, string> = {};
      for (const a of m[4]!.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decode(a[2] ?? a[3] ?? '');
      const el: XmlElement = { name: m[3], attrs, children: [], text: '' };
      top.children.push(el);
      if (!m[5]) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`lshw XML: <${stack[stack.length - 1]!.name}> is not closed`);
  return root;
}

/** Every device `<node>` of an lshw XML document, in document order (depth first). */
export function lshwDevices(xml: string): LshwDevice[] {
  const out: LshwDevice[] = [];
  const walk = (el: XmlElement) => {
    for (const c of el.children) {
      if (c.name !== 'node') {
        walk(c);
        continue;
      }
      const child = (n: string) => c.children.find((x) => x.name === n)?.text.trim();
      const size = child('size');
      out.push({
        id: c.attrs.id ?? '',
        class: c.attrs.class ?? '',
        businfo: child('businfo'),
        logicalnames: c.children.filter((x) => x.name === 'logicalname').map((x) => x.text.trim()),
        product: child('product'),
        vendor: child('vendor'),
        serial: child('serial'),
        size: size === undefined || size === '' ? undefined : Number(size),
        version: child('version'),
        date: child('date'),
        settings: Object.fromEntries(
          (c.children.find((x) => x.name === 'configuration')?.children ?? []).filter((x) => x.name === 'setting').map((x) => [x.attrs.id ?? '', x.attrs.value ?? '']),
        ),
        disabled: c.attrs.disabled === 'true',
      });
      walk(c);
    }
  };
  walk(parseXml(xml));
  return out;
}

/** The last `/` segment, as Drydock takes it (`/dev/sda` → `sda`). */
const lastSegment = (name: string): string => name.split('/').pop() ?? name;

/**
 * The device an alias designates, as Drydock's `_apply_logicalname` finds it: the first node whose businfo is
 * `<bus_type>@<address>` (with a logical name); for `regexp:<re>`, the first `class="network"` node whose PCI
 * address matches at its start, disabled NICs included.
 */
export function findAliasDevice(devices: LshwDevice[], alias: DeviceAlias): LshwDevice | undefined {
  const address = alias.address ?? '';
  if (address.includes('regexp:')) {
    const re = new RegExp(address.replace('regexp:', ''));
    return devices.find((d) => d.class === 'network' && d.businfo !== undefined && re.exec(d.businfo.replace('pci@', ''))?.index === 0);
  }
  const businfo = `${alias.bus_type}@${address}`;
  return devices.find((d) => d.businfo === businfo && d.logicalnames.length > 0 && d.logicalnames[0] !== '');
}

/** The kernel's name for an alias, or undefined when the hardware has no such device. */
export function aliasLogicalName(devices: LshwDevice[], alias: DeviceAlias): string | undefined {
  const d = findAliasDevice(devices, alias);
  const first = d?.logicalnames[0];
  return first ? lastSegment(first) : undefined;
}

/**
 * Drydock's apply_logicalnames: every alias of the node's hardware profile → its logical name, the alias itself
 * when the hardware has no device there. Without lshw data (undefined) nothing is resolved: `{}`.
 */
export function applyLogicalNames(profile: HardwareProfileModel, lshwXml: string | undefined): Record<string, string> {
  if (!lshwXml) return {};
  const devices = lshwDevices(lshwXml);
  const names: Record<string, string> = {};
  for (const a of profile.devices) names[a.alias] = aliasLogicalName(devices, a) ?? a.alias;
  return names;
}

/** Drydock's get_logicalname: the resolved name, else the name as written. */
export function logicalName(names: Record<string, string>, alias: string): string {
  return names[alias] || alias;
}
