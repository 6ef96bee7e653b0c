/**
 * Loads dt-sql-parser's Hive grammar into CommonJS: Athena DDL (`CREATE TABLE`, `ALTER TABLE … ADD COLUMNS`) is
 * based on HiveQL DDL (Amazon Athena User Guide, "SQL reference for Athena",
 * https://docs.aws.amazon.com/athena/latest/ug/ddl-sql-reference.html, and "DDL statements",
 * https://docs.aws.amazon.com/athena/latest/ug/ddl-reference.html). The Hive entry point is bundled by
 * {@link loadDtSqlParser} on first use (~0.3 s, cached per process), as `trino-parser.ts` bundles the Trino grammar
 * for queries.
 */
import type { HiveSQL } from 'dt-sql-parser';
import { loadDtSqlParser } from './dt-sql-parser';

let parserInstance: HiveSQL | undefined;

/**
 * A shared `HiveSQL` instance (the facade is stateless between calls; bundled once per process).
 *
 * @throws Error when esbuild or dt-sql-parser cannot be resolved.
 */
export function hiveSql(): HiveSQL {
  if (parserInstance !== undefined) return parserInstance;
  const { HiveSQL: Hive } = loadDtSqlParser<{ HiveSQL: new () => HiveSQL }>("export { HiveSQL } from './dist/parser/hive/index.js';", 'lakeforge-hive-bundle.cjs');
  parserInstance = new Hive();
  return parserInstance;
}

/**
 * The Hive grammar's messages for one DDL statement, each `<line>:<column> <message>` (1-based); empty when it parses.
 *
 * @param sql - one Hive/Athena DDL statement.
 */
export function hiveDdlErrors(sql: string): string[] {
  return hiveSql()
    .validate(sql)
    .map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}
