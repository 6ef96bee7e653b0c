/** Test access to the local S3-compatible server (moved to `tools/local/local-s3.ts`, used by `lakeforge local`). */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { type LocalS3, startLocalS3 } from '../../tools/local/local-s3';

export * from '../../tools/local/local-s3';

/** The local S3 server of one test file, see {@link localS3ForFile}. */
export interface LocalS3ForFile {
  /** The running server (only inside tests and hooks: it starts in `beforeAll`). */
  server(): LocalS3;
  /** Creates an empty bucket `<prefix>-<n>` (n counts per file) and returns its name. */
  freshBucket(prefix: string): Promise<string>;
}

/**
 * One local S3 server for the calling test file: started in `beforeAll`, stopped in `afterAll`, with a maker of
 * fresh buckets so that tests do not share state. Call it once at the top level of a test file.
 */
export function localS3ForFile(): LocalS3ForFile {
  let s3: LocalS3 | undefined;
  let seq = 0;
  beforeAll(async () => {
    s3 = await startLocalS3([]);
  });
  afterAll(async () => {
    await s3?.stop();
  });
  const server = (): LocalS3 => {
    if (s3 === undefined) throw new Error('localS3ForFile: the server starts in beforeAll; use it inside tests');
    return s3;
  };
  return {
    server,
    async freshBucket(prefix) {
      seq += 1;
      const bucket = `${prefix}-${seq}`;
      await server().client().send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
  };
}
