import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { buildCatalogModel } from '../../lib/marts/catalog';
import { catalogModel } from '../../lib/marts/catalog-model';
import { checkMarts, formatMartCheckError } from '../../lib/marts/check';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { defineMart, type Mart } from '../../lib/marts/declaration';
import { analyzeStatement } from '../../lib/marts/sql-check';
import { commonSuperType, normalizeGlueType, numericLiteralType, trinoToGlueType } from '../../lib/marts/sql-types';

/** A test-only table with one column per type the inference distinguishes. */
const catalog = catalogModel([
  {
    name: 'curated.t',
    columns: [
      { name: 'i', type: 'int' },
      { name: 'big', type: 'bigint' },
      { name: 'small', type: 'smallint' },
      { name: 'd', type: 'double' },
      { name: 'f', type: 'float' },
      { name: 'dec', type: 'decimal(10,2)' },
      { name: 's', type: 'string' },
      { name: 'b', type: 'boolean' },
      { name: 'ts', type: 'timestamp' },
      { name: 'arr', type: 'array<string>' },
      { name: 'm', type: 'map<string,bigint>' },
      { name: 'st', type: 'struct<a:int,b:struct<c:double>>' },
    ],
  },
]);

/** The inferred type of one select expression over `curated.t`. */
function typeOf(expression: string): string | undefined {
  const analysis = analyzeStatement(`SELECT ${expression} AS x FROM curated.t GROUP BY i`, catalog);
  expect(analysis.issues).toEqual([]);
  return analysis.outputColumns?.[0]?.type;
}

describe('output type inference (Athena engine 3 / Trino result types)', () => {
  it.each([
    // column references: the catalog type
    ['i', 'int'],
    ['t.s', 'string'],
    ['st.b.c', 'double'],
    // aggregates (trino.io/docs/current/functions/aggregate.html; sum: LongSumAggregation)
    ['count(*)', 'bigint'],
    ['count(s)', 'bigint'],
    ["count(*) FILTER (WHERE s = 'x')", 'bigint'],
    ['count(DISTINCT s)', 'bigint'],
    ['count_if(b)', 'bigint'],
    ['sum(i)', 'bigint'],
    ['sum(small)', 'bigint'],
    ['sum(big)', 'bigint'],
    ['sum(d)', 'double'],
    ['avg(i)', 'double'],
    ['avg(d)', 'double'],
    ['min(ts)', 'timestamp'],
    ['max(s)', 'string'],
    ['max(i, 3)', 'array<int>'],
    ['array_agg(i)', 'array<int>'],
    ['array_agg(s ORDER BY ts)', 'array<string>'],
    // casts
    ['CAST(s AS integer)', 'int'],
    ['try_cast(s AS bigint)', 'bigint'],
    ['CAST(i AS varchar(10))', 'string'],
    ['CAST(NULL AS double)', 'double'],
    ['CAST(i AS real)', 'float'],
    ['CAST(s AS decimal(10, 2))', 'decimal(10,2)'],
    ['CAST(s AS array(varchar))', 'array<string>'],
    ['CAST(s AS map(varchar, bigint))', 'map<string,bigint>'],
    ['CAST(s AS row(a integer, b double))', 'struct<a:int,b:double>'],
    ['CAST(s AS timestamp(6))', 'timestamp'],
    // literals
    ['1', 'int'],
    ['3000000000', 'bigint'],
    ['1.5', 'decimal(2,1)'],
    ['1e0', 'double'],
    ["'x'", 'string'],
    ['TRUE', 'boolean'],
    ["DATE '2026-01-01'", 'date'],
    // conditionals, constructors, operators and scalar functions
    ['coalesce(big, 0)', 'bigint'],
    ['coalesce(i, d)', 'double'],
    ["coalesce(s, 'none')", 'string'],
    ['CASE WHEN b THEN 1 ELSE big END', 'bigint'],
    ["CASE s WHEN 'a' THEN d END", 'double'],
    ['ARRAY[1, 2]', 'array<int>'],
    ['i + big', 'bigint'],
    ['-d', 'double'],
    ["s || 'x'", 'string'],
    ['i = 1', 'boolean'],
    ['s IS NULL', 'boolean'],
    ["split(s, ',')", 'array<string>'],
    ['arr[1]', 'string'],
    ["m['k']", 'bigint'],
    ['cardinality(arr)', 'bigint'],
    ['date(ts)', 'date'],
    ["date_trunc('day', ts)", 'timestamp'],
    ['lower(s)', 'string'],
  ])('%s → %s', (expression, expected) => {
    expect(typeOf(expression)).toBe(expected);
  });

  it.each([
    ['an unknown function', 'my_udf(i)'],
    ['sum of a decimal (precision rules not modelled)', 'sum(dec)'],
    ['avg of a float (not modelled)', 'avg(f)'],
    ['decimal arithmetic', 'dec * 2'],
    ['a timestamp with time zone', 'CAST(ts AS timestamp with time zone)'],
    ['a mix Trino would coerce in ways not modelled', 'coalesce(dec, i)'],
  ])('leaves %s unknown', (_what, expression) => {
    expect(typeOf(expression)).toBeUndefined();
  });

  it('types UNNEST columns from the array (and WITH ORDINALITY)', () => {
    const analysis = analyzeStatement('SELECT g.x, g.n, u.k, u.v FROM curated.t CROSS JOIN UNNEST(arr) WITH ORDINALITY AS g (x, n) CROSS JOIN UNNEST(m) AS u (k, v)', catalog);
    expect(analysis.issues).toEqual([]);
    expect(analysis.outputColumns?.map((c) => c.type)).toEqual(['string', 'bigint', 'string', 'bigint']);
  });

  it('carries types through CTEs and subqueries', () => {
    const analysis = analyzeStatement('WITH c AS (SELECT count(*) AS n FROM curated.t) SELECT c.n, q.m FROM c CROSS JOIN (SELECT max(d) AS m FROM curated.t) AS q', catalog);
    expect(analysis.outputColumns?.map((c) => c.type)).toEqual(['bigint', 'double']);
  });

  it.each([
    ['integer', 'int'],
    ['DOUBLE PRECISION', 'double'],
    ['array(row(x bigint, y varchar))', 'array<struct<x:bigint,y:string>>'],
    ['json', undefined],
  ])('maps the Trino type %s to Glue %s', (trino, glue) => {
    expect(trinoToGlueType(trino)).toBe(glue);
  });

  it('widens like Trino for the types it models', () => {
    expect(commonSuperType('int', 'bigint')).toBe('bigint');
    expect(commonSuperType('float', 'bigint')).toBe('float');
    expect(commonSuperType('null', 'string')).toBe('string');
    expect(commonSuperType('string', 'int')).toBeUndefined();
    expect(numericLiteralType('2147483648')).toBe('bigint');
    expect(normalizeGlueType('ARRAY< Integer >')).toBe('array<int>');
  });
});

describe('checkMarts compares declared output types with the SQL', () => {
  const contracts = readContractTables(path.join(__dirname, '../../config/contracts'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-mart-types-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A mart over the first contract's curated table, declaring `columns` for `select`. */
  function mart(select: string, columns: { name: string; type: string }[]): Mart {
    const table = `curated.${contracts[0].tableName}`;
    fs.writeFileSync(path.join(dir, 'typed.sql'), `SELECT\n  ${select}\nFROM ${table} AS e\nGROUP BY e.dt\n`);
    fs.writeFileSync(path.join(dir, 'typed.ts'), '// declaration (test)\n');
    return defineMart(
      {
        name: 'typed',
        owner: 'team',
        product: 'p',
        description: 'test mart',
        schedule: 'cron(0 * * * ? *)',
        sqlFile: 'typed.sql',
        output: { columns: columns.map((c) => ({ ...c, description: c.name })), key: [columns[0].name] },
        dependsOn: [table],
      },
      dir,
    );
  }

  it('fails with one line naming the declaration file, the column, the declared and the inferred type', () => {
    const errors = checkMarts([mart('e.dt,\n  count(*) AS events', [{ name: 'dt', type: 'string' }, { name: 'events', type: 'int' }])], contracts, dir);
    expect(errors.map(formatMartCheckError)).toEqual(['mart "typed" (typed.sql:3:3): typed.ts: output.columns.1 "events" is declared int but the SQL produces bigint']);
  });

  it('passes when the declared types match, and when a type cannot be inferred', () => {
    const ok = mart('e.dt,\n  count(*) AS events,\n  my_udf(e.dt) AS other', [
      { name: 'dt', type: 'string' },
      { name: 'events', type: 'bigint' },
      { name: 'other', type: 'double' },
    ]);
    expect(checkMarts([ok], contracts, dir)).toEqual([]);
  });

  it('finds every declared output type of config/marts equal to the type its SQL produces, where inferable', () => {
    const model = buildCatalogModel(contracts, MARTS);
    for (const m of MARTS) {
      const produced = analyzeStatement(m.sql, model).outputColumns ?? [];
      m.output.columns.forEach((c, i) => {
        const inferred = produced[i]?.type;
        if (inferred !== undefined) expect(`${m.name}.${c.name}: ${normalizeGlueType(inferred)}`).toBe(`${m.name}.${c.name}: ${normalizeGlueType(c.type)}`);
      });
    }
    expect(checkMarts(MARTS, contracts).map(formatMartCheckError)).toEqual([]);
  });
});
