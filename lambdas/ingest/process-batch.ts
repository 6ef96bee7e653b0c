/**
 * The ingest batch flow, with its dependencies injected: plan (pure core) → write objects
 * (adapter) → partial batch response, logs and metrics. `handler.ts` wires the production
 * dependencies; tests wire local S3 servers, fault injectors and test-compiled validators.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { settleWithConcurrency, type IngestConfig, type ObjectWriter } from './adapters';
import {
  batchItemFailures,
  encodeObjectBody,
  FAILURE_TYPES,
  fromKinesisEventRecord,
  planBatch,
  type PlannedObject,
  type ValidatorRegistry,
} from './core';

/** Most PutObject calls in flight per invocation. */
export const WRITE_CONCURRENCY = 8;

/** Metric names emitted per invocation (namespace from Powertools, `service` dimension). */
export const INGEST_METRICS = {
  /** Count: valid events written to (or attempted for) the raw zone. */
  eventsAccepted: 'EventsAccepted',
  /** Count, dimension `FailureType`: bad rows per failure type (emitted when > 0). */
  badRows: 'BadRows',
  /** Count: objects whose PutObject failed; their records are reported as batch item failures. */
  objectWriteFailures: 'ObjectWriteFailures',
  /** Milliseconds from the invocation start to the response. */
  batchLatency: 'BatchLatency',
} as const;

/** Dependencies of {@link createIngestHandler}. */
export interface IngestDependencies {
  /** Contract validators by exact Iglu URI. */
  readonly validators: ValidatorRegistry;
  /** Configuration, called once per invocation (memoise it; it may throw on a bad environment). */
  readonly config: () => IngestConfig;
  /** Object writer, called once per invocation (return a process-wide instance). */
  readonly writer: () => ObjectWriter;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Monotonic milliseconds for the latency metric. @default performance.now */
  readonly now?: () => number;
}

/** A Kinesis Lambda handler returning a partial batch response. */
export type IngestHandler = (event: KinesisStreamEvent, context?: Context) => Promise<KinesisStreamBatchResponse>;

/**
 * Creates the ingest handler.
 *
 * The partial batch response is built here, not by Powertools' `BatchProcessor`: its model is
 * one record handler per record that throws to fail that record, but this function writes one
 * object per partition for the whole batch, and a failed object must fail exactly its own
 * records. Records that are bad rows are never failures (they are written to the quarantine);
 * only a failed PutObject fails records. Unlike `processPartialResponse`, a batch whose every
 * object failed is reported as a full partial failure instead of a thrown error, so the mapping
 * retries it as one batch (same keys, idempotent overwrite) rather than bisecting it.
 *
 * @throws only when the configuration is invalid (function error: the batch is retried).
 */
export function createIngestHandler(deps: IngestDependencies): IngestHandler {
  const now = deps.now ?? (() => performance.now());
  return async (event, context) => {
    const started = now();
    const { logger, metrics } = deps;
    if (context !== undefined) logger.addContext(context);
    const config = deps.config();
    const writer = deps.writer();
    try {
      const plan = planBatch(event.Records.map(fromKinesisEventRecord), {
        validators: deps.validators,
        maxRecordBytes: config.maxRecordBytes,
      });
      const results = await settleWithConcurrency(plan.objects, WRITE_CONCURRENCY, (object) =>
        writer.put({
          bucket: object.zone === 'raw' ? config.rawBucket : config.quarantineBucket,
          key: object.key,
          body: encodeObjectBody(object.lines),
        }),
      );
      const failed: PlannedObject[] = [];
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        failed.push(plan.objects[i]);
        logger.error('object write failed; its records are reported as batch item failures', {
          key: plan.objects[i].key,
          records: plan.objects[i].sequenceNumbers.length,
          error: result.reason instanceof Error ? result.reason : String(result.reason),
        });
      });
      const response = { batchItemFailures: batchItemFailures(failed) };

      metrics.addMetric(INGEST_METRICS.eventsAccepted, MetricUnit.Count, plan.accepted);
      metrics.addMetric(INGEST_METRICS.objectWriteFailures, MetricUnit.Count, failed.length);
      for (const type of FAILURE_TYPES) {
        if (plan.badRows[type] === 0) continue;
        const single = metrics.singleMetric();
        single.addDimension('FailureType', type);
        single.addMetric(INGEST_METRICS.badRows, MetricUnit.Count, plan.badRows[type]);
      }
      metrics.addMetric(INGEST_METRICS.batchLatency, MetricUnit.Milliseconds, now() - started);
      logger.info('batch ingested', {
        records: event.Records.length,
        accepted: plan.accepted,
        badRows: plan.badRows,
        objects: plan.objects.length,
        failedObjects: failed.length,
        failedRecords: response.batchItemFailures.length,
      });
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
