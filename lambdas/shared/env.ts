/**
 * Environment variable names shared by the Lambda functions and the CDK constructs that configure
 * them. The constructs set exactly these names; the functions read exactly these names. Keep this
 * module free of imports so it can be used from `lib/` without pulling in Lambda code.
 */

/**
 * Environment variables of the ingest function.
 *
 * - `RAW_BUCKET` (required): name of the raw zone bucket; valid events land under `events/…`.
 * - `QUARANTINE_BUCKET` (required): name of the quarantine bucket; bad rows land under `bad-rows/…`.
 * - `MAX_RECORD_BYTES` (optional): largest accepted decoded Kinesis record, in bytes, a positive
 *   integer. @default 1048576 (1 MiB, the Kinesis Data Streams record limit)
 * - `REGISTRY_BUCKET` (optional): name of the contract registry bucket, an Iglu static registry. Schema URIs
 *   without a precompiled validator are resolved from it at run time. The function needs `s3:GetObject` on
 *   `<REGISTRY_PREFIX>schemas/*` and `s3:ListBucket` on the bucket (without it S3 answers a missing key with
 *   403 AccessDenied, which the function must treat as an outage, not as "unknown schema").
 *   @default - no registry: such URIs are `schema_unknown`
 * - `REGISTRY_PREFIX` (optional): key prefix of the registry inside the bucket, empty or ending in `/`; schemas
 *   are read from `<REGISTRY_PREFIX>schemas/<vendor>/<name>/jsonschema/<M-R-A>`. @default '' (bucket root)
 * - `REGISTRY_CACHE_TTL_SECONDS` (optional): how long a resolved schema is reused per container before it is
 *   fetched again, a positive integer. @default 300 (not-found and invalid results: at most 60)
 */
export const INGEST_ENV = {
  RAW_BUCKET: 'RAW_BUCKET',
  QUARANTINE_BUCKET: 'QUARANTINE_BUCKET',
  MAX_RECORD_BYTES: 'MAX_RECORD_BYTES',
  REGISTRY_BUCKET: 'REGISTRY_BUCKET',
  REGISTRY_PREFIX: 'REGISTRY_PREFIX',
  REGISTRY_CACHE_TTL_SECONDS: 'REGISTRY_CACHE_TTL_SECONDS',
} as const;

/** Name of one ingest environment variable. */
export type IngestEnvName = (typeof INGEST_ENV)[keyof typeof INGEST_ENV];

/**
 * Largest Kinesis Data Streams record, in bytes (data blob plus partition key), and the default
 * for {@link INGEST_ENV.MAX_RECORD_BYTES}.
 * Source: https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Key prefix of the schemas in the contract registry bucket, below `REGISTRY_PREFIX`: the Iglu static registry
 * layout `schemas/<vendor>/<name>/jsonschema/<M-R-A>`
 * (https://docs.snowplow.io/docs/api-reference/iglu/iglu-repositories/static-repo/). Shared by the ingest
 * function (reads) and the storage and ingestion constructs (grants, bucket policy).
 */
export const REGISTRY_SCHEMAS_PREFIX = 'schemas/';
