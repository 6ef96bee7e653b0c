/**
 * Lambda entry point of the ingest function (Kinesis event source mapping with
 * `ReportBatchItemFailures`). Wiring only: see `process-batch.ts` for the flow and `core.ts` for
 * the record rules, object layout and duplication guarantees.
 *
 * Environment: `INGEST_ENV` in `lambdas/shared/env.ts` (`RAW_BUCKET`, `QUARANTINE_BUCKET`, optional `MAX_RECORD_BYTES`),
 * plus the SDK's own `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` and Powertools' `POWERTOOLS_*`.
 */
import { createPowertools } from '../shared/powertools';
import { readIngestConfig, S3ObjectWriter, sharedS3Client, type IngestConfig, type ObjectWriter } from './adapters';
import { validators } from './generated/validators';
import { createIngestHandler } from './process-batch';

const { logger, metrics } = createPowertools('ingest');
let config: IngestConfig | undefined;
let writer: ObjectWriter | undefined;

/** The ingest Lambda handler: Kinesis batch in, partial batch response out. */
export const handler = createIngestHandler({
  validators,
  config: () => (config ??= readIngestConfig(process.env)),
  writer: () => (writer ??= new S3ObjectWriter(sharedS3Client())),
  logger,
  metrics,
});
