// Issue 14 §3: migrations are expand/contract. Every statement each migration's `up` runs is captured (the
// real migration classes, run against a recording QueryRunner) and checked: anything that could break an
// instance of the previous release still running against the migrated schema — a DROP, a RENAME, a type
// change, a new NOT NULL without a default, a new constraint, deleting rows — needs a reviewed entry in
// contract-allow-list.ts naming the release it ships in. The rolling-upgrade e2e runs the previous release
// for real (test/e2e/rolling-upgrade.e2e.spec.ts).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEVPORTAL_MIGRATIONS } from '../../apps/devportal/src/persistence/persistence.js';
import { KEY_MANAGER_MIGRATIONS } from '../../apps/key-manager/src/persistence/persistence.module.js';
import { REPO_ROOT } from '../support/test-keystore.js';
import { CONTRACT_ALLOW_LIST } from './contract-allow-list.js';

/** Statements that are not purely additive, by what they do. */
const CONTRACT_PATTERNS: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: 'drops something', pattern: /\bDROP\s+(TABLE|COLUMN|CONSTRAINT|INDEX|TRIGGER|FUNCTION|TYPE|VIEW|SCHEMA|DEFAULT|NOT\s+NULL)\b/i },
  { what: 'renames something', pattern: /\bRENAME\b/i },
  { what: 'changes a column type', pattern: /\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b/i },
  { what: 'makes a column NOT NULL', pattern: /\bSET\s+NOT\s+NULL\b/i },
  { what: 'adds a NOT NULL column without a default', pattern: /\bADD\s+COLUMN\s+(IF\s+NOT\s+EXISTS\s+)?\S+\s+(?:(?!DEFAULT)[^,])*\bNOT\s+NULL\b(?:(?!DEFAULT)[^,])*(,|$)/i },
  { what: 'adds a constraint to an existing table', pattern: /\bALTER\s+TABLE\b.*\bADD\s+CONSTRAINT\b/i },
  { what: 'deletes rows', pattern: /^(DELETE\s+FROM|TRUNCATE)\b/i },
];

type MigrationClass = new () => MigrationInterface;

async function statementsOf(migration: MigrationInterface): Promise<string[]> {
  const statements: string[] = [];
  const runner = { query: async (sql: string) => (statements.push(sql.replace(/\s+/g, ' ').trim()), []) } as unknown as QueryRunner;
  await migration.up(runner);
  return statements;
}

const ALL: ReadonlyArray<[string, MigrationClass]> = [
  ...KEY_MANAGER_MIGRATIONS.map((m) => ['key-manager', m as MigrationClass] as [string, MigrationClass]),
  ...DEVPORTAL_MIGRATIONS.map((m) => ['devportal', m as MigrationClass] as [string, MigrationClass]),
];

describe('migrations are expand-only unless a contract step is reviewed', () => {
  it('finds the migrations and their statements', async () => {
    expect(ALL.length).toBeGreaterThanOrEqual(14);
    for (const [, Migration] of ALL) expect((await statementsOf(new Migration())).length).toBeGreaterThan(0);
  });

  it('runs no contract statement in any up() without an allow-list entry', async () => {
    const unreviewed: string[] = [];
    const used = new Set<number>();
    for (const [service, Migration] of ALL) {
      const migration = new Migration();
      for (const statement of await statementsOf(migration)) {
        const hit = CONTRACT_PATTERNS.find((p) => p.pattern.test(statement));
        if (!hit) continue;
        const entry = CONTRACT_ALLOW_LIST.findIndex((e) => e.migration === migration.name && e.statement.test(statement));
        if (entry < 0) unreviewed.push(`${service} ${migration.name} ${hit.what}: ${statement.slice(0, 160)}`);
        else used.add(entry);
      }
    }
    expect(unreviewed).toEqual([]);
    // No stale entry: each one still matches a statement.
    expect(CONTRACT_ALLOW_LIST.filter((_, i) => !used.has(i)).map((e) => e.migration)).toEqual([]);
  });

  it('names, for every reviewed step, a release no later than this one', () => {
    const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const entry of CONTRACT_ALLOW_LIST) {
      expect(semver.valid(entry.release)).not.toBeNull();
      expect(semver.lte(entry.release, version)).toBe(true);
      expect(entry.why.length).toBeGreaterThan(20);
    }
  });

  it('flags what it must (the checker itself)', () => {
    const flagged = (sql: string) => CONTRACT_PATTERNS.some((p) => p.pattern.test(sql));
    expect(flagged('ALTER TABLE t DROP COLUMN c')).toBe(true);
    expect(flagged('ALTER TABLE t RENAME COLUMN a TO b')).toBe(true);
    expect(flagged('ALTER TABLE t ALTER COLUMN c TYPE bigint')).toBe(true);
    expect(flagged('ALTER TABLE t ALTER COLUMN c SET NOT NULL')).toBe(true);
    expect(flagged('ALTER TABLE t ADD COLUMN c text NOT NULL')).toBe(true);
    expect(flagged('ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT \'x\'')).toBe(false);
    expect(flagged('ALTER TABLE t ADD COLUMN IF NOT EXISTS c boolean NOT NULL DEFAULT false, ADD COLUMN d text')).toBe(false);
    expect(flagged('ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int NOT NULL')).toBe(true);
    expect(flagged('CREATE TABLE IF NOT EXISTS t (id uuid PRIMARY KEY, c text NOT NULL)')).toBe(false);
    expect(flagged('CREATE INDEX IF NOT EXISTS i ON t (lower(c))')).toBe(false);
    expect(flagged('DELETE FROM t')).toBe(true);
  });
});
