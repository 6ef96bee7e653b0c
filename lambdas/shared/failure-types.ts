/**
 * Failure types of bad rows (cross-team convention), in pipeline order: the `failure_type` of a bad row, its
 * quarantine prefix `bad-rows/<failure_type>/` and the `FailureType` dimension of the ingest function's
 * `BadRows` metric. Shared by the ingest function and the CDK constructs (bad-rows table, monitoring); keep
 * this module free of imports so `lib/` can use it without pulling in Lambda code.
 *
 * - `size_exceeded`: the decoded record is larger than the function's limit;
 * - `not_json`: not strict UTF-8 JSON;
 * - `envelope_invalid`: not exactly `schema`, `data`, `event_id`, `event_time` with valid values;
 * - `schema_unknown`: no precompiled contract and (when a schema registry is configured) no object in the
 *   registry for the URI;
 * - `schema_invalid`: the registry holds an object for the URI that is not JSON, whose `self` block does not
 *   match the URI, or that ajv cannot compile (the producer's schema is broken, not the event);
 * - `schema_violation`: `data` does not conform to its contract.
 */
export const FAILURE_TYPES = ['size_exceeded', 'not_json', 'envelope_invalid', 'schema_unknown', 'schema_invalid', 'schema_violation'] as const;

/** Why a record became a bad row. */
export type FailureType = (typeof FAILURE_TYPES)[number];
