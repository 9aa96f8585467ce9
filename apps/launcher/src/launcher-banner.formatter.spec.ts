// The Key Manager's own policy, so that the example cannot drift from what sign-up accepts.
import { passwordPolicyProblem } from '../../key-manager/src/users/password-policy.util.js';
import { modeLines, readyBanner, TRY_IT_PASSWORD, tryItLines } from './launcher-banner.formatter.js';
import type { LauncherState } from './launcher-state.store.js';
import { redactUrl } from './url.util.js';

const state: LauncherState = {
  pid: 1,
  startedAt: '2026-01-01T00:00:00Z',
  configFile: '/repo/.dev/deployment.toml',
  config: 'development',
  database: { kind: 'external', url: 'postgres://apim:s3cret@db.example:5432/apim', keyManagerSchema: 'key_manager', devportalSchema: 'devportal' },
  bus: { kind: 'nats', natsUrl: 'nats://user:natspw@127.0.0.1:4222' },
  keyManager: { url: 'http://localhost:9443', managementUrl: 'http://127.0.0.1:9543' },
  devportal: { url: 'http://localhost:9444', apiUrl: 'http://localhost:9444/api/am/devportal/v3', managementUrl: 'http://127.0.0.1:9544' },
  admin: { username: 'admin' },
};

describe('launcher output', () => {
  it('names the chosen config, database and bus without their passwords', () => {
    const text = modeLines(state, ['a note']);
    expect(text).toMatch(/^mode: database\s+DATABASE_URL: postgres:\/\/apim:\*\*\*\*@db\.example:5432\/apim$/m);
    expect(text).toMatch(/^mode: bus\s+NATS at nats:\/\/user:\*\*\*\*@127\.0\.0\.1:4222, subjects without a prefix$/m);
    expect(text).toMatch(/^note: a note$/m);
    expect(text).not.toMatch(/s3cret|natspw/);
  });

  it("names the workspace's subject prefix", () => {
    expect(modeLines({ ...state, bus: { kind: 'nats', natsUrl: 'nats://127.0.0.1:4222', subjectPrefix: 'dev.0a1b2c3d4e' } })).toMatch(
      /^mode: bus\s+NATS at nats:\/\/127\.0\.0\.1:4222, subjects dev\.0a1b2c3d4e\.\*$/m,
    );
  });

  it('says in-process when there is no NATS', () => {
    expect(modeLines({ ...state, bus: { kind: 'in-process' } })).toMatch(/^mode: bus\s+in-process/m);
  });

  it('prints the web app first, then the API, the Key Manager, the admin user, and curl lines against them', () => {
    const text = readyBanner(state, { adminPasswordHint: 'in .dev/secrets.json' });
    const urls = text.split('\n').filter((line) => /^ {2}\S.*\s{2}http/.test(line));
    expect(urls[0]).toMatch(/^ {2}Developer Portal {2}http:\/\/localhost:9444\/devportal\/ /);
    expect(urls[1]).toMatch(/^ {2}Portal API {8}http:\/\/localhost:9444\/api\/am\/devportal\/v3 /);
    expect(urls[2]).toMatch(/^ {2}Key Manager {7}http:\/\/localhost:9443 /);
    expect(text).toContain('Admin user        admin');
    expect(text).toContain('Management        http://127.0.0.1:9543, http://127.0.0.1:9544   (/metrics, /health/ready in full)');
    expect(text).toContain('API=http://localhost:9444/api/am/devportal/v3 KM=http://localhost:9443 ');
    expect(text).toContain('curl -s -X POST $KM/oauth2/token -u "$KEYS" -d grant_type=client_credentials');
    expect(text).not.toContain('s3cret');
    // Nothing to fill in by hand: no <placeholder> left in what is pasted.
    expect(tryItLines(state).join('\n')).not.toMatch(/<[a-zA-Z]+>/);
  });

  it("signs up a new user each run, with a password the Key Manager's policy accepts", () => {
    expect(tryItLines(state)[0]).toContain('U=dev-$RANDOM ');
    expect(passwordPolicyProblem('dev-12345', TRY_IT_PASSWORD)).toBeUndefined();
    expect(tryItLines(state)[0]).toContain(`P='${TRY_IT_PASSWORD}'`);
  });

  it('hides the password of a URL it cannot parse entirely', () => {
    expect(redactUrl('postgres://u:p@[bad')).toBe('postgres://(hidden)');
    expect(redactUrl('http://localhost:9443')).toBe('http://localhost:9443');
  });
});
