/**
 * Failure types of bad rows (cross-team convention), in pipeline order: the `failure_type` of a bad row, its
 * quarantine prefix `bad-rows/<failure_type>/` and the `FailureType` dimension of the ingest function's
 * `BadRows` metric. Shared by the ingest function and the CDK constructs (bad-rows table, monitoring); keep
 * this module free of imports so `lib/` can use it without pulling in Lambda code.
 */
export const FAILURE_TYPES = ['size_exceeded', 'not_json', 'envelope_invalid', 'schema_unknown', 'schema_violation'] as const;

/** Why a record became a bad row. */
export type FailureType = (typeof FAILURE_TYPES)[number];
