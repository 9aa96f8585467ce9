// The `tokens` commands' work. Loaded only when such a command runs: it needs @app/platform (which loads
// Nest), and the other commands should start fast.
import { RsaWorkerPool } from '@app/crypto';
import { STORED_SECRETS, type NodeStatus } from '@app/contracts';
import { countStoredSecrets, quoteIdentifier, storedSecretsState, type StoredSecretsRow, type StoredValueCountRow } from '@app/platform';
import { hashIndexesNarrowed, LEGACY_HASH_INDEXES, narrowHashIndexes, type Query } from '../../../key-manager/src/persistence/token-hash-indexes.js';
import type { CliIo } from '../cli-io.js';
import { cliName } from '../cli-name.util.js';
import { CliError, databaseError } from '../cli.error.js';
import { loadDeployment, openMaterial, Pools, readDeploymentId, schemaExists, tokenSelectorsExist, type CliDeployment } from '../deployment/cli-deployment.js';
import { connectBus } from '../encryption/bus-connection.js';
import { ofDeployment, RolloutCoordinator } from '../encryption/rollout.coordinator.js';
import { describeProfile } from '../encryption/profile.formatter.js';
import { columnProgress } from './migration-progress.js';
import { TokenMigrator, type ColumnResult } from './token-migrator.js';

export interface StatusFlags {
  json?: boolean;
  check?: boolean;
}

export interface MigrateFlags {
  dryRun?: boolean;
  batchSize: number;
  verify?: boolean;
  force?: boolean;
  /** RSA worker threads (0: all on the main thread); default os.availableParallelism(). */
  threads?: number;
}

type StatusRow = StoredSecretsRow & { service: string; schema: string };

const STATE_TEXT: Record<ReturnType<typeof storedSecretsState>, string> = {
  current: 'current',
  stale: 'to migrate',
  'hash-only': 'hash only (kept)',
  unreadable: 'UNREADABLE (key not configured)',
};

/** `tokens status`: how many values each service schema stores in each way. */
export async function tokensStatus(io: CliIo, flags: StatusFlags): Promise<void> {
  const deployment = loadDeployment(io);
  const material = await openMaterial(deployment);
  const pools = new Pools();
  const rows: StatusRow[] = [];
  const missing: string[] = [];
  try {
    for (const storage of deployment.storages) {
      const pool = pools.for(storage.database);
      if (!(await schemaExists(pool, storage.schema))) {
        missing.push(`${storage.service} (schema ${storage.schema} does not exist yet)`);
        continue;
      }
      // The counts come from the table the service's migration adds; a schema no service of this release has started on lacks it.
      if (!(await pool.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`"${storage.schema}".stored_value_counts`])).rows[0]?.present) {
        missing.push(`${storage.service} (schema ${storage.schema} has no stored-value counts yet: start the service of this release once, it migrates the schema)`);
        continue;
      }
      const report = await countStoredSecrets(
        async (sql) => {
          const client = await pool.connect();
          try {
            await client.query(`SET search_path TO "${storage.schema}"`);
            return (await client.query<StoredValueCountRow>(sql)).rows;
          } finally {
            await client.query('RESET search_path').catch(() => undefined);
            client.release();
          }
        },
        STORED_SECRETS[storage.service],
        { capability: (s) => material.processor.cipher.capability(s), isCurrent: (s) => material.processor.isCurrent(s) },
      );
      rows.push(...report.rows.map((r) => ({ ...r, service: storage.service, schema: storage.schema })));
    }
  } catch (e) {
    throw databaseError(e);
  } finally {
    await pools.close();
  }
  const total = (state: ReturnType<typeof storedSecretsState>) => rows.filter((r) => storedSecretsState(r) === state).reduce((n, r) => n + r.count, 0);
  const unreadable = total('unreadable');
  const stale = total('stale') + unreadable;
  const hashOnly = total('hash-only');
  if (flags.json) {
    io.stdout(`${JSON.stringify({ profile: material.profile, rows, notCurrent: stale, unreadable, hashOnly, missing }, null, 2)}\n`);
  } else {
    io.stdout(`Current settings (${deployment.config.file}): ${describeProfile(material.profile)}\n\n`);
    io.stdout(
      formatTable(
        ['service', 'schema', 'table', 'column', 'stored as', 'values', 'state'],
        rows.map((r) => [r.service, r.schema, r.table, r.column, r.scheme, String(r.count), STATE_TEXT[storedSecretsState(r)]]),
      ),
    );
    for (const m of missing) io.stdout(`(no data yet for ${m})\n`);
    io.stdout(
      stale === 0
        ? '\nEvery stored value is under the current settings.\n'
        : `\n${stale} value(s) are not under the current settings${unreadable ? `, ${unreadable} of them under a key this configuration does not hold` : ''}.\n` +
            `Rewrite them with: ${cliName(io)} tokens migrate --verify\n`,
    );
    if (hashOnly > 0) {
      io.stdout(
        `${hashOnly} value(s) are stored as hashes only (imported from a WSO2 deployment that hashed them, or written while hashing was on): ` +
          'they keep working, but cannot be read back or rewritten; they leave as their tokens expire or their secrets are regenerated.\n',
      );
    }
  }
  if (flags.check && stale > 0) throw new CliError(`${stale} stored value(s) are not under the current settings`);
}

/** `tokens migrate`: rewrite every value not under the current settings into them, for both services' schemas. */
export async function tokensMigrate(io: CliIo, flags: MigrateFlags): Promise<void> {
  const deployment = loadDeployment(io);
  const material = await openMaterial(deployment);
  await guardAgainstRunningMismatch(io, deployment, material.profile.fingerprint, flags.force === true);
  io.stderr(`${flags.dryRun ? 'Dry run: nothing is written. ' : ''}Migrating to: ${describeProfile(material.profile)}\n`);

  const workers = RsaWorkerPool.start(material.processor, flags.threads === undefined ? {} : { threads: flags.threads });
  const migrator = new TokenMigrator(workers, { batchSize: flags.batchSize, dryRun: flags.dryRun === true, verify: flags.verify === true });
  const pools = new Pools();
  const results: ColumnResult[] = [];
  const started = Date.now();
  try {
    for (const storage of deployment.storages) {
      const pool = pools.for(storage.database);
      if (!(await schemaExists(pool, storage.schema))) {
        io.stderr(`${storage.service}: schema ${storage.schema} does not exist yet, nothing to migrate\n`);
        continue;
      }
      const target = { service: storage.service, schema: storage.schema, pool };
      for (const column of STORED_SECRETS[storage.service]) {
        const pending = await migrator.countPending(target, column);
        const progress = columnProgress(io, `${storage.service} ${column.table}.${column.value}`, pending);
        try {
          results.push(await migrator.migrateColumn(target, column, progress, pending));
        } finally {
          progress.stop();
        }
      }
    }
  } catch (e) {
    throw databaseError(e);
  } finally {
    await Promise.all([pools.close(), workers.close()]);
  }
  const seconds = (Date.now() - started) / 1000;
  const migrated = results.reduce((n, r) => n + r.migrated, 0);
  if (!flags.dryRun) await refreshServiceReports(deployment);
  io.stdout(
    formatTable(
      ['service', 'table', 'column', 'pending', flags.dryRun ? 'would migrate' : 'migrated', 'changed meanwhile', 'unreadable', 'hash mismatch', 'hash only (kept)', ...(flags.verify ? ['verify failed'] : [])],
      results.map((r) => [
        r.service,
        r.table,
        r.column,
        String(r.pending),
        String(r.migrated),
        String(r.skippedConcurrent),
        String(r.unreadable),
        String(r.hashMismatch),
        String(r.hashOnly),
        ...(flags.verify ? [String(r.verifyFailures)] : []),
      ]),
    ),
  );
  const peakMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  io.stdout(`\n${migrated} value(s) ${flags.dryRun ? 'would be ' : ''}rewritten in ${seconds.toFixed(1)} s (${Math.round(migrated / Math.max(seconds, 0.001))} rows/s, peak memory ${peakMiB} MiB).\n`);
  const unreadable = results.reduce((n, r) => n + r.unreadable, 0);
  const mismatched = results.reduce((n, r) => n + r.hashMismatch, 0);
  const verifyFailures = results.reduce((n, r) => n + r.verifyFailures, 0);
  const concurrent = results.reduce((n, r) => n + r.skippedConcurrent, 0);
  if (concurrent > 0) io.stdout(`${concurrent} value(s) changed while we worked were left as the services wrote them; run again to pick up any still not current.\n`);
  const hashOnly = results.reduce((n, r) => n + r.hashOnly, 0);
  if (hashOnly > 0) io.stdout(`${hashOnly} value(s) stored as hashes only were left as they are: nothing can read a hash back to rewrite it.\n`);
  if (unreadable + mismatched + verifyFailures > 0) {
    throw new CliError(
      [
        unreadable ? `${unreadable} value(s) could not be read: configure the key that wrote them ([[keystore.old]] / [encryption] old_key) and run again` : '',
        mismatched ? `${mismatched} value(s) decrypted to something that does not match their lookup hash: left untouched, investigate` : '',
        verifyFailures ? `${verifyFailures} rewritten value(s) failed verification` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
}

/**
 * `tokens narrow-hash-indexes`: narrows the Key Manager's unique token hash indexes to the rows without a
 * selector (apps/key-manager token-hash-indexes.ts), as its migration does on a small table. On a dedicated
 * connection whose search_path is the schema (the index statements name no schema), outside any
 * transaction (CREATE and DROP INDEX CONCURRENTLY).
 */
export async function tokensNarrowHashIndexes(io: CliIo): Promise<void> {
  const deployment = loadDeployment(io);
  const storage = deployment.storages.find((s) => s.service === 'key-manager')!;
  const pools = new Pools();
  try {
    const pool = pools.for(storage.database);
    if (!(await schemaExists(pool, storage.schema))) {
      throw new CliError(`the Key Manager's schema ${storage.schema} does not exist yet: nothing to narrow (a Key Manager of this release creates it narrowed)`);
    }
    if (!(await tokenSelectorsExist(pool, storage.schema))) {
      throw new CliError(
        `the Key Manager's tokens in schema ${storage.schema} have no selectors yet: no Key Manager of a release with token selectors has started on it. ` +
          'Upgrade every Key Manager to such a release first, then run this',
      );
    }
    const client = await pool.connect();
    try {
      await client.query(`SET search_path TO ${quoteIdentifier(storage.schema)}`);
      const query: Query = async (sql, parameters) => (await client.query(sql, parameters)).rows;
      if ((await hashIndexesNarrowed(query)) && (await narrowedIndexesValid(query))) {
        io.stdout(`The token hash indexes of schema ${storage.schema} are already narrowed: nothing to do.\n`);
        return;
      }
      io.stderr(`Narrowing the token hash indexes of schema ${storage.schema} (building the narrowed ones CONCURRENTLY; on a large table this takes a while)…\n`);
      const started = Date.now();
      await narrowHashIndexes(query);
      io.stdout(
        `Narrowed the token hash indexes of schema ${storage.schema} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
          `${LEGACY_HASH_INDEXES.map((i) => i.name).join(' and ')} replace ${LEGACY_HASH_INDEXES.map((i) => i.replaces).join(' and ')}.\n`,
      );
    } finally {
      await client.query('RESET search_path').catch(() => undefined);
      client.release();
    }
  } catch (e) {
    throw databaseError(e);
  } finally {
    await pools.close();
  }
}

/** Whether the narrowed hash indexes both exist and are valid (a stopped CONCURRENTLY build leaves one invalid). */
async function narrowedIndexesValid(query: Query): Promise<boolean> {
  const rows = await query(
    `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relname = ANY($1::text[]) AND i.indisvalid`,
    [LEGACY_HASH_INDEXES.map((i) => i.name)],
  );
  return rows[0]?.['n'] === LEGACY_HASH_INDEXES.length;
}

/**
 * Migrating into settings the running services don't write with would leave them reading values they
 * can't open. When the services are reachable, refuse unless every instance writes with this profile and no
 * rollout is in progress.
 */
async function guardAgainstRunningMismatch(io: CliIo, deployment: CliDeployment, fingerprint: string, force: boolean): Promise<void> {
  const nc = await connectBus(deployment.config);
  if (!nc) {
    io.stderr('warning: NATS is not reachable, so the running services could not be checked; make sure none writes with other settings\n');
    return;
  }
  let nodes: NodeStatus[];
  try {
    // Only this deployment's instances: another one on the same subjects writes however it likes.
    const [all, own] = await Promise.all([new RolloutCoordinator(nc, 1500, deployment.config.nats.subjectPrefix).discover(), readDeploymentId(deployment)]);
    nodes = ofDeployment(all, own);
  } finally {
    await nc.close();
  }
  const inTransition = nodes.filter((n) => n.transition);
  const different = nodes.filter((n) => n.profile.fingerprint !== fingerprint);
  if (inTransition.length > 0) {
    throw new CliError(`an encryption rollout is still in progress on ${inTransition.map((n) => n.instanceId).join(', ')}: run \`encryption rollout\` again to complete it first`);
  }
  if (different.length > 0 && !force) {
    throw new CliError(
      `running services write with other settings than ${deployment.config.file}: ` +
        different.map((n) => `${n.instanceId} (${describeProfile(n.profile)})`).join(', ') +
        `. Run \`${cliName(io)} encryption rollout\` first (or --force if they are about to be restarted with this file)`,
    );
  }
  if (nodes.length > 0) io.stderr(`${nodes.length} running service instance(s) write with these settings\n`);
}

/** Asks the running services to recount their stored values now, so `/health/ready` and the gauge show the result. */
async function refreshServiceReports(deployment: CliDeployment): Promise<void> {
  const nc = await connectBus(deployment.config);
  if (!nc) return;
  try {
    await new RolloutCoordinator(nc, 10_000, deployment.config.nats.subjectPrefix).discover({ refresh: true });
  } catch {
    // Only a courtesy: the services recount on their own every few minutes.
  } finally {
    await nc.close();
  }
}

/** A plain aligned table (no dependency: three columns of padding is all it takes). */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
