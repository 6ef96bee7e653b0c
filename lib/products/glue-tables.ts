import { Token } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { CatalogColumn, CatalogTable } from '../marts/catalog-model';

/**
 * Pure renderers of Glue `TableInput`s for the lake's Hive-style table kinds (raw JSON, vendor CSV, bad rows).
 * No constructs here: the `DataProduct` and `BadRowsTable` constructs pass the results to `CfnTable`. Curated and
 * mart Iceberg tables are not CloudFormation resources: see `IcebergTables` (lib/constructs/catalog/iceberg-tables.ts).
 *
 * Partition projection (Athena User Guide, "Partition projection with Amazon Athena"): Athena computes
 * partitions from these table properties, so no crawler and no `MSCK REPAIR TABLE` ever runs.
 */

/**
 * Partition projection on arrival date `dt` (`yyyy-MM-dd`, from `startDate` to now) and `hour` (`00`–`23`), with
 * the given `storage.location.template`.
 *
 * Start the range at the go-live date (config `pipeline.goLiveDate`), not earlier: Athena prunes projected
 * partitions only on literal predicates, so a bound it cannot fold (e.g. from a subquery) enumerates every
 * projected partition from the range's start (Athena User Guide, "Partition projection with Amazon Athena").
 *
 * @param locationTemplate - `storage.location.template`, e.g. `s3://b/events/x/v1/dt=${dt}/hour=${hour}/`.
 * @param startDate - first arrival date, `YYYY-MM-DD`.
 * @throws Error when `startDate` is not a `YYYY-MM-DD` calendar date.
 */
export function arrivalProjection(locationTemplate: string, startDate: string): Record<string, string> {
  validateProjectionStartDate(startDate);
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': `${startDate},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
    'storage.location.template': locationTemplate,
  };
}

/**
 * Checks a partition projection start date. A token (e.g. the go-live date a product team's app reads from the
 * platform's SSM parameters at deploy time) is accepted unchecked: the platform validated it when it wrote it.
 *
 * @throws Error naming the value when it is not a `YYYY-MM-DD` calendar date.
 */
export function validateProjectionStartDate(startDate: string): void {
  if (Token.isUnresolved(startDate)) return;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(startDate);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!date || date.toISOString().slice(0, 10) !== startDate) {
    throw new Error(`projectionStartDate must be a YYYY-MM-DD calendar date (config pipeline.goLiveDate), got "${startDate}"`);
  }
}

/** Metadata every Lakeforge table carries in its Glue parameters (prefixed `lakeforge.`). */
export interface TableMetadata {
  /** Data product name. */
  readonly product: string;
  /** Owning team. */
  readonly owner: string;
  /** Classification level. */
  readonly classification: string;
  /** Columns holding personal data (comma-separated in Glue). */
  readonly piiColumns: readonly string[];
  /** Freshness SLA in minutes. */
  readonly freshnessSlaMinutes: number;
  /** Iglu URI of the contract version the columns come from (event tables only). */
  readonly contract?: string;
}

/** Glue parameters for {@link TableMetadata}. */
export function renderMetadataParameters(m: TableMetadata): Record<string, string> {
  const out: Record<string, string> = {
    'lakeforge.product': m.product,
    'lakeforge.owner': m.owner,
    'lakeforge.classification': m.classification,
    'lakeforge.pii_columns': m.piiColumns.join(','),
    'lakeforge.freshness_sla_minutes': String(m.freshnessSlaMinutes),
  };
  if (m.contract !== undefined) out['lakeforge.contract'] = m.contract;
  return out;
}

const glueColumns = (cols: readonly CatalogColumn[]): CfnTable.ColumnProperty[] =>
  cols.map((c) => ({ name: c.name, type: c.type, comment: c.description?.slice(0, 255) }));

const tableName = (t: CatalogTable) => t.name.slice(t.name.indexOf('.') + 1);

/**
 * A raw-zone event table: gzip JSON Lines (OpenX JSON SerDe), partitioned by arrival `dt`/`hour`
 * with partition projection over `s3://<bucket>/<prefix>dt=<dt>/hour=<hour>/`.
 *
 * @param table - the logical raw table (see `rawTable()` in lib/marts/curated.ts).
 * @param bucketName - raw bucket name (token allowed).
 * @param prefix - key prefix ending in `/`, e.g. `events/com.acme/click/v1/`.
 * @param projectionStartDate - first projected arrival date, `YYYY-MM-DD` (the go-live date).
 * @param keyMappings - raw field name → JSON key for keys the SerDe cannot match by name (`a-b`, `a.b`; the
 *   contract table's `rawKeyMappings`), rendered by {@link renderJsonKeyMappings}. @default - none
 */
export function renderRawEventTableInput(
  table: CatalogTable,
  bucketName: string,
  prefix: string,
  metadata: TableMetadata,
  description: string,
  projectionStartDate: string,
  keyMappings: Readonly<Record<string, string>> = {},
): CfnTable.TableInputProperty {
  const location = `s3://${bucketName}/${prefix}`;
  return {
    name: tableName(table),
    description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: 'json',
      compressionType: 'gzip',
      ...arrivalProjection(`${location}dt=\${dt}/hour=\${hour}/`, projectionStartDate),
      ...renderMetadataParameters(metadata),
    },
    partitionKeys: glueColumns(table.partitionKeys ?? []),
    storageDescriptor: {
      columns: glueColumns(table.columns),
      location,
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serdeInfo: {
        serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
        parameters: { 'ignore.malformed.json': 'false', ...renderJsonKeyMappings(keyMappings) },
      },
    },
  };
}

/**
 * OpenX JSON SerDe parameters that make a field read a JSON key it cannot match by name: `mapping.<field>` =
 * `<key>` (Athena User Guide, "OpenX JSON SerDe", https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html:
 * a mapping from the column name to the key). Athena engine 3 applies a mapping to every field of that name, at
 * any struct level and to top-level columns (Trino's OpenX JSON reader, `OpenXJsonDeserializer`), which is why
 * the contract mapping never gives a mapped name to two keys or to an envelope column.
 *
 * @param keyMappings - raw field name (lower case, `[a-z0-9_]`) → JSON key.
 * @throws Error naming the field when a name is not a valid raw field name.
 */
export function renderJsonKeyMappings(keyMappings: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of Object.entries(keyMappings).sort(([a], [b]) => a.localeCompare(b))) {
    if (!/^[a-z0-9_]+$/.test(field)) throw new Error(`SerDe key mapping: field name "${field}" (for key "${key}") must match [a-z0-9_]+`);
    out[`mapping.${field}`] = key;
  }
  return out;
}

/**
 * A raw-zone CSV table for vendor batch files (OpenCSVSerde: RFC-4180 quoting, header skipped, every
 * column a string so ids with leading zeros stay intact).
 */
export function renderCsvTableInput(table: CatalogTable, bucketName: string, prefix: string, metadata: TableMetadata, description: string): CfnTable.TableInputProperty {
  return {
    name: tableName(table),
    description,
    tableType: 'EXTERNAL_TABLE',
    parameters: { classification: 'csv', 'skip.header.line.count': '1', ...renderMetadataParameters(metadata) },
    storageDescriptor: {
      columns: glueColumns(table.columns),
      location: `s3://${bucketName}/${prefix}`,
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serdeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
        parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
      },
    },
  };
}

/** Columns of the bad-rows table (one line per bad row; see lambdas/ingest/core.ts `BadRow`). */
export const BAD_ROWS_COLUMNS: readonly CatalogColumn[] = [
  { name: 'errors', type: 'array<string>', description: 'Why the record was rejected (at least one reason).' },
  { name: 'payload_base64', type: 'string', description: 'The original record bytes, base64.' },
  { name: 'schema', type: 'string', description: 'The envelope schema, when the record parsed.' },
  { name: 'event_id', type: 'string', description: 'The envelope event_id, when the record parsed.' },
  { name: 'shard_id', type: 'string', description: 'Kinesis shard id.' },
  { name: 'sequence_number', type: 'string', description: 'Kinesis sequence number.' },
  { name: 'arrival_time', type: 'string', description: 'When ingestion received the record (ISO-8601 UTC).' },
];

/**
 * The quarantine's bad-rows table: gzip JSON Lines under `bad-rows/<failure_type>/dt=/hour=/`, with
 * partition projection on the failure type (enum), arrival date and hour.
 *
 * @param failureTypes - the failure types the ingest function writes.
 * @param projectionStartDate - first projected arrival date, `YYYY-MM-DD` (the go-live date).
 */
export function renderBadRowsTableInput(
  name: string,
  bucketName: string,
  prefix: string,
  failureTypes: readonly string[],
  projectionStartDate: string,
): CfnTable.TableInputProperty {
  const location = `s3://${bucketName}/${prefix}`;
  return {
    name,
    description: 'Bad rows: every record ingestion rejected, with the reason and the original bytes (quarantine).',
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: 'json',
      compressionType: 'gzip',
      'projection.failure_type.type': 'enum',
      'projection.failure_type.values': failureTypes.join(','),
      ...arrivalProjection(`${location}\${failure_type}/dt=\${dt}/hour=\${hour}/`, projectionStartDate),
      'lakeforge.classification': 'restricted',
    },
    partitionKeys: [
      { name: 'failure_type', type: 'string', comment: failureTypes.join(', ') },
      { name: 'dt', type: 'string', comment: 'UTC arrival date YYYY-MM-DD.' },
      { name: 'hour', type: 'string', comment: 'UTC arrival hour HH.' },
    ],
    storageDescriptor: {
      columns: glueColumns(BAD_ROWS_COLUMNS),
      location,
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
    },
  };
}
