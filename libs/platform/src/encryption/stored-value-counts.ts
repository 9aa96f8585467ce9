/**
 * Running counts of stored secret values by table, column and storage scheme, kept by the database itself:
 * a statement-level trigger on each table with a secret column appends what each INSERT, UPDATE, DELETE or
 * COPY changed (one row per column and scheme, from the statement's transition tables) to
 * `stored_value_counts`; the sum over a column and scheme is its count. Reading the counts is a sum over a
 * few rows instead of a GROUP BY over every row — at 10 million tokens that scan took seconds per column
 * (docs/benchmarks.md, table-size). The table only ever gets rows appended by the request path, so
 * concurrent statements never wait for each other on it; {@link COMPACT_STORED_VALUE_COUNTS} folds the
 * appended rows into one per column and scheme from time to time.
 *
 * Migrations pass the columns they know at that release (a frozen list, not the live catalog), so a later
 * change of the catalog never changes what an applied migration did.
 */

/** One secret column as the counting triggers see it. */
export interface CountedColumn {
  table: string;
  value: string;
  scheme: string;
}

const identifier = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
};
const literal = (text: string): string => `'${identifier(text)}'`;

function byTable(columns: readonly CountedColumn[]): Map<string, CountedColumn[]> {
  const tables = new Map<string, CountedColumn[]>();
  for (const c of columns) tables.set(c.table, [...(tables.get(c.table) ?? []), c]);
  return tables;
}

/** `SELECT column, scheme, ±1` over one transition table, for every secret column of a table. */
function changes(columns: CountedColumn[], rows: 'new_rows' | 'old_rows', sign: 1 | -1): string {
  return columns
    .map((c) => `SELECT ${literal(c.value)} AS column_name, ${identifier(c.scheme)} AS scheme, ${sign} AS d FROM ${rows} WHERE ${identifier(c.value)} IS NOT NULL`)
    .join(' UNION ALL ');
}

/** The statements that create the counts table, the triggers on each table, and the counts of the rows already there. */
export function createStoredValueCounts(columns: readonly CountedColumn[]): string[] {
  const statements = [
    `CREATE TABLE IF NOT EXISTS stored_value_counts (
       table_name text NOT NULL,
       column_name text NOT NULL,
       scheme text NOT NULL,
       n bigint NOT NULL
     )`,
  ];
  for (const [table, cols] of byTable(columns)) {
    const t = identifier(table);
    const append = (select: string, having = '') =>
      `INSERT INTO stored_value_counts (table_name, column_name, scheme, n) SELECT ${literal(table)}, column_name, scheme, sum(d) FROM (${select}) x GROUP BY 1, 2, 3${having};`;
    statements.push(
      // Writes must not wait for the table they write: rows for other tables are untouched, and a concurrent
      // writer only appends. SET search_path FROM CURRENT: the service schema, whatever the caller's path.
      `CREATE OR REPLACE FUNCTION stored_value_counts_${t}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           ${append(changes(cols, 'new_rows', 1))}
         ELSIF TG_OP = 'DELETE' THEN
           ${append(changes(cols, 'old_rows', -1))}
         ELSIF TG_OP = 'UPDATE' THEN
           ${append(`${changes(cols, 'new_rows', 1)} UNION ALL ${changes(cols, 'old_rows', -1)}`, ' HAVING sum(d) <> 0')}
         ELSE
           DELETE FROM stored_value_counts WHERE table_name = ${literal(table)};
         END IF;
         RETURN NULL;
       END $$`,
      // The seed below must count exactly the rows the triggers will not see: no writer in between.
      `LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`,
      `CREATE TRIGGER ${t}_count_inserts AFTER INSERT ON ${t} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stored_value_counts_${t}()`,
      `CREATE TRIGGER ${t}_count_updates AFTER UPDATE ON ${t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stored_value_counts_${t}()`,
      `CREATE TRIGGER ${t}_count_deletes AFTER DELETE ON ${t} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stored_value_counts_${t}()`,
      `CREATE TRIGGER ${t}_count_truncates AFTER TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION stored_value_counts_${t}()`,
    );
  }
  return [...statements, ...seedStoredValueCounts(columns)];
}

/** Counts the rows already stored (one GROUP BY per column: once, when the counts are created). */
export function seedStoredValueCounts(columns: readonly CountedColumn[]): string[] {
  return columns.map(
    (c) =>
      `INSERT INTO stored_value_counts (table_name, column_name, scheme, n)
       SELECT ${literal(c.table)}, ${literal(c.value)}, ${identifier(c.scheme)}, count(*) FROM ${identifier(c.table)}
        WHERE ${identifier(c.value)} IS NOT NULL GROUP BY 3`,
  );
}

/** Runs each statement in order (a migration's query runner, or a client). */
export async function runStatements(runner: { query(sql: string): Promise<unknown> }, statements: string[]): Promise<void> {
  for (const sql of statements) await runner.query(sql);
}

export function dropStoredValueCounts(columns: readonly CountedColumn[]): string[] {
  const statements: string[] = [];
  for (const table of byTable(columns).keys()) {
    const t = identifier(table);
    for (const op of ['inserts', 'updates', 'deletes', 'truncates']) statements.push(`DROP TRIGGER IF EXISTS ${t}_count_${op} ON ${t}`);
    statements.push(`DROP FUNCTION IF EXISTS stored_value_counts_${t}()`);
  }
  return [...statements, `DROP TABLE IF EXISTS stored_value_counts`];
}

/** The counts now: one row per table, column and scheme with values stored. */
export const READ_STORED_VALUE_COUNTS = `SELECT table_name, column_name, scheme, sum(n)::float8 AS n FROM stored_value_counts GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3`;

/**
 * Folds the appended rows into one per table, column and scheme, in one statement. Two instances compacting at
 * once cannot count a row twice: the second DELETE skips the rows the first one deleted.
 */
export const COMPACT_STORED_VALUE_COUNTS = `
  WITH gone AS (DELETE FROM stored_value_counts RETURNING table_name, column_name, scheme, n)
  INSERT INTO stored_value_counts (table_name, column_name, scheme, n)
  SELECT table_name, column_name, scheme, sum(n) FROM gone GROUP BY 1, 2, 3 HAVING sum(n) <> 0`;
