import * as fs from 'node:fs';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { PRODUCTS } from '../../config/products';
import { parseIgluUri } from '../../lib/contracts/schemaver';
import { checkMarts } from '../../lib/marts/check';
import { contractTableName, readContractTables } from '../../lib/marts/contract-adapter';
import { analyzeStatement } from '../../lib/marts/sql-check';
import { buildCatalogModel } from '../../lib/marts/catalog';
import type { ProductDeclaration } from '../../lib/products/declaration';
import { MARTS_INDEX, type MartScaffoldContext, planMartNew } from '../../lib/scaffold/mart';
import { ScaffoldError } from '../../lib/scaffold/scaffold-error';
import { camelCase, freshNames } from './fresh-names';

const ROOT = path.join(__dirname, '..', '..');
const TABLES = readContractTables(path.join(ROOT, 'config', 'contracts'));
const CONTEXT: MartScaffoldContext = {
  martsIndex: fs.readFileSync(path.join(ROOT, MARTS_INDEX), 'utf8'),
  marts: MARTS,
  products: PRODUCTS,
  contractTables: TABLES,
  exists: (p) => fs.existsSync(path.join(ROOT, p)),
};
const withContracts = PRODUCTS.find((p) => p.contracts.length > 0) as ProductDeclaration;
// Names no declaration uses, so that a team's own marts and products never collide with the ones planned here.
const FRESH = freshNames();
const MART = FRESH.mart('daily_counts');
const BATCH_ONLY = FRESH.product('batch-only');
const UNKNOWN_PRODUCT = FRESH.product('no-such-product');
const UNKNOWN_TABLE = `curated.${FRESH.contract('no_such_table')}_v1`;
const firstTable = (p: ProductDeclaration): string => {
  const { name, version } = parseIgluUri(p.contracts[0]);
  return contractTableName(name, version.model);
};

describe('planMartNew', () => {
  it("counts the product's first contract table per event date, and passes marts check with the declared marts", () => {
    const plan = planMartNew({ name: MART, product: withContracts.name }, CONTEXT);
    expect(plan.mart).toMatchObject({ name: MART, product: withContracts.name, owner: withContracts.owner, dependsOn: [`curated.${firstTable(withContracts)}`] });
    expect(plan.edits.map((e) => e.path)).toEqual([`config/marts/${MART}.sql`, `config/marts/${MART}.ts`, MARTS_INDEX]);
    expect(checkMarts([...MARTS, plan.mart], TABLES, ROOT)).toEqual([]);
    expect(plan.edits[2].content).toContain(`import { ${camelCase(MART)} } from './${MART}';`);
  });

  it('declares the output columns, with the types, that the SQL produces', () => {
    const plan = planMartNew({ name: MART, product: withContracts.name }, CONTEXT);
    const analysis = analyzeStatement(plan.mart.sql, buildCatalogModel(TABLES, MARTS));
    expect(analysis.issues).toEqual([]);
    expect(analysis.outputColumns?.map((c) => c.name)).toEqual(plan.mart.output.columns.map((c) => c.name));
    // dt is the curated tables' partition key (string); count(*) is a Trino bigint.
    expect(plan.mart.output.columns.map((c) => [c.name, c.type])).toEqual([
      ['dt', 'string'],
      ['events', 'bigint'],
    ]);
    expect(plan.mart.sql).toMatch(/count\(\*\) AS events/);
  });

  it('counts the table given by --from, with or without the zone', () => {
    const other = TABLES[TABLES.length - 1];
    for (const from of [`curated.${other.tableName}`, other.tableName]) {
      expect(planMartNew({ name: MART, product: withContracts.name, from }, CONTEXT).mart.dependsOn).toEqual([`curated.${other.tableName}`]);
    }
  });

  it.each<[string, { name: string; product?: string; from?: string }, RegExp | string]>([
    ['an existing mart name', { name: MARTS[0].name }, /already exists/],
    ['an invalid name', { name: 'Daily-Counts' }, /name: expected a lower_snake_case name/],
    ['an unknown product', { name: MART, product: UNKNOWN_PRODUCT }, `unknown data product "${UNKNOWN_PRODUCT}"`],
    ['an unknown --from table', { name: MART, from: UNKNOWN_TABLE }, /is not a curated table/],
  ])('refuses %s with one line', (_what, input, message) => {
    const run = (): unknown => planMartNew({ product: withContracts.name, ...input }, CONTEXT);
    expect(run).toThrow(ScaffoldError);
    expect(run).toThrow(message);
  });

  it('refuses a product without contract tables unless --from names one', () => {
    const batchOnly: ProductDeclaration = { ...withContracts, name: BATCH_ONLY, contracts: [], batchTables: ['some_batch_table'] };
    const context = { ...CONTEXT, products: [...PRODUCTS, batchOnly] };
    expect(() => planMartNew({ name: MART, product: BATCH_ONLY }, context)).toThrow(/has no contract table to count; pass --from/);
    expect(planMartNew({ name: MART, product: BATCH_ONLY, from: TABLES[0].tableName }, context).mart.product).toBe(BATCH_ONLY);
  });

  it('refuses when the files already exist', () => {
    expect(() => planMartNew({ name: MART, product: withContracts.name }, { ...CONTEXT, exists: (p) => p === `config/marts/${MART}.sql` })).toThrow(
      `config/marts/${MART}.sql already exists`,
    );
  });
});
