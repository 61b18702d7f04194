/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `tsc --noEmit` in `npm test`; jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  globalSetup: '<rootDir>/test/harness/globalSetup.ts',
  globalTeardown: '<rootDir>/test/harness/globalTeardown.ts',
  testTimeout: 120000,
  // The Temporal native runtime keeps handles open after teardown (sdk-typescript#928).
  forceExit: true,
  // Three test files at once on two cores: much of the suite waits on peers, timers and fault windows, not CPU.
  maxWorkers: 3,
  // The fault matrix's rows mostly wait out their fault windows (60 s outages): more of them side by side.
  maxConcurrency: 8,
};
