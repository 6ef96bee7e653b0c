/**
 * Which tables each mart reads, from its SQL (Trino grammar + name resolution in `lib/marts`).
 * Pure: parses the SQL text already loaded with the declarations.
 */
import { buildCatalogModel } from '../marts/catalog';
import type { ContractTable } from '../marts/contract-adapter';
import type { Mart } from '../marts/declaration';
import { analyzeStatement } from '../marts/sql-check';
import type { MartReads } from './model';

/**
 * The tables every mart reads (zone-qualified logical names), for `buildCatalogDocs`.
 * A mart whose SQL does not parse reads nothing here; `lakeforge marts check` reports it.
 *
 * @param marts - validated mart declarations with their SQL.
 * @param contracts - contract tables, to resolve `raw.`/`curated.` names.
 * @throws Error when two sources define the same catalog table (see `buildCatalogModel`).
 */
export function martReads(marts: readonly Mart[], contracts: readonly ContractTable[]): MartReads[] {
  const catalog = buildCatalogModel(contracts, marts);
  return marts.map((m) => ({
    name: m.name,
    table: m.table,
    owner: m.owner,
    description: m.description,
    schedule: m.schedule,
    tablesRead: analyzeStatement(m.sql, catalog).tablesRead,
  }));
}
