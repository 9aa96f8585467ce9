// Tokens are found by their selector (@app/crypto token-selector.util), rows without one by their hash, and a new
// token's row goes into no index keyed by a hash: a real Key Manager (RSA-OAEP encryption on) on real PostgreSQL.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import pg from 'pg';
import { selectorOfJti, selectorOfSecret } from '@app/crypto';
import { loadTokensQuery } from '../src/persistence/tokens.repository.js';
import { queryTestDatabase, TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { adminAuth, basic, postForm, register, startKeyManagerWithUser, type KeyManagerWithUser } from './km-test.helpers.js';

jest.setTimeout(60_000);

const user = { username: 'selector-user', password: 'correct horse 42' };
let env: KeyManagerWithUser;

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => queryTestDatabase<T>(text, params, env.km.schema);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function token(form: string, clientId: string, secret: string): Promise<Record<string, string>> {
  const response = await postForm(`${env.km.baseUrl}/oauth2/token`, form, { authorization: basic(clientId, secret) });
  const body = (await response.json()) as Record<string, string>;
  expect(response.status).toBe(200);
  return body;
}

async function active(presented: string): Promise<boolean> {
  const response = await postForm(`${env.km.baseUrl}/oauth2/introspect`, `token=${encodeURIComponent(presented)}`, { authorization: adminAuth(env.km) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { active: boolean }).active;
}

async function client(metadata: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const registered = await register(env.km, metadata);
  return { id: registered.client_id, secret: registered.client_secret! };
}

/** Inserts a row as a Key Manager of an earlier release or a WSO2 import leaves it: no selector, found by hash. */
async function legacyRow(clientId: string, accessToken: string): Promise<void> {
  const id = randomUUID();
  await sql(
    `INSERT INTO oauth_tokens (id, client_id, scopes, token_type, grant_type, access_token, access_token_scheme, access_token_hash,
       issued_at, expires_at, family_id)
     VALUES ($1, $2, 'default', 'Default', 'client_credentials', $3, 'plain', $4, now(), now() + interval '1 hour', $1)`,
    [id, clientId, 'x', sha256(accessToken)],
  );
}

beforeAll(async () => {
  env = await startKeyManagerWithUser(user, { encryption: 'rsa-oaep' });
});

afterAll(async () => {
  await env?.stop();
});

describe('token selectors', () => {
  test('an opaque access token carries its row\'s selector; the row stores the selector, never the token', async () => {
    const c = await client({ grant_types: ['client_credentials'], token_type_extension: 'Default' });
    const issued = await token('grant_type=client_credentials', c.id, c.secret);
    expect(issued.access_token).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const selector = selectorOfSecret(issued.access_token!);
    expect(selector).not.toBeNull();
    const [row] = await sql<{ selector: string; hash: string; stored: string }>(
      `SELECT access_token_selector::text AS selector, access_token_hash AS hash, access_token AS stored FROM oauth_tokens WHERE client_id = $1`,
      [c.id],
    );
    expect(row).toEqual({ selector, hash: sha256(issued.access_token!), stored: expect.not.stringContaining(issued.access_token!) });
    expect(await active(issued.access_token!)).toBe(true);
  });

  test('a JWT\'s row is found by a selector made from its jti, which is not stored in the clear', async () => {
    const c = await client({ grant_types: ['client_credentials'], token_type_extension: 'JWT' });
    const issued = await token('grant_type=client_credentials', c.id, c.secret);
    const jti = (JSON.parse(Buffer.from(issued.access_token!.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    const [row] = await sql<{ selector: string }>(`SELECT access_token_selector::text AS selector FROM oauth_tokens WHERE client_id = $1`, [c.id]);
    expect(row!.selector).toBe(selectorOfJti(jti));
    expect(row!.selector).not.toBe(jti);
    expect(await active(issued.access_token!)).toBe(true);
  });

  test('a refresh token carries its own selector; rotation and reuse detection work through it', async () => {
    const c = await client({ grant_types: ['password', 'refresh_token'], token_type_extension: 'Default' });
    const first = await token(`grant_type=password&username=${user.username}&password=${encodeURIComponent(user.password)}`, c.id, c.secret);
    const refreshSelector = selectorOfSecret(first.refresh_token!);
    expect(refreshSelector).not.toBeNull();
    expect(refreshSelector).not.toBe(selectorOfSecret(first.access_token!));
    const [row] = await sql<{ selector: string }>(`SELECT refresh_token_selector::text AS selector FROM oauth_tokens WHERE client_id = $1`, [c.id]);
    expect(row!.selector).toBe(refreshSelector);
    const second = await token(`grant_type=refresh_token&refresh_token=${encodeURIComponent(first.refresh_token!)}`, c.id, c.secret);
    expect(await active(second.access_token!)).toBe(true);
    expect(await active(first.access_token!)).toBe(false);
    // Reuse of the rotated refresh token: refused, and the chain revoked.
    const reuse = await postForm(`${env.km.baseUrl}/oauth2/token`, `grant_type=refresh_token&refresh_token=${encodeURIComponent(first.refresh_token!)}`, {
      authorization: basic(c.id, c.secret),
    });
    expect(reuse.status).toBe(400);
    expect(await active(second.access_token!)).toBe(false);
  });

  test('rows without a selector (an earlier release, a WSO2 import) are found by their hash', async () => {
    const c = await client({ grant_types: ['client_credentials'], token_type_extension: 'Default' });
    const earlier = randomBytes(32).toString('base64url'); // this Key Manager's tokens before selectors
    const wso2 = randomUUID(); // WSO2's opaque tokens
    await legacyRow(c.id, earlier);
    await legacyRow(c.id, wso2);
    expect(await active(earlier)).toBe(true);
    expect(await active(wso2)).toBe(true);
    expect(await active(randomBytes(32).toString('base64url'))).toBe(false);
  });

  test('a token with a real selector but another secret is not the row\'s token', async () => {
    const c = await client({ grant_types: ['client_credentials'], token_type_extension: 'Default' });
    const issued = await token('grant_type=client_credentials', c.id, c.secret);
    const bytes = Buffer.from(issued.access_token!, 'base64url');
    randomBytes(32).copy(bytes, 16);
    const forged = bytes.toString('base64url');
    expect(selectorOfSecret(forged)).toBe(selectorOfSecret(issued.access_token!));
    expect(await active(forged)).toBe(false);
    const revoke = await postForm(`${env.km.baseUrl}/oauth2/revoke`, `token=${encodeURIComponent(forged)}`, { authorization: basic(c.id, c.secret) });
    expect(revoke.status).toBe(200);
    expect(await active(issued.access_token!)).toBe(true);
  });

  test('the hash indexes hold only rows without a selector (a small table is narrowed by the migration); look-ups use the indexes', async () => {
    const indexes = await sql<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'oauth_tokens' ORDER BY indexname`);
    const byName = new Map(indexes.map((i) => [i.indexname, i.indexdef]));
    expect(byName.has('oauth_tokens_access_token_hash_key')).toBe(false);
    expect(byName.has('oauth_tokens_refresh_token_hash_key')).toBe(false);
    expect(byName.get('oauth_tokens_legacy_access_token_hash_key')).toMatch(/UNIQUE INDEX .* \(access_token_hash\) WHERE \(access_token_selector IS NULL\)/);
    expect(byName.get('oauth_tokens_legacy_refresh_token_hash_key')).toMatch(/UNIQUE INDEX .* \(refresh_token_hash\) WHERE \(\(refresh_token_selector IS NULL\) AND \(refresh_token_hash IS NOT NULL\)\)/);
    expect(byName.get('oauth_tokens_access_token_selector_key')).toMatch(/UNIQUE INDEX .* \(access_token_selector\) WHERE \(access_token_selector IS NOT NULL\)/);
    expect(byName.get('oauth_tokens_refresh_token_selector_key')).toMatch(/UNIQUE INDEX .* \(refresh_token_selector\) WHERE \(refresh_token_selector IS NOT NULL\)/);
    // New rows leave a tenth of each page free (TokenTableFillFactor).
    const [table] = await sql<{ options: string[] }>(`SELECT reloptions AS options FROM pg_class WHERE oid = to_regclass('oauth_tokens')`);
    expect(table!.options).toEqual(['fillfactor=90']);
    // The loader's statements, planned as on a large table (no sequential scan): every arm by its own index.
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query(`SET search_path TO "${env.km.schema}"`);
      await db.query('SET enable_seqscan = off');
      const plan = async (selectors: string[], hashes: string[]) => {
        const { statement, values } = loadTokensQuery(selectors, hashes);
        return (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${statement.text}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
      };
      const selectorIndexes = ['oauth_tokens_access_token_selector_key', 'oauth_tokens_refresh_token_selector_key'];
      const hashIndexes = ['oauth_tokens_legacy_access_token_hash_key', 'oauth_tokens_legacy_refresh_token_hash_key'];
      const cases: Array<[string[], string[], string[]]> = [
        [[randomUUID()], [], selectorIndexes],
        [[], [sha256('x')], hashIndexes],
        [[randomUUID()], [sha256('x')], [...selectorIndexes, ...hashIndexes]],
      ];
      for (const [selectors, hashes, used] of cases) {
        const text = await plan(selectors, hashes);
        for (const index of used) expect(text).toContain(index);
        expect(text).not.toContain('Seq Scan');
        // No index scanned whole: every index scan has its condition.
        expect(text.match(/Index Scan on \S+/g)!.length).toBe(text.match(/Index Cond:/g)!.length);
      }
    } finally {
      await db.end();
    }
  });
});
