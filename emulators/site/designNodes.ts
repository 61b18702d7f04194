import { createHash } from 'node:crypto';
import type { EffectiveDesign } from '../../design';

/** What the simulator needs to know of each node to stand up its BMC and enlist it in MaaS. */
export interface SimulatedNodeSpec {
  name: string;
  oobType: 'ipmi' | 'redfish';
  oobAddress: string;
  account: string;
  credential: string;
  /** MaaS names machines itself at enlistment; Drydock renames them when it identifies them. */
  enlistName: string;
  macs: string[];
  interfaces: { name: string; mac: string }[];
  blockDevices: { name: string; sizeBytes: number }[];
}

/** The design's nodes as the simulator sees them; every node must have an ipmi or redfish OOB address. */
export function nodeAddresses(design: EffectiveDesign): SimulatedNodeSpec[] {
  return design.baremetal_nodes.map((n) => {
    const oob = n.oob;
    const type = oob.type;
    if (type !== 'ipmi' && type !== 'redfish') {
      throw new Error(`node ${n.name}: the simulator has BMCs for oob.type ipmi and redfish, not ${type ?? 'none'}`);
    }
    const oobNetwork = String(oob.network ?? '');
    const addr = n.addressing.find((a) => a.network === oobNetwork && a.type === 'static');
    if (!addr) throw new Error(`node ${n.name}: no static address on its OOB network ${oobNetwork || '(unset)'}`);
    const ifaceNames = hardwareNicNames(n);
    const interfaces = ifaceNames.map((name, i) => ({ name, mac: mac(n.name, i) }));
    return {
      name: n.name,
      oobType: type,
      oobAddress: addr.address,
      account: String(oob.account ?? ''),
      credential: String(oob.credential ?? ''),
      enlistName: `${adjective(n.name)}-${noun(n.name)}-${createHash("md5").update(n.name).digest("hex").slice(0, 4)}`,
      macs: interfaces.map((i) => i.mac),
      interfaces,
      blockDevices: n.storage_devices.map((d) => ({ name: d.name, sizeBytes: 480e9 })),
    };
  });
}

/** The NIC names the hardware has: every slave of every interface, resolved through hardware aliases. */
function hardwareNicNames(n: EffectiveDesign['baremetal_nodes'][number]): string[] {
  const names: string[] = [];
  for (const i of n.interfaces) {
    for (const s of i.hardware_slaves ?? []) if (!names.includes(s)) names.push(s);
  }
  return names.length ? names : ['eno1'];
}

function mac(node: string, i: number): string {
  const h = createHash('sha256').update(`${node}/${i}`).digest();
  return ['52', '54', '00', h[0], h[1], h[2]].map((b) => (typeof b === 'number' ? b.toString(16).padStart(2, '0') : b)).join(':');
}

const ADJ = ['amber', 'brave', 'calm', 'deft', 'eager', 'fair', 'glad', 'hale', 'keen', 'lush', 'merry', 'noble'];
const NOUN = ['otter', 'heron', 'lynx', 'mole', 'newt', 'orca', 'puma', 'quail', 'raven', 'stoat', 'tern', 'vole'];
function adjective(s: string): string {
  return ADJ[createHash('md5').update(s).digest()[0] % ADJ.length];
}
function noun(s: string): string {
  return NOUN[createHash('md5').update(s).digest()[1] % NOUN.length];
}
