/**
 * The key layout of the platform handles: the SSM parameters each Lakeforge stage writes (the `Handles` stack)
 * and `LakeforgePlatform.fromParameters` reads in a product team's own CDK app. Writer and reader both build
 * every name here, so they cannot drift.
 *
 * Layout: `/lakeforge/<env>/<area>/<handle>`, e.g. `/lakeforge/dev/ingestion/stream-arn`. Every value is a
 * plain `String` parameter (names, ARNs and a date; nothing secret).
 */
import type { CatalogZone } from '../shared/naming';

/** The root every platform parameter lives under: `/lakeforge`. */
export const PLATFORM_PARAMETER_ROOT = '/lakeforge';

/**
 * The handles every stage publishes, by handle: the key of its parameter below `/lakeforge/<env>/`.
 * Workgroups have one parameter each (see {@link workgroupParameterKey}); {@link OPTIONAL_PLATFORM_PARAMETERS}
 * are written only where the environment has the resource.
 */
export const PLATFORM_PARAMETERS = {
  /** Name of the ingest Kinesis stream producers put events on. */
  ingestStreamName: 'ingestion/stream-name',
  /** ARN of the ingest stream. */
  ingestStreamArn: 'ingestion/stream-arn',
  /**
   * ARN of the producer policy: a customer-managed policy with what a producer needs (`kinesis:PutRecord(s)`,
   * `kinesis:ListShards`, `kinesis:DescribeStreamSummary` on the stream, `kms:GenerateDataKey` on the lake key;
   * the same statements as `DataProduct.produceStatements()`). Attach it to a producer's role.
   */
  producerPolicyArn: 'ingestion/producer-policy-arn',
  /** ARN of the lake key (encrypts the lake buckets and the stream). */
  lakeKeyArn: 'storage/lake-key-arn',
  /** Name of the raw zone bucket. */
  rawBucketName: 'storage/raw-bucket-name',
  /** Name of the curated zone bucket. */
  curatedBucketName: 'storage/curated-bucket-name',
  /** Name of the marts zone bucket. */
  martsBucketName: 'storage/marts-bucket-name',
  /** Name of the quarantine (bad rows) bucket. */
  quarantineBucketName: 'storage/quarantine-bucket-name',
  /** Name of the Athena query results bucket (the platform workgroup's results go under its `resultsPrefix`). */
  athenaResultsBucketName: 'storage/athena-results-bucket-name',
  /** Name of the contract registry bucket (an Iglu static registry under `schemas/`, see `REGISTRY_SCHEMAS_PREFIX`). */
  registryBucketName: 'storage/registry-bucket-name',
  /**
   * ARN of the registry publisher function: the `ServiceToken` of `Custom::LakeforgeSchemaPublication` resources,
   * through which a data product publishes its contracts and catalog entry (the contract registry's only writer).
   */
  registryPublisherFunctionArn: 'registry/publisher-function-arn',
  /** Glue database of the raw zone. */
  rawDatabaseName: 'catalog/raw-database-name',
  /** Glue database of the curated zone. */
  curatedDatabaseName: 'catalog/curated-database-name',
  /** Glue database of the marts zone. */
  martsDatabaseName: 'catalog/marts-database-name',
  /** Name of the table DDL function (creates and evolves Iceberg tables by Athena DDL). */
  tableDdlFunctionName: 'analytics/table-ddl-function-name',
  /** ARN of the table DDL function: the `ServiceToken` of `Custom::LakeforgeIcebergTables` resources. */
  tableDdlFunctionArn: 'analytics/table-ddl-function-arn',
  /** The Athena workgroup the table DDL runs in (the platform workgroup). */
  tableDdlWorkgroupName: 'analytics/table-ddl-workgroup-name',
  /** ARN of the monitoring SNS topic (alarms of the environment). */
  alarmTopicArn: 'monitoring/alarm-topic-arn',
  /** First arrival date of the raw zone, `YYYY-MM-DD` (config `pipeline.goLiveDate`): the partition projection start. */
  goLiveDate: 'pipeline/go-live-date',
  /**
   * Hours the curated window re-reads before the last successful run's start, a whole number as text
   * (`curatedLookbackHours` of the ingestion config plus `pipeline.lateArrivalMarginHours`): a product's own refresh
   * must use the platform's value, because its watermark rows live in the platform's watermark table and a shorter
   * lookback would skip late records.
   */
  curatedLookbackHours: 'pipeline/curated-lookback-hours',
} as const;

/**
 * Handles written only where the environment has the resource: the Glue Data Catalog key when the environment
 * manages catalog encryption (config `catalog.manageCatalogEncryption`). A stack that reads one that was not
 * written fails at deploy with CloudFormation's "parameter not found", naming the parameter.
 */
export const OPTIONAL_PLATFORM_PARAMETERS = {
  /** ARN of the Glue Data Catalog encryption key. */
  catalogKeyArn: 'catalog/key-arn',
} as const;

/** A handle of {@link PLATFORM_PARAMETERS}. */
export type PlatformHandle = keyof typeof PLATFORM_PARAMETERS;
/** A handle of {@link OPTIONAL_PLATFORM_PARAMETERS}. */
export type OptionalPlatformHandle = keyof typeof OPTIONAL_PLATFORM_PARAMETERS;

/** The handle of each zone's Glue database name. */
export const DATABASE_HANDLES: Readonly<Record<CatalogZone, PlatformHandle>> = {
  raw: 'rawDatabaseName',
  curated: 'curatedDatabaseName',
  marts: 'martsDatabaseName',
};

/**
 * The key of a workgroup's name parameter, `analytics/workgroups/<shortName>/name` (one per workgroup of the
 * environment: `platform`, `analysts` and the config's `analytics.extraWorkgroups`).
 *
 * @param shortName - the workgroup's short name, e.g. `analysts`.
 * @throws Error when `shortName` is not a lower-case identifier.
 */
export function workgroupParameterKey(shortName: string): string {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(shortName)) {
    throw new Error(`Invalid workgroup short name "${shortName}": expected lower-case letters, digits and '-' (max 32), as in config analytics.extraWorkgroups`);
  }
  return `analytics/workgroups/${shortName}/name`;
}

/**
 * The prefix of an environment's platform parameters: `/lakeforge/<env>/`.
 *
 * @param environment - environment name (`dev`, `acc`, `prod`).
 * @throws Error when `environment` is not a lower-case identifier (as `config.name`).
 */
export function platformParameterPrefix(environment: string): string {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(environment)) {
    throw new Error(`Invalid environment name "${environment}": expected lower-case letters and digits, starting with a letter (as config name, e.g. "dev")`);
  }
  return `${PLATFORM_PARAMETER_ROOT}/${environment}/`;
}

/**
 * The full SSM parameter name of a handle in an environment, e.g. `/lakeforge/dev/ingestion/stream-arn`.
 *
 * @param environment - environment name.
 * @param key - a key of {@link PLATFORM_PARAMETERS}, {@link OPTIONAL_PLATFORM_PARAMETERS} or {@link workgroupParameterKey}.
 * @throws Error when `environment` is not a lower-case identifier.
 */
export function platformParameterName(environment: string, key: string): string {
  return `${platformParameterPrefix(environment)}${key}`;
}

/**
 * The construct id of a handle's parameter, writer and reader side alike: `ingestion/stream-arn` →
 * `IngestionStreamArn`.
 */
export function platformParameterId(key: string): string {
  return key
    .split(/[/-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
