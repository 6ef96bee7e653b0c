/**
 * Contract property names that are SQL reserved words (issue 12, "quote what SQL needs quoted"): every statement
 * Lakeforge renders for such a contract parses — the curated window, chunks, MERGE, watermark and freshness
 * statements with the Trino grammar (and resolve against the catalog), the curated and mart Iceberg DDL with the
 * Hive grammar — and names the columns in quotes: double quotes in DML, backticks in DDL.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planTable } from '../../lambdas/table-ddl/core';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  ATHENA_DDL_RESERVED_WORDS,
  ATHENA_DML_RESERVED_WORDS,
  DUCKDB_RESERVED_WORDS,
  HIVE_RESERVED_WORDS,
  quoteDdlIdentifier,
  quoteDdlType,
  quoteSqlIdentifier,
} from '../../lambdas/shared/sql-identifiers';
import { renderCuratedIcebergTableSpec, renderMartIcebergTableSpec, renderTableDdlProperties } from '../../lib/constructs/catalog/iceberg-tables';
import { glueColumnName } from '../../lib/contracts/glue-types';
import { buildCatalogModel } from '../../lib/marts/catalog';
import { checkMarts } from '../../lib/marts/check';
import {
  curatedColumnNames,
  renderCuratedChunksQuery,
  renderCuratedMerge,
  renderCuratedWindowQuery,
  renderFreshnessQuery,
  renderWatermarkInsert,
} from '../../lib/marts/curated';
import type { Mart } from '../../lib/marts/declaration';
import { renderMartChunksQuery, renderMartMerge, renderPhysical } from '../../lib/marts/render';
import { analyzeStatement } from '../../lib/marts/sql-check';
import { trinoSql } from '../../lib/marts/trino-parser';
import { contractTableOf, hiveErrors, hiveSql, RESERVED_PROPERTIES, reservedContract, reservedMart } from './reserved-names';

const table = contractTableOf(reservedContract());
const trinoErrors = (sql: string): string[] => trinoSql().validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);

describe('a contract whose property names are reserved words', () => {
  let dir: string;
  let mart: Mart;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-reserved-'));
    mart = reservedMart(dir, table);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps to the reserved column names (the premise of these tests)', () => {
    const names = table.columns.map((c) => c.name);
    for (const p of RESERVED_PROPERTIES) expect(names).toContain(glueColumnName(p));
    expect(names).toEqual(expect.arrayContaining(['from', 'current_time', '_private', 'date', 'timestamp', 'user']));
  });

  const statements = (): [string, string][] => [
    ['window', renderCuratedWindowQuery(table)],
    ['chunks', renderCuratedChunksQuery(table)],
    ['merge', renderCuratedMerge(table)],
    ['watermark', renderWatermarkInsert(table)],
    ['freshness', renderFreshnessQuery(table)],
  ];

  it.each(['window', 'chunks', 'merge', 'watermark', 'freshness'])('renders a curated %s statement that parses with the Trino grammar and resolves every column', (what) => {
    const sql = statements().find(([w]) => w === what)![1];
    expect(trinoErrors(sql)).toEqual([]);
    expect(analyzeStatement(sql, buildCatalogModel([table], [])).issues).toEqual([]);
    expect(trinoErrors(renderPhysical(sql, 'dev'))).toEqual([]);
  });

  it('double-quotes every reserved column of the curated MERGE, nested struct fields included', () => {
    const merge = renderCuratedMerge(table);
    expect(merge).toContain('r.data."from" AS "from",');
    expect(merge).toContain('r.data."to" AS "to",');
    expect(merge).toContain('r.data."group" AS "group",');
    expect(merge).toContain(`CAST(from_iso8601_timestamp(r.data.currenttime) AT TIME ZONE 'UTC' AS timestamp) AS "current_time",`);
    expect(merge).toContain('r.data."_private" AS "_private",');
    expect(merge).toContain('r.data."user" AS "user",');
    expect(merge).toContain('CAST(r.data."order" AS row("select" varchar, "_x" integer, group_by varchar)) AS "order",');
    expect(merge).toContain('  "end" = s."end",');
    expect(merge).toContain(`INSERT (${curatedColumnNames(table).map(quoteSqlIdentifier).join(', ')})`);
    expect(merge).toContain('INSERT (event_id, event_time, schema_uri, "from", "to", "group", "end", "current_time", "_private", "date", "timestamp", "user", "order", arrival_time, dt)');
  });

  it('renders the curated Iceberg CREATE TABLE with backticks that the Hive grammar parses', () => {
    const props = renderTableDdlProperties('wg', [
      renderCuratedIcebergTableSpec(table, { database: 'lakeforge_dev_curated', bucketName: 'bucket', description: 'd', parameters: { 'lakeforge.owner': 'x' } }),
    ]);
    const [create] = planTable(props.Tables[0], undefined);
    const sql = create.kind === 'create' ? create.sql : '';
    expect(hiveErrors(sql)).toEqual([]);
    for (const name of ['from', 'to', 'group', 'end', '_private', 'date', 'timestamp', 'user', 'order']) expect(sql).toMatch(new RegExp(`^  \`${name}\` `, 'm'));
    expect(sql).toMatch(/^ {2}current_time timestamp/m); // not a Hive DDL reserved word
    expect(sql).toContain('`order` struct<`select`:string,`_x`:int,group_by:string>');
  });

  it('renders ALTER TABLE ADD COLUMNS with backticks that the Hive grammar parses', () => {
    const props = renderTableDdlProperties('wg', [
      renderCuratedIcebergTableSpec(table, { database: 'lakeforge_dev_curated', bucketName: 'bucket', description: 'd', parameters: {} }),
    ]);
    const t = props.Tables[0];
    const existing = t.Columns.filter((c) => ['event_id', 'event_time', 'schema_uri', 'arrival_time', 'dt'].includes(c.Name));
    const actions = planTable(t, { Parameters: { table_type: 'ICEBERG' }, StorageDescriptor: { Columns: existing.map((c) => ({ Name: c.Name, Type: c.Type })) } });
    const add = actions.find((a) => a.kind === 'add-columns');
    const sql = add?.kind === 'add-columns' ? add.sql : '';
    expect(sql).toContain('ADD COLUMNS (`from` string');
    expect(hiveErrors(sql)).toEqual([]);
  });

  it('plans nothing for a table Athena created from the backticked DDL (struct types compare without backticks)', () => {
    const props = renderTableDdlProperties('wg', [
      renderCuratedIcebergTableSpec(table, { database: 'lakeforge_dev_curated', bucketName: 'bucket', description: 'd', parameters: {} }),
    ]);
    const t = props.Tables[0];
    const current = { Description: 'd', Parameters: { table_type: 'ICEBERG' }, StorageDescriptor: { Columns: t.Columns.map((c) => ({ Name: c.Name, Type: quoteDdlType(c.Type) })) } };
    expect(planTable(t, current)).toEqual([]);
  });

  it('renders the mart MERGE and chunks query with quoted output columns that parse and resolve', () => {
    const catalog = buildCatalogModel([table], [mart]);
    for (const sql of [renderMartMerge(mart), renderMartChunksQuery(mart)!]) {
      expect(trinoErrors(sql)).toEqual([]);
      expect(analyzeStatement(sql, catalog).issues).toEqual([]);
    }
    expect(renderMartMerge(mart)).toContain('tgt."from" IS NOT DISTINCT FROM src."from"');
    expect(renderMartMerge(mart)).toContain('INSERT ("from", "user", "date", n)');
  });

  it('passes the marts check (generated curated statements, mart SQL, output columns and types)', () => {
    expect(checkMarts([mart], [table], dir)).toEqual([]);
  });

  it("renders the mart's Iceberg DDL with backticks that the Hive grammar parses", () => {
    const props = renderTableDdlProperties('wg', [renderMartIcebergTableSpec(mart, { database: 'lakeforge_dev_marts', bucketName: 'bucket' })]);
    const [create] = planTable(props.Tables[0], undefined);
    const sql = create.kind === 'create' ? create.sql : '';
    expect(sql).toContain('PARTITIONED BY (`date`)');
    expect(hiveErrors(sql)).toEqual([]);
  });
});

describe('identifier quoting', () => {
  it.each([
    ['user_id', 'user_id', 'user_id'],
    ['from', '"from"', '`from`'],
    ['current_time', '"current_time"', 'current_time'],
    ['date', '"date"', '`date`'],
    ['_private', '"_private"', '`_private`'],
    ['1st', '"1st"', '`1st`'],
    ['by', '"by"', '`by`'],
    ['we"ird', '"we""ird"', '`we"ird`'],
    ['we`ird', '"we`ird"', '`we``ird`'],
  ])('%s is %s in DML and %s in DDL', (name, dml, ddl) => {
    expect(quoteSqlIdentifier(name)).toBe(dml);
    expect(quoteDdlIdentifier(name)).toBe(ddl);
  });

  it('quotes struct field names inside a DDL type, at any depth, and leaves map keys and decimals alone', () => {
    expect(quoteDdlType('struct<from:string,n:array<struct<_x:int,ok:decimal(10,2)>>,m:map<string,int>>')).toBe(
      'struct<`from`:string,n:array<struct<`_x`:int,ok:decimal(10,2)>>,m:map<string,int>>',
    );
    expect(quoteDdlType('array<string>')).toBe('array<string>');
    expect(quoteDdlType('struct<a-b:string,c.d:int>')).toBe('struct<`a-b`:string,`c.d`:int>');
    expect(quoteDdlType('struct<`from`:string>')).toBe('struct<`from`:string>');
  });

  it('holds every keyword the Trino grammar refuses as a column name', () => {
    // The generated parser's literal names are its keywords; a reserved one fails as a column and a field name.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadTrino } = require('../../lib/marts/trino-parser') as typeof import('../../lib/marts/trino-parser');
    const literals = (loadTrino().TrinoSqlParser as unknown as { literalNames: (string | null)[] }).literalNames;
    const keywords = literals.filter((n): n is string => n !== null && /^'[A-Z_]+'$/.test(n)).map((n) => n.slice(1, -1).toLowerCase());
    expect(keywords.length).toBeGreaterThan(100);
    const refused = keywords.filter((w) => trinoSql().validate(`SELECT x.${w} AS ${w}, x.d.${w} FROM t AS x`).length > 0);
    expect(refused.filter((w) => !ATHENA_DML_RESERVED_WORDS.has(w))).toEqual([]);
    // And quoting makes each of them a valid name.
    expect(refused.filter((w) => trinoSql().validate(`SELECT x.${quoteSqlIdentifier(w)} AS ${quoteSqlIdentifier(w)} FROM t AS x`).length > 0)).toEqual([]);
  });

  it('holds every keyword the Hive grammar refuses as a column, struct field or partition name', () => {
    const parser = hiveSql().createParser('SELECT 1') as unknown as { constructor: { literalNames: (string | null)[] } };
    const keywords = parser.constructor.literalNames.filter((n): n is string => n !== null && /^'[A-Z_]+'$/.test(n)).map((n) => n.slice(1, -1).toLowerCase());
    expect(keywords.length).toBeGreaterThan(100);
    const refused = keywords.filter((w) => hiveErrors(`CREATE TABLE IF NOT EXISTS db.t (${w} string, x struct<${w}:int>) PARTITIONED BY (${w}) LOCATION 's3://b/t/'`).length > 0);
    expect(refused.filter((w) => !ATHENA_DDL_RESERVED_WORDS.has(w) && !HIVE_RESERVED_WORDS.has(w))).toEqual([]);
  });

  it('holds every DuckDB keyword that cannot be a column name (duckdb_keywords(): reserved, type_function)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const rows = (await connection.runAndReadAll("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category IN ('reserved', 'type_function')")).getRows();
    connection.closeSync();
    const keywords = rows.map(([k]) => String(k));
    expect(keywords.length).toBeGreaterThan(50);
    expect(keywords.filter((k) => !DUCKDB_RESERVED_WORDS.has(k))).toEqual([]);
  });

  it('backticks every Athena DDL reserved word so that the Hive grammar takes it as a column and a struct field name', () => {
    const words = [...ATHENA_DDL_RESERVED_WORDS, ...HIVE_RESERVED_WORDS];
    const columns = words.map((w) => `${quoteDdlIdentifier(w)} ${quoteDdlType(`struct<${w}:string>`)}`).join(', ');
    expect(hiveErrors(`CREATE TABLE IF NOT EXISTS db.t (${columns}) LOCATION 's3://b/t/'`)).toEqual([]);
  });
});
