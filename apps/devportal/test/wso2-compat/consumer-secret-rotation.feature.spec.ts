// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/key-manager/consumer_secret_rotation.feature
// sent as WSO2's generated client sends it (wso2-store-client.ts); "I delete the keys" is
// ApplicationBaseSteps.iDeleteApplicationKeys: DELETE …/oauth-keys/{keyMappingId}.
//
// WSO2 runs this file on its own block with `[oauth.multiple_client_secrets] enable = false`, because its
// regenerate-secret answers 500 (900967) while several secrets are on. Here regenerate-secret works in both
// modes, so the rotation runs with the feature on (the default) and off.
// Left out: the tenant1.com examples (no tenants); the API publication, subscription and gateway invocations
// (no publisher or gateway) — each token is introspected at the Key Manager instead, as a gateway would.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { introspectAsAdmin, requestTokenWithSecret } from './token-request.js';
import { applicationDto, unique, type Wso2StoreClient } from './wso2-store-client.js';

jest.setTimeout(240_000);

interface KeyBody {
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
}

const stacks: Record<'on' | 'off', CompatStack | undefined> = { on: undefined, off: undefined };

beforeAll(async () => {
  stacks.on = await startCompatStack('rotation-on');
  stacks.off = await startCompatStack('rotation-off', { 'oauth.multiple_client_secrets': { enable: false } });
});

afterAll(async () => {
  await stacks.on?.stop();
  await stacks.off?.stop();
});

const setUp = async (compat: CompatStack): Promise<{ admin: Wso2StoreClient; appId: string; keys: KeyBody }> => {
  const admin = await compat.clientFor('admin-user');
  const created = await admin.applicationsPost<{ applicationId: string }>(
    applicationDto({ name: unique('APIMTestApp'), throttlingPolicy: 'Unlimited', description: 'Test application for scenarios' }),
  );
  expect(created.status).toBe(201);
  const keys = await admin.send<KeyBody>('POST', `/applications/${created.body.applicationId}/generate-keys`, {
    keyType: 'PRODUCTION',
    grantTypesToBeSupported: ['client_credentials', 'password'],
  });
  expect(keys.status).toBe(200);
  return { admin, appId: created.body.applicationId, keys: keys.body };
};

const introspect = (compat: CompatStack, token: string) => introspectAsAdmin(compat.stack.keyManager, token);

describe('key-manager/consumer_secret_rotation.feature', () => {
  it.each(['on', 'off'] as const)(
    'Rotating a consumer secret revokes the old credential and issues a working new one as admin (several secrets %s)',
    async (mode) => {
      const compat = stacks[mode]!;
      const { admin, appId, keys } = await setUp(compat);
      const url = compat.stack.keyManager.baseUrl;

      const before = await requestTokenWithSecret(url, keys.consumerKey, keys.consumerSecret);
      expect(before.status).toBe(200);
      expect(await introspect(compat, before.body['access_token'] as string)).toMatchObject({ active: true });

      const rotated = await admin.regenerateSecretPost<{ consumerSecret: string }>(appId, keys.keyMappingId);
      expect(rotated.status).toBe(200);
      const newSecret = rotated.body.consumerSecret;
      expect(newSecret).not.toBe(keys.consumerSecret);

      const after = await requestTokenWithSecret(url, keys.consumerKey, newSecret);
      expect(after.status).toBe(200);
      expect(await introspect(compat, after.body['access_token'] as string)).toMatchObject({ active: true });

      // Without this leg, a rotation that merely added a secret would pass.
      expect((await requestTokenWithSecret(url, keys.consumerKey, keys.consumerSecret)).status).toBe(401);
    },
  );

  it("Deleting an application's keys leaves its consumer credential unusable as admin", async () => {
    const compat = stacks.on!;
    const { admin, appId, keys } = await setUp(compat);
    const url = compat.stack.keyManager.baseUrl;
    expect((await requestTokenWithSecret(url, keys.consumerKey, keys.consumerSecret)).status).toBe(200);
    expect((await admin.send('DELETE', `/applications/${appId}/oauth-keys/${keys.keyMappingId}`)).status).toBe(200);
    expect((await requestTokenWithSecret(url, keys.consumerKey, keys.consumerSecret)).status).toBe(401);
  });
});
