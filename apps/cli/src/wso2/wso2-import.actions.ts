// The `wso2 import` command's work. Loaded only when it runs: it needs @app/platform (which loads Nest).
import { RsaWorkerPool } from '@app/crypto';
import { openPool } from '@app/platform';
import { loadConfigFor } from '@app/config';
import type { CliIo } from '../cli-io.js';
import { CliError, databaseError, usageError } from '../cli.error.js';
import { loadDeployment, openMaterial, Pools } from '../deployment/cli-deployment.js';
import { describeProfile } from '../encryption/profile.formatter.js';
import { columnProgress, type ColumnProgress } from '../tokens/migration-progress.js';
import { formatTable } from '../tokens/tokens.actions.js';
import { KeyManagerTargetRepository } from './key-manager-target.repository.js';
import type { Wso2ImportCommandFlags } from './wso2.commands.js';
import { formatImportReport } from './wso2-import-report.formatter.js';
import { Wso2Importer, type ImportEvents, type ImportResult } from './wso2-importer.service.js';
import { Wso2SourceRepository } from './wso2-source.repository.js';

// Enough lines to see what is wrong and fix it; a WSO2 database with thousands of bad rows has one cause.
const MAX_FAILURE_LINES = 200;
const MAX_WARNING_LINES = 200;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** `wso2 import`: WSO2's OAuth clients and tokens into the Key Manager's schema. */
export async function wso2Import(io: CliIo, flags: Wso2ImportCommandFlags): Promise<void> {
  checkSourceUrl(flags.sourceUrl);
  if (!SCHEMA_NAME.test(flags.sourceSchema)) throw usageError('--source-schema must be a plain schema name (letters, digits, _ and $)');
  const deployment = loadDeployment(io);
  const keyManager = loadConfigFor('key-manager', deployment.config);
  const storage = deployment.storages.find((s) => s.service === 'key-manager')!;
  const material = await openMaterial(deployment);
  const keys = material.keyring;
  io.stderr(
    `${flags.dryRun ? 'Dry run: nothing is written. ' : ''}Importing from schema ${flags.sourceSchema} of the WSO2 database into schema ${storage.schema}; ` +
      `reading WSO2 values as ${flags.sourceEncrypted ? `encrypted (with ${keys.rsaKeys.length} RSA and ${keys.symmetricKeys.length} AES key(s))` : 'plaintext'}` +
      `${flags.sourceHashed ? ', bare hex as hashes' : ''} (WSO2's hashes kept as hashes); ` +
      `the Key Manager writes: ${describeProfile(material.profile)}\n`,
  );

  // The source is only read: every transaction on it is read-only, whatever the URL's user may do.
  const source = openPool({ connectionString: flags.sourceUrl, max: 1, application_name: 'token-encryption-cli wso2 import', options: '-c default_transaction_read_only=on' });
  const targets = new Pools();
  const sink = eventSink(io);
  const workers = RsaWorkerPool.start(material.processor, { threads: flags.threads });
  let result: ImportResult;
  try {
    const from = await databaseStep('the WSO2 source database', () => Wso2SourceRepository.open(source, flags.sourceSchema));
    const to = await databaseStep(`the Key Manager database (${deployment.config.file})`, () => KeyManagerTargetRepository.open(targets.for(storage.database), storage.schema));
    const size = await databaseStep('the WSO2 source database', () => from.size());
    if (!from.hasProperties) io.stderr(`note: no IDN_OIDC_PROPERTY table: every client gets token type ${flags.defaultTokenType} (--default-token-type)\n`);
    if (from.secretsLayout) io.stderr(`note: IDN_OAUTH_CONSUMER_SECRETS found (by ${from.secretsLayout.toUpperCase()}): every consumer secret of each app is imported\n`);
    sink.expect(size);
    const importer = new Wso2Importer(
      from,
      to,
      {
        source: { encrypted: flags.sourceEncrypted, hashed: flags.sourceHashed, processor: material.processor },
        pool: workers,
        defaults: {
          owner: keyManager.superAdmin.username || 'admin',
          applicationTokenLifetime: keyManager.oauth.applicationAccessTokenLifetimeSec,
          userTokenLifetime: keyManager.oauth.userAccessTokenLifetimeSec,
          refreshTokenLifetime: keyManager.oauth.refreshTokenLifetimeSec,
          tokenType: flags.defaultTokenType,
          secretCount: keyManager.oauth.multipleClientSecrets.secretCount,
        },
        batchSize: flags.batchSize,
        dryRun: flags.dryRun === true,
        includeInactive: flags.includeInactive === true,
        now: Math.floor(Date.now() / 1000),
      },
      sink.events,
    );
    result = await databaseStep('the import', () => importer.run());
  } finally {
    sink.stop();
    await Promise.all([source.end(), targets.close(), workers.close()]);
  }
  sink.summarise();
  io.stdout(formatImportReport(result, { dryRun: flags.dryRun === true, defaultTokenType: flags.defaultTokenType, formatTable }));
  const failed = result.clients.failed + result.tokens.failed;
  if (failed > 0) {
    throw new CliError(
      `${failed} WSO2 row(s) could not be imported (listed above with their codes); ${flags.dryRun ? 'nothing was written' : 'everything else was'}. ` +
        'Fix the cause (usually a keystore or key not configured) and run the import again: what is already here is left alone',
    );
  }
}

/** Failures and warnings as lines on stderr (capped), progress per table. */
function eventSink(io: CliIo) {
  let failures = 0;
  let warnings = 0;
  let sizes = { apps: 0, tokens: 0 };
  let bar: { kind: 'clients' | 'tokens'; progress: ColumnProgress } | undefined;
  const events: ImportEvents = {
    failure(subject, failure) {
      if (++failures <= MAX_FAILURE_LINES) io.stderr(`failed: ${subject}: ${failure.code}: ${failure.message}\n`);
    },
    warning(subject, message) {
      if (++warnings <= MAX_WARNING_LINES) io.stderr(`warning: ${subject}: ${message}\n`);
    },
    progress(kind, rows) {
      if (bar?.kind !== kind) {
        bar?.progress.stop();
        bar = { kind, progress: columnProgress(io, `wso2 import ${kind}`, kind === 'clients' ? sizes.apps : sizes.tokens) };
      }
      bar.progress.advance(rows);
    },
  };
  return {
    events,
    expect(size: { apps: number; tokens: number }) {
      sizes = size;
    },
    stop() {
      bar?.progress.stop();
      bar = undefined;
    },
    summarise() {
      if (failures > MAX_FAILURE_LINES) io.stderr(`… and ${failures - MAX_FAILURE_LINES} more failure(s) not listed\n`);
      if (warnings > MAX_WARNING_LINES) io.stderr(`… and ${warnings - MAX_WARNING_LINES} more warning(s) not listed\n`);
    },
  };
}

/** The URL carries a password: it is checked here, where no message can quote it (commander's would). */
function checkSourceUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError('--source-url is not a URL: expected postgres://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw usageError('--source-url must be a postgres:// URL (the PostgreSQL flavour of WSO2\'s schema)');
}

/** Runs one step against a database, turning its errors into messages that say which database and carry no values. */
async function databaseStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw databaseError(e, what);
  }
}
