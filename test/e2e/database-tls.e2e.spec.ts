// PostgreSQL as the Compose deployment runs it (TLS on, `hostssl … scram-sha-256` the only way in over TCP),
// here a private server of the test's own, and the services connecting as deployment.toml's [database]
// ssl_mode = "verify-full" / ssl_ca_file tell them. The stack test checks pg_stat_ssl in the containers.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import { postgresConnection } from '@app/platform';
import { runBuiltServiceToExit, type RefusedStart } from '../deploy/support/local-process.js';
import { devportalApi, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { freePort } from '../support/free-port.js';
import { TEST_ADMIN } from '../support/key-manager.harness.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { makeTempDir, type TomlTables, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(120_000);

// Hex, as deploy/init-secrets.sh makes the database password.
const PASSWORD = randomBytes(12).toString('hex');

let tmp: TestConfigDir;
let keystore: TestKeystore;
let postgres: PrivatePostgres;
let nats: PrivateNats;
let caFile: string;
let stack: StackUnderTest | undefined;

/** [database] as deploy/config/deployment.toml sets it, for this test's server (its certificate names "localhost"). */
function databaseTable(overrides: Record<string, unknown> = {}): TomlTables {
  const table = { url: `postgres://apim:${PASSWORD}@localhost:${postgres.port}/apim`, ssl_mode: 'verify-full', ssl_ca_file: caFile, ...overrides };
  return { database: Object.fromEntries(Object.entries(table).filter(([, value]) => value !== undefined)) };
}

async function asAdmin<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client(postgres.admin);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Starts the built Key Manager as its own process (as Compose does) with `database`, until it exits. */
async function failedStart(name: string, database: TomlTables): Promise<RefusedStart> {
  return runBuiltServiceToExit({
    service: 'key-manager',
    dir: tmp.dir,
    name,
    tables: {
      server: { host: '127.0.0.1', port: await freePort() },
      management: { host: '127.0.0.1', port: await freePort() },
      ...database,
      'transport.nats': { servers: [nats.url] },
      'keystore.primary': { file_name: keystore.file, type: keystore.type, password: keystore.password, alias: keystore.alias },
      super_admin: { ...TEST_ADMIN },
    },
  });
}

beforeAll(async () => {
  tmp = await makeTempDir('database-tls-');
  keystore = await createTestKeystore(tmp.dir);
  const certificate = await createSelfSignedTlsCertificate({ hosts: ['localhost'], validityDays: 2 });
  caFile = path.join(tmp.dir, 'postgres-ca.pem');
  writeFileSync(caFile, certificate.certificatePem);
  postgres = await startPrivatePostgres({ tls: certificate });
  await asAdmin(`CREATE ROLE apim LOGIN PASSWORD '${PASSWORD}'`);
  await asAdmin('CREATE DATABASE apim OWNER apim');
  nats = await startPrivateNats();
});

afterAll(async () => {
  await stack?.stop().catch(() => undefined);
  await nats?.stop();
  await postgres?.destroy();
  await tmp?.remove();
});

describe('PostgreSQL over TLS with a password: [database] ssl_mode and ssl_ca_file', () => {
  it('runs the services with verify-full, every one of their connections encrypted (pg_stat_ssl)', async () => {
    stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, toml: databaseTable() });
    const call = devportalApi(stack.devportal.apiUrl);
    const user = { username: `tls-${Date.now().toString(36)}`, password: 'Encrypted database 42 ok' };
    expect((await call('POST', '/signup', { json: user })).status).toBe(201);
    const login = await call<{ access_token: string }>('POST', '/login', { json: user });
    expect(login.status).toBe(200);
    expect((await call('POST', '/applications', { token: login.body.access_token, json: { name: 'over-tls', throttlingPolicy: 'Unlimited' } })).status).toBe(201);

    const connections = await asAdmin<{ application_name: string; ssl: boolean; usename: string }>(
      `SELECT a.application_name, s.ssl, a.usename FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = 'apim'`,
    );
    const services = new Set(connections.map((c) => c.application_name.split(' ')[0]));
    expect(services).toEqual(new Set(['key-manager', 'devportal']));
    expect(connections.every((c) => c.ssl && c.usename === 'apim')).toBe(true);
  });

  it('refuses a server whose certificate is not signed by ssl_ca_file: exit 78 and one line', async () => {
    const other = await createSelfSignedTlsCertificate({ hosts: ['localhost'], validityDays: 2 });
    const wrongCa = path.join(tmp.dir, 'wrong-ca.pem');
    writeFileSync(wrongCa, other.certificatePem);
    const run = await failedStart('wrong-ca', databaseTable({ ssl_ca_file: wrongCa }));
    expect(run.code).toBe(78);
    expect(run.lines).toEqual([
      expect.stringMatching(/^key-manager cannot start: self.signed certificate \(PostgreSQL at localhost:\d+, \[database\] ssl_mode\): the server's certificate is not signed by a CA \[database\] ssl_ca_file holds .* \[DEPTH_ZERO_SELF_SIGNED_CERT\]$/),
    ]);
    expect(run.log).not.toContain(PASSWORD);
  });

  it('refuses a host name the certificate does not hold under verify-full (127.0.0.1 for a "localhost" certificate); verify-ca checks only the CA', async () => {
    const byAddress = `postgres://apim:${PASSWORD}@127.0.0.1:${postgres.port}/apim`;
    const run = await failedStart('wrong-host', databaseTable({ url: byAddress }));
    expect(run.code).toBe(78);
    expect(run.lines).toEqual([expect.stringMatching(/^key-manager cannot start: .*127\.0\.0\.1.* \(PostgreSQL at 127\.0\.0\.1:\d+, \[database\] ssl_mode\): the server's certificate does not name the host of \[database\] url.* \[ERR_TLS_CERT_ALTNAME_INVALID\]$/)]);
    // verify-ca with the same URL connects (the pool check below is what the services' pools do).
    const pool = new pg.Pool({ ...postgresConnection({ url: byAddress, sslMode: 'verify-ca', sslCaFile: caFile }), max: 1 });
    try {
      expect((await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows).toEqual([{ ssl: true }]);
    } finally {
      await pool.end();
    }
  });

  it('refuses a server with TLS off when ssl_mode asks for TLS: exit 78, one line', async () => {
    const plain = await startPrivatePostgres();
    try {
      const run = await failedStart('tls-off', databaseTable({ url: `postgres://postgres@localhost:${plain.port}/postgres` }));
      expect(run.code).toBe(78);
      expect(run.lines).toEqual([
        `key-manager cannot start: The server does not support SSL connections (PostgreSQL at localhost:${plain.port}, [database] ssl_mode): the server has ssl = off: turn TLS on there, or set [database] ssl_mode = "disable"`,
      ]);
    } finally {
      await plain.destroy();
    }
  });

  it('has no way in without TLS: ssl_mode = "disable" is refused by pg_hba.conf (exit 78, one line)', async () => {
    const run = await failedStart('plain', databaseTable({ ssl_mode: 'disable', ssl_ca_file: undefined }));
    expect(run.code).toBe(78);
    expect(run.lines).toEqual([expect.stringMatching(/^key-manager cannot start: no pg_hba\.conf entry for host "127\.0\.0\.1", user "apim", database "apim", no encryption .*\[28000\]$/)]);
  });
});
