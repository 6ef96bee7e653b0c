/**
 * AWS I/O of the ingest function: configuration from the environment, an S3 object writer and the
 * schema registry reader. The S3 clients are created once per process (module scope, lazily) and
 * reused across invocations.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { INGEST_ENV, KINESIS_MAX_RECORD_BYTES } from '../shared/env';
import { REGISTRY_DEFAULTS, type SchemaSource } from './registry';

/** Configuration of the ingest function, read from {@link INGEST_ENV}. */
export interface IngestConfig {
  /** Raw zone bucket name. */
  readonly rawBucket: string;
  /** Quarantine bucket name. */
  readonly quarantineBucket: string;
  /** Largest accepted decoded record, in bytes. @default 1048576 */
  readonly maxRecordBytes: number;
  /**
   * The contract registry (an Iglu static registry) that URIs without a precompiled validator are resolved
   * against. @default - none (`REGISTRY_BUCKET` unset or empty): such URIs are `schema_unknown`
   */
  readonly registry?: RegistryConfig;
}

/** Where the contract registry is and how long its answers are cached. */
export interface RegistryConfig {
  /** Registry bucket name. */
  readonly bucket: string;
  /** Key prefix of the registry in the bucket, `''` or ending in `/`. @default '' */
  readonly prefix: string;
  /** Milliseconds a found schema is reused per container. @default 300000 */
  readonly ttlMs: number;
}

/**
 * Reads the ingest configuration from an environment (pure: pass `process.env`).
 * @throws Error naming the variable when a bucket is missing, `MAX_RECORD_BYTES` or
 *   `REGISTRY_CACHE_TTL_SECONDS` is not a positive integer, or `REGISTRY_PREFIX` is neither empty
 *   nor ends in `/`.
 */
export function readIngestConfig(env: Readonly<Record<string, string | undefined>>): IngestConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is required`);
    return value;
  };
  const positiveInteger = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^[1-9][0-9]*$/.test(raw) || !Number.isSafeInteger(value)) {
      throw new Error(`environment variable ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const maxRecordBytes = positiveInteger(INGEST_ENV.MAX_RECORD_BYTES, KINESIS_MAX_RECORD_BYTES);
  const registryBucket = env[INGEST_ENV.REGISTRY_BUCKET] ?? '';
  let registry: RegistryConfig | undefined;
  if (registryBucket !== '') {
    const prefix = env[INGEST_ENV.REGISTRY_PREFIX] ?? '';
    if (prefix !== '' && !prefix.endsWith('/')) {
      throw new Error(`environment variable ${INGEST_ENV.REGISTRY_PREFIX} must be empty or end in "/", got ${JSON.stringify(prefix)}`);
    }
    const ttlSeconds = positiveInteger(INGEST_ENV.REGISTRY_CACHE_TTL_SECONDS, REGISTRY_DEFAULTS.ttlMs / 1000);
    registry = { bucket: registryBucket, prefix, ttlMs: ttlSeconds * 1000 };
  }
  return {
    rawBucket: required(INGEST_ENV.RAW_BUCKET),
    quarantineBucket: required(INGEST_ENV.QUARANTINE_BUCKET),
    maxRecordBytes,
    ...(registry === undefined ? {} : { registry }),
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
 * Reads registry objects with `GetObject` from one bucket (needs `s3:GetObject` on the schemas and
 * `s3:ListBucket` on the bucket, so that a missing schema is a 404 `NoSuchKey` and not a 403).
 */
export class S3SchemaSource implements SchemaSource {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** @throws the SDK's error (`NoSuchKey` when the object does not exist) after the SDK's own retries. */
  async getText(key: string): Promise<string> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (object.Body === undefined) return '';
    return object.Body.transformToString('utf-8');
  }
}

/**
 * Timeouts of the registry client, in milliseconds: a registry that does not answer must fail the
 * read (the records are retried) well before the function times out, not hang the whole batch.
 * Applied per attempt by the SDK's Node.js HTTP handler; the SDK's standard retry (3 attempts) stays.
 */
export const REGISTRY_CLIENT_TIMEOUTS_MS = { connection: 2_000, request: 5_000 } as const;

/**
 * The HTTP handler of the registry client: connection and request timeouts that fail the request.
 * `throwOnRequestTimeout` is required: without it `@smithy/node-http-handler` 4.x only logs a warning
 * when `requestTimeout` is exceeded and the request keeps waiting (its `requestTimeout` documentation).
 */
export function createRegistryRequestHandler(timeoutsMs: { readonly connection: number; readonly request: number } = REGISTRY_CLIENT_TIMEOUTS_MS): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: timeoutsMs.connection,
    requestTimeout: timeoutsMs.request,
    throwOnRequestTimeout: true,
  });
}

/**
 * Creates the S3 client used for the registry: as {@link createS3Client}, with
 * {@link createRegistryRequestHandler}'s timeouts.
 */
export function createRegistryS3Client(env: Readonly<Record<string, string | undefined>>): S3Client {
  const customEndpoint = (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? '') !== '';
  return new S3Client({ forcePathStyle: customEndpoint, requestHandler: createRegistryRequestHandler() });
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
