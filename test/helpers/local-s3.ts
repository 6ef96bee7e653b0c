/** Test access to the local S3-compatible server (moved to `tools/local/local-s3.ts`, used by `lakeforge local`). */
export * from '../../tools/local/local-s3';
