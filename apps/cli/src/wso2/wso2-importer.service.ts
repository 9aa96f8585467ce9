import { randomUUID } from 'node:crypto';
import { SecretKinds, selectorOfJti, selectorOfSecret, type ProtectedSecret, type RsaWorkerPool } from '@app/crypto';
import type { TokenTypeExtension } from '@app/contracts';
import type { KeyManagerTargetRepository } from './key-manager-target.repository.js';
import { mapWso2App, type ClientDefaults, type ClientMapping } from './wso2-client.mapper.js';
import type { ImportedClient, ImportedClientSecret, ImportedToken, ImportFailure, Wso2AppRow, Wso2TokenRow } from './wso2-import.types.js';
import { jtiOfStoredJwt } from './wso2-jwt.util.js';
import { readWso2Secret, sha256OfHashColumn, type SecretSource } from './wso2-secret.util.js';
import type { Wso2SourceRepository } from './wso2-source.repository.js';
import { mapWso2Token, type MappedTokenFields } from './wso2-token.mapper.js';

export interface ImportOptions {
  source: SecretSource;
  /** Reads each batch's WSO2 ciphertexts on worker threads (made for `source.processor`); without it, one by one here. */
  pool?: RsaWorkerPool;
  defaults: ClientDefaults;
  batchSize: number;
  dryRun: boolean;
  includeInactive: boolean;
  /** Epoch seconds: what "expired" is measured against. */
  now: number;
}

/** Where the importer reports as it goes (stderr, in the CLI). Subjects name rows, never secrets. */
export interface ImportEvents {
  failure(subject: string, failure: ImportFailure): void;
  warning(subject: string, message: string): void;
  progress(kind: 'clients' | 'tokens', rows: number): void;
}

export interface ImportCounts {
  /** Rows read from WSO2. */
  read: number;
  /** Inserted (or, in a dry run, that would be). */
  imported: number;
  /** Already here from an earlier run: left as they are. */
  alreadyImported: number;
  /** Deliberately not imported (see the kind's own counts). */
  skipped: number;
  /** A value or row that could not be imported: reported, exit status 1. */
  failed: number;
}

export interface ImportResult {
  clients: ImportCounts & {
    /** Clients whose WSO2 app had no token type, so `--default-token-type` was used. */
    tokenTypeDefaulted: number;
  };
  tokens: ImportCounts & {
    /** Expired, revoked or rotated: no one can use them (kept out unless --include-inactive). */
    skippedInactive: number;
    /** Their client is not here (skipped or failed above). */
    skippedNoClient: number;
  };
  /** For each column, how many imported values are stored under each scheme: what `tokens migrate` will see. */
  stored: Map<string, Map<string, number>>;
}

/** The repositories' methods the importer uses (tests may hand in others). */
export type ImportSource = Pick<Wso2SourceRepository, 'apps' | 'tokens' | 'ambiguousConsumerKeys'>;
export type ImportTarget = Pick<KeyManagerTargetRepository, 'clientTokenTypes' | 'existingAccessHashes' | 'insertClients' | 'insertTokens'>;

const zero = (): ImportCounts => ({ read: 0, imported: 0, alreadyImported: 0, skipped: 0, failed: 0 });

/**
 * Moves WSO2's OAuth clients and their tokens into the Key Manager's schema: clients first (tokens need
 * them), then tokens, each in pages of `batchSize` rows written in one transaction. Values keep their stored
 * form and gain the scheme and lookup hash the Key Manager would give them. Idempotent: rows already here
 * (same client id, same token hash) are counted and left alone, so an interrupted run is simply repeated.
 */
export class Wso2Importer {
  private readonly result: ImportResult = {
    clients: { ...zero(), tokenTypeDefaulted: 0 },
    tokens: { ...zero(), skippedInactive: 0, skippedNoClient: 0 },
    stored: new Map(),
  };
  /** Dry run: the clients that would have been inserted, so their tokens count as importable too. */
  private readonly wouldImport = new Map<string, TokenTypeExtension>();
  /** Clients of this batch that got `--default-token-type`: counted once actually imported. */
  private readonly defaultedTokenType = new Set<string>();

  constructor(
    private readonly from: ImportSource,
    private readonly to: ImportTarget,
    private readonly options: ImportOptions,
    private readonly events: ImportEvents,
  ) {}

  async run(): Promise<ImportResult> {
    for (let afterId = 0; ; ) {
      const rows = await this.from.apps(afterId, this.options.batchSize);
      if (rows.length === 0) break;
      afterId = rows[rows.length - 1]!.id;
      await this.importClients(rows);
      this.events.progress('clients', rows.length);
    }
    const nextTokens = async (afterTokenId: string): Promise<PreparedTokens | undefined> => {
      const rows = await this.from.tokens(afterTokenId, this.options.batchSize);
      return rows.length === 0 ? undefined : this.prepareTokens(rows);
    };
    // Batch N+1 is read and its ciphertexts queued on the pool's threads before batch N is checked and
    // inserted here, so the threads do not wait for this thread or the databases between batches.
    for (let batch = await nextTokens(''); batch; ) {
      const following = await nextTokens(batch.rows[batch.rows.length - 1]!.tokenId);
      await this.importTokens(batch);
      this.events.progress('tokens', batch.rows.length);
      batch = following;
    }
    return this.result;
  }

  private async importClients(rows: Awaited<ReturnType<ImportSource['apps']>>): Promise<void> {
    const counts = this.result.clients;
    this.defaultedTokenType.clear();
    const present = await this.to.clientTokenTypes(rows.map((r) => r.consumerKey));
    const toRead: { row: (typeof rows)[number]; subject: string; mapping: Extract<ClientMapping, { kind: 'client' }> }[] = [];
    for (const row of rows) {
      counts.read++;
      const subject = `client ${row.consumerKey}`;
      const tenants = this.from.ambiguousConsumerKeys.get(row.consumerKey);
      if (tenants) {
        this.fail(counts, `${subject} (tenant ${row.tenantId ?? '?'})`, ambiguous(tenants));
        continue;
      }
      const mapping = mapWso2App(row, this.options.defaults);
      if (mapping.kind === 'skip') {
        counts.skipped++;
        this.events.warning(subject, `not imported: ${mapping.reason}`);
        continue;
      }
      // Checked before decrypting: a second run costs no private-key operations for what is already here.
      if (present.has(row.consumerKey)) {
        counts.alreadyImported++;
        continue;
      }
      toRead.push({ row, subject, mapping });
    }
    const source = await this.opened(toRead.flatMap(({ row, mapping }) => [mapping.client.publicClient ? undefined : row.consumerSecret, ...(row.secrets ?? []).map((s) => s.value)]));
    const candidates: ImportedClient[] = [];
    for (const { row, subject, mapping } of toRead) {
      const { client, warnings } = mapping;
      for (const warning of warnings) this.events.warning(subject, warning);
      let secret: ProtectedSecret | null = null;
      if (!client.publicClient) {
        const reading = readWso2Secret(row.consumerSecret ?? '', source);
        if (!reading.ok) {
          this.fail(counts, `${subject} consumer secret`, reading.failure);
          continue;
        }
        secret = reading.secret;
      }
      const secrets = this.readSecrets(row, secret, subject, source);
      if (!secrets.ok) {
        this.fail(counts, secrets.subject, secrets.failure);
        continue;
      }
      const { tokenTypeDefaulted, ...settings } = client;
      if (tokenTypeDefaulted) this.defaultedTokenType.add(client.clientId);
      candidates.push({ ...settings, ...secrets.value });
    }
    if (candidates.length === 0) return;
    if (this.options.dryRun) {
      for (const c of candidates) {
        this.clientImported(c);
        this.wouldImport.set(c.clientId, c.tokenType);
      }
      return;
    }
    const inserted = await this.to.insertClients(candidates);
    const lost = candidates.filter((c) => !inserted.has(c.clientId));
    const nowPresent = await this.to.clientTokenTypes(lost.map((c) => c.clientId));
    for (const c of candidates) {
      if (inserted.has(c.clientId)) this.clientImported(c);
      else if (nowPresent.has(c.clientId)) counts.alreadyImported++;
      else this.fail(counts, `client ${c.clientId} consumer secret`, { code: 'WSO2_SECRET_TAKEN', message: 'another client here already has this consumer secret' });
    }
  }

  /**
   * The app's rows of IDN_OAUTH_CONSUMER_SECRETS (WSO2 4.7's several secrets per app). WSO2 keeps its latest
   * secret in CONSUMER_SECRET too: the row with the same value gives the client's own secret its SECRET_ID and
   * age, and, when WSO2 set that secret an expiry, the secret goes with the others, which keep their expiry.
   * Every other row becomes a secret added beside the client's own, stored as WSO2 stored it. A row that
   * cannot be read fails the whole client: importing it without one of its secrets would lock that
   * secret's holders out.
   */
  private readSecrets(
    row: Wso2AppRow,
    own: ProtectedSecret | null,
    subject: string,
    source: SecretSource,
  ): { ok: true; value: Pick<ImportedClient, 'secret' | 'secretId' | 'secretCreatedAt' | 'addedSecrets'> } | { ok: false; subject: string; failure: ImportFailure } {
    let secret = own;
    let secretId: string | null = null;
    let secretCreatedAt: number | null = null;
    const addedSecrets: ImportedClientSecret[] = [];
    for (const s of row.secrets ?? []) {
      const where = `${subject} secret ${s.secretId.slice(0, 100)}`;
      const reading = readWso2Secret(s.value ?? '', source, s.hash);
      if (!reading.ok) return { ok: false, subject: where, failure: reading.failure };
      const expiresAt = expiryMs(s.expiryTime);
      if (expiresAt === 'invalid') return { ok: false, subject: where, failure: { code: 'WSO2_SECRET_EXPIRY_INVALID', message: 'EXPIRY_TIME is negative' } };
      const id = UUID.test(s.secretId) ? s.secretId.toLowerCase() : randomUUID();
      if (id !== s.secretId.toLowerCase()) this.events.warning(subject, `SECRET_ID ${s.secretId.slice(0, 100)} is not a UUID: the secret has a new secretId here`);
      if (own !== null && reading.secret.hash === own.hash) {
        if (expiresAt === null) {
          secretId = id;
          secretCreatedAt = s.createdTime;
        } else {
          secret = null; // WSO2 expires the app's own secret: it is kept with its expiry, among the others
          addedSecrets.push({ id, secret: reading.secret, description: s.description, createdAt: s.createdTime, expiresAt });
        }
        continue;
      }
      if (addedSecrets.some((a) => a.secret.hash === reading.secret.hash)) continue;
      addedSecrets.push({ id, secret: reading.secret, description: s.description, createdAt: s.createdTime, expiresAt });
    }
    const count = (secret ? 1 : 0) + addedSecrets.length;
    const cap = this.options.defaults.secretCount;
    if (cap !== undefined && count > cap) {
      this.events.warning(subject, `${count} consumer secrets, more than [oauth.multiple_client_secrets] secret_count (${cap}): all imported; no new one can be added until some are revoked`);
    }
    return { ok: true, value: { secret, secretId, secretCreatedAt, addedSecrets } };
  }

  /**
   * What each row of a token batch will be (nothing counted or reported yet: {@link importTokens} does that,
   * in row order), with the values to read already queued on the pool.
   */
  private async prepareTokens(rows: Wso2TokenRow[]): Promise<PreparedTokens> {
    const clientIds = [...new Set(rows.map((r) => r.consumerKey))];
    const clients = await this.to.clientTokenTypes(clientIds);
    for (const id of clientIds) {
      const would = this.wouldImport.get(id);
      if (would && !clients.has(id)) clients.set(id, would);
    }
    // WSO2's own hash of an access token is ours too (SHA-256, in either of WSO2's forms): rows already here
    // are recognised without decrypting. Those without a selector, that is: the hash tells no selector, so a
    // row imported with one (its token is of our selector format) is recognised once its value is read.
    const wso2Hashes = new Map(rows.map((r) => [r.tokenId, sha256OfHashColumn(r.accessTokenHash)]));
    const known = await this.to.existingAccessHashes([...wso2Hashes.values()].flatMap((hash) => (hash === undefined ? [] : [{ hash, selector: null }])));

    const outcomes = rows.map((row): TokenOutcome => {
      const subject = `token ${row.tokenId} (client ${row.consumerKey})`;
      const mapping = mapWso2Token(row, { now: this.options.now, includeInactive: this.options.includeInactive });
      if (mapping.kind === 'skip') return { kind: 'inactive' };
      if (mapping.kind === 'fail') return { kind: 'fail', subject, failure: mapping.failure };
      // Never attach a token to a client of the same id from another tenant (one imported by an earlier run).
      if (this.from.ambiguousConsumerKeys.has(row.consumerKey)) return { kind: 'no-client' };
      const tokenType = clients.get(row.consumerKey);
      if (tokenType === undefined) return { kind: 'no-client' };
      const wso2Hash = wso2Hashes.get(row.tokenId);
      if (wso2Hash !== undefined && known.has(wso2Hash)) return { kind: 'already' };
      return { kind: 'read', read: { row, subject, fields: mapping.fields, tokenType } };
    });
    const source = this.opened(outcomes.flatMap((o) => (o.kind === 'read' ? [o.read.row.accessToken, o.read.row.refreshToken] : [])));
    // Awaited in its turn; a failure meanwhile must not surface as an unhandled rejection.
    source.catch(() => undefined);
    return { rows, outcomes, source };
  }

  private async importTokens({ outcomes, source: opening }: PreparedTokens): Promise<void> {
    const counts = this.result.tokens;
    const toRead: TokenToRead[] = [];
    for (const outcome of outcomes) {
      counts.read++;
      if (outcome.kind === 'inactive') {
        counts.skipped++;
        counts.skippedInactive++;
      } else if (outcome.kind === 'fail') this.fail(counts, outcome.subject, outcome.failure);
      else if (outcome.kind === 'no-client') {
        counts.skipped++;
        counts.skippedNoClient++;
      } else if (outcome.kind === 'already') counts.alreadyImported++;
      else toRead.push(outcome.read);
    }
    const source = await opening;
    const candidates: ImportedToken[] = [];
    const subjects = new Map<string, string>();
    for (const { row, subject, fields, tokenType } of toRead) {
      const token = this.readToken(row, subject, tokenType, source);
      if (!token) {
        counts.failed++;
        continue;
      }
      candidates.push({ clientId: row.consumerKey, ...fields, ...token });
      subjects.set(token.access.hash, subject);
    }
    if (candidates.length === 0) return;

    const already = await this.to.existingAccessHashes(candidates.map(accessKey));
    const fresh = candidates.filter((c) => !already.has(c.access.hash));
    counts.alreadyImported += candidates.length - fresh.length;
    if (this.options.dryRun) {
      for (const t of fresh) this.tokenImported(t);
      return;
    }
    const inserted = await this.to.insertTokens(fresh);
    const lost = fresh.filter((t) => !inserted.has(t.access.hash));
    const nowPresent = await this.to.existingAccessHashes(lost.map(accessKey));
    for (const t of fresh) {
      if (inserted.has(t.access.hash)) this.tokenImported(t);
      else if (nowPresent.has(t.access.hash)) counts.alreadyImported++;
      else
        this.fail(counts, subjects.get(t.access.hash) ?? `a token of client ${t.clientId}`, {
          code: 'WSO2_TOKEN_CONFLICT',
          message: 'its refresh token is already stored here with another access token, or its client was deleted meanwhile',
        });
    }
  }

  /** The secrets of one row as we store them, or undefined after reporting why not. */
  private readToken(
    row: Wso2TokenRow,
    subject: string,
    clientTokenType: TokenTypeExtension,
    source: SecretSource,
  ): Pick<ImportedToken, 'access' | 'accessSelector' | 'refresh' | 'refreshSelector' | 'tokenType'> | undefined {
    const access = readWso2Secret(row.accessToken ?? '', source, row.accessTokenHash);
    if (!access.ok) return void this.events.failure(`${subject} access token`, access.failure);
    let stored = access.secret;
    let tokenType = clientTokenType;
    // A token WSO2 kept as its hash only has no text to look into: it is whatever its client issues.
    const jti = access.plaintext === null ? undefined : jtiOfStoredJwt(access.plaintext);
    if (jti === null) return void this.events.failure(`${subject} access token`, { code: 'WSO2_JWT_WITHOUT_JTI', message: 'a JWT access token without a jti claim' });
    if (jti !== undefined) {
      // WSO2 stored the whole JWT (PersistAccessTokenAlias off). We store a JWT's jti, so this one value is
      // sealed afresh under the current settings: its original ciphertext is of the JWT, not of the jti.
      stored = source.processor.protect(SecretKinds.AccessToken, jti);
      tokenType = 'JWT';
    }
    let refresh: ProtectedSecret | null = null;
    let refreshSelector: string | null = null;
    if (row.refreshToken) {
      const reading = readWso2Secret(row.refreshToken, source, row.refreshTokenHash);
      if (!reading.ok) return void this.events.failure(`${subject} refresh token`, reading.failure);
      refresh = reading.secret;
      refreshSelector = reading.plaintext === null ? null : selectorOfSecret(reading.plaintext);
    }
    return { access: stored, accessSelector: accessSelectorOf(jti ?? access.plaintext, tokenType), refresh, refreshSelector, tokenType };
  }

  /**
   * The secret source for one batch: with a pool and encrypted WSO2 values, `values` (those the batch will
   * read) read on the pool's threads first, so reading them in the loop costs no private-key operation.
   */
  private async opened(values: (string | null | undefined)[]): Promise<SecretSource> {
    const { source, pool } = this.options;
    if (!pool || !source.encrypted) return source;
    const distinct = [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
    const results = await pool.openAny(distinct);
    return { ...source, opened: new Map(distinct.map((v, i) => [v, results[i]!])) };
  }

  private clientImported(client: ImportedClient): void {
    this.result.clients.imported++;
    if (this.defaultedTokenType.delete(client.clientId)) this.result.clients.tokenTypeDefaulted++;
    if (client.secret) this.count('oauth_clients.client_secret', client.secret.scheme);
    for (const s of client.addedSecrets ?? []) this.count('oauth_client_secrets.secret', s.secret.scheme);
  }

  private tokenImported(token: ImportedToken): void {
    this.result.tokens.imported++;
    this.count('oauth_tokens.access_token', token.access.scheme);
    if (token.refresh) this.count('oauth_tokens.refresh_token', token.refresh.scheme);
  }

  private fail(counts: ImportCounts, subject: string, failure: ImportFailure): void {
    counts.failed++;
    this.events.failure(subject, failure);
  }

  private count(column: string, scheme: string): void {
    let schemes = this.result.stored.get(column);
    if (!schemes) this.result.stored.set(column, (schemes = new Map()));
    schemes.set(scheme, (schemes.get(scheme) ?? 0) + 1);
  }
}

/**
 * The selector of an imported access token, as the Key Manager's look-up computes it for the token presented
 * (apps/key-manager token-lookup.service): a JWT row stores its jti, found by `selectorOfJti`; any other
 * token by `selectorOfSecret`. Null without a plaintext (WSO2 kept only its hash). A row given no selector
 * although its token has one would never be found: the look-up goes by the selector alone.
 */
function accessSelectorOf(plaintext: string | null, tokenType: TokenTypeExtension): string | null {
  if (plaintext === null) return null;
  return tokenType === 'JWT' ? selectorOfJti(plaintext) : selectorOfSecret(plaintext);
}

/** How the Key Manager finds a token's row: by its selector when it has one, else by its hash. */
const accessKey = (t: ImportedToken) => ({ hash: t.access.hash, selector: t.accessSelector });

type TokenToRead = { row: Wso2TokenRow; subject: string; fields: MappedTokenFields; tokenType: TokenTypeExtension };
/** What one WSO2 token row comes to before its values are read. */
type TokenOutcome =
  | { kind: 'inactive' }
  | { kind: 'fail'; subject: string; failure: ImportFailure }
  | { kind: 'no-client' }
  | { kind: 'already' }
  | { kind: 'read'; read: TokenToRead };
/** A batch of WSO2 token rows, sorted out, its values being read on the pool. */
interface PreparedTokens {
  rows: Wso2TokenRow[];
  outcomes: TokenOutcome[];
  source: Promise<SecretSource>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * EXPIRY_TIME as epoch milliseconds: WSO2's OAuthAppDAO writes milliseconds (0 or NULL: never expires). A value
 * below 10^11 cannot be milliseconds of a real expiry (it would be before 1973) and is read as seconds.
 */
function expiryMs(stored: number | null): number | null | 'invalid' {
  if (stored === null || stored === 0) return null;
  if (stored < 0) return 'invalid';
  return stored < 1e11 ? stored * 1000 : stored;
}

function ambiguous(tenants: number[]): ImportFailure {
  return {
    code: 'WSO2_CONSUMER_KEY_AMBIGUOUS',
    message:
      `tenants ${tenants.join(', ')} each have an active app with this consumer key (WSO2 makes consumer keys unique per tenant); ` +
      'the Key Manager has one namespace of client ids, so neither is imported, nor their tokens: remove or rename all but one in WSO2, then import again',
  };
}
