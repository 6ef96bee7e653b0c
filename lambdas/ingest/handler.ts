/**
 * Lambda entry point of the ingest function (Kinesis event source mapping with
 * `ReportBatchItemFailures`). Wiring only: see `process-batch.ts` for the flow, `core.ts` for
 * the record rules, object layout and duplication guarantees, and `registry.ts` for the run-time
 * schema registry.
 *
 * Environment: `INGEST_ENV` in `lambdas/shared/env.ts` (`RAW_BUCKET`, `QUARANTINE_BUCKET`, optional `MAX_RECORD_BYTES`,
 * optional `REGISTRY_BUCKET`, `REGISTRY_PREFIX`, `REGISTRY_CACHE_TTL_SECONDS`),
 * plus the SDK's own `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` and Powertools' `POWERTOOLS_*`.
 */
import { createPowertools } from '../shared/powertools';
import {
  createRegistryS3Client,
  readIngestConfig,
  S3ObjectWriter,
  S3SchemaSource,
  sharedS3Client,
  type IngestConfig,
  type ObjectWriter,
} from './adapters';
import { validators } from './generated/validators';
import { createIngestHandler } from './process-batch';
import { RegistryResolver } from './registry';

const { logger, metrics } = createPowertools('ingest');
let config: IngestConfig | undefined;
let writer: ObjectWriter | undefined;
/** The registry resolver and its cache: one per container, created on first use when a registry is configured. */
let registry: RegistryResolver | undefined;

/** The ingest Lambda handler: Kinesis batch in, partial batch response out. */
export const handler = createIngestHandler({
  validators,
  config: () => (config ??= readIngestConfig(process.env)),
  writer: () => (writer ??= new S3ObjectWriter(sharedS3Client())),
  registry: () => {
    const settings = (config ??= readIngestConfig(process.env)).registry;
    if (settings === undefined) return undefined;
    registry ??= new RegistryResolver({
      source: new S3SchemaSource(createRegistryS3Client(process.env), settings.bucket),
      prefix: settings.prefix,
      ttlMs: settings.ttlMs,
    });
    return registry;
  },
  logger,
  metrics,
});
