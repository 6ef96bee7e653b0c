/**
 * Runs Lakeforge's curated steps and marts in DuckDB over a local lake folder laid out like the
 * S3 buckets (no httpfs: files are read from disk):
 *
 * ```
 * <lake>/raw/events/<vendor>/<name>/v<MODEL>/dt=YYYY-MM-DD/hour=HH/*.json.gz   (raw bucket)
 * <lake>/raw/batch/content-catalog/movies/*.csv                                (raw bucket)
 * <lake>/curated/<table>_v<MODEL>/dt=YYYY-MM-DD/*.parquet                      (curated bucket)
 * <lake>/marts/<name>/*.parquet                                                (marts bucket)
 * ```
 *
 * DuckDB schemas `raw`, `curated` and `marts` hold one view per catalog table, so the SQL's
 * zone-qualified logical names resolve unchanged. Statements go through `lib/marts/dialect.ts`.
 * Local mart refresh is a full replace of the mart's Parquet file (equal to the Athena MERGE for
 * the reference marts, whose keys never disappear); the curated step is in `./curated.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BATCH_TABLES, martTable } from '../../lib/marts/catalog';
import { allColumns, type CatalogColumn, type CatalogTable } from '../../lib/marts/catalog-model';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import { curatedTable, rawTable } from '../../lib/marts/curated';
import type { Mart } from '../../lib/marts/declaration';
import { DUCKDB_PRELUDE, glueToDuckDbType, toDuckDb } from '../../lib/marts/dialect';

/** A row as plain JS values (BIGINT → bigint, TIMESTAMP → Date, arrays → arrays). */
export type LakeRow = Record<string, unknown>;

/** A result: rows plus DuckDB column types (e.g. `BIGINT`, `VARCHAR[]`). */
export interface LakeResult {
  readonly rows: LakeRow[];
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

/** SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function hasFiles(dir: string, suffix: string): boolean {
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(suffix));
}

function emptyView(columns: readonly CatalogColumn[]): string {
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${glueToDuckDbType(c.type)}) AS "${c.name}"`).join(', ')} WHERE false`;
}

function structLiteral(columns: readonly CatalogColumn[]): string {
  return `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(glueToDuckDbType(c.type))}`).join(', ')}}`;
}

/** A DuckDB database with views over a local lake folder. Create with {@link DuckDbLake.open}. */
export class DuckDbLake {
  private constructor(
    /** Root of the local lake. */
    public readonly lakeDir: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly contracts: readonly ContractTable[],
    private readonly marts: readonly Mart[],
  ) {}

  /**
   * Opens an in-memory DuckDB and creates views for every raw, curated, batch and mart table.
   *
   * @param lakeDir - the local lake root (created when missing).
   */
  static async open(lakeDir: string, contracts: readonly ContractTable[], marts: readonly Mart[]): Promise<DuckDbLake> {
    fs.mkdirSync(lakeDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const lake = new DuckDbLake(lakeDir, instance, connection, contracts, marts);
    for (const sql of [...DUCKDB_PRELUDE, 'CREATE SCHEMA raw', 'CREATE SCHEMA curated', 'CREATE SCHEMA marts']) {
      await connection.run(sql);
    }
    await lake.refreshViews();
    return lake;
  }

  /** Folder of a curated table's Parquet files. */
  curatedDir(contract: ContractTable): string {
    return path.join(this.lakeDir, 'curated', contract.tableName);
  }

  /** Folder of a mart's Parquet files. */
  martDir(mart: Mart): string {
    return path.join(this.lakeDir, 'marts', mart.name);
  }

  /** (Re)creates every view; call after files were added outside this class. */
  async refreshViews(): Promise<void> {
    for (const c of this.contracts) {
      await this.rawEventView(c);
      await this.curatedView(c);
    }
    for (const t of BATCH_TABLES) await this.batchView(t);
    for (const m of this.marts) await this.martView(m);
  }

  /** Runs a query (Trino SQL, translated by the dialect module) and returns its rows. */
  async query(trinoSql: string): Promise<LakeResult> {
    const reader = await this.connection.runAndReadAll(toDuckDb(trinoSql));
    const names = reader.columnNames();
    const types = reader.columnTypes().map(String);
    return { rows: reader.getRowObjectsJS() as LakeRow[], columns: names.map((name, i) => ({ name, type: types[i] })) };
  }

  /** Runs a statement that returns no rows (DuckDB SQL as is). */
  async exec(duckSql: string): Promise<void> {
    await this.connection.run(duckSql);
  }

  /**
   * Refreshes a mart: runs its SELECT and replaces `<lake>/marts/<name>/data.parquet`.
   *
   * @returns the mart's rows and column types.
   */
  async runMart(mart: Mart): Promise<LakeResult> {
    const tmp = `mart_${mart.name}`;
    await this.exec(`CREATE OR REPLACE TEMP TABLE ${tmp} AS ${toDuckDb(mart.sql)}`);
    const dir = this.martDir(mart);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await this.exec(`COPY ${tmp} TO ${sqlString(path.join(dir, 'data.parquet'))} (FORMAT parquet)`);
    const result = await this.query(`SELECT * FROM ${tmp}`);
    await this.exec(`DROP TABLE ${tmp}`);
    await this.martView(mart);
    return result;
  }

  /** Closes the connection. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async view(name: string, select: string): Promise<void> {
    await this.exec(`CREATE OR REPLACE VIEW ${name} AS ${select}`);
  }

  private async rawEventView(contract: ContractTable): Promise<void> {
    const table = rawTable(contract);
    const dir = path.join(this.lakeDir, 'raw', contract.rawPrefix);
    if (!hasFiles(dir, '.json.gz')) {
      await this.view(table.name, emptyView(allColumns(table)));
      return;
    }
    const glob = path.join(dir, 'dt=*', 'hour=*', '*.json.gz');
    await this.view(
      table.name,
      `SELECT ${allColumns(table).map((c) => `"${c.name}"`).join(', ')} FROM read_json(${sqlString(glob)}, ` +
        `format = 'newline_delimited', columns = ${structLiteral(table.columns)}, ` +
        `hive_partitioning = true, hive_types = {'dt': VARCHAR, 'hour': VARCHAR})`,
    );
  }

  private async curatedView(contract: ContractTable): Promise<void> {
    const table = curatedTable(contract);
    const dir = this.curatedDir(contract);
    if (!hasFiles(dir, '.parquet')) {
      await this.view(table.name, emptyView(allColumns(table)));
      return;
    }
    await this.view(
      table.name,
      `SELECT ${allColumns(table).map((c) => `"${c.name}"`).join(', ')} FROM read_parquet(` +
        `${sqlString(path.join(dir, 'dt=*', '*.parquet'))}, hive_partitioning = true, hive_types = {'dt': VARCHAR})`,
    );
  }

  /** Called by the curated step after it wrote files. */
  async refreshCurated(contract: ContractTable): Promise<void> {
    await this.curatedView(contract);
  }

  private async batchView(table: CatalogTable & { readonly prefix: string }): Promise<void> {
    const dir = path.join(this.lakeDir, 'raw', table.prefix);
    if (!hasFiles(dir, '.csv')) {
      await this.view(table.name, emptyView(table.columns));
      return;
    }
    // OpenCSVSerde with skip.header.line.count=1: columns by position, all strings.
    await this.view(
      table.name,
      `SELECT * FROM read_csv(${sqlString(path.join(dir, '*.csv'))}, header = true, delim = ',', quote = '"', escape = '"', ` +
        `columns = ${structLiteral(table.columns)})`,
    );
  }

  private async martView(mart: Mart): Promise<void> {
    const table = martTable(mart);
    const dir = this.martDir(mart);
    if (!hasFiles(dir, '.parquet')) {
      await this.view(table.name, emptyView(table.columns));
      return;
    }
    await this.view(table.name, `SELECT * FROM read_parquet(${sqlString(path.join(dir, '*.parquet'))})`);
  }
}
