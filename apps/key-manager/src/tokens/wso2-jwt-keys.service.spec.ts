import { ConfigError, type DeploymentConfig } from '@app/config';
import { Wso2JwtKeys } from './wso2-jwt-keys.service.js';

const config = (certificateFile: string) => ({ file: '/etc/te/deployment.toml', oauth: { wso2JwtIssuers: [{ issuer: 'https://wso2.example.com:9443/oauth2/token', certificateFile }] } }) as unknown as DeploymentConfig;

describe('Wso2JwtKeys', () => {
  test('a certificate that cannot be read stops the start with a configuration error naming the key', () => {
    let error: unknown;
    try {
      new Wso2JwtKeys(config('/nonexistent/wso2-signing.pem'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ key: 'oauth.wso2_jwt_issuer[0].certificate', problem: expect.stringContaining('ENOENT') });
  });

  test('none configured: no keys', () => {
    expect(new Wso2JwtKeys({ oauth: { wso2JwtIssuers: [] } } as unknown as DeploymentConfig).all()).toEqual([]);
  });
});
