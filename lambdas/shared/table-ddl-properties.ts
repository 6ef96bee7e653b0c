/**
 * The resource properties of the `Custom::LakeforgeIcebergTables` custom resource: written by the
 * `IcebergTables` construct (lib/constructs/catalog/iceberg-tables.ts), read by the table DDL function
 * (lambdas/table-ddl). This module is the one place both sides import; keep it free of imports.
 *
 * CloudFormation passes every scalar of a custom resource's properties as a string, so every field here
 * is a string (or a list/map of strings).
 */

/** The resource type of the custom resource (CloudFormation requires the `Custom::` prefix). */
export const ICEBERG_TABLES_RESOURCE_TYPE = 'Custom::LakeforgeIcebergTables';

/** Powertools service name of the table DDL function. */
export const TABLE_DDL_SERVICE_NAME = 'lakeforge-table-ddl';

/** Prefix of the Glue table parameters Lakeforge owns; every other parameter is left as it is. */
export const LAKEFORGE_PARAMETER_PREFIX = 'lakeforge.';

/** One column of a desired Iceberg table. */
export interface TableDdlColumn {
  /** Column name: lower-case letters, digits and `_` (Athena/Glue naming rules). */
  readonly Name: string;
  /** Glue (Hive DDL) type, e.g. `bigint`, `timestamp`, `struct<a:int>`. */
  readonly Type: string;
  /** Column comment (≤ 255 characters), or the empty string. */
  readonly Comment: string;
}

/** One desired Iceberg table. */
export interface TableDdlTable {
  /** Glue database name, e.g. `lakeforge_dev_curated`. */
  readonly Database: string;
  /** Glue table name, e.g. `rating_submitted_v1`. */
  readonly Table: string;
  /** The table's S3 URL, ending in `/`, e.g. `s3://bucket/events/acme/click/v1/`. */
  readonly Location: string;
  /** Every column in table order, partition columns included. */
  readonly Columns: readonly TableDdlColumn[];
  /** Identity partition columns (names from `Columns`), possibly empty. */
  readonly PartitionedBy: readonly string[];
  /** Table description (≤ 2048 characters), applied with Glue UpdateTable. */
  readonly Description: string;
  /** `lakeforge.*` Glue table parameters, applied with Glue UpdateTable (other keys are refused). */
  readonly Parameters: Readonly<Record<string, string>>;
}

/** The properties of one `Custom::LakeforgeIcebergTables` resource (besides `ServiceToken`). */
export interface TableDdlProperties {
  /** The Athena workgroup the DDL runs in (the platform workgroup). */
  readonly Workgroup: string;
  /** The tables to create or evolve, at least one. */
  readonly Tables: readonly TableDdlTable[];
}

/** Glue's limit on a column comment, in characters (AWS Glue API, `Column.Comment`). */
export const GLUE_COLUMN_COMMENT_MAX = 255;
/** Glue's limit on a table description, in characters (AWS Glue API, `TableInput.Description`). */
export const GLUE_TABLE_DESCRIPTION_MAX = 2048;

/**
 * Glue/Athena names: lower-case letters, digits and `_`, at most 255 characters (Athena User Guide, "Names for
 * tables, databases, and columns", https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html).
 */
const NAME = /^[a-z0-9_]{1,255}$/;

/**
 * Validates a declared table: names, comment and description lengths, duplicate and partition columns,
 * parameter keys and location. Used by the construct at synth (values that are CDK tokens are skipped) and by
 * the function before any DDL runs.
 *
 * @param t - the table.
 * @param isToken - whether a string is an unresolved CDK token (its value is only known at deploy time).
 *   @default - nothing is a token
 * @throws Error naming the table and the offending value.
 */
export function validateTableDdlTable(t: TableDdlTable, isToken: (value: string) => boolean = () => false): void {
  const label = `${t.Database}.${t.Table}`;
  const fail = (message: string): never => {
    throw new Error(`${label}: ${message}`);
  };
  if (!isToken(t.Database) && !NAME.test(t.Database)) fail(`database name "${t.Database}" must be lower-case letters, digits and _ (max 255)`);
  if (!isToken(t.Table) && !NAME.test(t.Table)) fail(`table name "${t.Table}" must be lower-case letters, digits and _ (max 255)`);
  if (!isToken(t.Location) && !/^s3:\/\/[^/]+\/(.+\/)?$/.test(t.Location)) fail(`location "${t.Location}" must be an S3 URL ending in /`);
  if (t.Columns.length === 0) fail('has no columns');
  if (t.Description.length > GLUE_TABLE_DESCRIPTION_MAX) fail(`description has ${t.Description.length} characters; Glue allows ${GLUE_TABLE_DESCRIPTION_MAX}`);
  const seen = new Set<string>();
  for (const c of t.Columns) {
    if (!NAME.test(c.Name)) fail(`column name "${c.Name}" must be lower-case letters, digits and _ (max 255)`);
    if (seen.has(c.Name)) fail(`column "${c.Name}" is declared twice`);
    seen.add(c.Name);
    if (!/^[a-z][a-z0-9_<>:,() ]*$/i.test(c.Type)) fail(`column "${c.Name}" has type "${c.Type}", which is not a Glue type`);
    if (c.Comment.length > GLUE_COLUMN_COMMENT_MAX) fail(`comment of column "${c.Name}" has ${c.Comment.length} characters; Glue allows ${GLUE_COLUMN_COMMENT_MAX}`);
  }
  for (const p of t.PartitionedBy) if (!seen.has(p)) fail(`partition column "${p}" is not a column`);
  for (const key of Object.keys(t.Parameters)) {
    if (!key.startsWith(LAKEFORGE_PARAMETER_PREFIX)) fail(`parameter "${key}" is not a ${LAKEFORGE_PARAMETER_PREFIX}* key; only those are Lakeforge's to set`);
  }
}
