import { CustomResource, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  ICEBERG_TABLES_RESOURCE_TYPE,
  type TableDdlProperties,
  type TableDdlTable,
  validateTableDdlTable,
} from '../../../lambdas/shared/table-ddl-properties';
import type { CatalogColumn } from '../../marts/catalog-model';
import type { ContractTable } from '../../marts/contract-adapter';
import { curatedTable, watermarkTable } from '../../marts/curated';
import type { Mart } from '../../marts/declaration';
import type { ITableDdlProvider } from './table-ddl-function';
import { LAKEFORGE_CONTROL_PREFIX } from './table-ddl-function';

/** One Iceberg table, as declared. */
export interface IcebergTableSpec {
  /** Glue database name, e.g. `lakeforge_dev_curated` (token allowed). */
  readonly database: string;
  /** Glue table name, e.g. `rating_submitted_v1`. */
  readonly table: string;
  /** The table's S3 URL, ending in `/` (tokens allowed), e.g. `s3://<bucket>/events/acme/click/v1/`. */
  readonly location: string;
  /** Every column in table order, partition columns included (Glue types; descriptions become comments, ≤ 255 characters). */
  readonly columns: readonly CatalogColumn[];
  /** Identity partition columns (names from `columns`); empty for an unpartitioned table. */
  readonly partitionedBy: readonly string[];
  /** Table description (≤ 2048 characters). */
  readonly description: string;
  /** Glue table parameters; every key must start with `lakeforge.`. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** Properties of {@link IcebergTables}. */
export interface IcebergTablesProps {
  /** The provider: a `TableDdlFunction`, or its service token and workgroup name. */
  readonly ddl: ITableDdlProvider;
  /** The tables, at least one; each `database`.`table` at most once. */
  readonly tables: readonly IcebergTableSpec[];
}

/**
 * Apache Iceberg tables in the Glue Data Catalog, created and evolved by Athena DDL at deploy time: one
 * `Custom::LakeforgeIcebergTables` resource whose properties are the declared tables. On create and on every
 * update the provider (`TableDdlFunction`) runs `CREATE TABLE IF NOT EXISTS` for absent tables and `ALTER TABLE
 * … ADD COLUMNS` for new columns, and sets descriptions and `lakeforge.*` parameters with Glue `UpdateTable` on
 * the current table; it refuses a changed column type or a removed column (that is a new contract MODEL, a new
 * `_v<MODEL>` table), which fails the deployment with the reason.
 *
 * Why not `AWS::Glue::Table`: a CloudFormation update of a table with Iceberg input strips `table_type=ICEBERG`
 * and `metadata_location` (cloudformation-coverage-roadmap#1919, #2495; aws-cdk#29660), after which Athena can
 * no longer read it. Here a contract ADDITION only changes this resource's `Columns` property.
 *
 * Secure defaults: tables are never dropped by a stack operation — the resource is retained when removed from
 * a template or when its stack is deleted, and the provider ignores Delete requests. Drop a table by hand when
 * it really must go.
 *
 * @example
 * new IcebergTables(this, 'CuratedTables', {
 *   ddl: analytics.tableDdl,
 *   tables: contracts.map((c) => renderCuratedIcebergTableSpec(c, { database, bucketName, description, parameters })),
 * });
 */
export class IcebergTables extends Construct {
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The declared tables, as given. */
  public readonly tables: readonly IcebergTableSpec[];

  /** @throws Error naming the table and value when a table is invalid (see `validateTableDdlTable`), or duplicated, or the list is empty. */
  constructor(scope: Construct, id: string, props: IcebergTablesProps) {
    super(scope, id);
    const properties = renderTableDdlProperties(props.ddl.workgroupName, props.tables);
    this.tables = props.tables;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.ddl.serviceToken,
      resourceType: ICEBERG_TABLES_RESOURCE_TYPE,
      properties: { ...properties },
      // Tables and data outlive the stack: nothing is sent to the provider when the resource goes away.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The Glue table ARNs of the declared tables (built with `Stack.formatArn`). */
  public tableArns(): string[] {
    const stack = Stack.of(this);
    return this.tables.map((t) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${t.database}/${t.table}` }));
  }
}

/**
 * The custom resource's properties: the workgroup and one entry per table, column descriptions as comments.
 *
 * @throws Error when the list is empty, a `database`.`table` appears twice, or a table is invalid.
 */
export function renderTableDdlProperties(workgroupName: string, tables: readonly IcebergTableSpec[]): TableDdlProperties {
  if (tables.length === 0) throw new Error('IcebergTables: tables must list at least one table');
  const seen = new Set<string>();
  const out = tables.map((spec): TableDdlTable => {
    const key = `${spec.database}.${spec.table}`;
    if (!Token.isUnresolved(spec.database) && seen.has(key)) throw new Error(`IcebergTables: table ${key} is declared twice`);
    seen.add(key);
    const table: TableDdlTable = {
      Database: spec.database,
      Table: spec.table,
      Location: spec.location,
      Columns: spec.columns.map((c) => ({ Name: c.name, Type: c.type, Comment: c.description ?? '' })),
      PartitionedBy: [...spec.partitionedBy],
      Description: spec.description,
      Parameters: { ...spec.parameters },
    };
    try {
      validateTableDdlTable(table, (v) => Token.isUnresolved(v));
    } catch (e) {
      throw new Error(`IcebergTables: ${(e as Error).message}`);
    }
    return table;
  });
  return { Workgroup: workgroupName, Tables: out };
}

/** Where and how a curated table is declared (see {@link renderCuratedIcebergTableSpec}). */
export interface CuratedIcebergTableOptions {
  /** The curated database name (token allowed). */
  readonly database: string;
  /** The curated bucket name (token allowed). */
  readonly bucketName: string;
  /** Table description. */
  readonly description: string;
  /** `lakeforge.*` parameters (e.g. from `renderMetadataParameters`). */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * The Iceberg table of a contract MODEL in the curated zone (columns from `curatedTable(contract)`: lineage
 * columns around the typed contract columns, `dt` last), identity-partitioned by UTC event date `dt`, at
 * `s3://<curated bucket>/<contract.rawPrefix>` (`events/<vendor>/<name>/v<MODEL>/`).
 */
export function renderCuratedIcebergTableSpec(contract: ContractTable, o: CuratedIcebergTableOptions): IcebergTableSpec {
  const table = curatedTable(contract);
  return {
    database: o.database,
    table: contract.tableName,
    location: `s3://${o.bucketName}/${contract.rawPrefix}`,
    columns: [...table.columns, ...(table.partitionKeys ?? [])],
    partitionedBy: (table.partitionKeys ?? []).map((p) => p.name),
    description: o.description,
    parameters: o.parameters,
  };
}

/** Key prefix of a mart's table in the marts bucket: `<mart name>/`. */
export function martTablePrefix(mart: Pick<Mart, 'name'>): string {
  return `${mart.name}/`;
}

/**
 * The Iceberg table of a mart in the marts zone: the declared output columns (descriptions as comments),
 * identity partitions on `output.partitionedBy`, at `s3://<marts bucket>/<mart>/`; owner, product, key and
 * schedule as `lakeforge.*` parameters (Athena `CREATE TABLE` has no owner clause).
 *
 * @param mart - the validated declaration.
 * @param o - the marts database name and bucket name (tokens allowed).
 */
export function renderMartIcebergTableSpec(mart: Mart, o: { readonly database: string; readonly bucketName: string }): IcebergTableSpec {
  return {
    database: o.database,
    table: mart.name,
    location: `s3://${o.bucketName}/${martTablePrefix(mart)}`,
    columns: mart.output.columns,
    partitionedBy: mart.output.partitionedBy,
    description: mart.description,
    parameters: {
      'lakeforge.product': mart.product,
      'lakeforge.owner': mart.owner,
      'lakeforge.key': mart.output.key.join(','),
      'lakeforge.schedule': mart.schedule,
    },
  };
}

/** Key prefix of the watermark table in the curated bucket. */
export const WATERMARK_TABLE_PREFIX = `${LAKEFORGE_CONTROL_PREFIX}watermarks/`;

/**
 * The pipeline's watermark control table (`watermarkTable()` in lib/marts/curated.ts) in the curated database,
 * unpartitioned, at `s3://<curated bucket>/_lakeforge/watermarks/`.
 *
 * @param o - the curated database name and bucket name (tokens allowed).
 */
export function renderWatermarkIcebergTableSpec(o: { readonly database: string; readonly bucketName: string }): IcebergTableSpec {
  const table = watermarkTable();
  return {
    database: o.database,
    table: table.name.slice(table.name.indexOf('.') + 1),
    location: `s3://${o.bucketName}/${WATERMARK_TABLE_PREFIX}`,
    columns: table.columns,
    partitionedBy: [],
    description: 'Lakeforge pipeline control table: one row per successful curated step run; the next run starts from the newest row minus the lookback.',
    parameters: { 'lakeforge.owner': 'platform-team', 'lakeforge.classification': 'internal' },
  };
}
