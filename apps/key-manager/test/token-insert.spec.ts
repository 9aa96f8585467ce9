// The token INSERT (tokens.repository INSERT_TOKENS): a batch's stored secrets travel beside its JSON document,
// joined by a separator and zipped back to their rows by PostgreSQL. Every value must land in its own row, a
// missing refresh token as NULL, whatever the mix in the batch: real PostgreSQL, the Key Manager's own schema.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { TokenProcessor, type ProtectedSecret } from '@app/crypto';
import { INSERT_TOKENS, insertParameters, STORED_SEPARATOR, type NewToken } from '../src/persistence/tokens.repository.js';
import { queryTestDatabase, TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { register, startKeyManagerWithUser, type KeyManagerWithUser } from './km-test.helpers.js';

jest.setTimeout(60_000);

let env: KeyManagerWithUser;
let clientId: string;

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => queryTestDatabase<T>(text, params, env.km.schema);

/** A stored value as the Key Manager writes one: `stored` of the given length in Base64, its scheme, a hash. */
function stored(length: number, scheme = 'RSA/ECB/OAEPwithSHA1andMGF1Padding:test-key'): ProtectedSecret {
  return { stored: randomBytes(length).toString('base64').slice(0, length), scheme, hash: randomBytes(32).toString('hex') };
}

function row(access: ProtectedSecret, refresh: ProtectedSecret | null): NewToken {
  const id = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  return {
    id,
    clientId,
    username: null,
    scopes: 'default',
    tokenType: 'Default',
    grantType: refresh ? 'authorization_code' : 'client_credentials',
    access,
    accessSelector: randomUUID(),
    refresh,
    refreshSelector: refresh ? randomUUID() : null,
    issuedAt: now,
    expiresAt: now + 3600,
    refreshExpiresAt: refresh ? now + 86_400 : null,
    familyId: id,
    parentId: null,
    authorizationCodeId: null,
    signingKeyId: null,
    authTime: null,
  };
}

async function insert(rows: NewToken[]): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${env.km.schema}` });
  await client.connect();
  try {
    await client.query(INSERT_TOKENS, insertParameters(rows));
  } finally {
    await client.end();
  }
}

async function readBack(ids: string[]): Promise<Array<Record<string, unknown>>> {
  return sql(
    `SELECT id::text, access_token, access_token_scheme, access_token_hash, refresh_token, refresh_token_scheme, refresh_token_hash
       FROM oauth_tokens WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)`,
    [ids],
  );
}

const expected = (t: NewToken) => ({
  id: t.id,
  access_token: t.access.stored,
  access_token_scheme: t.access.scheme,
  access_token_hash: t.access.hash,
  refresh_token: t.refresh?.stored ?? null,
  refresh_token_scheme: t.refresh?.scheme ?? null,
  refresh_token_hash: t.refresh?.hash ?? null,
});

beforeAll(async () => {
  env = await startKeyManagerWithUser({ username: 'insert-user', password: 'correct horse 42' }, { encryption: 'rsa-oaep' });
  clientId = (await register(env.km, { grant_types: ['client_credentials'] })).client_id;
});

afterAll(async () => {
  await env?.stop();
});

describe('the token insert', () => {
  test('puts each stored value in its own row, refresh tokens present or not, in any order', async () => {
    const rows = [
      row(stored(604), stored(604)),
      row(stored(604), null),
      // WSO2's hash JSON holds a comma and quotes: a value stored as its hash (hashing on) goes in unchanged.
      row(TokenProcessor.hashOnly(randomBytes(32).toString('hex')), { stored: 'plain-refresh-token', scheme: 'plain', hash: randomBytes(32).toString('hex') }),
      row(stored(464, 'AES/GCM/NoPadding:key'), null),
      row(stored(604), stored(604)),
    ];
    await insert(rows);
    expect(await readBack(rows.map((r) => r.id))).toEqual(rows.map(expected));
  });

  test.each([
    ['one row without a refresh token', [row(stored(64, 'plain'), null)]],
    ['one row with one', [row(stored(64, 'plain'), stored(64, 'plain'))]],
    ['rows none of which has one', [row(stored(604), null), row(stored(604), null), row(stored(604), null)]],
  ])('%s', async (_, rows) => {
    for (const r of rows) r.clientId = clientId;
    await insert(rows);
    expect(await readBack(rows.map((r) => r.id))).toEqual(rows.map(expected));
  });

  test('refuses a value that holds the separator or is empty, before anything is sent', () => {
    for (const bad of [`abc${STORED_SEPARATOR}def`, '']) {
      expect(() => insertParameters([row({ stored: bad, scheme: 'plain', hash: 'h' }, null)])).toThrow('a stored token value is empty or holds the batch separator');
    }
  });
});
