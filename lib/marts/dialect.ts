/**
 * The ONE place where Athena (Trino) SQL and DuckDB differ for Lakeforge's statements.
 *
 * Mart and curated SQL is written in Trino and kept inside the subset both engines share
 * (`count(*) FILTER (WHERE …)` rather than `count_if`, which DuckDB types as HUGEINT;
 * `CAST(CAST(ts AS date) AS varchar)` rather than `format_datetime`; `try_cast`, `split`,
 * `UNNEST … AS t(c)`, `INTERVAL '1' HOUR` work in both). What remains:
 *
 * | Trino                              | DuckDB translation                                           |
 * |------------------------------------|--------------------------------------------------------------|
 * | `from_iso8601_timestamp(s)`        | macro: `CAST(s AS TIMESTAMPTZ)` (session time zone UTC)       |
 * | `tstz AT TIME ZONE 'UTC'`          | native: yields the UTC wall-clock `TIMESTAMP`; the enclosing `CAST(… AS timestamp)` is then a no-op, as in Trino |
 * | Glue types (`string`, `array<x>`…) | {@link glueToDuckDbType}                                     |
 *
 * The pipeline plan's statements run as they are too: DuckDB (≥ 1.4) has `MERGE INTO … USING … WHEN [NOT]
 * MATCHED`, `INSERT INTO … VALUES`, `greatest`, `lpad`, `hour`, `date_diff('day', …)`, `row_number() OVER`
 * and `INTERVAL 'n' HOUR` with Trino's meaning. (The local runner's `RETURNING merge_action, <partition
 * columns>` is how it counts partitions, not a translation: see `tools/local/pipeline-runner.ts`.)
 *
 * Identifiers need no translation either: Lakeforge double-quotes every column name that is reserved on Athena or
 * on DuckDB, or is not a plain name (`r.data."from" AS "from"`, `quoteSqlIdentifier` in
 * lambdas/shared/sql-identifiers.ts), and DuckDB reads double-quoted identifiers as Trino does (case-insensitively).
 *
 * No textual rewriting is needed today; {@link toDuckDb} is the hook if one ever is, so that any
 * translation stays here and is tested.
 */
import { splitTopLevel } from './catalog-model';

/** Statements to run once per DuckDB connection before Lakeforge SQL. */
export const DUCKDB_PRELUDE: readonly string[] = [
  "SET TimeZone = 'UTC'",
  'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
];

/** Translates one Trino statement to DuckDB (identity today; see the module table). */
export function toDuckDb(trinoSql: string): string {
  return trinoSql;
}


const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
};

/**
 * A Glue type string as a DuckDB type: `array<string>` → `VARCHAR[]`,
 * `struct<a:int>` → `STRUCT("a" INTEGER)`, `map<string,int>` → `MAP(VARCHAR, INTEGER)`.
 *
 * @throws Error on an unknown type.
 */
export function glueToDuckDbType(glue: string): string {
  const t = glue.trim();
  const lower = t.toLowerCase();
  if (PRIMITIVES[lower] !== undefined) return PRIMITIVES[lower];
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(lower);
  if (decimal !== null) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const generic = /^(array|struct|map)<(.*)>$/is.exec(t);
  if (generic !== null) {
    const kind = generic[1].toLowerCase();
    const body = generic[2];
    if (kind === 'array') return `${glueToDuckDbType(body)}[]`;
    const parts = splitTopLevel(body);
    if (kind === 'map') return `MAP(${parts.map(glueToDuckDbType).join(', ')})`;
    return `STRUCT(${parts
      .map((p) => {
        const colon = p.indexOf(':');
        return `"${p.slice(0, colon).trim().replace(/"/g, '""')}" ${glueToDuckDbType(p.slice(colon + 1))}`;
      })
      .join(', ')})`;
  }
  throw new Error(`Unknown Glue type "${glue}"`);
}
