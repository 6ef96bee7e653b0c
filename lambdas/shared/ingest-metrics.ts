/**
 * Metric names of the ingest function: emitted by it (lambdas/ingest/process-batch.ts) and read by the monitoring
 * construct's alarms and dashboard (lib/constructs/observability/platform-monitoring.ts). This module is the one
 * place both sides import; keep it free of imports.
 */

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
  /** Count: records reported for retry because a schema registry read failed (the record and the rest of its shard). */
  recordsDeferred: 'RecordsDeferred',
  /** Count (only with a registry): distinct URIs per batch answered from the registry cache. */
  registryCacheHits: 'RegistryCacheHits',
  /** Count (only with a registry): cache misses, i.e. registry objects fetched. */
  registryFetches: 'RegistryFetches',
  /** Count (only with a registry): fetches that found no schema (`schema_unknown`). */
  registryNotFound: 'RegistrySchemasNotFound',
  /** Count (only with a registry): fetched schemas that are unusable (`schema_invalid`). */
  registryInvalid: 'RegistrySchemasInvalid',
  /** Count (only with a registry): failed registry reads (outage, throttling, access denied); their records are retried. */
  registryErrors: 'RegistryErrors',
} as const;
