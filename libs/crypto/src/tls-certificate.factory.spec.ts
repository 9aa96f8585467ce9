import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSelfSignedTlsCertificate } from './tls-certificate.factory.js';

describe('createSelfSignedTlsCertificate', () => {
  it('makes a server certificate for every host, signed by its own key, with the matching private key', async () => {
    const tls = await createSelfSignedTlsCertificate({ hosts: ['localhost', 'apim.example.com', '127.0.0.1'], validityDays: 30 });
    const cert = new X509Certificate(tls.certificatePem);
    expect(cert.subject).toBe('CN=localhost');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('apim.example.com')).toBe('apim.example.com');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('other.example.com')).toBeUndefined();
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(tls.privateKeyPem))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it.each([
    [{ hosts: [] }, /at least one/],
    [{ hosts: ['not a host'] }, /is not a DNS name or IP address/],
    [{ hosts: ['localhost'], validityDays: 0 }, /validityDays/],
    [{ hosts: ['localhost'], validityDays: 826 }, /validityDays/],
  ])('refuses %j', async (options, message) => {
    await expect(createSelfSignedTlsCertificate(options)).rejects.toThrow(message);
  });
});
