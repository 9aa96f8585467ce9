import { HASHED_SCHEME } from '@app/crypto';
import type { ImportResult } from './wso2-importer.service.js';

type Table = (headers: string[], rows: string[][]) => string;

/** The summary printed on stdout at the end: counts, why rows were skipped, how imported values are stored. */
export function formatImportReport(result: ImportResult, options: { dryRun: boolean; defaultTokenType: string; formatTable: Table }): string {
  const { clients, tokens } = result;
  const out: string[] = [];
  if (options.dryRun) out.push('Dry run: nothing was written.\n\n');
  out.push(
    options.formatTable(
      ['', 'in WSO2', options.dryRun ? 'would import' : 'imported', 'already here', 'skipped', 'failed'],
      [
        ['clients', clients.read, clients.imported, clients.alreadyImported, clients.skipped, clients.failed].map(String),
        ['tokens', tokens.read, tokens.imported, tokens.alreadyImported, tokens.skipped, tokens.failed].map(String),
      ],
    ),
  );
  const notes: string[] = [];
  if (clients.skipped > 0) notes.push(`${clients.skipped} client(s) not imported because WSO2 no longer serves them (APP_STATE not ACTIVE)`);
  if (tokens.skippedInactive > 0) notes.push(`${tokens.skippedInactive} token(s) expired, revoked or rotated, which no one can use (--include-inactive imports them too)`);
  if (tokens.skippedNoClient > 0) notes.push(`${tokens.skippedNoClient} token(s) of a client that is not imported`);
  if (clients.tokenTypeDefaulted > 0) {
    notes.push(`${clients.tokenTypeDefaulted} client(s) had no token type recorded in WSO2 (IDN_OIDC_PROPERTY tokenType) and got ${options.defaultTokenType} (--default-token-type)`);
  }
  if (notes.length > 0) out.push(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);

  const stored = [...result.stored].flatMap(([column, schemes]) => [...schemes].map(([scheme, n]) => [column, scheme, String(n)]));
  if (stored.length > 0) {
    out.push(`\n${options.dryRun ? 'Would be stored' : 'Stored'} as WSO2 wrote them (tokens migrate rewrites what is not under the current settings):\n`);
    out.push(options.formatTable(['column', 'stored as', 'values'], stored));
    if (stored.some(([, scheme]) => scheme === HASHED_SCHEME)) {
      out.push(
        `Values stored as ${HASHED_SCHEME} are secrets WSO2 kept as hashes only (hash_tokens_and_secrets): they keep working for their holders, ` +
          'are never shown, and stay hashes (tokens migrate leaves them).\n',
      );
    }
  }
  if (!options.dryRun && clients.imported + tokens.imported > 0) {
    out.push('\nNext: tokens status, then tokens migrate (docs/wso2-migration.md).\n');
  }
  return out.join('');
}
