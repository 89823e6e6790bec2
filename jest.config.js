/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Loopback servers and dynalite start per suite; a slow CI core should not flake a suite.
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
