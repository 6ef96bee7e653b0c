/**
 * `toDuckDb` gives row casts Trino's meaning on DuckDB: a ROW is cast to a ROW field by field BY POSITION (DuckDB
 * casts STRUCT → STRUCT by name), recursively through arrays, maps and rows, NULL stays NULL, and a field-count
 * mismatch fails the statement (Trino fails it at analysis). Every other byte of a statement is left alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { renderCuratedMerge } from '../../lib/marts/curated';
import { toDuckDb } from '../../lib/marts/dialect';
import { renderPipelinePlan } from '../../lib/pipeline/plan';
import { selfDescribing } from '../contracts/contract-factory';

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

describe('toDuckDb: which SQL it rewrites', () => {
  it.each([
    ['no cast', 'SELECT a, b FROM t WHERE c > 1'],
    ['a cast to a primitive', 'SELECT CAST(x AS varchar), TRY_CAST(y AS integer) FROM t'],
    ['a cast to a map of primitives (DuckDB parses map(k, v))', 'SELECT CAST(m AS map(varchar, bigint)) FROM t'],
    ['row(...) inside a string literal', "SELECT 'CAST(x AS row(a integer))' AS s, CAST(x AS varchar) FROM t"],
    ['row(...) inside a comment', 'SELECT 1 -- CAST(x AS row(a integer))\n/* CAST(y AS array(row(b varchar))) */ FROM t'],
    ['row(...) inside a quoted identifier', 'SELECT "CAST(x AS row(a integer))" FROM t'],
    ['row_number() and a row constructor', 'SELECT row_number() OVER (PARTITION BY a ORDER BY b) AS n, ROW(1, 2) AS r FROM t'],
    ['a qualified name called cast', 'SELECT t.cast(x AS row(a integer)) FROM t'],
  ])('leaves %s byte-identical', (_name, sql) => {
    expect(toDuckDb(sql)).toBe(sql);
  });

  it.each([
    [
      'a row, field by position',
      'SELECT CAST(r.data.device AS row(os_type varchar, model_name varchar)) AS device FROM t',
      'SELECT CASE WHEN (r.data.device) IS NULL OR typeof(CAST(struct_values((r.data.device)) AS STRUCT("os_type" VARCHAR, "model_name" VARCHAR))) IS NULL THEN NULL ' +
        'ELSE struct_pack("os_type" := CAST(struct_extract_at((r.data.device), 1) AS varchar), "model_name" := CAST(struct_extract_at((r.data.device), 2) AS varchar)) END AS device FROM t',
    ],
    [
      'an array of rows, element by element',
      'cast(x as ARRAY(ROW(a integer)))',
      'list_transform((x), lambda __lf_e0: CASE WHEN __lf_e0 IS NULL OR typeof(CAST(struct_values(__lf_e0) AS STRUCT("a" VARCHAR))) IS NULL THEN NULL ' +
        'ELSE struct_pack("a" := CAST(struct_extract_at(__lf_e0, 1) AS integer)) END)',
    ],
    [
      'a map of rows, value by value',
      'CAST(m AS map(varchar, row("from" bigint)))',
      'map_from_entries(list_transform(map_entries((m)), lambda __lf_e0: {\'key\': CAST(__lf_e0."key" AS varchar), \'value\': CASE WHEN __lf_e0."value" IS NULL OR ' +
        'typeof(CAST(struct_values(__lf_e0."value") AS STRUCT("from" VARCHAR))) IS NULL THEN NULL ELSE struct_pack("from" := CAST(struct_extract_at(__lf_e0."value", 1) AS bigint)) END}))',
    ],
    ['an array of a primitive (DuckDB does not parse array(x))', 'SELECT CAST(r.data.days AS array(date)) FROM t', 'SELECT CAST((r.data.days) AS date[]) FROM t'],
  ])('rewrites %s', (_name, trino, duck) => {
    expect(toDuckDb(trino)).toBe(duck);
  });

  it('finds the top-level AS of the cast: strings with parentheses and AS, nested casts, function calls', () => {
    const sql = "SELECT CAST(coalesce(CAST(s AS row(a varchar)), CAST(NULL AS row(a varchar))) AS row(b varchar)) AS x, 'keep (AS) this' AS y FROM t";
    const duck = toDuckDb(sql);
    expect(duck).not.toMatch(/\brow\s*\(/i);
    expect(duck.endsWith(" AS x, 'keep (AS) this' AS y FROM t")).toBe(true);
    // The inner casts are translated inside the outer one's expression.
    expect(duck.match(/struct_extract_at\(\(s\), 1\)/g)?.length).toBeGreaterThan(0);
  });

  it.each([
    ['an unclosed cast', 'SELECT CAST(x AS row(a integer) FROM t', /unclosed parenthesis/],
    ['a cast without AS', 'SELECT CAST(x) FROM t WHERE y IN (SELECT z FROM row(1))', /no top-level AS/],
    ['an anonymous row field', 'SELECT CAST(x AS row(varchar, bigint)) FROM t', /anonymous row field .* "CAST\(x AS row\(varchar, bigint\)\)"/],
  ])('names the cast on %s', (_name, sql, message) => {
    expect(() => toDuckDb(sql)).toThrow(message);
  });

  it('leaves the curated MERGE of a flat contract byte-identical, and rewrites only the row cast of a nested one', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-dialect-'));
    try {
      const dir = path.join(root, 'com.example.dialect', 'app_opened', 'jsonschema');
      fs.mkdirSync(dir, { recursive: true });
      const properties = { userId: { type: 'integer', minimum: 1, maximum: 2147483647 }, startedAt: { type: 'string', format: 'date-time' } };
      fs.writeFileSync(path.join(dir, '1-0-0'), JSON.stringify(selfDescribing({ description: 'flat', type: 'object', properties, additionalProperties: false }, '1-0-0', 'app_opened', 'com.example.dialect')));
      const nestedDir = path.join(root, 'com.example.dialect', 'device_seen', 'jsonschema');
      fs.mkdirSync(nestedDir, { recursive: true });
      const nested = { ...properties, deviceInfo: { type: 'object', properties: { osType: { type: 'string', maxLength: 8 } }, additionalProperties: false } };
      fs.writeFileSync(path.join(nestedDir, '1-0-0'), JSON.stringify(selfDescribing({ description: 'nested', type: 'object', properties: nested, additionalProperties: false }, '1-0-0', 'device_seen', 'com.example.dialect')));
      const [flat, withStruct] = ['app_opened', 'device_seen'].map((n) => readContractTables(root).find((t) => t.contractName === n)!);
      const plan = renderPipelinePlan('dev', [], [flat], { goLiveDate: '2024-03-01', lookbackHours: 3 });
      const statements = plan.curated.flatMap((s) => [s.windowQuery, s.chunksQuery, s.writeStatement, s.watermarkStatement, s.freshnessQuery]);
      for (const sql of statements.filter((v): v is string => v !== undefined)) expect(toDuckDb(sql)).toBe(sql);
      expect(statements.length).toBeGreaterThan(0);
      const merge = renderCuratedMerge(withStruct);
      const cast = /CAST\(r\.data\.deviceinfo AS row\(os_type varchar\)\)/.exec(merge);
      expect(cast).not.toBeNull();
      const duck = toDuckDb(merge);
      expect(duck).not.toContain(cast![0]);
      expect(duck.slice(0, cast!.index)).toBe(merge.slice(0, cast!.index));
      const after = merge.slice(cast!.index + cast![0].length);
      expect(duck.endsWith(after)).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('toDuckDb: row casts run on DuckDB with Trino semantics', () => {
  let instance: DuckDBInstance;
  let db: DuckDBConnection;
  const one = async (trinoSql: string): Promise<unknown> => {
    const reader = await db.runAndReadAll(toDuckDb(trinoSql));
    return plain(reader.getRowObjectsJS().map((r) => r.v));
  };

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    db = await instance.connect();
  });

  afterAll(() => {
    db.closeSync();
    instance.closeSync();
  });

  it('DuckDB alone casts structs by name (the premise of this test)', async () => {
    const reader = await db.runAndReadAll("SELECT CAST({'a': 'first', 'b': 'second'} AS row(b varchar, a varchar)) AS v");
    expect(plain(reader.getRowObjectsJS()[0].v)).toEqual({ b: 'second', a: 'first' });
    await expect(db.runAndReadAll("SELECT CAST({'ostype': 'ios'} AS row(os_type varchar)) AS v")).rejects.toThrow(/at least one matching member/);
  });

  it('assigns field i to field i whatever the names, casting each value to its field type', async () => {
    const source = { ostype: 'ios', modelname: 'iPhone', screenwidth: '1170' };
    const values = Object.values(source);
    const target = ['os_type varchar', 'model_name varchar', 'screen_width integer'];
    const literal = `{${Object.entries(source).map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`;
    expect(await one(`SELECT CAST(${literal} AS row(${target.join(', ')})) AS v`)).toEqual([{ os_type: values[0], model_name: values[1], screen_width: Number(values[2]) }]);
    // Same names, other order: by position, not by name.
    expect(await one("SELECT CAST({'a': 'first', 'b': 'second'} AS row(b varchar, a varchar)) AS v")).toEqual([{ b: 'first', a: 'second' }]);
  });

  it('keeps NULL rows and NULL fields NULL', async () => {
    const rows = await one(
      "SELECT CAST(s AS row(x varchar, y integer)) AS v FROM (VALUES (1, {'p': 'a', 'q': NULL::INTEGER}), (2, NULL), (3, {'p': NULL, 'q': 7})) AS t(k, s) ORDER BY k",
    );
    expect(rows).toEqual([{ x: 'a', y: null }, null, { x: null, y: 7 }]);
  });

  it('casts rows inside arrays, maps and rows by position, NULL containers and elements included', async () => {
    const rows = await one(
      'SELECT CAST(s AS row(tracks array(row(lang_code varchar, channel_count integer)), attrs map(varchar, row(hdr_type varchar)), ' +
        'display row(size row(width_px integer, height_px integer), label varchar))) AS v FROM (VALUES ' +
        "(1, {'tracks': [{'langcode': 'en', 'channelcount': '2'}, NULL], 'attrs': MAP {'k': {'hdrtype': 'hdr10'}, 'n': NULL}, 'display': {'size': {'w': 3840, 'h': 2160}, 'label': '4k'}}), " +
        "(2, {'tracks': NULL, 'attrs': NULL, 'display': {'size': NULL, 'label': NULL}})) AS t(k, s) ORDER BY k",
    );
    expect(rows).toEqual([
      {
        tracks: [{ lang_code: 'en', channel_count: 2 }, null],
        attrs: [{ key: 'k', value: { hdr_type: 'hdr10' } }, { key: 'n', value: null }],
        display: { size: { width_px: 3840, height_px: 2160 }, label: '4k' },
      },
      { tracks: null, attrs: null, display: { size: null, label: null } },
    ]);
  });

  it.each([
    ['more source fields than target fields', "SELECT CAST({'a': 1, 'b': 2, 'c': 3} AS row(x integer, y integer)) AS v"],
    ['fewer source fields than target fields', "SELECT CAST({'a': 1} AS row(x integer, y integer)) AS v"],
    ['a mismatch inside an array, on no rows at all', "SELECT CAST(s AS array(row(x integer))) AS v FROM (SELECT [{'a': 1, 'b': 2}] AS s) WHERE false"],
    ['a mismatch in a TRY_CAST', "SELECT TRY_CAST({'a': 1} AS row(x integer, y integer)) AS v"],
  ])('fails on %s, as Trino does', async (_name, sql) => {
    await expect(db.runAndReadAll(toDuckDb(sql))).rejects.toThrow(/Cannot cast STRUCTs of different size/);
  });

  it('TRY_CAST yields NULL as a whole when any value fails to cast, the cast otherwise', async () => {
    const rows = await one(
      'SELECT TRY_CAST(s AS row(n integer, tags array(row(d integer)))) AS v FROM (VALUES ' +
        "(1, {'a': '1', 'b': [{'x': '2'}]}), (2, {'a': 'one', 'b': [{'x': '2'}]}), (3, {'a': '3', 'b': [{'x': '4'}, {'x': 'five'}]}), (4, {'a': NULL, 'b': [NULL]})) AS t(k, s) ORDER BY k",
    );
    // Row 2 fails at the top level, row 3 in the second array element: each is NULL as a whole.
    expect(rows).toEqual([{ n: 1, tags: [{ d: 2 }] }, null, null, { n: null, tags: [null] }]);
  });
});
