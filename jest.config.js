/** One jest run for everything: construct tests, server end-to-end tests, the browser test. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  testTimeout: 120000,
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // End-to-end tests start real servers and ffmpeg; two workers match the two cores.
  maxWorkers: 2,
};
