import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { KeyManagerPatterns, RpcErrorCodes } from '@app/contracts';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let portal: KeyManagerClientUnderTest;
let nc: NatsConnection;

beforeAll(async () => {
  tmp = await makeTempDir();
  nats = await startPrivateNats();
  km = await startKeyManagerForTest({ dir: tmp.dir, keystore: await createTestKeystore(tmp.dir), nats: nats.url, encryption: 'rsa-oaep' });
  portal = await createKeyManagerClientForTest(km.config);
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await portal?.close();
  await km?.stop();
  await nats?.stop();
  await tmp?.remove();
});

/** One copy of a call as the portal's client sends it, with the idempotency key given. */
async function send(pattern: string, data: unknown, idempotencyKey: string): Promise<{ response?: { data: Record<string, unknown> }; err?: { code: string } }> {
  const body = { id: randomUUID(), pattern, data: { sender: portal.client.self(), requestId: randomUUID(), idempotencyKey, data } };
  const reply = await nc.request(pattern, JSON.stringify(body), { timeout: 10_000 });
  return reply.json();
}

async function tokenRows(clientId: string): Promise<number> {
  const [row] = await queryTestDatabase<{ n: string }>('SELECT count(*) AS n FROM oauth_tokens WHERE client_id = $1', [clientId], km.schema);
  return Number(row!.n);
}

test('copies of a command with one idempotency key, sent together, are done once and all get the first answer', async () => {
  const client = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Idempotent', owner: 'bob' });
  const key = randomUUID();
  const copies = await Promise.all([1, 2, 3].map(() => send(KeyManagerPatterns.TokenIssue, { clientId: client.clientId, validityPeriod: 300 }, key)));
  const tokens = copies.map((c) => c.response?.data.accessToken);
  expect(tokens[0]).toEqual(expect.any(String));
  expect(new Set(tokens).size).toBe(1);
  expect(await tokenRows(client.clientId)).toBe(1);
  // A retry later still gets it; another key is another token.
  expect((await send(KeyManagerPatterns.TokenIssue, { clientId: client.clientId, validityPeriod: 300 }, key)).response?.data.accessToken).toBe(tokens[0]);
  expect((await send(KeyManagerPatterns.TokenIssue, { clientId: client.clientId, validityPeriod: 300 }, randomUUID())).response?.data.accessToken).not.toBe(tokens[0]);
  expect(await tokenRows(client.clientId)).toBe(2);
});

test('the stored answer holds no readable secret: only the hash of the key, and the answer sealed under a key derived from it', async () => {
  const client = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Sealed', owner: 'bob' });
  const key = randomUUID();
  const issued = await send(KeyManagerPatterns.ClientRegenerateSecret, { clientId: client.clientId }, key);
  const secret = String(issued.response?.data.clientSecret);
  const rows = await queryTestDatabase<{ key_hash: string; result: string }>('SELECT key_hash, result FROM rpc_idempotency', [], km.schema);
  const text = JSON.stringify(rows);
  expect(rows.length).toBeGreaterThan(0);
  expect(text).not.toContain(key);
  expect(text).not.toContain(secret);
  expect(text).not.toContain(Buffer.from(secret).toString('base64'));
});

test('a key reused for another request is refused; a failed command stores nothing', async () => {
  const client = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Reused', owner: 'bob' });
  const key = randomUUID();
  await send(KeyManagerPatterns.TokenIssue, { clientId: client.clientId }, key);
  const reused = await send(KeyManagerPatterns.TokenIssue, { clientId: client.clientId, scopes: ['other'] }, key);
  expect(reused.err).toMatchObject({ code: RpcErrorCodes.InvalidRequest, message: 'idempotencyKey was already used for another request' });

  const failing = randomUUID();
  expect((await send(KeyManagerPatterns.TokenIssue, { clientId: 'no-such-client' }, failing)).err).toMatchObject({ code: RpcErrorCodes.NotFound });
  const [row] = await queryTestDatabase<{ n: string }>('SELECT count(*) AS n FROM rpc_idempotency WHERE result IS NULL', [], km.schema);
  expect(Number(row!.n)).toBe(0);
  expect((await send(KeyManagerPatterns.TokenIssue, { clientId: client.clientId }, 'short')).err).toMatchObject({ code: RpcErrorCodes.InvalidRequest });
});

test('sign-up sent twice with one key creates the user once and answers both copies alike', async () => {
  const key = randomUUID();
  const [a, b] = await Promise.all([1, 2].map(() => send(KeyManagerPatterns.UserCreate, { username: 'twice.user', password: 'twice pass 12' }, key)));
  expect(a!.err).toBeUndefined();
  expect(b!.response!.data).toEqual(a!.response!.data);
});
