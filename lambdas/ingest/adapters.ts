/**
 * AWS I/O of the ingest function: configuration from the environment and an S3 object writer.
 * The S3 client is created once per process (module scope, lazily) and reused across invocations.
 */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { INGEST_ENV, KINESIS_MAX_RECORD_BYTES } from '../shared/env';

/** Configuration of the ingest function, read from {@link INGEST_ENV}. */
export interface IngestConfig {
  /** Raw zone bucket name. */
  readonly rawBucket: string;
  /** Quarantine bucket name. */
  readonly quarantineBucket: string;
  /** Largest accepted decoded record, in bytes. @default 1048576 */
  readonly maxRecordBytes: number;
}

/**
 * Reads the ingest configuration from an environment (pure: pass `process.env`).
 * @throws Error naming the variable when a bucket is missing or `MAX_RECORD_BYTES` is not a
 *   positive integer.
 */
export function readIngestConfig(env: Readonly<Record<string, string | undefined>>): IngestConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is required`);
    return value;
  };
  const rawMax = env[INGEST_ENV.MAX_RECORD_BYTES];
  let maxRecordBytes = KINESIS_MAX_RECORD_BYTES;
  if (rawMax !== undefined && rawMax !== '') {
    maxRecordBytes = Number(rawMax);
    if (!/^[1-9][0-9]*$/.test(rawMax) || !Number.isSafeInteger(maxRecordBytes)) {
      throw new Error(`environment variable ${INGEST_ENV.MAX_RECORD_BYTES} must be a positive integer, got ${JSON.stringify(rawMax)}`);
    }
  }
  return {
    rawBucket: required(INGEST_ENV.RAW_BUCKET),
    quarantineBucket: required(INGEST_ENV.QUARANTINE_BUCKET),
    maxRecordBytes,
  };
}

/** One object to put. */
export interface PutObjectRequest {
  readonly bucket: string;
  readonly key: string;
  /** Gzip JSON Lines bytes. */
  readonly body: Uint8Array;
}

/** One object to delete. */
export interface DeleteObjectRequest {
  readonly bucket: string;
  readonly key: string;
}

/** Writes and deletes objects; a rejected promise means the call may or may not have taken effect. */
export interface ObjectWriter {
  put(request: PutObjectRequest): Promise<void>;
  /** Deletes an object; deleting a missing key succeeds. */
  delete(request: DeleteObjectRequest): Promise<void>;
}

/**
 * Writes objects with `PutObject` (a whole-object overwrite, so a retried key is idempotent) and
 * deletes them with `DeleteObject` (needs `s3:DeleteObject` on both buckets' prefixes).
 */
export class S3ObjectWriter implements ObjectWriter {
  constructor(private readonly client: S3Client) {}

  /** @throws the SDK's error when the put fails after the SDK's own retries. */
  async put(request: PutObjectRequest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: request.bucket,
        Key: request.key,
        Body: request.body,
        ContentType: 'application/x-ndjson',
        // Not Content-Encoding: readers (Athena, Glue) decompress by the .gz suffix, and HTTP
        // clients would otherwise decompress transparently and break byte-for-byte reads.
      }),
    );
  }

  /** @throws the SDK's error when the delete fails after the SDK's own retries. */
  async delete(request: DeleteObjectRequest): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: request.bucket, Key: request.key }));
  }
}

/**
 * Creates the S3 client used by the function. The SDK reads the standard endpoint settings
 * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, shared config) itself; when one of them is set the
 * client uses path-style addressing, which local S3-compatible servers need.
 */
export function createS3Client(env: Readonly<Record<string, string | undefined>>): S3Client {
  const customEndpoint = (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? '') !== '';
  return new S3Client({ forcePathStyle: customEndpoint });
}

let sharedClient: S3Client | undefined;

/** The process-wide S3 client (created on first use from `process.env`). */
export function sharedS3Client(): S3Client {
  sharedClient ??= createS3Client(process.env);
  return sharedClient;
}

/**
 * Runs `task` over `items` with at most `concurrency` in flight and settles every one (like
 * `Promise.allSettled`, results in input order).
 */
export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<Array<PromiseSettledResult<R>>> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index]) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
