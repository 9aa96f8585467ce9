// The WSO2 token ports on ONE shared stack (one Key Manager, portal and NATS start for three WSO2 sources,
// to keep the suite cheap): TokenAPITestCase.ts, JWTRevocationTestCase.ts, token-revocation.feature.ts. Each of
// those files ports one WSO2 class or feature file and says which, at which commit, and what is left out.
import { afterAll, beforeAll, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { jwtRevocationTestCase } from './JWTRevocationTestCase.js';
import { tokenAPITestCase } from './TokenAPITestCase.js';
import { tokenRevocationFeature } from './token-revocation.feature.js';

jest.setTimeout(180_000);

let compat: CompatStack;

beforeAll(async () => {
  compat = await startCompatStack('tokens');
});

afterAll(async () => {
  await compat?.stop();
});

const stack = () => compat;
tokenAPITestCase('SUPER_TENANT_ADMIN', 'token-api-admin', stack);
// WSO2's email user (user names with '@', as `<name>@<domain>`), in the super tenant.
tokenAPITestCase('SUPER_TENANT_EMAIL_USER', 'token.api.user@wso2.com', stack);
jwtRevocationTestCase(stack);
tokenRevocationFeature(stack);
