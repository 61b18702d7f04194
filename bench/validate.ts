/**
 * Validation benchmark: the wall time of ingest (YAML + schemas + field processing), compile (effective
 * design) and the 18 rules, on a design file (e.g. one `../shared/bench/gen_site.py N OUT` wrote) or on a
 * site of N nodes generated here, plus peak memory. Run 1 of a process is the cold figure (code not yet
 * optimised by V8); later runs are warm. `--cold K` also starts K fresh processes and reports their run 1.
 * On Linux each run also reports the main thread's on-CPU time and its wait for a CPU, to tell the
 * code's cost from a busy machine's.
 *
 *   npx tsx bench/validate.ts [--design FILE | --nodes N] [--runs R] [--cold K] [--json]
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { performance } from 'perf_hooks';
import { compileDesign, ingestText, runValidations, statusFrom } from '../design';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 ? Number(process.argv[i + 1]) : fallback;
}

function strArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 ? process.argv[i + 1] : undefined;
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
    doc(
      'NetworkLink',
      'data',
      `  bonding:\n    mode: 802.3ad\n  mtu: 9000\n  trunking:\n    mode: 802.1q\n    default_network: mgmt\n  allowed_networks:\n    - mgmt\n    - storage\n`,
    ),
  );
  const nets: [string, number, string][] = [
    ['oob', 10, ''],
    ['pxe', 11, ''],
    ['mgmt', 12, "  vlan: '12'\n"],
    ['storage', 13, "  vlan: '13'\n"],
  ];
  for (const [name, second, vlan] of nets) {
    out.push(
      doc(
        'Network',
        name,
        `  cidr: 10.${second}.0.0/16\n${vlan}  mtu: 1500\n  ranges:\n    - type: static\n      start: 10.${second}.0.10\n      end: 10.${second}.255.250\n  routes:\n    - subnet: 0.0.0.0/0\n      gateway: 10.${second}.0.1\n      metric: 10\n  dns:\n    domain: ${name}.bench.example.com\n    servers: 10.${second}.0.2\n`,
      ),
    );
  }
  out.push(
    doc(
      'HardwareProfile',
      'hw',
      `  boot_mode: bios\n  bootstrap_protocol: pxe\n  device_aliases:\n    nic0:\n      address: '0000:01:00.0'\n      bus_type: pci\n    nic1:\n      address: '0000:02:00.0'\n      bus_type: pci\n    nic2:\n      address: '0000:02:00.1'\n      bus_type: pci\n    disk0:\n      address: '0:0.0.0'\n      bus_type: scsi\n  cpu_sets:\n    pinned: '2-15'\n  hugepages:\n    dpdk:\n      size: 1G\n      count: 16\n`,
    ),
  );
  out.push(
    doc(
      'HostProfile',
      'base',
      `  hardware_profile: hw\n  primary_network: mgmt\n  oob:\n    type: ipmi\n    network: oob\n    account: admin\n  storage:\n    physical_devices:\n      disk0:\n        partitions:\n          - name: root\n            size: 30g\n            filesystem:\n              mountpoint: /\n          - name: boot\n            size: 1g\n            filesystem:\n              mountpoint: /boot\n          - name: data\n            size: 50%\n            volume_group: data_vg\n    volume_groups:\n      data_vg:\n        logical_volumes:\n          - name: log\n            size: 20%\n            filesystem:\n              mountpoint: /var/log\n          - name: lib\n            size: 60%\n            filesystem:\n              mountpoint: /var/lib\n  platform:\n    image: jammy\n    kernel: ga-22.04\n    kernel_params:\n      console: ttyS0\n      quiet: true\n  interfaces:\n    pxe:\n      device_link: pxe\n      slaves:\n        - nic0\n      networks:\n        - pxe\n  metadata:\n    tags:\n      - bench\n`,
    ),
  );
  out.push(
    doc(
      'HostProfile',
      'compute',
      `  host_profile: base\n  interfaces:\n    bond0:\n      device_link: data\n      slaves:\n        - nic1\n        - nic2\n      networks:\n        - mgmt\n        - storage\n  platform:\n    kernel_params:\n      isolcpus: hardwareprofile:cpuset.pinned\n      hugepagesz: hardwareprofile:hugepages.dpdk.size\n      hugepages: hardwareprofile:hugepages.dpdk.count\n  metadata:\n    tags:\n      - compute\n`,
    ),
  );
  out.push(doc('HostProfile', 'control', `  host_profile: compute\n  platform:\n    kernel_params:\n      '!isolcpus': ''\n  metadata:\n    tags:\n      - control\n`));
  for (let i = 0; i < nodes; i++) {
    const hi = Math.floor(i / 200);
    const lo = (i % 200) + 20;
    const ip = (second: number) => `10.${second}.${hi}.${lo}`;
    out.push(
      doc(
        'BaremetalNode',
        `node${String(i).padStart(5, '0')}`,
        `  host_profile: ${i % 10 === 0 ? 'control' : 'compute'}\n  oob:\n    credential: pw-${i}\n  addressing:\n    - network: oob\n      address: ${ip(10)}\n    - network: pxe\n      address: dhcp\n    - network: mgmt\n      address: ${ip(12)}\n    - network: storage\n      address: ${ip(13)}\n  metadata:\n    rack: rack${Math.floor(i / 40)}\n    owner_data:\n      slot: '${i % 40}'\n`,
      ),
    );
  }
  out.push(
    doc(
      'BootAction',
      'all-nodes',
      `  signaling: true\n  assets:\n    - path: /etc/motd\n      type: file\n      data: hello\n    - type: pkg_list\n      data:\n        jq: '1.6-2.1ubuntu3'\n`,
    ),
  );
  out.push(
    doc(
      'BootAction',
      'rack0-only',
      `  signaling: false\n  node_filter:\n    filter_set_type: union\n    filter_set:\n      - filter_type: intersection\n        rack_names:\n          - rack0\n        node_tags:\n          - compute\n  assets:\n    - path: /etc/rack0\n      type: file\n      data: rack0\n`,
    ),
  );
  return out.join('') + '...\n';
}

interface Run {
  total_ms: number;
  ingest_ms: number;
  compile_ms: number;
  validate_ms: number;
  /**
   * On-CPU time of the main thread over the whole run (Linux /proc/thread-self/schedstat), which a
   * machine busy with other work inflates much less than wall time; null elsewhere.
   */
  thread_cpu_ms: number | null;
  /** Time the main thread was runnable but waiting for a CPU (the machine's load), null elsewhere. */
  waiting_ms: number | null;
}

/** [on-CPU ns, runqueue-wait ns] of this thread, or undefined without /proc. */
function threadTimes(): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run, wait];
  } catch {
    return undefined;
  }
}

interface Result {
  design: string;
  nodes: number;
  bytes: number;
  verdict: string;
  errors: number;
  messages: number;
  runs: Run[];
  cold_processes?: Run[];
  peak_rss_mib: number;
}

/** One validation, timed by phase; the verdict as validateDesignText would give it. */
async function runOnce(text: string): Promise<{ run: Run; verdict: string; errors: number; messages: number; nodes: number }> {
  const cpu0 = threadTimes();
  const t0 = performance.now();
  const ingested = ingestText(text, 'bench');
  const t1 = performance.now();
  let t2 = t1;
  let messages = [...ingested.messages];
  let nodes = ingested.design.baremetal_nodes.length;
  // As validateDesignText: a design with ingest errors is neither compiled nor validated.
  if (!ingested.failed) {
    const design = compileDesign(ingested.design);
    t2 = performance.now();
    messages = [...messages, ...(await runValidations(design))];
    nodes = design.baremetal_nodes.length;
  }
  const t3 = performance.now();
  const cpu1 = threadTimes();
  const status = statusFrom(messages);
  const ms = (x: number) => Math.round(x * 10) / 10;
  const cpu = cpu0 && cpu1 ? { thread_cpu_ms: ms((cpu1[0] - cpu0[0]) / 1e6), waiting_ms: ms((cpu1[1] - cpu0[1]) / 1e6) } : { thread_cpu_ms: null, waiting_ms: null };
  return {
    run: { total_ms: ms(t3 - t0), ingest_ms: ms(t1 - t0), compile_ms: ms(t2 - t1), validate_ms: ms(t3 - t2), ...cpu },
    verdict: status.status,
    errors: status.details.errorCount,
    messages: messages.length,
    nodes,
  };
}

async function main(): Promise<void> {
  const file = strArg('design');
  const runs = arg('runs', 3);
  const coldProcesses = arg('cold', 0);
  const json = process.argv.includes('--json');
  const text = file ? readFileSync(file, 'utf8') : generateSite(arg('nodes', 1000));
  const result: Result = { design: file ?? 'generated', nodes: 0, bytes: Buffer.byteLength(text), verdict: '', errors: 0, messages: 0, runs: [], peak_rss_mib: 0 };
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(text);
    Object.assign(result, { nodes: r.nodes, verdict: r.verdict, errors: r.errors, messages: r.messages });
    result.runs.push(r.run);
  }
  result.peak_rss_mib = Math.round(process.resourceUsage().maxRSS / 1024);
  if (coldProcesses > 0) {
    result.cold_processes = [];
    const args = process.argv.slice(2).filter((a, i, all) => a !== '--json' && a !== '--cold' && all[i - 1] !== '--cold' && a !== '--runs' && all[i - 1] !== '--runs');
    for (let i = 0; i < coldProcesses; i++) {
      const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...args, '--runs', '1', '--json'], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`cold run failed: ${child.stderr}`);
      result.cold_processes.push((JSON.parse(child.stdout) as Result).runs[0]);
    }
  }
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `site design ${result.design}: ${result.nodes} nodes, ${(result.bytes / 1024 / 1024).toFixed(2)} MiB of YAML; ${result.verdict} (${result.errors} errors, ${result.messages} messages)`,
  );
  const line = (r: Run) =>
    `total ${r.total_ms.toFixed(0)} ms = ingest ${r.ingest_ms.toFixed(0)} + compile ${r.compile_ms.toFixed(0)} + validate ${r.validate_ms.toFixed(0)}` +
    (r.thread_cpu_ms === null ? '' : ` (main thread on CPU ${r.thread_cpu_ms.toFixed(0)} ms, waiting for a CPU ${r.waiting_ms?.toFixed(0)} ms)`);
  result.runs.forEach((r, i) => console.log(`run ${i + 1}${i === 0 ? ' (cold)' : ''}: ${line(r)}`));
  if (result.cold_processes) {
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `min ${sorted[0].toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`;
    };
    result.cold_processes.forEach((r, i) => console.log(`fresh process ${i + 1} (cold): ${line(r)}`));
    const cold = result.cold_processes;
    console.log(`cold over ${cold.length} fresh processes: wall ${stats(cold.map((r) => r.total_ms))}`);
    if (cold[0].thread_cpu_ms !== null) console.log(`cold over ${cold.length} fresh processes: main thread on CPU ${stats(cold.map((r) => r.thread_cpu_ms as number))}`);
  }
  console.log(`memory: peak RSS ${result.peak_rss_mib} MiB`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
