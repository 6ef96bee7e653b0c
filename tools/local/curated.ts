/**
 * The local translation of the curated step (see `lib/marts/curated.ts`): Athena runs
 * `MERGE INTO <iceberg table> USING (<source>) ON event_id WHEN NOT MATCHED THEN INSERT`;
 * locally DuckDB runs the same `<source>` query and appends the rows whose `event_id` is not in
 * the curated Parquet folder yet (anti-join), partitioned by `dt`, as new files. Re-running with
 * no new arrivals appends nothing (idempotent).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderCuratedSource } from '../../lib/marts/curated';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import { toDuckDb } from '../../lib/marts/dialect';
import { sqlString, type DuckDbLake } from './duckdb-lake';

/** What one local curated run did. */
export interface CuratedRunResult {
  /** Logical table name, e.g. `curated.rating_submitted_v1`. */
  readonly table: string;
  /** Deduplicated arrivals read in the watermark window. */
  readonly sourceRows: number;
  /** Rows appended (new event ids). */
  readonly inserted: number;
}

/**
 * Runs the curated step of one contract MODEL against a local lake.
 *
 * @throws Error from DuckDB when raw files do not match the contract's columns.
 */
export async function runCuratedStep(lake: DuckDbLake, contract: ContractTable): Promise<CuratedRunResult> {
  const tmp = `curated_new_${contract.tableName}`;
  const table = `curated.${contract.tableName}`;
  await lake.exec(`CREATE OR REPLACE TEMP TABLE src_${contract.tableName} AS ${toDuckDb(renderCuratedSource(contract))}`);
  await lake.exec(
    `CREATE OR REPLACE TEMP TABLE ${tmp} AS SELECT s.* FROM src_${contract.tableName} AS s ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t.event_id = s.event_id)`,
  );
  const counts = await lake.query(
    `SELECT (SELECT count(*) FROM src_${contract.tableName}) AS source_rows, (SELECT count(*) FROM ${tmp}) AS inserted`,
  );
  const sourceRows = Number(counts.rows[0].source_rows);
  const inserted = Number(counts.rows[0].inserted);
  if (inserted > 0) {
    fs.mkdirSync(path.dirname(lake.curatedDir(contract)), { recursive: true });
    await lake.exec(
      `COPY ${tmp} TO ${sqlString(lake.curatedDir(contract))} (FORMAT parquet, PARTITION_BY (dt), APPEND true, ` +
        `FILENAME_PATTERN 'part_{uuid}')`,
    );
    await lake.refreshCurated(contract);
  }
  await lake.exec(`DROP TABLE ${tmp}`);
  await lake.exec(`DROP TABLE src_${contract.tableName}`);
  return { table, sourceRows, inserted };
}
