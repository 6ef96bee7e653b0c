import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { buildCatalogModel } from '../../lib/marts/catalog';
import { checkMarts, formatMartCheckError } from '../../lib/marts/check';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { renderCuratedMerge } from '../../lib/marts/curated';
import { defineMart, type Mart, type MartDeclarationInput } from '../../lib/marts/declaration';
import { renderMartMerge, renderPhysical } from '../../lib/marts/render';
import { planSteps, renderPipelinePlan } from '../../lib/pipeline/plan';
import { analyzeStatement } from '../../lib/marts/sql-check';

const contracts = readContractTables(path.join(__dirname, '../../config/contracts'));
const catalog = buildCatalogModel(contracts, MARTS);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-mart-decl-'));

/** A mart declaration with the given SQL, written to a temp folder. */
function mart(name: string, sql: string, overrides: Partial<MartDeclarationInput> = {}): Mart {
  fs.writeFileSync(path.join(dir, `${name}.sql`), sql);
  return defineMart(
    {
      name,
      owner: 'team',
      product: 'ott-engagement',
      description: 'test mart',
      schedule: 'cron(0 * * * ? *)',
      sqlFile: `${name}.sql`,
      output: { columns: [{ name: 'n', type: 'bigint', description: 'count' }], key: ['n'] },
      dependsOn: [],
      ...overrides,
    },
    dir,
  );
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('checkMarts on the declared marts', () => {
  it('finds no errors in config/marts and the generated curated steps', () => {
    expect(checkMarts(MARTS, contracts).map(formatMartCheckError)).toEqual([]);
  });

  it.each(['dev', 'acc', 'prod'])('renders %s pipeline statements that parse and name only that stage\'s databases', (env) => {
    const plan = renderPipelinePlan(env, MARTS, contracts, { goLiveDate: '2026-01-01', lookbackHours: 3 });
    const steps = planSteps(plan);
    expect(steps.map((s) => s.id).sort()).toEqual([...contracts.map((c) => `curated.${c.tableName}`), ...MARTS.map((m) => m.table)].sort());
    for (const step of steps) {
      const statements = [step.windowQuery, step.chunksQuery, step.writeStatement, step.watermarkStatement, step.freshnessQuery].filter((x): x is string => x !== undefined);
      for (const sql of statements) {
        const databases = [...sql.matchAll(/\blakeforge_(\w+?)_(raw|curated|marts)\./g)].map((m) => m[1]);
        expect(new Set(databases)).toEqual(new Set([env]));
        expect(sql).not.toMatch(/\b(FROM|JOIN|INTO)\s+(raw|curated|marts)\./);
      }
    }
    for (const m of MARTS) {
      const step = steps.find((s) => s.id === m.table)!;
      const upstream = analyzeStatement(m.sql, catalog).tablesRead;
      expect(step.reads.map((t) => `${t.database}.${t.table}`).sort()).toEqual(
        [...new Set([...upstream, m.table])].map((t) => `lakeforge_${env}_${t.replace('.', '.')}`).sort(),
      );
      expect(step.table).toEqual({ database: `lakeforge_${env}_marts`, table: m.name });
    }
  });

  it.each(MARTS.map((m) => [m.name, m] as const))('the refresh MERGE of %s resolves against the catalog', (_n, m) => {
    const analysis = analyzeStatement(renderMartMerge(m), catalog);
    expect(analysis.issues).toEqual([]);
    expect(analysis.tablesWritten).toEqual([m.table]);
  });

  it.each(contracts.map((c) => [c.tableName, c] as const))('the curated MERGE of %s reads only its raw table (no watermark subquery) and writes its curated table', (name, c) => {
    const analysis = analyzeStatement(renderCuratedMerge(c), catalog);
    expect([analysis.tablesRead, analysis.tablesWritten]).toEqual([[`raw.${name}`], [`curated.${name}`]]);
  });
});

describe('checkMarts failures name the mart and the position or reference', () => {
  it.each([
    ['a syntax error', 'bad_syntax', 'SELECT count(*) AS n\nFROM curated.tag_added_v1\nWHERE', /mart "bad_syntax" \(.*bad_syntax\.sql:3:6\): Statement is incomplete/],
    ['an unknown column', 'bad_column', 'SELECT count(t.tagz) AS n\nFROM curated.tag_added_v1 AS t', /mart "bad_column" \(.*bad_column\.sql:1:16\): unknown column "tagz"/],
    ['an unknown struct field', 'bad_field', 'SELECT count(r.data.stars) AS n FROM raw.rating_submitted_v1 AS r', /mart "bad_field" .*:1:21\): unknown column "data.stars"/],
    ['a missing table', 'bad_table', 'SELECT count(*) AS n FROM curated.rating_submited_v1', /mart "bad_table" .*:1:27\): unknown table "curated.rating_submited_v1"/],
    ['an ambiguous column', 'ambiguous', 'SELECT count(user_id) AS n FROM curated.tag_added_v1 a JOIN curated.rating_submitted_v1 b ON a.event_id = b.event_id', /column "user_id" is ambiguous/],
    ['two statements in one file', 'two', 'SELECT 1 AS n;\nSELECT 2 AS n', /expected exactly one statement, found 2/],
    ['a SELECT list that differs from the declared columns', 'wrong_cols', 'SELECT count(*) AS total FROM raw.content_catalog_movies', /SELECT list produces \(total\) but output.columns declares \(n\)/],
  ])('fails on %s', (_what, name, sql, expected) => {
    const errors = checkMarts([...MARTS, mart(name, sql)], contracts).map(formatMartCheckError);
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('lets a mart read an earlier mart\'s declared output columns, and rejects an undeclared one', () => {
    const ok = mart('top_titles', 'SELECT count(p.movie_id) AS n FROM marts.title_popularity AS p WHERE p.avg_rating > 4', { dependsOn: ['marts.title_popularity'] });
    expect(checkMarts([...MARTS, ok], contracts)).toEqual([]);
    const bad = mart('top_titles2', 'SELECT count(p.popularity) AS n FROM marts.title_popularity AS p', { dependsOn: ['marts.title_popularity'] });
    expect(checkMarts([...MARTS, bad], contracts).map(formatMartCheckError)).toEqual([expect.stringMatching(/mart "top_titles2" .*: unknown column "popularity"/)]);
  });

  it('requires dependsOn to list exactly the curated and marts tables read', () => {
    const m = mart('deps', 'SELECT count(*) AS n FROM curated.tag_added_v1', { dependsOn: ['curated.rating_submitted_v1'] });
    expect(checkMarts([...MARTS, m], contracts).map(formatMartCheckError)).toEqual([
      'mart "deps": reads curated.tag_added_v1 but dependsOn does not list it',
      'mart "deps": dependsOn lists curated.rating_submitted_v1 but the SQL does not read it',
    ]);
  });

  it('reports a dependency cycle between marts', () => {
    const a = mart('cyc_a', 'SELECT count(*) AS n FROM marts.cyc_b', { dependsOn: ['marts.cyc_b'] });
    const b = mart('cyc_b', 'SELECT count(*) AS n FROM marts.cyc_a', { dependsOn: ['marts.cyc_a'] });
    expect(checkMarts([...MARTS, a, b], contracts).map(formatMartCheckError)).toContainEqual('mart "cyc_a": dependency cycle: marts.cyc_a → marts.cyc_b → marts.cyc_a');
  });
});

describe('name resolution', () => {
  it.each([
    ['a lambda parameter', "SELECT transform(split(m.genres, '|'), g -> upper(g)) AS x FROM raw.content_catalog_movies AS m"],
    ['a correlated subquery', 'SELECT m.title FROM raw.content_catalog_movies AS m WHERE EXISTS (SELECT 1 FROM curated.rating_submitted_v1 AS r WHERE r.movie_id = try_cast(m.movie_id AS integer))'],
    ['an ORDER BY output alias', 'SELECT count(*) AS n, r.dt FROM curated.rating_submitted_v1 AS r GROUP BY r.dt ORDER BY n DESC'],
    ['CTE column aliases', 'WITH c (a, b) AS (SELECT movie_id, title FROM raw.content_catalog_movies) SELECT c.a, c.b FROM c'],
    ['a fully qualified column', 'SELECT raw.content_catalog_movies.title FROM raw.content_catalog_movies'],
    ['UNNEST column aliases', "SELECT g.genre FROM raw.content_catalog_movies AS m CROSS JOIN UNNEST(split(m.genres, '|')) AS g (genre)"],
  ])('accepts %s', (_what, sql) => {
    expect(analyzeStatement(sql, catalog).issues).toEqual([]);
  });

  it('reports a column that is not in the subquery\'s SELECT list', () => {
    const issues = analyzeStatement('SELECT s.title FROM (SELECT movie_id FROM raw.content_catalog_movies) AS s', catalog).issues;
    expect(issues.map((i) => [i.kind, i.reference, i.line, i.column])).toEqual([['unknown-column', 'title', 1, 10]]);
  });
});

describe('renderPhysical', () => {
  it('rewrites table references only, not strings, comments or columns', () => {
    const sql = "-- reads raw.x\nSELECT 'raw.x' AS s, marts.daily_engagement.dt FROM marts.daily_engagement";
    expect(renderPhysical(sql, 'acc')).toBe("-- reads raw.x\nSELECT 'raw.x' AS s, marts.daily_engagement.dt FROM lakeforge_acc_marts.daily_engagement");
  });
});
