/**
 * What a machine physically has, and what MaaS's commissioning scripts report about it: `lshw -xml`, the LLDP
 * neighbours `lldpctl -f xml` captured, the kernel's modaliases and command line. MaaS names interfaces and
 * block devices after the kernel (eno1, enp94s0f0, sda, nvme0n1), which is what Drydock's alias resolution
 * reads back from the lshw output.
 */
import { createHash } from 'node:crypto';

export interface NicHardware {
  /** Kernel name: eno1, enp94s0f0, ens3f1... */
  name: string;
  mac: string;
  /** PCI address, e.g. 0000:5e:00.0. */
  pciAddress: string;
  product: string;
  vendor: string;
  /** Link speed in bit/s; undefined = no link. */
  speed?: number;
  /** Disabled in firmware: lshw still lists it (`disabled="true"`). */
  disabled?: boolean;
  /** The switch port LLDP sees on this NIC. */
  neighbour?: { switchName: string; switchMac: string; port: string };
}

export interface DiskHardware {
  /** Kernel name: sda, nvme0n1... */
  name: string;
  /** `scsi`: address H:C.T.L (lshw's scsi@0:0.0.0); `nvme`: the controller's PCI address. */
  bus: 'scsi' | 'nvme';
  address: string;
  size: number;
  model: string;
  vendor: string;
  serial: string;
}

/** The system firmware (SMBIOS type 0): lshw's `firmware` node, and the BIOS version a Redfish BMC reports. */
export interface FirmwareHardware {
  vendor: string;
  version: string;
  /** Release date, mm/dd/yyyy as SMBIOS has it. */
  date: string;
}

/** One populated CPU socket. */
export interface CpuHardware {
  product: string;
  vendor: string;
  cores: number;
  /** Hardware threads of the socket (cores × threads per core). */
  threads: number;
  hz: number;
}

/** One memory module; the machine's memory is the sum of its DIMMs. */
export interface DimmHardware {
  /** The board's label for the slot, e.g. `PROC 1 DIMM 1`. */
  slot: string;
  size: number;
  product: string;
  vendor: string;
  serial: string;
  hz: number;
}

export interface MachineHardware {
  vendor: string;
  product: string;
  serial: string;
  /** Absent on a machine described by its NICs and disks only: lshw then lists no firmware, CPU or memory node. */
  firmware?: FirmwareHardware;
  cpus?: CpuHardware[];
  dimms?: DimmHardware[];
  nics: NicHardware[];
  disks: DiskHardware[];
}

/** The installed memory in bytes: what lshw's `memory` node and a BMC's memory summary both add up. */
export const memoryBytes = (hw: MachineHardware): number => (hw.dimms ?? []).reduce((n, d) => n + d.size, 0);

/** Logical CPUs (hardware threads): MaaS's `cpu_count`. */
export const logicalCpus = (hw: MachineHardware): number => (hw.cpus ?? []).reduce((n, c) => n + c.threads, 0);

/** Hardware for a machine enlisted with names only: virtio NICs and QEMU disks, as on a VM. */
export function virtualHardware(
  seed: string,
  nics: { name: string; mac: string }[],
  disks: { name: string; size: number; model?: string; serial?: string }[],
  size: { cpuCount: number; memoryMiB: number } = { cpuCount: 8, memoryMiB: 16384 },
): MachineHardware {
  return {
    vendor: 'QEMU',
    product: 'Standard PC (Q35 + ICH9, 2009)',
    serial: hex(seed, 8),
    // SeaBIOS, one socket of vCPUs and one memory device, as QEMU presents them.
    firmware: { vendor: 'SeaBIOS', version: '1.15.0-1', date: '04/01/2014' },
    cpus: [{ product: 'QEMU Virtual CPU version 2.5+', vendor: 'Intel Corp.', cores: size.cpuCount, threads: size.cpuCount, hz: 2e9 }],
    dimms: [{ slot: 'DIMM 0', size: size.memoryMiB * 2 ** 20, product: '', vendor: 'QEMU', serial: '', hz: 0 }],
    nics: nics.map((n, i) => ({
      name: n.name,
      mac: n.mac,
      pciAddress: `0000:00:${(3 + i).toString(16).padStart(2, '0')}.0`,
      product: 'Virtio network device',
      vendor: 'Red Hat, Inc.',
      speed: 1e9,
    })),
    disks: disks.map((d, i) => ({
      name: d.name,
      bus: 'scsi',
      address: `${i}:0.0.0`,
      size: d.size,
      model: d.model ?? 'QEMU HARDDISK',
      vendor: 'QEMU',
      serial: d.serial ?? hex(`${seed}/${d.name}`, 12),
    })),
  };
}

function hex(s: string, n: number): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `lshw -xml` as the commissioning environment (Ubuntu 22.04, lshw B.02.19.2) prints it. */
export function renderLshw(hostname: string, hw: MachineHardware): string {
  const nic = (n: NicHardware, i: number) => `
        <node id="network${i ? `:${i}` : ''}" ${n.disabled ? 'disabled="true" ' : ''}claimed="true" class="network" handle="PCI:${n.pciAddress}">
          <description>Ethernet interface</description>
          <product>${esc(n.product)}</product>
          <vendor>${esc(n.vendor)}</vendor>
          <physid>${n.pciAddress.endsWith('.0') ? '0' : `0.${n.pciAddress.slice(-1)}`}</physid>
          <businfo>pci@${n.pciAddress}</businfo>
          <logicalname>${n.name}</logicalname>
          <version>01</version>
          <serial>${n.mac}</serial>${
            n.speed
              ? `
          <size units="bit/s">${n.speed}</size>`
              : ''
          }
          <capacity>${n.speed ?? 1000000000}</capacity>
          <width units="bits">64</width>
          <clock units="Hz">33000000</clock>
          <configuration>
            <setting id="autonegotiation" value="on" />
            <setting id="broadcast" value="yes" />
            <setting id="driver" value="${n.vendor.startsWith('Intel') ? 'i40e' : n.vendor.startsWith('Broadcom') ? 'tg3' : 'virtio_net'}" />
            <setting id="link" value="${n.speed ? 'yes' : 'no'}" />
            <setting id="multicast" value="yes" />
          </configuration>
          <capabilities>
            <capability id="pciexpress">PCI Express</capability>
            <capability id="bus_master">bus mastering</capability>
            <capability id="ethernet" />
            <capability id="physical">Physical interface</capability>
          </capabilities>
        </node>`;
  const scsiDisk = (d: DiskHardware, i: number) => {
    const [host, rest] = d.address.split(':');
    return `
          <node id="disk${i ? `:${i}` : ''}" claimed="true" class="disk" handle="SCSI:${host!.padStart(2, '0')}:${rest!
            .split('.')
            .map((x) => x.padStart(2, '0'))
            .join(':')}">
            <description>ATA Disk</description>
            <product>${esc(d.model)}</product>
            <vendor>${esc(d.vendor)}</vendor>
            <physid>${rest}</physid>
            <businfo>scsi@${d.address}</businfo>
            <logicalname>/dev/${d.name}</logicalname>
            <dev>8:${i * 16}</dev>
            <serial>${esc(d.serial)}</serial>
            <size units="bytes">${d.size}</size>
            <configuration>
              <setting id="logicalsectorsize" value="512" />
              <setting id="sectorsize" value="4096" />
            </configuration>
          </node>`;
  };
  const nvme = (d: DiskHardware) => {
    const ctrl = d.name.replace(/n\d+$/, '');
    return `
        <node id="nvme${ctrl.slice(4) === '0' ? '' : `:${ctrl.slice(4)}`}" claimed="true" class="storage" handle="PCI:${d.address}">
          <description>NVMe device</description>
          <product>${esc(d.model)}</product>
          <vendor>${esc(d.vendor)}</vendor>
          <physid>0</physid>
          <businfo>pci@${d.address}</businfo>
          <logicalname>/dev/${ctrl}</logicalname>
          <version>1.0</version>
          <serial>${esc(d.serial)}</serial>
          <configuration>
            <setting id="driver" value="nvme" />
          </configuration>
          <node id="namespace" claimed="true" class="disk" handle="GUID:${hex(d.serial, 8)}">
            <description>NVMe disk</description>
            <physid>1</physid>
            <businfo>nvme@${ctrl.slice(4)}:1</businfo>
            <logicalname>/dev/${d.name}</logicalname>
            <size units="bytes">${d.size}</size>
          </node>
        </node>`;
  };
  const firmware = (f: FirmwareHardware) => `
    <node id="firmware" claimed="true" class="memory" handle="">
      <description>BIOS</description>
      <vendor>${esc(f.vendor)}</vendor>
      <physid>0</physid>
      <version>${esc(f.version)}</version>
      <date>${esc(f.date)}</date>
      <size units="bytes">65536</size>
      <capacity units="bytes">33554432</capacity>
      <capabilities>
        <capability id="pci">PCI bus</capability>
        <capability id="upgrade">BIOS EEPROM can be upgraded</capability>
        <capability id="shadowing">BIOS shadowing</capability>
        <capability id="cdboot">Booting from CD-ROM/DVD</capability>
        <capability id="bootselect">Selectable boot path</capability>
        <capability id="acpi">ACPI</capability>
        <capability id="usb">USB legacy emulation</capability>
        <capability id="netboot">Function-key initiated network service boot</capability>
        <capability id="uefi">UEFI specification is supported</capability>
      </capabilities>
    </node>`;
  const cpu = (c: CpuHardware, i: number, all: CpuHardware[]) => `
    <node id="cpu${all.length > 1 ? `:${i}` : ''}" claimed="true" class="processor" handle="DMI:${(0x400 + i).toString(16).padStart(4, '0')}">
      <description>CPU</description>
      <product>${esc(c.product)}</product>
      <vendor>${esc(c.vendor)}</vendor>
      <physid>${(0x400 + i).toString(16)}</physid>
      <businfo>cpu@${i}</businfo>
      <slot>Proc ${i + 1}</slot>
      <size units="Hz">${c.hz}</size>
      <capacity units="Hz">${Math.max(c.hz, 4e9)}</capacity>
      <width units="bits">64</width>
      <clock units="Hz">100000000</clock>
      <configuration>
        <setting id="cores" value="${c.cores}" />
        <setting id="enabledcores" value="${c.cores}" />
        <setting id="threads" value="${c.threads}" />
      </configuration>
      <capabilities>
        <capability id="lm">64bits extensions (x86-64)</capability>
        <capability id="fpu">mathematical co-processor</capability>
        <capability id="vmx">CPU virtualization (Vanderpool)</capability>
      </capabilities>
    </node>`;
  const dimm = (d: DimmHardware, i: number) => `
      <node id="bank:${i}" claimed="true" class="memory" handle="DMI:${(0x1100 + i).toString(16).padStart(4, '0')}">
        <description>DIMM DDR4 Synchronous Registered (Buffered)${d.hz ? ` ${d.hz / 1e6} MHz (${(1e9 / d.hz).toFixed(1)} ns)` : ''}</description>${
          d.product
            ? `
        <product>${esc(d.product)}</product>`
            : ''
        }
        <vendor>${esc(d.vendor)}</vendor>
        <physid>${i.toString(16)}</physid>${
          d.serial
            ? `
        <serial>${esc(d.serial)}</serial>`
            : ''
        }
        <slot>${esc(d.slot)}</slot>
        <size units="bytes">${d.size}</size>
        <width units="bits">64</width>${
          d.hz
            ? `
        <clock units="Hz">${d.hz}</clock>`
            : ''
        }
      </node>`;
  const memory = (dimms: DimmHardware[]) => `
    <node id="memory" claimed="true" class="memory" handle="DMI:1000">
      <description>System Memory</description>
      <physid>1000</physid>
      <slot>System board or motherboard</slot>
      <size units="bytes">${dimms.reduce((n, d) => n + d.size, 0)}</size>
      <capabilities>
        <capability id="ecc">Multi-bit error-correcting code (ECC)</capability>
      </capabilities>
      <configuration>
        <setting id="errordetection" value="multi-bit-ecc" />
      </configuration>${dimms.map(dimm).join('')}
    </node>`;
  const scsi = hw.disks.filter((d) => d.bus === 'scsi');
  const uuid = hex(hw.serial, 32)
    .toUpperCase()
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  return `<?xml version="1.0" standalone="yes" ?>
<!-- generated by lshw-B.02.19.2 -->
<!-- GCC 11.4.0 -->
<!-- Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64 -->
<!-- GNU libc 2 (glibc 2.35) -->
<list>
<node id="${esc(hostname)}" claimed="true" class="system" handle="DMI:0100">
  <description>Rack Mount Chassis</description>
  <product>${esc(hw.product)}</product>
  <vendor>${esc(hw.vendor)}</vendor>
  <serial>${esc(hw.serial)}</serial>
  <width units="bits">64</width>
  <configuration>
    <setting id="boot" value="normal" />
    <setting id="chassis" value="rackmount" />
    <setting id="uuid" value="${uuid}" />
  </configuration>
  <node id="core" claimed="true" class="bus" handle="DMI:0200">
    <description>Motherboard</description>
    <physid>0</physid>${hw.firmware ? firmware(hw.firmware) : ''}${(hw.cpus ?? []).map(cpu).join('')}${hw.dimms?.length ? memory(hw.dimms) : ''}
    <node id="pci" claimed="true" class="bridge" handle="PCIBUS:0000:00">
      <description>Host bridge</description>
      <physid>100</physid>
      <businfo>pci@0000:00:00.0</businfo>${hw.nics.map(nic).join('')}${
        scsi.length
          ? `
        <node id="sata" claimed="true" class="storage" handle="PCI:0000:00:17.0">
          <description>SATA controller</description>
          <businfo>pci@0000:00:17.0</businfo>
          <configuration>
            <setting id="driver" value="ahci" />
          </configuration>${scsi.map(scsiDisk).join('')}
        </node>`
          : ''
      }${hw.disks
        .filter((d) => d.bus === 'nvme')
        .map(nvme)
        .join('')}
    </node>
  </node>
</node>
</list>
`;
}

/** `lldpctl -f xml`: one neighbour per NIC that has a switch port. */
export function renderLldp(hw: MachineHardware): string {
  const ifaces = hw.nics
    .filter((n) => n.neighbour)
    .map(
      (n, i) => `
 <interface label="Interface" name="${n.name}" via="LLDP" rid="${i + 1}" age="0 day, 00:00:${String(20 + i).padStart(2, '0')}">
  <chassis label="Chassis">
   <id label="ChassisID" type="mac">${n.neighbour!.switchMac}</id>
   <name label="SysName">${esc(n.neighbour!.switchName)}</name>
   <capability label="Capability" type="Bridge" enabled="on"/>
  </chassis>
  <port label="Port">
   <id label="PortID" type="ifname">${esc(n.neighbour!.port)}</id>
   <descr label="PortDescr">${esc(n.neighbour!.port)}</descr>
  </port>
 </interface>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<lldp label="LLDP neighbors">${ifaces}\n</lldp>\n`;
}

function modaliases(hw: MachineHardware): string {
  const id = (vendor: string) => (vendor.startsWith('Intel') ? '00008086' : vendor.startsWith('Broadcom') ? '000014E4' : vendor.startsWith('Mellanox') ? '000015B3' : '00001AF4');
  return hw.nics.map((n) => `pci:v${id(n.vendor)}d0000${hex(n.product, 4).toUpperCase()}sv${id(n.vendor)}sd00000000bc02sc00i00`).join('\n') + '\n';
}

/** MaaS 3.x script names (provisioningserver/refresh/node_info_scripts.py). */
export const LSHW_SCRIPT = 'maas-lshw';
export const LLDP_SCRIPT = 'maas-capture-lldpd';

/** One commissioning script's stored output, as NodeResultsHandler lists it. */
export interface ScriptOutput {
  name: string;
  exitStatus: number;
  output: string;
}

/** What the commissioning run stores for a machine, in the order the scripts run. */
export function commissioningOutputs(hostname: string, hw: MachineHardware, failed: boolean): ScriptOutput[] {
  return [
    { name: '20-maas-01-install-lldpd', exitStatus: 0, output: 'Reading package lists...\nBuilding dependency tree...\nlldpd is already the newest version.\n' },
    { name: '50-maas-01-commissioning', exitStatus: failed ? 1 : 0, output: failed ? 'machine-resources: error: cannot read hardware resources\n' : '' },
    { name: 'maas-capture-lldpd', exitStatus: 0, output: renderLldp(hw) },
    {
      name: 'maas-kernel-cmdline',
      exitStatus: 0,
      output: 'BOOT_IMAGE=/images/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel nomodeset ro root=squash:http://maas:5248/images/squashfs\n',
    },
    { name: 'maas-list-modaliases', exitStatus: 0, output: modaliases(hw) },
    { name: LSHW_SCRIPT, exitStatus: 0, output: renderLshw(hostname, hw) },
  ];
}
