import { swcOptions } from './test/support/swc-options.js';

/** Jest runs the TypeScript sources as native ESM, compiled by SWC (decorators + metadata for Nest). */
const swc = { ...swcOptions, sourceMaps: 'inline' };

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@app/(config|contracts|crypto|platform|telemetry)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
  // Key generation and PKCS#12 work take seconds on a busy 2-core machine: Jest's 5 s default fails tests
  // for the machine's load, not for what they prove. Suites that need longer still set their own.
  testTimeout: 30_000,
  // The stack tests need a Docker engine and a built image: `npm run test:compose` runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/deploy/stack/'],
  // Two suites at a time even on a 2-core machine (Jest's default there is one, in band): most suites wait on
  // PostgreSQL, NATS, child processes and timers more than they compute, so two overlap well. Every suite
  // has its own schemas, subject prefix or private servers, so they cannot see each other.
  maxWorkers: 2,
  // One handle a suite leaves open (a timer, a socket) would keep the run alive after its summary. The NATS
  // leaks that did so are fixed at their cause (test/e2e/nats-connection-lifecycle.e2e.spec.ts); this stays
  // as the net for ones not found yet, so CI cannot hang on them.
  forceExit: true,
};
