export { startMaasEmulator, MaasEmulatorCore, type MaasEmulator, type MaasEmulatorOptions, type MaasCounters } from './server';
export type { EnlistSpec, RackSpec } from './seed';
export type { MaasFaults } from './faults';
export { DEMO_DURATIONS, TEST_DURATIONS, type StepDurations } from './lifecycle';
export { NodeStatus, STATUS_NAMES } from './status';
