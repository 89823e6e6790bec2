/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Loopback servers and dynalite start per suite; a slow CI core should not flake a suite.
  testTimeout: 30000,
  // jest's default is cores - 1, one worker on the 2-core machines this runs on. Most suites wait on
  // loopback sockets, dynalite, child processes and 1-second ticks rather than compute, so more workers
  // than cores overlap that waiting: on 2 cores, three workers ran the suite in 95-109 s of jest time
  // against 109-110 s for two (jest --maxWorkers=N, alternated, idle machine, 2026-12-02).
  maxWorkers: 3,
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
