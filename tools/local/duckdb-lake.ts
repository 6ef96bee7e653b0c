/**
 * Lakeforge's lake in DuckDB, laid out like the Glue Data Catalog of a stage, over a local lake folder
 * laid out like the S3 buckets (no httpfs: files are read from disk):
 *
 * ```
 * <lake>/raw/events/<vendor>/<name>/v<MODEL>/dt=YYYY-MM-DD/hour=HH/*.json.gz   (raw bucket)
 * <lake>/raw/batch/content-catalog/movies/*.csv                                (raw bucket)
 * <lake>/curated/<table>_v<MODEL>/dt=YYYY-MM-DD/*.parquet                      (export, see exportParquet)
 * <lake>/marts/<name>/data.parquet                                             (export, see exportParquet)
 * ```
 *
 * Schemas:
 * - physical, named like the stage's Glue databases (`lakeforge_<env>_raw|curated|marts`), so the
 *   pipeline plan's physical statements resolve unchanged: raw tables are snapshots of the JSON files (and
 *   vendor CSVs) read through views in `lake_files`, taken again by {@link DuckDbLake.refreshViews}; curated tables, mart tables and the pipeline's watermark table are real DuckDB tables
 *   (the Iceberg tables on AWS), created from the catalog model ({@link curatedTable}, {@link martTable},
 *   {@link watermarkTable}) and written only by the plan's MERGE/INSERT statements
 *   (`tools/local/pipeline-runner.ts`);
 * - logical (`raw`, `curated`, `marts`): one view per catalog table over its physical twin, so SQL with
 *   zone-qualified logical names (mart SQL, tests) resolves too.
 *
 * Statements go through `lib/marts/dialect.ts`. Raw views read JSON keys as written by producers
 * (camelCase included) and expose them under the raw-zone (lower-cased) names, as the OpenX JSON SerDe
 * does on AWS; see {@link rawJsonRead}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BATCH_TABLES, martTable } from '../../lib/marts/catalog';
import { allColumns, type CatalogColumn, type CatalogTable } from '../../lib/marts/catalog-model';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import { curatedTable, rawTable, watermarkTable } from '../../lib/marts/curated';
import { databaseName, type CatalogZone } from '../../lib/shared/naming';
import type { Mart } from '../../lib/marts/declaration';
import { DUCKDB_PRELUDE, glueToDuckDbType, toDuckDb } from '../../lib/marts/dialect';
import { splitTopLevel } from '../../lib/marts/catalog-model';

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

/** `columns =` literal of read_json/read_csv from (name, DuckDB type) pairs. */
function columnsLiteral(columns: readonly (readonly [string, string])[]): string {
  return `{${columns.map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ')}}`;
}

function structLiteral(columns: readonly CatalogColumn[]): string {
  return columnsLiteral(columns.map((c) => [c.name, glueToDuckDbType(c.type)]));
}


/**
 * The JSON key of a top-level contract property, from its `sourcePointer` (`/properties/<key>`,
 * RFC 6901 escaping undone).
 * @throws Error when the pointer is not `/properties/<key>`.
 */
export function jsonKeyOf(sourcePointer: string): string {
  const parts = sourcePointer.split('/');
  if (parts.length !== 3 || parts[0] !== '' || parts[1] !== 'properties') {
    throw new Error(`expected a top-level property pointer /properties/<key>, got "${sourcePointer}"`);
  }
  return parts[2].replace(/~1/g, '/').replace(/~0/g, '~');
}

const hasStruct = (glueType: string): boolean => /struct</i.test(glueType);

/**
 * DuckDB SQL converting a `JSON` value `expr` to the DuckDB form of a raw-zone Glue type whose
 * struct field names are lower-cased JSON keys: object keys are matched the way the OpenX JSON
 * SerDe matches them on AWS (case-insensitively; a field listed in `keyMappings`, the table's SerDe
 * `mapping.<field>` parameters, reads its mapped key instead), which DuckDB's own JSON → STRUCT
 * conversion does not do (it is case-sensitive).
 */
export function jsonToRawType(expr: string, glueType: string, depth = 0, keyMappings: Readonly<Record<string, string>> = {}): string {
  const t = glueType.trim();
  if (t.toLowerCase() === 'string') return `json_extract_string(${expr}, '$')`;
  if (!hasStruct(t)) return `CAST(${expr} AS ${glueToDuckDbType(t)})`;
  const generic = /^(array|struct|map)<(.*)>$/is.exec(t) as RegExpExecArray;
  const v = `v${depth}`;
  const entries = `map_entries(CAST(${expr} AS MAP(VARCHAR, JSON)))`;
  switch (generic[1].toLowerCase()) {
    case 'array':
      return `list_transform(CAST(${expr} AS JSON[]), lambda ${v}: ${jsonToRawType(v, generic[2], depth + 1, keyMappings)})`;
    case 'map': {
      const valueType = splitTopLevel(generic[2])[1];
      return `map_from_entries(list_transform(${entries}, lambda ${v}: {'key': ${v}.key, 'value': ${jsonToRawType(`${v}.value`, valueType, depth + 1, keyMappings)}}))`;
    }
    default: {
      const fields = splitTopLevel(generic[2]).map((f) => {
        const colon = f.indexOf(':');
        const name = f.slice(0, colon).trim();
        const key = (Object.prototype.hasOwnProperty.call(keyMappings, name) ? keyMappings[name] : name).toLowerCase();
        const value = `(list_filter(${entries}, lambda ${v}: lower(${v}.key) = ${sqlString(key)})[1]).value`;
        return `"${name}" := ${jsonToRawType(value, f.slice(colon + 1), depth + 1, keyMappings)}`;
      });
      return `CASE WHEN json_type(${expr}) = 'OBJECT' THEN struct_pack(${fields.join(', ')}) END`;
    }
  }
}

/**
 * How to read a raw table's JSON lines: `columns` for `read_json` with the `data` struct keyed by
 * the contract's original JSON keys (DuckDB matches keys case-sensitively: `osType` would not fill
 * a field `ostype`), and the expression that renames them to the raw-zone names (`data` undefined
 * when the contract has no properties and `data` is read as a string). Properties whose type holds
 * a struct are read as JSON and converted by {@link jsonToRawType}, since nested keys are lower-cased too.
 */
export function rawJsonRead(contract: ContractTable): { columns: readonly (readonly [string, string])[]; data?: string } {
  const table = rawTable(contract);
  const glueColumns = table.columns.map((c): [string, string] => [c.name, glueToDuckDbType(c.type)]);
  if (contract.rawColumns.length === 0) return { columns: glueColumns };
  const fields = contract.rawColumns.map((c) => ({ raw: c, key: c.jsonKey ?? jsonKeyOf(c.sourcePointer), nested: hasStruct(c.type) }));
  // Keys equal to their raw names read directly (a renaming struct_pack costs DuckDB about 3× on 100k rows).
  if (fields.every((f) => !f.nested && f.key === f.raw.name)) return { columns: glueColumns };
  const dataType = `STRUCT(${fields.map((f) => `"${f.key.replace(/"/g, '""')}" ${f.nested ? 'JSON' : glueToDuckDbType(f.raw.type)}`).join(', ')})`;
  const data = `struct_pack(${fields
    .map((f) => {
      const source = `"data"."${f.key.replace(/"/g, '""')}"`;
      return `"${f.raw.name}" := ${f.nested ? jsonToRawType(source, f.raw.type, 0, contract.rawKeyMappings) : source}`;
    })
    .join(', ')})`;
  return {
    columns: glueColumns.map(([name, type]): [string, string] => [name, name === 'data' ? dataType : type]),
    data,
  };
}

/** Options of {@link DuckDbLake.open}. */
export interface DuckDbLakeOptions {
  /**
   * Environment whose physical database names the schemas take (`lakeforge_<env>_<zone>`): the `env` of the
   * pipeline plan that runs against the lake.
   * @default 'dev'
   */
  readonly env?: string;
}

/** The tables of a lake: zone-qualified logical name → catalog table, by kind. */
function lakeTables(contracts: readonly ContractTable[], marts: readonly Mart[]): { written: CatalogTable[]; raw: CatalogTable[] } {
  return {
    written: [...contracts.map(curatedTable), watermarkTable(), ...marts.map(martTable)],
    raw: [...contracts.map(rawTable), ...BATCH_TABLES],
  };
}

/** Schema of the views that read the lake folder's raw files (behind the raw tables' snapshots). */
const FILES_SCHEMA = 'lake_files';

/** The view over the files of a raw logical table: `raw.x` → `lake_files.x`. */
const fileView = (logical: string): string => `${FILES_SCHEMA}.${logical.split('.')[1]}`;

/** `CREATE TABLE` of a catalog table in DuckDB (data columns, then partition keys). */
export function createTableSql(qualifiedName: string, table: CatalogTable): string {
  return `CREATE TABLE ${qualifiedName} (${allColumns(table).map((c) => `"${c.name}" ${glueToDuckDbType(c.type)}`).join(', ')})`;
}

/** A DuckDB database over a local lake folder (see the module comment). Create with {@link DuckDbLake.open}. */
export class DuckDbLake {
  private constructor(
    /** Root of the local lake. */
    public readonly lakeDir: string,
    /** Environment of the physical schema names. */
    public readonly env: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly contracts: readonly ContractTable[],
    private readonly marts: readonly Mart[],
  ) {}

  /**
   * Opens an in-memory DuckDB: physical and logical schemas, raw tables from the lake folder, empty curated,
   * watermark and mart tables.
   *
   * @param lakeDir - the local lake root (created when missing).
   * @throws Error when `options.env` is not a valid environment name.
   */
  static async open(lakeDir: string, contracts: readonly ContractTable[], marts: readonly Mart[], options: DuckDbLakeOptions = {}): Promise<DuckDbLake> {
    fs.mkdirSync(lakeDir, { recursive: true });
    const env = options.env ?? 'dev';
    const zones: CatalogZone[] = ['raw', 'curated', 'marts'];
    const physical = zones.map((z) => databaseName(env, z));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const lake = new DuckDbLake(lakeDir, env, instance, connection, contracts, marts);
    for (const sql of [...DUCKDB_PRELUDE, ...[...zones, ...physical, FILES_SCHEMA].map((schema) => `CREATE SCHEMA ${schema}`)]) {
      await connection.run(sql);
    }
    for (const table of lakeTables(contracts, marts).written) {
      await lake.exec(createTableSql(lake.physicalName(table.name), table));
      await lake.view(table.name, `SELECT * FROM ${lake.physicalName(table.name)}`);
    }
    await lake.refreshViews();
    return lake;
  }

  /** The physical name of a logical table: `curated.x` → `lakeforge_<env>_curated.x`. */
  physicalName(logical: string): string {
    const [zone, table] = logical.split('.');
    return `${databaseName(this.env, zone as CatalogZone)}.${table}`;
  }

  /** Takes the raw tables again from the lake folder; call after files were added to it. */
  async refreshViews(): Promise<void> {
    for (const c of this.contracts) await this.rawEventView(c);
    for (const t of BATCH_TABLES) await this.batchView(t);
    for (const table of lakeTables(this.contracts, this.marts).raw) {
      // A snapshot of the files: the raw zone only grows between refreshes, and every statement of a run
      // then reads it without parsing the JSON again (one parse per refresh instead of one per chunk).
      await this.exec(`CREATE OR REPLACE TABLE ${this.physicalName(table.name)} AS SELECT * FROM ${fileView(table.name)}`);
      await this.view(table.name, `SELECT * FROM ${this.physicalName(table.name)}`);
    }
  }

  /** Runs a query (Trino SQL, translated by the dialect module) and returns its rows. */
  async query(trinoSql: string): Promise<LakeResult> {
    const reader = await this.connection.runAndReadAll(toDuckDb(trinoSql));
    const names = reader.columnNames();
    const types = reader.columnTypes().map(String);
    return { rows: reader.getRowObjectsJS() as LakeRow[], columns: names.map((name, i) => ({ name, type: types[i] })) };
  }

  /** Runs one DuckDB statement as is and returns its rows (a `RETURNING` clause's, for writes). */
  async run(duckSql: string): Promise<LakeRow[]> {
    const reader = await this.connection.runAndReadAll(duckSql);
    return reader.getRowObjectsJS() as LakeRow[];
  }

  /** Runs a statement that returns no rows (DuckDB SQL as is). */
  async exec(duckSql: string): Promise<void> {
    await this.connection.run(duckSql);
  }

  /**
   * Writes the curated tables to `<lake>/curated/<table>/dt=…/*.parquet` and the marts to
   * `<lake>/marts/<name>/data.parquet` (replacing earlier exports), for inspection with any Parquet reader.
   */
  async exportParquet(): Promise<void> {
    for (const c of this.contracts) {
      const dir = path.join(this.lakeDir, 'curated', c.tableName);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      await this.exec(`COPY (SELECT * FROM ${this.physicalName(curatedTable(c).name)}) TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (dt), OVERWRITE_OR_IGNORE true)`);
    }
    for (const m of this.marts) {
      const dir = path.join(this.lakeDir, 'marts', m.name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      await this.exec(`COPY (SELECT * FROM ${this.physicalName(m.table)}) TO ${sqlString(path.join(dir, 'data.parquet'))} (FORMAT parquet)`);
    }
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
      await this.view(fileView(table.name), emptyView(allColumns(table)));
      return;
    }
    const glob = path.join(dir, 'dt=*', 'hour=*', '*.json.gz');
    const read = rawJsonRead(contract);
    const select = allColumns(table).map((c) => (c.name === 'data' && read.data !== undefined ? `${read.data} AS "data"` : `"${c.name}"`));
    await this.view(
      fileView(table.name),
      `SELECT ${select.join(', ')} FROM read_json(${sqlString(glob)}, ` +
        `format = 'newline_delimited', columns = ${columnsLiteral(read.columns)}, ` +
        `hive_partitioning = true, hive_types = {'dt': VARCHAR, 'hour': VARCHAR})`,
    );
  }

  private async batchView(table: CatalogTable & { readonly prefix: string }): Promise<void> {
    const dir = path.join(this.lakeDir, 'raw', table.prefix);
    if (!hasFiles(dir, '.csv')) {
      await this.view(fileView(table.name), emptyView(table.columns));
      return;
    }
    // OpenCSVSerde with skip.header.line.count=1: columns by position, all strings.
    await this.view(
      fileView(table.name),
      `SELECT * FROM read_csv(${sqlString(path.join(dir, '*.csv'))}, header = true, delim = ',', quote = '"', escape = '"', ` +
        `columns = ${structLiteral(table.columns)})`,
    );
  }
}
