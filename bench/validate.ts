/**
 * Validation benchmark: generates a realistic site design of N nodes (default 1000) and reports the wall
 * time of ingest (YAML + schemas + field processing), compile (effective design) and the 18 rules, plus
 * peak memory. Usage: npx tsx bench/validate.ts [--nodes N] [--runs R]
 */
import { performance } from 'perf_hooks';
import { compileDesign, ingestText, runValidations } from '../design';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 ? Number(process.argv[i + 1]) : fallback;
}

function doc(kind: string, name: string, body: string): string {
  return `---\nschema: 'drydock/${kind}/v1'\nmetadata:\n  schema: 'metadata/Document/v1'\n  name: ${name}\ndata:\n${body}`;
}

/** 4 networks on /16s (room for 65k hosts), 40 nodes per rack, three-level profile inheritance. */
export function generateSite(nodes: number): string {
  const racks = Math.ceil(nodes / 40);
  const out: string[] = [doc('Region', 'bench', `  authorized_keys:\n    - 'ssh-ed25519 AAAAbench bench@example'\n`)];
  for (let r = 0; r < racks; r++) out.push(doc('Rack', `rack${r}`, `  location:\n    grid: G${r}\n  local_networks:\n    - pxe\n`));
  out.push(doc('NetworkLink', 'oob', `  trunking:\n    mode: disabled\n    default_network: oob\n  allowed_networks:\n    - oob\n`));
  out.push(doc('NetworkLink', 'pxe', `  trunking:\n    mode: disabled\n    default_network: pxe\n  allowed_networks:\n    - pxe\n`));
  out.push(
    doc('NetworkLink', 'data', `  bonding:\n    mode: 802.3ad\n  mtu: 9000\n  trunking:\n    mode: 802.1q\n    default_network: mgmt\n  allowed_networks:\n    - mgmt\n    - storage\n`),
  );
  const nets: [string, number, string][] = [['oob', 10, ''], ['pxe', 11, ''], ['mgmt', 12, "  vlan: '12'\n"], ['storage', 13, "  vlan: '13'\n"]];
  for (const [name, second, vlan] of nets) {
    out.push(
      doc('Network', name, `  cidr: 10.${second}.0.0/16\n${vlan}  mtu: 1500\n  ranges:\n    - type: static\n      start: 10.${second}.0.10\n      end: 10.${second}.255.250\n  routes:\n    - subnet: 0.0.0.0/0\n      gateway: 10.${second}.0.1\n      metric: 10\n  dns:\n    domain: ${name}.bench.example.com\n    servers: 10.${second}.0.2\n`),
    );
  }
  out.push(
    doc('HardwareProfile', 'hw', `  boot_mode: bios\n  bootstrap_protocol: pxe\n  device_aliases:\n    nic0:\n      address: '0000:01:00.0'\n      bus_type: pci\n    nic1:\n      address: '0000:02:00.0'\n      bus_type: pci\n    nic2:\n      address: '0000:02:00.1'\n      bus_type: pci\n    disk0:\n      address: '0:0.0.0'\n      bus_type: scsi\n  cpu_sets:\n    pinned: '2-15'\n  hugepages:\n    dpdk:\n      size: 1G\n      count: 16\n`),
  );
  out.push(
    doc('HostProfile', 'base', `  hardware_profile: hw\n  primary_network: mgmt\n  oob:\n    type: ipmi\n    network: oob\n    account: admin\n  storage:\n    physical_devices:\n      disk0:\n        partitions:\n          - name: root\n            size: 30g\n            filesystem:\n              mountpoint: /\n          - name: boot\n            size: 1g\n            filesystem:\n              mountpoint: /boot\n          - name: data\n            size: 50%\n            volume_group: data_vg\n    volume_groups:\n      data_vg:\n        logical_volumes:\n          - name: log\n            size: 20%\n            filesystem:\n              mountpoint: /var/log\n          - name: lib\n            size: 60%\n            filesystem:\n              mountpoint: /var/lib\n  platform:\n    image: jammy\n    kernel: ga-22.04\n    kernel_params:\n      console: ttyS0\n      quiet: true\n  interfaces:\n    pxe:\n      device_link: pxe\n      slaves:\n        - nic0\n      networks:\n        - pxe\n  metadata:\n    tags:\n      - bench\n`),
  );
  out.push(
    doc('HostProfile', 'compute', `  host_profile: base\n  interfaces:\n    bond0:\n      device_link: data\n      slaves:\n        - nic1\n        - nic2\n      networks:\n        - mgmt\n        - storage\n  platform:\n    kernel_params:\n      isolcpus: hardwareprofile:cpuset.pinned\n      hugepagesz: hardwareprofile:hugepages.dpdk.size\n      hugepages: hardwareprofile:hugepages.dpdk.count\n  metadata:\n    tags:\n      - compute\n`),
  );
  out.push(doc('HostProfile', 'control', `  host_profile: compute\n  platform:\n    kernel_params:\n      '!isolcpus': ''\n  metadata:\n    tags:\n      - control\n`));
  for (let i = 0; i < nodes; i++) {
    const hi = Math.floor(i / 200);
    const lo = (i % 200) + 20;
    const ip = (second: number) => `10.${second}.${hi}.${lo}`;
    out.push(
      doc('BaremetalNode', `node${String(i).padStart(5, '0')}`, `  host_profile: ${i % 10 === 0 ? 'control' : 'compute'}\n  oob:\n    credential: pw-${i}\n  addressing:\n    - network: oob\n      address: ${ip(10)}\n    - network: pxe\n      address: dhcp\n    - network: mgmt\n      address: ${ip(12)}\n    - network: storage\n      address: ${ip(13)}\n  metadata:\n    rack: rack${Math.floor(i / 40)}\n    owner_data:\n      slot: '${i % 40}'\n`),
    );
  }
  out.push(doc('BootAction', 'all-nodes', `  signaling: true\n  assets:\n    - path: /etc/motd\n      type: file\n      data: hello\n    - type: pkg_list\n      data:\n        jq: '1.6-2.1ubuntu3'\n`));
  out.push(
    doc('BootAction', 'rack0-only', `  signaling: false\n  node_filter:\n    filter_set_type: union\n    filter_set:\n      - filter_type: intersection\n        rack_names:\n          - rack0\n        node_tags:\n          - compute\n  assets:\n    - path: /etc/rack0\n      type: file\n      data: rack0\n`),
  );
  return out.join('') + '...\n';
}

async function main(): Promise<void> {
  const nodes = arg('nodes', 1000);
  const runs = arg('runs', 3);
  const text = generateSite(nodes);
  console.log(`site design: ${nodes} nodes, ${(text.length / 1024 / 1024).toFixed(2)} MiB of YAML, ${runs} runs`);
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const ingested = ingestText(text, 'bench');
    const t1 = performance.now();
    const design = compileDesign(ingested.design);
    const t2 = performance.now();
    const messages = await runValidations(design);
    const t3 = performance.now();
    const errors = [...ingested.messages, ...messages].filter((m) => m.error);
    if (errors.length) throw new Error(`generated design is invalid: ${errors[0].message}`);
    console.log(
      `run ${run}: total ${(t3 - t0).toFixed(0)} ms = ingest ${(t1 - t0).toFixed(0)} ms + compile ${(t2 - t1).toFixed(0)} ms + validate ${(t3 - t2).toFixed(0)} ms (${messages.length} messages)`,
    );
  }
  const mem = process.memoryUsage();
  console.log(
    `memory: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, heap used now ${(mem.heapUsed / 1024 / 1024).toFixed(0)} MiB`,
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
