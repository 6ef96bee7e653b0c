/**
 * Identifiers in the SQL and DDL Lakeforge renders: which names need quoting, and how.
 *
 * Contract property names become column and struct field names (snake_case of the JSON key), so any word
 * can reach a statement: `from`, `to`, `group`, `end`, `order`, `user`, `date`, `timestamp`, `current_time`
 * (`currentTime` after snake_casing), `_private`. Two quoting styles apply (Athena User Guide, "Escape reserved
 * keywords in queries", https://docs.aws.amazon.com/athena/latest/ug/reserved-words.html):
 * - DDL (`CREATE TABLE`, `ALTER TABLE … ADD COLUMNS`, Iceberg tables included): backticks, {@link quoteDdlIdentifier}
 *   and {@link quoteDdlType} (struct field names inside a column type are identifiers too);
 * - DML (`SELECT`, `MERGE`, `INSERT`, views): double quotes, {@link quoteSqlIdentifier}. The same statements run
 *   on DuckDB in the local runtime, which also takes double quotes, so DML also quotes DuckDB's reserved words
 *   (and Athena's DDL reserved words, so that a name is quoted alike in both kinds of statement).
 *
 * A name is quoted only when it needs it: a reserved word of the statement's dialect, or not a plain identifier
 * (`[a-z][a-z0-9_]*`: a leading underscore or digit, upper case, any other character). Everything else is
 * rendered as it is, so statements over ordinary names are unchanged. Quoting never changes what a name means:
 * Athena lower-cases identifiers, quoted or not (Athena User Guide, "Names for tables, databases, and columns",
 * https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html), and DuckDB matches
 * identifiers case-insensitively, quoted or not.
 *
 * The word lists are data, checked by tests against the grammars: every keyword the Trino grammar
 * (dt-sql-parser) refuses as a column name is in {@link ATHENA_DML_RESERVED_WORDS}, every DuckDB keyword that
 * cannot be a column name is in {@link DUCKDB_RESERVED_WORDS}, every keyword the Hive grammar refuses is in
 * {@link ATHENA_DDL_RESERVED_WORDS} or {@link HIVE_RESERVED_WORDS}, and DDL quoted here parses with the Hive grammar.
 */

const words = (list: string): ReadonlySet<string> => new Set(list.trim().split(/\s+/).map((w) => w.toLowerCase()));

/**
 * Athena's reserved keywords in DDL statements: as identifiers they need backticks (Athena User Guide, "Escape
 * reserved keywords in queries", list "Reserved keywords to escape in DDL statements",
 * https://docs.aws.amazon.com/athena/latest/ug/reserved-words.html). `CASHE` is spelled as on that page.
 */
export const ATHENA_DDL_RESERVED_WORDS: ReadonlySet<string> = words(`
  ALL ALTER AND ARRAY AS AUTHORIZATION BETWEEN BIGINT BINARY BOOLEAN BOTH BY CASE CASHE CAST CHAR COLUMN CONF
  CONSTRAINT COMMIT CREATE CROSS CUBE CURRENT CURRENT_DATE CURRENT_TIMESTAMP CURSOR DATABASE DATE DAYOFWEEK
  DECIMAL DELETE DESCRIBE DISTINCT DIV DOUBLE DROP ELSE END EXCHANGE EXISTS EXTENDED EXTERNAL EXTRACT FALSE FETCH
  FLOAT FLOOR FOLLOWING FOR FOREIGN FROM FULL FUNCTION GRANT GROUP GROUPING HAVING IF IMPORT IN INNER INSERT INT
  INTEGER INTERSECT INTERVAL INTO IS JOIN LATERAL LEFT LESS LIKE LOCAL MACRO MAP MORE NONE NOT NULL NUMERIC OF ON
  ONLY OR ORDER OUT OUTER OVER PARTIALSCAN PARTITION PERCENT PRECEDING PRECISION PRESERVE PRIMARY PROCEDURE RANGE
  READS REDUCE REGEXP REFERENCES REVOKE RIGHT RLIKE ROLLBACK ROLLUP ROW ROWS SELECT SET SMALLINT START TABLE
  TABLESAMPLE THEN TIME TIMESTAMP TO TRANSFORM TRIGGER TRUE TRUNCATE UNBOUNDED UNION UNIQUEJOIN UPDATE USER USING
  UTC_TIMESTAMP VALUES VARCHAR VIEWS WHEN WHERE WINDOW WITH
`);

/**
 * Keywords that the Hive grammar Lakeforge checks its DDL with (dt-sql-parser 4.5 `HiveSQL`, Hive 4) refuses as
 * column or struct field names and that Athena's DDL list above does not hold (`leading`, `merge`, `unique`, …).
 * Backticked in DDL too: Athena's DDL parser is Hive's, and quoting a word that does not need it is harmless.
 */
export const HIVE_RESERVED_WORDS: ReadonlySet<string> = words(`
  anti any application compactionid connector connectors ddl dec except force leading merge minus pkfk_join prepare
  qualify real recover some sync timestamplocaltz trailing unique
`);

/** Words backticked in DDL: {@link ATHENA_DDL_RESERVED_WORDS} and {@link HIVE_RESERVED_WORDS}. */
const DDL_RESERVED: ReadonlySet<string> = new Set([...ATHENA_DDL_RESERVED_WORDS, ...HIVE_RESERVED_WORDS]);

/**
 * Reserved keywords of Athena's SQL `SELECT` statements and queries on views: as identifiers they need double
 * quotes (Athena User Guide, "Escape reserved keywords in queries", list "Reserved keywords to escape in SQL SELECT
 * statements", https://docs.aws.amazon.com/athena/latest/ug/reserved-words.html). Athena engine 3 is Trino; the
 * words here are Trino's reserved keywords (Trino documentation, "Reserved keywords",
 * https://trino.io/docs/current/language/reserved.html; the current list, with `AUTO` and `SKIP`). A test checks
 * that every keyword the Trino grammar Lakeforge checks statements with (dt-sql-parser 4.5) refuses is here.
 */
export const ATHENA_DML_RESERVED_WORDS: ReadonlySet<string> = words(`
  ALTER AND AS AUTO BETWEEN BY CASE CAST CONSTRAINT CREATE CROSS CUBE CURRENT_CATALOG CURRENT_DATE CURRENT_PATH
  CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEALLOCATE DELETE DESCRIBE DISTINCT DROP
  ELSE END ESCAPE EXCEPT EXECUTE EXISTS EXTRACT FALSE FOR FROM FULL GROUP GROUPING HAVING IN INNER INSERT INTERSECT
  INTO IS JOIN JSON_ARRAY JSON_EXISTS JSON_OBJECT JSON_QUERY JSON_TABLE JSON_VALUE LEFT LIKE LISTAGG LOCALTIME
  LOCALTIMESTAMP NATURAL NORMALIZE NOT NULL ON OR ORDER OUTER PREPARE RECURSIVE RIGHT ROLLUP SELECT SKIP TABLE THEN
  TRIM TRUE UESCAPE UNION UNNEST USING VALUES WHEN WHERE WITH
`);

/**
 * DuckDB keywords that cannot be column names unquoted: categories `reserved` and `type_function` of
 * `duckdb_keywords()` (DuckDB 1.5, the version of `@duckdb/node-api` in package.json; DuckDB documentation,
 * "Keywords and Identifiers", https://duckdb.org/docs/stable/sql/dialect/keywords_and_identifiers). The local
 * runtime runs the DML Lakeforge renders for Athena as it is, so these are quoted too.
 */
export const DUCKDB_RESERVED_WORDS: ReadonlySet<string> = words(`
  all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
  default deferrable desc describe distinct do else end except false fetch for foreign from group having in
  initially intersect into lambda lateral leading limit not null offset on only or order pivot pivot_longer
  pivot_wider placing primary qualify references returning select show some summarize symmetric table then to
  trailing true union unique unpivot using variadic when where window with
  anti asof at authorization binary by collation columns concurrently cross freeze full generated glob ilike inner
  is isnull join left like map natural notnull outer overlaps positional right semi similar struct tablesample
  try_cast unpack verbose
`);

/**
 * Words double-quoted in the DML Lakeforge renders: reserved in Athena's DML or on DuckDB, and, to be safe,
 * the words DDL backticks too (`date`, `timestamp`, `user`, …): quoting a word that does not need it is
 * harmless, and one name is then spelled the same way in both kinds of statement.
 */
const DML_RESERVED: ReadonlySet<string> = new Set([...ATHENA_DML_RESERVED_WORDS, ...DUCKDB_RESERVED_WORDS, ...DDL_RESERVED]);

/** A name every dialect here takes unquoted unless it is a reserved word: a lower-case letter, then letters, digits, `_`. */
const PLAIN = /^[a-z][a-z0-9_]*$/;

/**
 * An identifier for Athena DDL: in backticks (a backtick inside doubled) when it is an Athena DDL reserved word
 * (or one the Hive grammar refuses, {@link HIVE_RESERVED_WORDS}) or not a plain name (a leading `_` or digit
 * needs backticks in DDL: Athena User Guide, "Names for tables, databases, and columns"); as it is otherwise.
 * `date` → `` `date` ``, `_id` → `` `_id` ``, `event_id` → `event_id`.
 */
export function quoteDdlIdentifier(name: string): string {
  return PLAIN.test(name) && !DDL_RESERVED.has(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

/**
 * An identifier for the DML Lakeforge renders (Athena/Trino and DuckDB): in double quotes (a double quote
 * inside doubled) when it is reserved on either engine (or in Athena DDL) or not a plain name; as it is otherwise.
 * `from` → `"from"`, `current_time` → `"current_time"`, `_private` → `"_private"`, `date` → `"date"`,
 * `user_id` → `user_id`.
 */
export function quoteSqlIdentifier(name: string): string {
  return PLAIN.test(name) && !DML_RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * A Glue (Hive) column type for Athena DDL: every struct field name that needs it in backticks
 * ({@link quoteDdlIdentifier}), the rest unchanged. `struct<from:string,n:array<struct<_x:int>>>` →
 * ``struct<`from`:string,n:array<struct<`_x`:int>>>``. In a Glue type a name followed by `:` right after `<` or
 * `,` is always a struct field name (map keys and decimal scales are types and numbers, never followed by `:`);
 * a name already in backticks is left as it is.
 */
export function quoteDdlType(type: string): string {
  return type.replace(/([<,]\s*)([^<>,:\s`]+)(\s*:)/g, (_m, before: string, name: string, colon: string) => `${before}${quoteDdlIdentifier(name)}${colon}`);
}
