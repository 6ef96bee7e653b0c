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
