import { X509Certificate } from 'node:crypto';
import { wso2KeyIds } from './wso2-key-id.util.js';

/**
 * The certificate of WSO2's own test keystore (alias wso2carbon), exported with
 * `keytool -exportcert -rfc -alias wso2carbon -storepass wso2carbon` from
 * wso2-extensions/identity-inbound-auth-oauth @ c4c32bb3f8edde5dc54b7d713acdd71a232e8f62,
 * components/org.wso2.carbon.identity.oauth/src/test/resources/repository/resources/security/wso2carbon.jks.
 */
const WSO2_TEST_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIDSTCCAjGgAwIBAgIEAoLQ/TANBgkqhkiG9w0BAQsFADBVMQswCQYDVQQGEwJV
UzELMAkGA1UECBMCQ0ExFjAUBgNVBAcTDU1vdW50YWluIFZpZXcxDTALBgNVBAoT
BFdTTzIxEjAQBgNVBAMTCWxvY2FsaG9zdDAeFw0xNzA3MTkwNjUyNTFaFw0yNzA3
MTcwNjUyNTFaMFUxCzAJBgNVBAYTAlVTMQswCQYDVQQIEwJDQTEWMBQGA1UEBxMN
TW91bnRhaW4gVmlldzENMAsGA1UEChMEV1NPMjESMBAGA1UEAxMJbG9jYWxob3N0
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAluZFdW1ynitztkWLC6xK
egbRWxky+5P0p4ShYEOkHs30QI2VCuR6Qo4Bz5rTgLBrky03W1GAVrZxuvKRGj9V
9+PmjdGtau4CTXu9pLLcqnruaczoSdvBYA3lS9a7zgFU0+s6kMl2EhB+rk7gXluE
ep7lIOenzfl2f6IoTKa2fVgVd3YKiSGsyL4tztS70vmmX121qm0sTJdKWP4HxXyq
K9neolXI9fYyHOYILVNZ69z/73OOVhkh/mvTmWZLM7GM6sApmyLX6OXUp8z0pkY+
vT/9+zRxxQs7GurC4/C1nK3rI/0ySUgGEafO1atNjYmlFN+M3tZX6nEcA6g94Iav
yQIDAQABoyEwHzAdBgNVHQ4EFgQUtS8kIYxQ8UVvVrZSdgyide9OHxUwDQYJKoZI
hvcNAQELBQADggEBABfk5mqsVUrpFCYTZZhOxTRRpGXqoW1G05bOxHxs42Paxw8r
AJ06Pty9jqM1CgRPpqvZa2lPQBQqZrHkdDE06q4NG0DqMH8NT+tNkXBe9YTre3EJ
CSfsvswtLVDZ7GDvTHKojJjQvdVCzRj6XH5Truwefb4BJz9APtnlyJIvjHk1hdoz
qyOniVZd0QOxLAbcdt946chNdQvCm6aUOputp8Xogr0KBnEy3U8es2cAfNZaEkPU
8Va5bU6Xjny8zGQnXCXxPKp7sMpgO93nPBt/liX1qfyXM7xEotWoxmm6HZx8oWQ8
U5aiXjZ5RKDWCCq4ZuXl6wVsUz1iE61suO5yWi8=
-----END CERTIFICATE-----`;

describe("WSO2's kid", () => {
  const der = new X509Certificate(WSO2_TEST_CERTIFICATE).raw;

  test("matches WSO2's own test: OAuth2UtilTest.testGetThumbPrint (same commit) expects Base64URL of the SHA-256 hex", () => {
    // components/org.wso2.carbon.identity.oauth/src/test/java/org/wso2/carbon/identity/oauth2/util/OAuth2UtilTest.java
    const rsa256Thumbprint = '50:f0:ed:a5:89:8a:f3:a1:15:c2:c5:08:19:49:56:e7:e1:14:fe:23:47:43:e9:d2:2f:70:9a:e7:cb:80:1b:bd';
    const expected = Buffer.from(rsa256Thumbprint.replaceAll(':', '')).toString('base64url');
    expect(wso2KeyIds(der).current).toBe(`${expected}_RS256`);
  });

  test('previous and legacy forms are the SHA-1 thumbprint, with and without the algorithm', () => {
    const sha1Hex = new X509Certificate(WSO2_TEST_CERTIFICATE).fingerprint.replaceAll(':', '').toLowerCase();
    const sha1 = Buffer.from(sha1Hex).toString('base64url');
    expect(wso2KeyIds(der)).toEqual({ current: expect.stringMatching(/_RS256$/), previous: `${sha1}_RS256`, legacy: sha1 });
    expect(sha1).not.toContain('=');
  });
});
