import { dirname, join } from 'node:path';
import { issueAt, issuesOf, load, removeTempFolders, toml } from './test/config.fixture.js';

afterEach(removeTempFolders);

describe('[cors]', () => {
  it('allows nothing by default', () => {
    expect(load(toml()).cors).toEqual({ allowedOrigins: [], allowAnyOrigin: false, maxAgeSec: 3600 });
  });

  it('reads origins as browsers send them (lowercase, no trailing slash)', () => {
    const config = load(toml({}, '[cors]\nallowed_origins = ["https://SPA.example.com/", "http://localhost:3000"]\nmax_age = 60'));
    expect(config.cors).toEqual({ allowedOrigins: ['https://spa.example.com', 'http://localhost:3000'], allowAnyOrigin: false, maxAgeSec: 60 });
  });

  it.each([['https://spa.example.com/app'], ['spa.example.com'], ['ftp://spa.example.com'], ['*']])('refuses %s as an origin', (origin) => {
    const issue = issueAt(issuesOf(toml({}, `[cors]\nallowed_origins = ["${origin}"]`)), 'cors.allowed_origins');
    expect(issue.problem).toMatch(/not an origin/);
  });

  it("names what replaces WSO2 IS's [cors] keys it does not read", () => {
    const issue = issueAt(issuesOf(toml({}, '[cors]\nsupports_credentials = true')), 'cors.supports_credentials');
    expect(issue.problem).toMatch(/WSO2 key .* no cookies/);
  });
});

describe('OpenID Connect and the device flow', () => {
  it('defaults: ID tokens live an hour, device codes ten minutes with a 5-second interval (WSO2\'s defaults)', () => {
    const { oauth } = load(toml());
    expect(oauth.idTokenLifetimeSec).toBe(3600);
    expect(oauth.deviceFlow).toEqual({ expirySec: 600, intervalSec: 5 });
    expect(oauth.trustedIssuers).toEqual([]);
  });

  it('reads [oauth.token_expiry] id_token and [oauth.device_flow]', () => {
    const { oauth } = load(toml({}, '[oauth.token_expiry]\nid_token = 900\n[oauth.device_flow]\nexpiry_time = 300\npolling_interval = 2'));
    expect(oauth.idTokenLifetimeSec).toBe(900);
    expect(oauth.deviceFlow).toEqual({ expirySec: 300, intervalSec: 2 });
  });
});

describe('[[oauth.trusted_issuer]]', () => {
  it('reads issuers with a JWKS URL or a certificate (relative to the file), with defaults', () => {
    const text = toml(
      {},
      `[[oauth.trusted_issuer]]
name = "partner"
issuer = "https://idp.partner.example"
jwks_uri = "https://idp.partner.example/jwks"

[[oauth.trusted_issuer]]
name = "legacy"
issuer = "legacy-system"
certificate = "certs/legacy.pem"
audiences = ["https://km.example.com/oauth2/token"]
subjects = "federated"`,
    );
    const config = load(text);
    expect(config.oauth.trustedIssuers).toEqual([
      { name: 'partner', issuer: 'https://idp.partner.example', jwksUri: 'https://idp.partner.example/jwks', audiences: [], subjects: 'local' },
      {
        name: 'legacy',
        issuer: 'legacy-system',
        certificateFile: join(dirname(config.file), 'certs/legacy.pem'),
        audiences: ['https://km.example.com/oauth2/token'],
        subjects: 'federated',
      },
    ]);
  });

  it('wants exactly one of jwks_uri and certificate', () => {
    const neither = issuesOf(toml({}, '[[oauth.trusted_issuer]]\nname = "a"\nissuer = "https://a.example"'));
    expect(issueAt(neither, 'oauth.trusted_issuer[0].jwks_uri').problem).toBe('is missing (and so is certificate)');
    const both = issuesOf(toml({}, '[[oauth.trusted_issuer]]\nname = "a"\nissuer = "https://a.example"\njwks_uri = "https://a.example/jwks"\ncertificate = "a.pem"'));
    expect(issueAt(both, 'oauth.trusted_issuer[0].certificate').problem).toBe('is set together with certificate');
  });

  it('refuses two entries with the same issuer, a bad name and an unknown subjects mode', () => {
    const issues = issuesOf(
      toml(
        {},
        `[[oauth.trusted_issuer]]
name = "a"
issuer = "https://a.example"
jwks_uri = "https://a.example/jwks"
[[oauth.trusted_issuer]]
name = "b"
issuer = "https://a.example"
jwks_uri = "https://a.example/jwks"
[[oauth.trusted_issuer]]
name = "c d"
issuer = "https://c.example"
jwks_uri = "https://c.example/jwks"
subjects = "anyone"`,
      ),
    );
    expect(issues.map((i) => i.key).sort()).toEqual(['oauth.trusted_issuer[1].issuer', 'oauth.trusted_issuer[2].name', 'oauth.trusted_issuer[2].subjects']);
  });
});

describe('[[oauth.wso2_jwt_issuer]]', () => {
  it('none by default; reads WSO2 issuers with their certificate, relative to the file', () => {
    expect(load(toml()).oauth.wso2JwtIssuers).toEqual([]);
    const config = load(toml({}, '[[oauth.wso2_jwt_issuer]]\nissuer = "https://wso2.example.com:9443/oauth2/token"\ncertificate = "certs/wso2.pem"'));
    expect(config.oauth.wso2JwtIssuers).toEqual([{ issuer: 'https://wso2.example.com:9443/oauth2/token', certificateFile: join(dirname(config.file), 'certs/wso2.pem') }]);
  });

  it('wants both keys', () => {
    const issues = issuesOf(toml({}, '[[oauth.wso2_jwt_issuer]]\nissuer = "https://wso2.example.com:9443/oauth2/token"'));
    expect(issueAt(issues, 'oauth.wso2_jwt_issuer[0].certificate').problem).toMatch(/missing/);
  });
});
