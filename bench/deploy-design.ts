/**
 * The deploy benchmark's site: examples/site/demo-site.yaml with its Region, racks, links, profiles and boot
 * actions as they are, and N BaremetalNodes made from its first Redfish node. Its networks are widened from
 * /24 to /16 (same host parts: gateways, DNS servers, range starts) so N nodes get their own addresses; the
 * OOB network moves to 127.20.0.0/16, on loopback where the simulator binds the BMCs.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../common/temporalCli';

export const DEMO_SITE = path.join(PROJECT_ROOT, 'examples', 'site', 'demo-site.yaml');

/** Hosts per /24 of a widened network: .10 to .249, inside every static and DHCP range. */
const HOSTS_PER_BLOCK = 240;
const FIRST_HOST = 10;

interface Doc {
  schema: string;
  metadata: { name: string };
  data: Record<string, unknown>;
}

export function nodeName(i: number, nodes: number): string {
  return `n${String(i + 1).padStart(Math.max(2, String(nodes).length), '0')}`;
}

/** The design text and the node names, in order. */
export function scaledDemoSite(nodes: number, demoText = fs.readFileSync(DEMO_SITE, 'utf8')): { text: string; nodes: string[] } {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 256 * HOSTS_PER_BLOCK) throw new Error(`--nodes must be 1 to ${256 * HOSTS_PER_BLOCK}`);
  const docs = YAML.parseAllDocuments(demoText)
    .map((d) => d.toJS() as Doc)
    .filter((d) => d && typeof d === 'object');
  const baremetal = docs.filter((d) => d.schema.startsWith('drydock/BaremetalNode/'));
  const template = baremetal.find((d) => (d.data.oob as { type?: string } | undefined)?.type === 'redfish');
  if (!template) throw new Error(`${DEMO_SITE} has no Redfish BaremetalNode to copy`);
  const racks = docs.filter((d) => d.schema.startsWith('drydock/Rack/')).map((d) => d.metadata.name);

  // Old /24 prefix (first three octets) → new /16 prefix (first two), per network with a CIDR.
  const oobNetwork = String((template.data.oob as { network?: string }).network ?? hostProfileOobNetwork(docs, template));
  const networks = docs.filter((d) => d.schema.startsWith('drydock/Network/') && typeof d.data.cidr === 'string');
  const prefixes = new Map<string, string>();
  networks.forEach((d, j) => {
    const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(String(d.data.cidr));
    if (!m) throw new Error(`network ${d.metadata.name}: cidr ${String(d.data.cidr)} is not a /24; the benchmark widens /24s`);
    prefixes.set(m[1], d.metadata.name === oobNetwork ? '127.20' : `10.${100 + j}`);
  });
  const remap = (ip: string): string => {
    const m = /^(\d+\.\d+\.\d+)\.(\d+)$/.exec(ip);
    const p = m && prefixes.get(m[1]);
    return p ? `${p}.0.${m[2]}` : ip;
  };
  for (const d of networks) {
    const old = /^(\d+\.\d+\.\d+)/.exec(String(d.data.cidr))![1];
    const widened = rewriteStrings(d.data, (s) => s.replace(/\b\d+\.\d+\.\d+\.\d+\b/g, remap)) as Record<string, unknown>;
    widened.cidr = `${prefixes.get(old)}.0.0/16`;
    for (const r of (widened.ranges as { end?: string }[] | undefined) ?? []) {
      if (r.end) r.end = r.end.replace(/^(\d+\.\d+)\.0\.(\d+)$/, '$1.255.$2');
    }
    d.data = widened;
  }

  const names: string[] = [];
  const nodeDocs: Doc[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = nodeName(i, nodes);
    names.push(name);
    const host = `${Math.floor(i / HOSTS_PER_BLOCK)}.${FIRST_HOST + (i % HOSTS_PER_BLOCK)}`;
    const data = structuredClone(template.data);
    data.oob = { ...(data.oob as object), type: 'redfish', credential: `redfish-pass-${name}` };
    data.addressing = (data.addressing as { network: string; address: string }[]).map((a) => {
      if (a.address === 'dhcp') return a;
      const m = /^(\d+\.\d+\.\d+)\.\d+$/.exec(a.address);
      const p = m && prefixes.get(m[1]);
      if (!p) throw new Error(`node ${template.metadata.name}: address ${a.address} is on no /24 network of the design`);
      return { ...a, address: `${p}.${host}` };
    });
    const meta = data.metadata as Record<string, unknown>;
    meta.rack = racks[Math.floor((i * racks.length) / nodes)] ?? meta.rack;
    meta.boot_mac = `52:54:${[i >> 24, i >> 16, i >> 8, i].map((b) => (b & 255).toString(16).padStart(2, '0')).join(':')}`;
    nodeDocs.push({ ...structuredClone(template), metadata: { ...structuredClone(template.metadata), name }, data });
  }
  const rest = docs.filter((d) => !d.schema.startsWith('drydock/BaremetalNode/'));
  const text = [...rest, ...nodeDocs].map((d) => `---\n${YAML.stringify(d, { lineWidth: 0, version: '1.1' })}`).join('') + '...\n';
  return { text, nodes: names };
}

function hostProfileOobNetwork(docs: Doc[], node: Doc): string {
  let profile = String(node.data.host_profile ?? '');
  for (let hops = 0; profile && hops < 10; hops++) {
    const d = docs.find((x) => x.schema.startsWith('drydock/HostProfile/') && x.metadata.name === profile);
    const net = (d?.data.oob as { network?: string } | undefined)?.network;
    if (net) return net;
    profile = String(d?.data.host_profile ?? '');
  }
  throw new Error(`node ${node.metadata.name}: no OOB network in its host profiles`);
}

function rewriteStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => rewriteStrings(x, f));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewriteStrings(x, f)]));
  return v;
}
