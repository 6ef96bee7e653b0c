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
  lowerCheckpoint,
  planRecovery,
  retryCheckpoints,
  type BatchPlan,
  type PlannedObject,
  type SchemaResolution,
  type StreamRecord,
  type ValidatorRegistry,
} from './core';
import { INGEST_METRICS } from '../shared/ingest-metrics';
import type { RegistryResolver } from './registry';

/** Most PutObject calls in flight per invocation. */
export const WRITE_CONCURRENCY = 8;

export { INGEST_METRICS } from '../shared/ingest-metrics';

/** What the ingest flow needs of the schema registry ({@link RegistryResolver}). */
export type SchemaRegistry = Pick<RegistryResolver, 'lookup' | 'resolveAll' | 'takeCounts'>;

/** Dependencies of {@link createIngestHandler}. */
export interface IngestDependencies {
  /** Contract validators by exact Iglu URI. */
  readonly validators: ValidatorRegistry;
  /** Configuration, called once per invocation (memoise it; it may throw on a bad environment). */
  readonly config: () => IngestConfig;
  /** Object writer, called once per invocation (return a process-wide instance). */
  readonly writer: () => ObjectWriter;
  /**
   * The run-time schema registry for URIs without a precompiled validator, called once per invocation
   * (return a process-wide instance, so that its cache lives as long as the container; `undefined` when none
   * is configured). @default - no registry: such URIs are `schema_unknown`
   */
  readonly registry?: () => SchemaRegistry | undefined;
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
 * only a failed PutObject fails records. After a failure the written objects at or after the
 * retry checkpoint are trimmed or deleted (`planRecovery` in core.ts), so the retry does not
 * duplicate them, and every record at or after the checkpoint is reported. Unlike `processPartialResponse`, a batch whose every
 * object failed is reported as a full partial failure instead of a thrown error, so the mapping
 * retries it as one batch (same keys, idempotent overwrite) rather than bisecting it.
 *
 * With a schema registry, URIs without a precompiled validator are looked up in its cache while planning;
 * the URIs it misses are fetched (all at once) and the batch is planned again. When the registry cannot be
 * read, the record and every later record of its shard are left out of the plan and reported as batch
 * item failures (`BatchPlan.deferred`): retried by the event source mapping, never quarantined or lost.
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
    const registry = deps.registry?.();
    try {
      const plan = await planWithRegistry(event.Records.map(fromKinesisEventRecord), deps.validators, config.maxRecordBytes, registry);
      if (plan.deferred.length > 0) {
        logger.warn('schema registry unavailable; records reported for retry', {
          records: plan.deferred.length,
          reasons: [...new Set(plan.deferred.map((d) => d.reason))].slice(0, 5),
        });
      }
      const bucketOf = (object: PlannedObject): string => (object.zone === 'raw' ? config.rawBucket : config.quarantineBucket);
      const put = (object: PlannedObject): Promise<void> =>
        writer.put({ bucket: bucketOf(object), key: object.key, body: encodeObjectBody(object.lines) });
      const remove = (object: PlannedObject): Promise<void> => writer.delete({ bucket: bucketOf(object), key: object.key });
      const results = await settleWithConcurrency(plan.objects, WRITE_CONCURRENCY, put);
      const failed = new Set<string>();
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        failed.add(plan.objects[i].key);
        logger.error('object write failed; retrying from its first record', {
          key: plan.objects[i].key,
          records: plan.objects[i].sequenceNumbers.length,
          error: errorOf(result.reason),
        });
      });
      const checkpoints = retryCheckpoints(plan, failed);
      if (checkpoints.size > 0) await recover(plan.objects, checkpoints, put, remove, logger);
      const response = { batchItemFailures: batchItemFailures(plan, checkpoints) };

      metrics.addMetric(INGEST_METRICS.eventsAccepted, MetricUnit.Count, plan.accepted);
      metrics.addMetric(INGEST_METRICS.objectWriteFailures, MetricUnit.Count, failed.size);
      if (registry !== undefined) {
        const counts = registry.takeCounts();
        metrics.addMetric(INGEST_METRICS.recordsDeferred, MetricUnit.Count, plan.deferred.length);
        metrics.addMetric(INGEST_METRICS.registryCacheHits, MetricUnit.Count, counts.cacheHits);
        metrics.addMetric(INGEST_METRICS.registryFetches, MetricUnit.Count, counts.fetches);
        metrics.addMetric(INGEST_METRICS.registryNotFound, MetricUnit.Count, counts.notFound);
        metrics.addMetric(INGEST_METRICS.registryInvalid, MetricUnit.Count, counts.invalid);
        metrics.addMetric(INGEST_METRICS.registryErrors, MetricUnit.Count, counts.errors);
      }
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
        failedObjects: failed.size,
        deferredRecords: plan.deferred.length,
        failedRecords: response.batchItemFailures.length,
      });
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * Plans the batch. Without a registry, one pass. With one: a pass answering non-precompiled URIs from the
 * registry cache (each distinct URI looked up once per batch), then, if some were not cached, one fetch of
 * all of them and a second pass with the answers (the same answer for every record of a URI).
 */
async function planWithRegistry(
  records: readonly StreamRecord[],
  validators: ValidatorRegistry,
  maxRecordBytes: number,
  registry: SchemaRegistry | undefined,
): Promise<BatchPlan> {
  if (registry === undefined) return planBatch(records, { validators, maxRecordBytes });
  const answers = new Map<string, SchemaResolution | undefined>();
  const resolve = (uri: string): SchemaResolution | undefined => {
    if (answers.has(uri)) return answers.get(uri);
    const answer = registry.lookup(uri);
    answers.set(uri, answer);
    return answer;
  };
  const plan = planBatch(records, { validators, maxRecordBytes, resolve });
  if (plan.unresolved.length === 0) return plan;
  for (const [uri, answer] of await registry.resolveAll(plan.unresolved)) answers.set(uri, answer);
  return planBatch(records, { validators, maxRecordBytes, resolve });
}

/**
 * Cleans up after a partial failure so the retry from the checkpoint duplicates nothing: rewrites
 * straddling objects (a failed rewrite lowers the checkpoint and replans), then deletes what the
 * retry re-delivers. Mutates `checkpoints`. Best effort: a failed delete is logged and leaves a
 * duplicate; no record is ever removed from the lake without being re-delivered.
 */
async function recover(
  written: readonly PlannedObject[],
  checkpoints: Map<string, string>,
  put: (object: PlannedObject) => Promise<void>,
  remove: (object: PlannedObject) => Promise<void>,
  logger: Logger,
): Promise<void> {
  // Objects that are, or may be (a failed put can still have been stored), in the lake.
  const present = new Map(written.map((o) => [o.key, o]));
  const deletes = new Map<string, PlannedObject>();
  for (;;) {
    const recovery = planRecovery([...present.values()], checkpoints);
    const rewritten = await settleWithConcurrency(recovery.rewrites, WRITE_CONCURRENCY, (r) => put(r.object));
    let lowered = false;
    rewritten.forEach((result, i) => {
      const { object, replaces } = recovery.rewrites[i];
      present.set(object.key, object);
      if (result.status === 'fulfilled') {
        present.delete(replaces.key);
        deletes.set(replaces.key, replaces);
        return;
      }
      lowerCheckpoint(checkpoints, replaces.shardId, replaces.sequenceNumbers[0]);
      lowered = true;
      logger.warn('rewrite failed; retrying from the first record of the object instead', { key: replaces.key, error: errorOf(result.reason) });
    });
    if (lowered) continue;
    for (const object of recovery.deletes) deletes.set(object.key, object);
    break;
  }
  const targets = [...deletes.values()];
  const deleted = await settleWithConcurrency(targets, WRITE_CONCURRENCY, remove);
  deleted.forEach((result, i) => {
    if (result.status === 'rejected') logger.warn('delete failed; the retry will duplicate records of this object', { key: targets[i].key, error: errorOf(result.reason) });
  });
}

function errorOf(reason: unknown): Error | string {
  return reason instanceof Error ? reason : String(reason);
}
