/** Test access to the local Kinesis-compatible server (moved to `tools/local/local-kinesis.ts`, used by `lakeforge local`). */
export * from '../../tools/local/local-kinesis';
