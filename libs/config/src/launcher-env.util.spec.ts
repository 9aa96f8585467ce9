import { ConfigError, readLauncherEnv } from './index.js';

describe('readLauncherEnv', () => {
  it('reads the launcher variables', () => {
    expect(
      readLauncherEnv({ DEPLOYMENT_CONFIG: '/etc/apim/deployment.toml', DATABASE_URL: 'postgres://db/apim', NATS_URL: 'nats://n:4222', PORT: '8080' }),
    ).toEqual({ deploymentConfig: '/etc/apim/deployment.toml', databaseUrl: 'postgres://db/apim', natsUrl: 'nats://n:4222', port: 8080 });
  });

  it('leaves out unset and empty variables', () => {
    expect(readLauncherEnv({ DEPLOYMENT_CONFIG: '', PORT: '' })).toEqual({});
  });

  it.each(['http', '0', '70000', '80.5'])('rejects PORT=%s', (port) => {
    let error: unknown;
    try {
      readLauncherEnv({ PORT: port });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ key: 'PORT', problem: `is "${port}"`, expected: 'an integer from 1 to 65535' }]);
  });
});
