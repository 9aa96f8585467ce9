// User names and client ids are both token subjects (RFC 9068 §5): a user token's `sub` is the user name, a
// client_credentials token's the client id. Against the real Key Manager: a user cannot take a client's id
// or a reserved name, and a client cannot be given a user's name.
import { afterAll, beforeAll, describe, expect, test, jest } from '@jest/globals';
import { KeyManagerPatterns, RpcErrorCodes, USERNAME_PATTERN } from '@app/contracts';
import { KeyManagerCallError } from '@app/platform';
import { ClientsService } from '../src/clients/clients.service.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { basic, postForm, register, startKeyManagerWithUser, type KeyManagerWithUser, type RegisteredClient } from './km-test.helpers.js';

jest.setTimeout(180_000);

const PASSWORD = 'a long enough password 7';
let fixture: KeyManagerWithUser;
let bus: KeyManagerClientUnderTest;

async function signUp(username: string): Promise<string> {
  try {
    await bus.client.call(KeyManagerPatterns.UserCreate, { username, password: PASSWORD });
    return 'created';
  } catch (error) {
    if (error instanceof KeyManagerCallError) return error.code;
    throw error;
  }
}

async function jwtSub(token: string): Promise<string> {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
}

beforeAll(async () => {
  fixture = await startKeyManagerWithUser({ username: 'subject-user', password: PASSWORD });
  bus = await createKeyManagerClientForTest(fixture.km.config);
});

afterAll(async () => {
  await bus?.close();
  await fixture?.stop();
});

describe('user and client subjects cannot be confused', () => {
  test('a user cannot sign up with a client id, in any case, so no user token carries a client token sub', async () => {
    const client = (await register(fixture.km, { grant_types: ['client_credentials'] })) as RegisteredClient & { client_secret: string };
    const issued = await postForm(`${fixture.km.baseUrl}/oauth2/token`, 'grant_type=client_credentials', { authorization: basic(client.client_id, client.client_secret) });
    const clientSub = await jwtSub(((await issued.json()) as { access_token: string }).access_token);
    expect(clientSub).toBe(client.client_id);

    // A client id is base64url, so about 1 in 32 starts with '-' or '_', which no user name may: that sign-up
    // fails validation before the name is looked up. Either way it is refused.
    const refusal = USERNAME_PATTERN.test(client.client_id) ? RpcErrorCodes.Conflict : RpcErrorCodes.InvalidRequest;
    expect(await signUp(client.client_id)).toBe(refusal);
    expect(await signUp(client.client_id.toLowerCase())).toBe(refusal);
    expect(await signUp(client.client_id.toUpperCase())).toBe(refusal);
    expect(await signUp('apim-devportal')).toBe(RpcErrorCodes.Conflict);
  });

  test('admin and the super admin name are reserved', async () => {
    for (const name of ['admin', 'ADMIN', 'Admin', fixture.km.admin.username]) expect(await signUp(name)).toBe(RpcErrorCodes.Conflict);
    expect(await signUp('administrator')).toBe('created');
  });

  test('a client cannot be given a user name or a reserved name as its id', async () => {
    const clients = fixture.km.app.get(ClientsService);
    for (const id of ['subject-user', 'SUBJECT-USER', 'admin']) {
      await expect(clients.create({ clientName: 'imposter', grantTypes: ['client_credentials'] }, id)).rejects.toMatchObject({ code: 'INVALID_CLIENT_METADATA' });
    }
    const free = await clients.create({ clientName: 'named', grantTypes: ['client_credentials'] }, 'named-client-1');
    expect(free.client.clientId).toBe('named-client-1');
    expect(await signUp('Named-Client-1')).toBe(RpcErrorCodes.Conflict);
  });
});
