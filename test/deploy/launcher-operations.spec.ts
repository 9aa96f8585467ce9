// The operations walk of docs/operations.md against `npm start` (issue 16 item 2): every command as the
// guide writes it, with `cli` = `DEPLOYMENT_CONFIG=.dev/deployment.toml npx token-encryption` run from the
// folder npm start runs in, and no other environment — encryption status, switch off, switch on, rotate the
// keystore, each followed by `tokens migrate --verify` and `tokens status --check`. Credentials issued
// before the walk keep working throughout.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DemoApiClient, type ClientCredentials } from '../../apps/launcher/src/demo-api.client.js';
import { ensureBuilt } from './support/built-dist.js';
import { READY, runCliProcess, startLauncher, workFolder, type CliResult } from './support/launcher-process.js';
import { freePortPair, type LocalProcess } from './support/local-process.js';
import { startPrivateNats, type PrivateNats } from './support/nats-fixture.js';
import { createScratchDatabase, uniqueName, type ScratchDatabase } from './support/postgres-fixture.js';

const CONFIG = '.dev/deployment.toml';

describe('docs/operations.md against npm start', () => {
  let cwd: string;
  let nats: PrivateNats;
  let database: ScratchDatabase;
  let launcher: LocalProcess | undefined;
  let api: DemoApiClient;
  let client: ClientCredentials;
  let secrets: { keystorePassword: string; adminPassword: string };

  const cli = async (...argv: string[]): Promise<CliResult> => runCliProcess(cwd, argv, { DEPLOYMENT_CONFIG: CONFIG });
  const ok = async (...argv: string[]): Promise<string> => {
    const result = await cli(...argv);
    if (result.code !== 0) throw new Error(`cli ${argv.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  const editConfig = (edit: (text: string) => string) => {
    const file = path.join(cwd, CONFIG);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
  };
  /** The whole of a change: dry run, rollout, migration, check — then the credentials issued before still work. */
  const applyChange = async (expectStatus: RegExp) => {
    expect(await ok('encryption', 'rollout', '--dry-run')).toBeDefined();
    expect(await ok('encryption', 'rollout')).toBeDefined();
    await ok('tokens', 'migrate', '--verify');
    expect(await ok('tokens', 'status', '--check')).toMatch(expectStatus);
    expect((await api.tokenAttempt(client)).status).toBe(200);
    expect((await api.login('alice', 'correct horse battery staple 7')).access_token).toBeTruthy();
  };

  beforeAll(async () => {
    ensureBuilt(['dist/apps/launcher/src/main.js', 'dist/apps/cli/src/main.js']);
    cwd = workFolder('launcher-ops-');
    nats = await startPrivateNats();
    database = await createScratchDatabase({ database: uniqueName('launcher_ops') });
    const port = await freePortPair();
    launcher = startLauncher(cwd, { DATABASE_URL: database.url, NATS_URL: nats.url, PORT: String(port) });
    await launcher.waitForOutput(READY, 120_000);
    secrets = JSON.parse(readFileSync(path.join(cwd, '.dev/secrets.json'), 'utf8'));
    api = new DemoApiClient(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`);
    await api.signup('alice', 'correct horse battery staple 7');
    const login = await api.login('alice', 'correct horse battery staple 7');
    const application = await api.createApplication(login.access_token, 'walk');
    const keys = await api.generateKeys(login.access_token, application.applicationId);
    client = { clientId: keys.consumerKey, clientSecret: keys.consumerSecret };
    expect((await api.tokenAttempt(client)).status).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await launcher?.stop('SIGKILL', 5000);
    await database?.drop();
    await nats?.stop();
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  it('encryption status lists both services, as configured; tokens status shows the stored values', async () => {
    const status = await ok('encryption', 'status');
    const instances = status.split('\n').filter((line) => /^(key-manager|devportal)\s/.test(line));
    expect(instances).toHaveLength(2);
    expect(status).not.toMatch(/as configured:\s*no/);
    expect(await ok('tokens', 'status', '--check')).toMatch(/RSA\/ECB\/OAEPwithSHA1andMGF1Padding/);
  }, 120_000);

  it('switches encryption off online', async () => {
    editConfig((text) => text.replace(/^enable_token_encryption = true$/m, 'enable_token_encryption = false'));
    await applyChange(/plain/);
  }, 300_000);

  it('switches encryption on again online', async () => {
    editConfig((text) => text.replace(/^enable_token_encryption = false$/m, 'enable_token_encryption = true'));
    await applyChange(/RSA\/ECB\/OAEPwithSHA1andMGF1Padding/);
  }, 300_000);

  it('rotates the keystore online (new keystore with the current password, the old one kept as [[keystore.old]])', async () => {
    await ok('keystore', 'create', '--out', '.dev/primary-2027.p12', '--alias', 'wso2carbon', '--password-file', '.dev/keystore.password', '--dname', 'CN=localhost');
    const inspected = await ok('keystore', 'inspect', '--keystore', '.dev/primary-2027.p12', '--password-file', '.dev/keystore.password');
    const thumbprint = inspected.match(/\b([0-9a-f]{40})\b/i)?.[1];
    editConfig((text) =>
      text
        .replace('file_name = "primary.p12"', 'file_name = "primary-2027.p12"')
        .concat('\n[[keystore.old]]\nfile_name = "primary.p12"\ntype = "PKCS12"\npassword = "$file{keystore.password}"\nalias = "wso2carbon"\n'),
    );
    await applyChange(/RSA\/ECB\/OAEPwithSHA1andMGF1Padding/);
    if (thumbprint) expect(await ok('encryption', 'status')).toMatch(new RegExp(thumbprint.slice(0, 8), 'i'));
  }, 300_000);

  it('never printed a password', () => {
    expect(launcher!.log).not.toContain(secrets.keystorePassword);
  });
});
