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
 */
export const INGEST_ENV = {
  RAW_BUCKET: 'RAW_BUCKET',
  QUARANTINE_BUCKET: 'QUARANTINE_BUCKET',
  MAX_RECORD_BYTES: 'MAX_RECORD_BYTES',
} as const;

/** Name of one ingest environment variable. */
export type IngestEnvName = (typeof INGEST_ENV)[keyof typeof INGEST_ENV];

/**
 * Largest Kinesis Data Streams record, in bytes (data blob plus partition key), and the default
 * for {@link INGEST_ENV.MAX_RECORD_BYTES}.
 * Source: https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
