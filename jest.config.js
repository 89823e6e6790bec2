/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Loopback servers and dynalite start per suite; a slow CI core should not flake a suite.
  testTimeout: 30000,
  // jest's default is cores - 1, one worker on the 2-core machines this runs on. Most suites wait on
  // loopback sockets, dynalite and child processes rather than compute, so two workers overlap that
  // waiting; more than two would only contend for the cores.
  maxWorkers: 2,
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
