/** The stack tests (a real Docker engine): only `npm run test:compose` runs them, through deploy/test/compose-smoke.sh. */
import base from '../../../jest.config.js';

export default {
  ...base,
  rootDir: '../../..',
  testMatch: ['<rootDir>/test/deploy/stack/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // One stack at a time: the machine has 2 cores and each stack runs five containers.
  maxWorkers: 1,
  // Image pulls, health checks and scaling take minutes on a loaded 2-core machine.
  testTimeout: 600_000,
};
