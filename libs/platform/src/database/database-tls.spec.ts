import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresConnection, postgresTls } from './database-tls.js';

describe('postgresTls: [database] ssl_mode as node-postgres options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'database-tls-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, 'CA PEM');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps each mode to libpq\'s meaning', () => {
    expect(postgresTls({})).toBeUndefined();
    expect(postgresTls({ sslMode: 'disable' })).toBe(false);
    expect(postgresTls({ sslMode: 'require' })).toEqual({ rejectUnauthorized: false });
    const verifyCa = postgresTls({ sslMode: 'verify-ca', sslCaFile: caFile });
    expect(verifyCa).toMatchObject({ ca: 'CA PEM', rejectUnauthorized: true });
    // The host name is not checked in verify-ca: the identity check accepts any name.
    expect(verifyCa && verifyCa.checkServerIdentity?.()).toBeUndefined();
    expect(postgresTls({ sslMode: 'verify-full', sslCaFile: caFile })).toEqual({ ca: 'CA PEM', rejectUnauthorized: true });
    expect(postgresTls({ sslMode: 'verify-full' })).toEqual({ rejectUnauthorized: true });
  });

  it('leaves ssl out when no mode is set, so the URL decides', () => {
    expect(postgresConnection({ url: 'postgres://db/apim' })).toEqual({ connectionString: 'postgres://db/apim' });
    expect(postgresConnection({ url: 'postgres://db/apim', sslMode: 'require' })).toEqual({ connectionString: 'postgres://db/apim', ssl: { rejectUnauthorized: false } });
  });
});
