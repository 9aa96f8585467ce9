/**
 * `tokens narrow-hash-indexes` against a real Key Manager schema (its own migrations), in the state the
 * migration leaves a large table in: the whole unique hash indexes, not narrowed. The command narrows them
 * (partial indexes on the rows without a selector, the whole ones dropped), says so, and says so again when
 * there is nothing left to do; it refuses a schema no Key Manager with token selectors has started on.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import pg from 'pg';
import type { MigrationInterface } from 'typeorm';
import { SELECTOR_SECRET_BYTES, selectorOfSecret, stampUuidV7 } from '@app/crypto';
import { applyMigrations } from '@app/platform';
import { KEY_MANAGER_MIGRATIONS } from '../../key-manager/src/persistence/persistence.module.js';
import { runCliForTest } from '../../../test/support/cli-runner.js';
import { makeTempDir, writeTestConfig, type TestConfigDir } from '../../../test/support/test-config.js';
import { dropSchema, queryTestDatabase, TEST_DATABASE_URL, uniqueSchema } from '../../../test/support/test-database.js';
import { WSO2_VECTOR_KEYSTORE as KEYSTORE } from '../../../test/support/test-keystore.js';

jest.setTimeout(60_000);

const narrowable = uniqueSchema('km_narrow');
const beforeSelectors = uniqueSchema('km_presel');
const missing = uniqueSchema('km_none');
let dir: TestConfigDir;

/** Applies these migrations to a fresh schema as a Key Manager does at start. */
async function migrate(schema: string, migrations: ReadonlyArray<new () => MigrationInterface>): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    await applyMigrations(client, migrations);
  } finally {
    await client.end();
  }
}

async function configFor(schema: string): Promise<string> {
  // What every service needs in its deployment.toml; the command itself opens no key.
  const config = await writeTestConfig(
    dir.dir,
    'cli',
    {
      database: { url: TEST_DATABASE_URL, schema },
      'keystore.primary': { file_name: KEYSTORE.file, type: KEYSTORE.type, password: KEYSTORE.password, alias: KEYSTORE.alias },
      super_admin: { username: 'admin', password: 'admin-password-1' },
    },
    `${schema}.toml`,
  );
  return config.file;
}

const narrow = async (schema: string) => runCliForTest(['tokens', 'narrow-hash-indexes'], { DEPLOYMENT_CONFIG: await configFor(schema) });

async function hashIndexes(schema: string): Promise<Record<string, string>> {
  const rows = await queryTestDatabase<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'oauth_tokens' AND indexname LIKE '%token_hash_key'`,
    [schema],
  );
  return Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef.replace(/^.* USING btree /, '')]));
}

const selectorToken = (): string => {
  const bytes = randomBytes(SELECTOR_SECRET_BYTES);
  stampUuidV7(bytes, Date.now());
  return bytes.toString('base64url');
};

beforeAll(async () => {
  dir = await makeTempDir('narrow-hash-');
  await migrate(narrowable, KEY_MANAGER_MIGRATIONS);
  // A table the migration found too large to narrow: the whole indexes, as a release before selectors had them.
  await queryTestDatabase(
    `DROP INDEX oauth_tokens_legacy_access_token_hash_key;
     DROP INDEX oauth_tokens_legacy_refresh_token_hash_key;
     CREATE UNIQUE INDEX oauth_tokens_access_token_hash_key ON oauth_tokens (access_token_hash);
     CREATE UNIQUE INDEX oauth_tokens_refresh_token_hash_key ON oauth_tokens (refresh_token_hash);`,
    [],
    narrowable,
  );
  // Rows of both kinds: one issued before selectors (or imported), one with selectors.
  await queryTestDatabase(
    `INSERT INTO oauth_clients (id, client_id, client_name, owner, grant_types, token_type, application_token_lifetime, user_token_lifetime, refresh_token_lifetime)
     VALUES ($1, 'narrow-client', 'narrow', 'admin', '{client_credentials}', 'Default', 3600, 3600, 86400)`,
    [randomUUID()],
    narrowable,
  );
  const access = selectorToken();
  const refresh = selectorToken();
  await queryTestDatabase(
    `INSERT INTO oauth_tokens (id, client_id, token_type, grant_type, access_token, access_token_scheme, access_token_hash, access_token_selector,
       refresh_token, refresh_token_scheme, refresh_token_hash, refresh_token_selector, issued_at, expires_at, family_id)
     VALUES (gen_random_uuid(), 'narrow-client', 'Default', 'password', 'legacy-token', 'plain', $1, NULL, 'legacy-refresh', 'plain', $2, NULL, now(), now() + interval '1 hour', gen_random_uuid()),
            (gen_random_uuid(), 'narrow-client', 'Default', 'password', $3, 'plain', $4, $5, $6, 'plain', $7, $8, now(), now() + interval '1 hour', gen_random_uuid())`,
    ['a'.repeat(64), 'b'.repeat(64), access, 'c'.repeat(64), selectorOfSecret(access), refresh, 'd'.repeat(64), selectorOfSecret(refresh)],
    narrowable,
  );
  // A Key Manager of the release before selectors: every migration up to theirs.
  const selectorsAt = KEY_MANAGER_MIGRATIONS.findIndex((m) => m.name === 'TokenSelectors1797500000000');
  expect(selectorsAt).toBeGreaterThan(0);
  await migrate(beforeSelectors, KEY_MANAGER_MIGRATIONS.slice(0, selectorsAt));
});

afterAll(async () => {
  for (const schema of [narrowable, beforeSelectors, missing]) await dropSchema(schema).catch(() => undefined);
  await dir?.remove();
});

describe('tokens narrow-hash-indexes', () => {
  test('narrows the whole hash indexes to the rows without a selector, then says there is nothing left to do', async () => {
    expect(await hashIndexes(narrowable)).toEqual({
      oauth_tokens_access_token_hash_key: '(access_token_hash)',
      oauth_tokens_refresh_token_hash_key: '(refresh_token_hash)',
    });

    const run = await narrow(narrowable);
    expect([run.code, run.stderr]).toEqual([0, expect.stringContaining(`Narrowing the token hash indexes of schema ${narrowable}`)]);
    expect(run.stdout).toMatch(new RegExp(`^Narrowed the token hash indexes of schema ${narrowable} in \\d+\\.\\d s: `, 'm'));
    expect(await hashIndexes(narrowable)).toEqual({
      oauth_tokens_legacy_access_token_hash_key: '(access_token_hash) WHERE (access_token_selector IS NULL)',
      oauth_tokens_legacy_refresh_token_hash_key: '(refresh_token_hash) WHERE ((refresh_token_selector IS NULL) AND (refresh_token_hash IS NOT NULL))',
    });
    const valid = await queryTestDatabase<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname LIKE 'oauth_tokens_legacy_%' AND i.indisvalid AND i.indisunique`,
      [narrowable],
    );
    expect(valid[0]!.n).toBe(2);

    const again = await narrow(narrowable);
    expect(again).toEqual({ code: 0, stdout: `The token hash indexes of schema ${narrowable} are already narrowed: nothing to do.\n`, stderr: '' });
  });

  test('refuses a schema whose tokens have no selectors yet (no Key Manager of this release has started on it), and leaves it as it is', async () => {
    const before = await hashIndexes(beforeSelectors);
    const run = await narrow(beforeSelectors);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: the Key Manager's tokens in schema ${beforeSelectors} have no selectors yet`);
    expect(await hashIndexes(beforeSelectors)).toEqual(before);
    expect(Object.keys(before).sort()).toEqual(['oauth_tokens_access_token_hash_key', 'oauth_tokens_refresh_token_hash_key']);
  });

  test('says so when the schema does not exist', async () => {
    const run = await narrow(missing);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: the Key Manager's schema ${missing} does not exist yet`);
  });

  test('is in the help of `tokens`, saying when to run it', async () => {
    const help = await runCliForTest(['tokens', 'narrow-hash-indexes', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('Run this once every Key Manager runs a release with token selectors');
  });
});
