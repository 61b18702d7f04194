/**
 * Out-of-band (BMC) driver interfaces, one per concern, in the manner of Ironic's hardware interfaces.
 * They know nothing of Temporal: activities wrap them, tests call them directly.
 * Every verb is idempotent (safe to run again after a worker dies) and bounded in time.
 * Failures are DriverErrors (drivers/errors.ts): TransientDriverError is worth a retry,
 * PermanentDriverError (including AuthenticationError) is not.
 * Every verb takes CallOptions last: aborting its signal stops the call at once (drivers/abort.ts).
 */

/** Where and how to reach one node's BMC. Built from the node's `oob` design parameters. */
export interface BmcTarget {
  /** Node name (Drydock's BaremetalNode name); used in logs and error messages. */
  node: string;
  /** BMC IP address or host name. */
  address: string;
  /** IPMI UDP port (default 623) or Redfish TCP port (default 443, or 80 without TLS). */
  port?: number;
  username: string;
  /** Used only in the call to the BMC: never logged, never put in an error. */
  password: string;
}

export type PowerState = 'on' | 'off';

/** Options every driver verb takes last. */
export interface CallOptions {
  /**
   * Aborting it stops the call at once: a running ipmitool is killed, an HTTP request is dropped, a polling
   * loop ends without another request, and the call rejects with CallAbortedError (drivers/abort.ts).
   * Activities pass Temporal's cancellation signal, so a terminated task stops talking to the BMC.
   */
  signal?: AbortSignal;
}

/** 'none' means no override is set; other protocol values are passed through lower-cased. */
export type BootDevice = 'pxe' | 'disk' | 'none' | string;

export interface BootDeviceOptions extends CallOptions {
  /** Keep the override for every boot, not only the next one (default false: next boot only). */
  persistent?: boolean;
}

/** Common to every OOB driver: are the node's parameters usable, and do the credentials work? */
export interface ValidatingDriver {
  /** Resolves when the BMC answers and accepts the credentials; throws a DriverError otherwise. */
  validate(target: BmcTarget, opts?: CallOptions): Promise<void>;
}

export interface PowerDriver extends ValidatingDriver {
  /** Powers on and waits until the BMC reports on; a no-op when already on. */
  powerOn(target: BmcTarget, opts?: CallOptions): Promise<void>;
  /** Hard power off and waits until the BMC reports off; a no-op when already off. */
  powerOff(target: BmcTarget, opts?: CallOptions): Promise<void>;
  /** Off, wait for off, on, wait for on (as Drydock's PowerCycleNode). */
  powerCycle(target: BmcTarget, opts?: CallOptions): Promise<void>;
  powerState(target: BmcTarget, opts?: CallOptions): Promise<PowerState>;
}

export interface BootDeviceDriver extends ValidatingDriver {
  setBootDevice(target: BmcTarget, device: 'pxe' | 'disk', options?: BootDeviceOptions): Promise<void>;
  getBootDevice(target: BmcTarget, opts?: CallOptions): Promise<BootDevice>;
}

export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

export interface PciDevice {
  id: string;
  name?: string;
  manufacturer?: string;
  /** MAC address when the device is a network interface. */
  macAddress?: string;
}

export interface Drive {
  id: string;
  name?: string;
  model?: string;
  capacityBytes?: number;
}

export interface Alarm {
  source: string;
  message: string;
  severity?: Health;
}

/** What the BMC tells about the hardware; fields the protocol does not offer are left out. */
export interface HardwareInventory {
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  firmware: { bmc?: string; bios?: string };
  /** Populated CPU sockets (Redfish ProcessorSummary.Count); IPMI's FRU and `mc info` have no such total. */
  cpuCount?: number;
  /** CPU cores in all sockets (Redfish ProcessorSummary.CoreCount, where the service fills it). */
  cpuCores?: number;
  /** Installed memory in bytes (Redfish MemorySummary.TotalSystemMemoryGiB × 2³⁰). */
  memoryBytes?: number;
  powerState?: PowerState;
  health: Health;
  pciDevices: PciDevice[];
  drives: Drive[];
  alarms: Alarm[];
  /** Sections the BMC did not serve (unsupported or failing), with the reason: the inventory is partial. */
  unavailable: string[];
}

export interface InventoryDriver extends ValidatingDriver {
  inventory(target: BmcTarget, opts?: CallOptions): Promise<HardwareInventory>;
}

/** The drivers serving one OOB type, as createOobDrivers() returns them. */
export interface OobDrivers {
  power: PowerDriver;
  bootDevice: BootDeviceDriver;
  inventory: InventoryDriver;
}

export type OobType = 'ipmi' | 'redfish';
