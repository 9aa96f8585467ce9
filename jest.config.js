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
};
