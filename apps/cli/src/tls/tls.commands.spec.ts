import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTempFolders, run, tempFolder } from '../../test/cli.fixture.js';

afterAll(removeTempFolders);

describe('tls dev-certificate', () => {
  it('writes certificate and key as one 0600 PEM file for the given hosts, and keeps it with --if-missing', async () => {
    const file = path.join(tempFolder(), 'certs', 'dev.pem');
    const created = await run(['tls', 'dev-certificate', '--out', file, '--host', 'localhost', '--host', '127.0.0.1', '--validity-days', '10']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const pem = readFileSync(file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n$/);
    const cert = new X509Certificate(pem);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkPrivateKey(createPrivateKey(pem))).toBe(true);
    expect(created.stdout).toContain(cert.fingerprint256);
    expect(created.stdout).not.toContain('PRIVATE KEY');

    const kept = await run(['tls', 'dev-certificate', '--out', file, '--if-missing']);
    expect(kept).toMatchObject({ code: 0, stdout: `${file} exists; keeping it\n` });
    expect(readFileSync(file, 'utf8')).toBe(pem);

    const refused = await run(['tls', 'dev-certificate', '--out', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('already exists; pass --force');

    const replaced = await run(['tls', 'dev-certificate', '--out', file, '--force']);
    expect(replaced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe(pem);
    expect(new X509Certificate(readFileSync(file)).subject).toBe('CN=localhost');
  });

  it('with --certificate-out also writes the certificate alone (no key, 0644), for clients to trust', async () => {
    const folder = tempFolder();
    const file = path.join(folder, 'nats-tls', 'nats.pem');
    const certificateFile = path.join(folder, 'nats-ca', 'nats-ca.pem');
    const created = await run(['tls', 'dev-certificate', '--out', file, '--certificate-out', certificateFile, '--host', 'nats']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const certificate = readFileSync(certificateFile, 'utf8');
    expect(certificate).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(certificate).not.toContain('PRIVATE KEY');
    expect(statSync(certificateFile).mode & 0o777).toBe(0o644);
    expect(new X509Certificate(certificate).fingerprint256).toBe(new X509Certificate(readFileSync(file)).fingerprint256);
    expect(new X509Certificate(certificate).checkHost('nats')).toBe('nats');
  });

  it('refuses a host that is neither a DNS name nor an IP address, and writes nothing', async () => {
    const file = path.join(tempFolder(), 'dev.pem');
    const result = await run(['tls', 'dev-certificate', '--out', file, '--host', 'not a host']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid --host: "not a host" is not a DNS name or IP address');
    expect(() => statSync(file)).toThrow();
    writeFileSync(file, 'x');
    expect((await run(['tls', 'dev-certificate', '--out', file, '--force', '--if-missing'])).stderr).toContain('exclude each other');
  });
});
