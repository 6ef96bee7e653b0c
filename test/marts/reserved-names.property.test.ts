/**
 * Property (issue 12, part 6): whatever the property names — reserved words of any dialect Lakeforge renders for,
 * names that become reserved after snake_casing, leading underscores, arbitrary identifiers — and wherever they sit
 * (top-level columns or nested struct fields), the curated statements parse with the Trino grammar and resolve
 * against the catalog, and the Iceberg DDL (CREATE TABLE, ALTER TABLE ADD COLUMNS) parses with the Hive grammar.
 */
import fc from 'fast-check';
import { planTable } from '../../lambdas/table-ddl/core';
import { ATHENA_DDL_RESERVED_WORDS, ATHENA_DML_RESERVED_WORDS, DUCKDB_RESERVED_WORDS } from '../../lambdas/shared/sql-identifiers';
import { renderCuratedIcebergTableSpec, renderTableDdlProperties } from '../../lib/constructs/catalog/iceberg-tables';
import type { JsonObject } from '../../lib/contracts/contract';
import { glueColumnName, rawColumnName } from '../../lib/contracts/glue-types';
import { buildCatalogModel } from '../../lib/marts/catalog';
import { curatedColumnNames, renderCuratedChunksQuery, renderCuratedMerge, renderCuratedWindowQuery, renderFreshnessQuery } from '../../lib/marts/curated';
import { analyzeStatement } from '../../lib/marts/sql-check';
import { trinoSql } from '../../lib/marts/trino-parser';
import { contractOf } from '../contracts/contract-factory';
import { contractTableOf, hiveErrors } from './reserved-names';

const RESERVED = [...new Set([...ATHENA_DDL_RESERVED_WORDS, ...ATHENA_DML_RESERVED_WORDS, ...DUCKDB_RESERVED_WORDS])].sort();
/** `current_time` → `currentTime`: a JSON key that only becomes reserved after snake_casing. */
const camel = (w: string): string => w.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
/** Curated columns the platform adds around the contract's (a property mapping to one is renamed or refused by the adapter). */
const LINEAGE = new Set(['event_id', 'event_time', 'schema_uri', 'arrival_time', 'dt']);

const propertyName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...RESERVED),
  fc.constantFrom(...RESERVED.filter((w) => w.includes('_')).map(camel)),
  fc.constantFrom(...RESERVED).map((w) => `_${w}`),
  fc.stringMatching(/^_?[A-Za-z][A-Za-z0-9_]{0,10}$/),
);

/** Distinct names in both zones (curated snake_case and raw lower case), none a lineage column. */
const names = (min: number, max: number): fc.Arbitrary<string[]> =>
  fc.uniqueArray(propertyName, { minLength: min, maxLength: max, selector: (n) => glueColumnName(n) }).filter(
    (ns) => new Set(ns.map(rawColumnName)).size === ns.length && ns.every((n) => !LINEAGE.has(glueColumnName(n))),
  );

const leaf: fc.Arbitrary<JsonObject> = fc.constantFrom<JsonObject>(
  { type: 'string', maxLength: 16 },
  { type: 'integer', minimum: 0, maximum: 1000 },
  { type: 'string', format: 'date-time' },
  { type: 'string', format: 'date' },
  { type: 'boolean' },
);

const schema: fc.Arbitrary<JsonObject> = fc.oneof(
  { weight: 3, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc
      .tuple(names(1, 3), fc.array(leaf, { minLength: 3, maxLength: 3 }))
      .map(([fields, types]): JsonObject => ({ type: 'object', properties: Object.fromEntries(fields.map((f, i) => [f, types[i]])), additionalProperties: false })),
  },
);

const contractArb = fc
  .tuple(names(1, 6), fc.array(schema, { minLength: 6, maxLength: 6 }))
  .map(([props, schemas]) => contractOf({ type: 'object', properties: Object.fromEntries(props.map((p, i) => [p, schemas[i]])), additionalProperties: false }, '1-0-0', 'generated'));

describe('rendered SQL and DDL for generated property names', () => {
  it('parse and resolve, whatever the names', () => {
    fc.assert(
      fc.property(contractArb, (contract) => {
        const table = contractTableOf(contract);
        const catalog = buildCatalogModel([table], []);
        for (const sql of [renderCuratedWindowQuery(table), renderCuratedChunksQuery(table), renderCuratedMerge(table), renderFreshnessQuery(table)]) {
          expect(trinoSql().validate(sql).map((e) => e.message)).toEqual([]);
          expect(analyzeStatement(sql, catalog).issues).toEqual([]);
        }
        const [t] = renderTableDdlProperties('wg', [
          renderCuratedIcebergTableSpec(table, { database: 'lakeforge_dev_curated', bucketName: 'bucket', description: 'd', parameters: {} }),
        ]).Tables;
        const [create] = planTable(t, undefined);
        expect(create.kind === 'create' && hiveErrors(create.sql)).toEqual([]);
        const lineage = t.Columns.filter((c) => LINEAGE.has(c.Name)).map((c) => ({ Name: c.Name, Type: c.Type }));
        const [add] = planTable(t, { Parameters: { table_type: 'ICEBERG' }, StorageDescriptor: { Columns: lineage } });
        expect(add.kind === 'add-columns' && hiveErrors(add.sql)).toEqual([]);
        expect(curatedColumnNames(table).length).toBe(t.Columns.length);
      }),
      { numRuns: 40 },
    );
  });
});
