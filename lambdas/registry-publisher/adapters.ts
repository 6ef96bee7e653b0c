/**
 * AWS I/O of the registry publisher function: the {@link RegistryStore} over an SDK v3 S3 client. The
 * CloudFormation response sender is `lambdas/shared/custom-resource-response.ts`.
 *
 * Writes use the bucket's default encryption (SSE-KMS with the registry key): no key id is passed.
 */
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RegistryStore } from './core';

/** Attempts of a create-only write that S3 answered 409 ConditionalRequestConflict (a concurrent conditional write). */
export const CONDITIONAL_WRITE_ATTEMPTS = 3;

/** HTTP status of an S3 error, when the SDK recorded one. */
function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * The registry store over an S3 client, for one bucket.
 *
 * - `getText`: GetObject; `NoSuchKey` (404) is `undefined`. The function needs `s3:ListBucket` on the bucket, or
 *   S3 answers a missing key with 403 AccessDenied (Amazon S3 API reference, GetObject, "Permissions",
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), which is rethrown as an error.
 * - `listKeys`: ListObjectsV2 over every page.
 * - `createOnly`: PutObject with `If-None-Match: *`, a conditional write: S3 writes only if no object has the key,
 *   and answers 412 Precondition Failed otherwise (→ `'exists'`), or 409 ConditionalRequestConflict when a
 *   concurrent conditional write to the key is in progress (retried, {@link CONDITIONAL_WRITE_ATTEMPTS})
 *   (Amazon S3 User Guide, "How to prevent object overwrites with conditional writes",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 * - `put`: PutObject, overwriting.
 * Every object is written with `Content-Type: application/json`.
 */
export function s3RegistryStore(client: S3Client, bucket: string): RegistryStore {
  return {
    async getText(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await out.Body?.transformToString('utf-8')) ?? '';
      } catch (e) {
        if ((e as Error).name === 'NoSuchKey' || httpStatus(e) === 404) return undefined;
        throw e;
      }
    },
    async listKeys(prefix) {
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      }
      return keys;
    },
    async createOnly(key, body) {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }));
          return 'created';
        } catch (e) {
          if ((e as Error).name === 'PreconditionFailed' || httpStatus(e) === 412) return 'exists';
          const conflict = (e as Error).name === 'ConditionalRequestConflict' || httpStatus(e) === 409;
          if (!conflict || attempt >= CONDITIONAL_WRITE_ATTEMPTS) throw e;
        }
      }
    },
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
  };
}
