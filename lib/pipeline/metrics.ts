/**
 * Names of the metrics the pipeline state machine publishes (CloudWatch `PutMetricData` from a task
 * state) and the monitoring stack alarms on. One place, so the emitter and the alarms cannot drift.
 */

/** CloudWatch namespace of every custom Lakeforge metric. */
export const PIPELINE_METRICS_NAMESPACE = 'Lakeforge';

/** Value of the `service` dimension of the pipeline's metrics. */
export const PIPELINE_SERVICE_NAME = 'lakeforge-pipeline';

/** Name of the `service` dimension. */
export const SERVICE_DIMENSION = 'service';

/**
 * Freshness metrics of a curated table, in seconds, with the dimensions {@link SERVICE_DIMENSION} =
 * {@link PIPELINE_SERVICE_NAME} and {@link FRESHNESS_DIMENSION} = the curated table name (e.g. `rating_submitted_v1`).
 */
export const FRESHNESS_METRICS = {
  /** now − newest `arrival_time` of the curated table: how long ago the newest curated event arrived. */
  freshness: 'CuratedFreshnessSeconds',
  /** now − newest `event_time` of the curated table (negative when a producer's clock runs ahead). */
  eventLag: 'CuratedEventLagSeconds',
} as const;

/** The metric dimension naming the curated table. */
export const FRESHNESS_DIMENSION = 'Table';
