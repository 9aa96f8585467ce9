// Several consumer secrets per key beyond what WSO2's own tests check: the rules WSO2's Key Manager applies
// (identity-inbound-auth-oauth @ c4c32bb3f8edde5dc54b7d713acdd71a232e8f62, OAuthAdminServiceImpl and
// OAuthAppDAO: the cap, the latest secret kept, expiry, regenerate-secret leaving one secret), ours (the last
// working secret kept, a revoked own secret forgotten by the portal), storage (encrypted like every secret,
// found by hash) and bad input. Real Key Manager, portal, NATS and PostgreSQL (compat-stack.ts).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { queryTestDatabase } from '../../../../test/support/test-database.js';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { introspectAsAdmin, requestTokenWithSecret } from './token-request.js';
import { applicationDto, unique, type Wso2StoreClient } from './wso2-store-client.js';

jest.setTimeout(240_000);

interface KeyBody {
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
}
interface SecretBody {
  secretId: string;
  secretValue?: string;
  additionalProperties: { description?: string; expiresAt: number; createdAt: number };
}
interface ErrorBody {
  code: number;
  message: string;
  description: string;
}

const SECRET_COUNT = 4;
let compat: CompatStack;
let off: CompatStack;
let alice: Wso2StoreClient;

beforeAll(async () => {
  compat = await startCompatStack('consumer-secrets', { 'oauth.multiple_client_secrets': { secret_count: SECRET_COUNT } });
  off = await startCompatStack('consumer-secrets-off', { 'oauth.multiple_client_secrets': { enable: false } });
  alice = await compat.clientFor('alice-secrets');
});

afterAll(async () => {
  await compat?.stop();
  await off?.stop();
});

const newKey = async (client: Wso2StoreClient = alice): Promise<{ appId: string; keys: KeyBody }> => {
  const created = await client.applicationsPost<{ applicationId: string }>(applicationDto({ name: unique('SecretsApp'), throttlingPolicy: 'Unlimited' }));
  expect(created.status).toBe(201);
  const keys = await client.send<KeyBody>('POST', `/applications/${created.body.applicationId}/generate-keys`, { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] });
  expect(keys.status).toBe(200);
  return { appId: created.body.applicationId, keys: keys.body };
};

const token = (clientId: string, secret: string) => requestTokenWithSecret(compat.stack.keyManager.baseUrl, clientId, secret);

describe('several consumer secrets per key', () => {
  it('lists the key’s own secret with the added ones, most recent first, with WSO2’s additionalProperties and no values', async () => {
    const { appId, keys } = await newKey();
    const before = Math.floor(Date.now() / 1000) - 5;
    const added = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: { description: 'ci pipeline', expiresIn: 86400 } });
    expect(added.status).toBe(201);
    expect(added.headers.get('cache-control')).toBe('no-store');
    expect(added.body.additionalProperties.description).toBe('ci pipeline');
    expect(added.body.additionalProperties.expiresAt).toBeGreaterThanOrEqual(before + 86400);
    expect(added.body.additionalProperties.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 86400 + 5);

    const listed = await alice.getConsumerSecrets<{ count: number; list: SecretBody[] }>(appId, keys.keyMappingId);
    expect(listed.status).toBe(200);
    expect(listed.body.count).toBe(2);
    expect(listed.body.list[0]!.secretId).toBe(added.body.secretId);
    expect(listed.body.list[1]!.additionalProperties.expiresAt).toBe(0); // the key's own secret never expires
    expect(listed.text).not.toContain(added.body.secretValue!);
    expect(listed.text).not.toContain(keys.consumerSecret);

    // Older clients put description and expiresIn at the top level.
    const topLevel = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { description: 'top level', expiresIn: '60' });
    expect(topLevel.status).toBe(201);
    expect(topLevel.body.additionalProperties.description).toBe('top level');
    expect(topLevel.body.additionalProperties.expiresAt).toBeGreaterThan(0);
  });

  it('stores each added secret as every other secret is stored: encrypted under the deployment’s key, found by hash', async () => {
    const { appId, keys } = await newKey();
    const added = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: {} });
    const rows = await queryTestDatabase<{ secret: string; secret_scheme: string; secret_hash: string }>(
      'SELECT secret, secret_scheme, secret_hash FROM oauth_client_secrets WHERE id = $1',
      [added.body.secretId],
      compat.stack.keyManager.schema,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret).not.toContain(added.body.secretValue!);
    expect(rows[0]!.secret_scheme).toMatch(/^RSA\/ECB\/OAEPwithSHA1andMGF1Padding:/i);
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(added.body.secretValue!).digest('hex'));
  });

  it('caps the secrets of a key at [oauth.multiple_client_secrets] secret_count, the key’s own included', async () => {
    const { appId, keys } = await newKey();
    for (let i = 1; i < SECRET_COUNT; i++) expect((await alice.generateConsumerSecret(appId, keys.keyMappingId, { additionalProperties: {} })).status).toBe(201);
    const over = await alice.generateConsumerSecret<ErrorBody>(appId, keys.keyMappingId, { additionalProperties: {} });
    expect(over.status).toBe(400);
    expect(over.body.description).toBe(`Maximum number of client secrets reached. Clients cannot have more than ${SECRET_COUNT} secrets.`);
  });

  it('generates several at once without passing the cap (the client row is locked)', async () => {
    const { appId, keys } = await newKey();
    const results = await Promise.all(Array.from({ length: 6 }, () => alice.generateConsumerSecret(appId, keys.keyMappingId, { additionalProperties: {} })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(SECRET_COUNT - 1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(6 - (SECRET_COUNT - 1));
  });

  it('refuses to revoke the most recent secret (WSO2) and the last one that has not expired', async () => {
    const { appId, keys } = await newKey();
    const own = (await alice.getConsumerSecrets<{ list: SecretBody[] }>(appId, keys.keyMappingId)).body.list[0]!;
    const latest = await alice.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: own.secretId });
    expect(latest.status).toBe(400);
    expect((latest.body as ErrorBody).description).toBe('The requested client secret cannot be deleted as it is the latest secret.');

    // A newer secret that expires at once: the key's own secret is then the last one that works.
    const shortLived = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: { expiresIn: 1 } });
    expect(shortLived.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const last = await alice.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: own.secretId });
    expect(last.status).toBe(400);
    expect((last.body as ErrorBody).description).toContain('last one that has not expired');
    expect((await token(keys.consumerKey, keys.consumerSecret)).status).toBe(200);
  });

  it('stops accepting an expired secret at its expiry', async () => {
    const { appId, keys } = await newKey();
    const added = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: { expiresIn: 2 } });
    expect((await token(keys.consumerKey, added.body.secretValue!)).status).toBe(200);
    const waitMs = added.body.additionalProperties.expiresAt * 1000 - Date.now() + 300;
    await new Promise((resolve) => setTimeout(resolve, Math.max(waitMs, 0)));
    const expired = await token(keys.consumerKey, added.body.secretValue!);
    expect(expired.status).toBe(401);
    expect(expired.body['error']).toBe('invalid_client');
  });

  it('revokes the key’s own secret once a newer one exists: it stops working and the portal forgets it', async () => {
    const { appId, keys } = await newKey();
    const added = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: { description: 'successor' } });
    const own = (await alice.getConsumerSecrets<{ list: SecretBody[] }>(appId, keys.keyMappingId)).body.list.find((s) => s.secretId !== added.body.secretId)!;
    expect((await alice.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: own.secretId })).status).toBe(204);

    expect((await token(keys.consumerKey, keys.consumerSecret)).status).toBe(401);
    expect((await token(keys.consumerKey, added.body.secretValue!)).status).toBe(200);
    const key = await alice.oauthKeyGet<Record<string, unknown>>(appId, keys.keyMappingId);
    expect(key.status).toBe(200);
    expect(key.body).not.toHaveProperty('consumerSecret');
    const stored = await queryTestDatabase<{ consumer_secret: string | null }>('SELECT consumer_secret FROM application_keys WHERE id = $1', [keys.keyMappingId], compat.stack.devportal.schema);
    expect(stored[0]!.consumer_secret).toBeNull();

    // regenerate-secret gives the key its own secret back, as the only one (WSO2's rotation).
    const rotated = await alice.regenerateSecretPost<{ consumerSecret: string }>(appId, keys.keyMappingId);
    expect(rotated.status).toBe(200);
    expect((await token(keys.consumerKey, rotated.body.consumerSecret)).status).toBe(200);
    expect((await token(keys.consumerKey, added.body.secretValue!)).status).toBe(401);
    const listed = await alice.getConsumerSecrets<{ count: number }>(appId, keys.keyMappingId);
    expect(listed.body.count).toBe(1);
    expect(((await alice.oauthKeyGet<{ consumerSecret: string }>(appId, keys.keyMappingId)).body.consumerSecret)).toBe(rotated.body.consumerSecret);
  });

  it('generate-token accepts any working secret of the key (WSO2: "provide one of the consumer secrets"), not a revoked or expired one', async () => {
    const { appId, keys } = await newKey();
    const generateToken = async (consumerSecret: string) => (await alice.generateTokenPost(appId, keys.keyMappingId, { grantType: 'CLIENT_CREDENTIALS', consumerSecret, validityPeriod: 3600 })).status;
    const added = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: { expiresIn: 1 } });
    const second = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: {} });
    expect(await generateToken(keys.consumerSecret)).toBe(200);
    expect(await generateToken(second.body.secretValue!)).toBe(200);
    expect(await generateToken('not-a-secret-of-this-key')).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, Math.max(added.body.additionalProperties.expiresAt * 1000 - Date.now() + 300, 0)));
    expect(await generateToken(added.body.secretValue!)).toBe(401);
    // The key's own secret revoked: the portal's copy is gone, the added one still works.
    const own = (await alice.getConsumerSecrets<{ list: SecretBody[] }>(appId, keys.keyMappingId)).body.list.find((s) => s.secretId !== second.body.secretId && s.secretId !== added.body.secretId)!;
    expect((await alice.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: own.secretId })).status).toBe(204);
    expect(await generateToken(keys.consumerSecret)).toBe(401);
    expect(await generateToken(second.body.secretValue!)).toBe(200);
  });

  it('keeps tokens issued with a revoked secret until they expire (as WSO2 documents)', async () => {
    const { appId, keys } = await newKey();
    const first = await alice.generateConsumerSecret<SecretBody>(appId, keys.keyMappingId, { additionalProperties: {} });
    await alice.generateConsumerSecret(appId, keys.keyMappingId, { additionalProperties: {} });
    const issued = await token(keys.consumerKey, first.body.secretValue!);
    expect((await alice.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: first.body.secretId })).status).toBe(204);
    expect(await introspectAsAdmin(compat.stack.keyManager, issued.body['access_token'] as string)).toMatchObject({ active: true });
  });

  it('answers bad input with 400 or 404, never 500', async () => {
    const { appId, keys } = await newKey();
    const bad = async (dto: Record<string, unknown>) => (await alice.generateConsumerSecret<ErrorBody>(appId, keys.keyMappingId, dto)).status;
    expect(await bad({ additionalProperties: { expiresIn: -1 } })).toBe(400);
    expect(await bad({ additionalProperties: { expiresIn: 'soon' } })).toBe(400);
    expect(await bad({ additionalProperties: { expiresIn: 1.5 } })).toBe(400);
    expect(await bad({ additionalProperties: { description: 42 } })).toBe(400);
    expect(await bad({ additionalProperties: { description: 'x'.repeat(1025) } })).toBe(400);
    expect(await bad({ additionalProperties: 'text' })).toBe(400);
    expect(await bad({ secretValue: 'mine' })).toBe(400); // not a field of WSO2's request DTO
    // WSO2's map is free-form: names it does not read are ignored.
    expect(await bad({ additionalProperties: { team: 'payments' } })).toBe(201);

    const revoke = async (dto: Record<string, unknown>) => (await alice.revokeConsumerSecret(appId, keys.keyMappingId, dto)).status;
    expect(await revoke({})).toBe(400);
    expect(await revoke({ secretId: '' })).toBe(400);
    const unknown = await alice.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: '2d1b6a35-0c55-4d6a-8b55-6f2f0b7c1f00' });
    expect(unknown.status).toBe(404);
    expect((unknown.body as ErrorBody).description).toBe('The requested client secret does not exist for this application.');
    expect(await revoke({ secretId: 'not-a-uuid' })).toBe(404);
  });

  it('shows another user’s key as not found', async () => {
    const { appId, keys } = await newKey();
    const mallory = await compat.clientFor('mallory-secrets');
    expect((await mallory.generateConsumerSecret(appId, keys.keyMappingId, { additionalProperties: {} })).status).toBe(404);
    expect((await mallory.getConsumerSecrets(appId, keys.keyMappingId)).status).toBe(404);
    const own = (await alice.getConsumerSecrets<{ list: SecretBody[] }>(appId, keys.keyMappingId)).body.list[0]!;
    expect((await mallory.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: own.secretId })).status).toBe(404);
  });

  it('answers ErrorDTO 900916 when several secrets are disabled; regenerate-secret still works', async () => {
    const bob = await off.clientFor('bob-secrets');
    const created = await bob.applicationsPost<{ applicationId: string }>(applicationDto({ name: unique('OffApp'), throttlingPolicy: 'Unlimited' }));
    const keys = await bob.send<KeyBody>('POST', `/applications/${created.body.applicationId}/generate-keys`, { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] });
    const refused = await bob.generateConsumerSecret<ErrorBody>(created.body.applicationId, keys.body.keyMappingId, { additionalProperties: { description: 'x' } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(900916);
    expect((await bob.regenerateSecretPost(created.body.applicationId, keys.body.keyMappingId)).status).toBe(200);
  });
});
