/**
 * Pure core of the ingest function: Kinesis record → raw line or bad row → gzip JSON Lines
 * objects with deterministic keys. No AWS SDK, no environment, no clock: every input is a
 * parameter, so the same batch always yields byte-identical objects under identical keys.
 * The module-level memos (Iglu URIs, the last arrival minute, key prefixes) only cache results of
 * pure functions, so they never change an output (issue 4: the hot path is tuned for throughput,
 * see BENCHMARKS.md "Ingest"; test/lambdas/ingest/core-fast-paths.test.ts pins the equivalences).
 *
 * Pipeline per record (first failing step wins, exactly one outcome per record):
 * 1. base64 decode; more than `maxRecordBytes` decoded bytes → `size_exceeded`;
 * 2. strict UTF-8 decode (a byte order mark is not stripped) and `JSON.parse` → `not_json`;
 * 3. envelope check (exactly `schema`, `data`, `event_id`, `event_time`) → `envelope_invalid`;
 * 4. validator lookup by the exact Iglu URI (precompiled validators first; then, when a resolver is
 *    injected, the run-time schema registry: see {@link CoreOptions.resolve}) → `schema_unknown`, or
 *    `schema_invalid` when the registry's schema is unusable; a registry that cannot be read defers the
 *    record instead (never a bad row: {@link BatchPlan.deferred});
 * 5. contract validation → `schema_violation`; otherwise the event is valid.
 *
 * Objects: valid events are grouped per contract MODEL and arrival hour (UTC, from the record's
 * `approximateArrivalTimestamp`) under
 * `events/<vendor>/<name>/v<MODEL>/dt=YYYY-MM-DD/hour=HH/`, bad rows per failure type under
 * `bad-rows/<failure_type>/dt=YYYY-MM-DD/hour=HH/`. The file name is
 * `<shardId>-<first sequence number>-<last sequence number>.json.gz` of the records in that object.
 *
 * What can and cannot be duplicated in the raw zone and the quarantine (at-least-once there;
 * exactly-once is the curated zone's job, which deduplicates by `event_id`):
 * - **Retry of the same batch** (function error, timeout, or a full partial failure): the same
 *   records give the same objects under the same keys, so every object is overwritten with
 *   identical bytes — no duplicates.
 * - **Retry after a partial batch failure** (a PutObject failed): Lambda re-delivers from the
 *   lowest failed sequence number (the checkpoint) onward, in a batch with other boundaries. So
 *   the handler cleans up first ({@link planRecovery}): written objects that straddle the
 *   checkpoint are rewritten with only their records before it (a failed rewrite lowers the
 *   checkpoint instead), objects entirely at or after it are deleted (also failed ones, which S3
 *   may have stored anyway), and every record at or after the checkpoint is reported. So the
 *   retry writes each of those records once: no duplicates, unless a DeleteObject fails, which
 *   leaves that object's records to be duplicated. Records before the checkpoint are never
 *   re-delivered.
 * - **Bisected batch** (bisect on function error): each half has different first/last sequence
 *   numbers, so records already written by the failed whole-batch attempt can be duplicated once
 *   per bisection level.
 * - **Replay** (a new event source mapping, `AT_TIMESTAMP`/`TRIM_HORIZON` re-read, resharding):
 *   batch boundaries differ, so every replayed record can be duplicated once per replay.
 * - Never duplicated by this function: a record within one object, or across objects of one batch.
 *   Producer-side duplicates (the same `event_id` sent twice) are separate records and are kept.
 * A duplicate is always an exact copy of the same Kinesis record (same `shard_id` and
 * `sequence_number`), so `(shard_id, sequence_number)` or `event_id` deduplicates it.
 */
import { gzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { KINESIS_MAX_RECORD_BYTES } from '../shared/env';
import { FAILURE_TYPES, type FailureType } from '../shared/failure-types';

/**
 * One Kinesis record as the core needs it.
 */
export interface StreamRecord {
  /** Shard id, e.g. `shardId-000000000000`. */
  readonly shardId: string;
  /** Kinesis sequence number: a decimal string, unique and increasing within the shard. */
  readonly sequenceNumber: string;
  /** The record's data blob, base64-encoded (as in the Lambda event). */
  readonly data: string;
  /** `approximateArrivalTimestamp`: seconds since the Unix epoch, with a millisecond fraction. */
  readonly approximateArrivalTimestamp: number;
}

/** Failure types of bad rows: defined once in lambdas/shared (the constructs use them too). */
export { FAILURE_TYPES, type FailureType };

/** One ajv error as exposed by a precompiled validator (subset of ajv's `ErrorObject`). */
export interface ContractValidationError {
  readonly instancePath: string;
  readonly message?: string;
  readonly keyword: string;
  readonly params: object;
}

/**
 * A precompiled contract validator (ajv standalone code): returns whether `data` conforms and,
 * when it does not, leaves the reasons in `errors`.
 */
export type ContractValidator = ((data: unknown) => boolean) & {
  errors?: ReadonlyArray<ContractValidationError> | null;
};

/** Validators keyed by the full Iglu URI, e.g. `iglu:com.acme/checkout/jsonschema/1-0-0`. */
export type ValidatorRegistry = Readonly<Record<string, ContractValidator>>;

/**
 * What the run-time schema registry says about a URI that has no precompiled validator (resolved by
 * `registry.ts`; the core only reads the answer):
 * - `found`: the schema's validator;
 * - `not_found`: no such schema in the registry → bad row `schema_unknown` naming the URI and `reason`;
 * - `invalid`: the registry's object is not a usable schema (not JSON, `self` not matching the URI, ajv cannot
 *   compile it) → bad row `schema_invalid` with `reason`;
 * - `unavailable`: the registry could not be read (unreachable, throttled, timeout, 5xx, access denied) → the
 *   record is deferred ({@link BatchPlan.deferred}), so the event source mapping retries it.
 */
export type SchemaResolution =
  | { readonly kind: 'found'; readonly validator: ContractValidator }
  | { readonly kind: 'not_found'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Thrown by {@link classifyRecord} when the record's schema is unavailable or not resolved yet: the record
 * has no outcome now and must be retried, never quarantined.
 */
export class SchemaUnavailableError extends Error {
  constructor(
    /** The envelope's schema URI. */
    public readonly uri: string,
    reason: string,
  ) {
    super(`schema ${uri} cannot be resolved now: ${reason}`);
    this.name = 'SchemaUnavailableError';
  }
}

/** Options of {@link classifyRecord} and {@link planBatch}. */
export interface CoreOptions {
  /**
   * Precompiled contract validators by exact Iglu URI: the fast path, always looked up first. A URI without
   * an entry goes to {@link resolve}, or is `schema_unknown` without one.
   */
  readonly validators: ValidatorRegistry;
  /**
   * Looks up a URI that has no entry in `validators` (never called for one that has) in the run-time schema
   * registry, synchronously (a cache read). `undefined` means "not resolved yet": the record is deferred like
   * an `unavailable` one and the URI is listed in {@link BatchPlan.unresolved}, so the caller can fetch it and
   * plan again.
   * @default - no registry: a URI without a precompiled validator is `schema_unknown`
   */
  readonly resolve?: (uri: string) => SchemaResolution | undefined;
  /**
   * Largest accepted decoded record, in bytes.
   * @default 1048576 ({@link KINESIS_MAX_RECORD_BYTES})
   */
  readonly maxRecordBytes?: number;
}

/** A parsed Iglu schema key (`iglu:<vendor>/<name>/<format>/<model>-<revision>-<addition>`). */
export interface IgluSchemaKey {
  readonly uri: string;
  readonly vendor: string;
  readonly name: string;
  readonly format: string;
  readonly model: number;
  readonly revision: number;
  readonly addition: number;
}

/** One raw zone line (cross-team convention; keys serialised in this order). */
export interface RawLine {
  readonly schema: string;
  readonly event_id: string;
  readonly event_time: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** ISO-8601 UTC with milliseconds, from `approximateArrivalTimestamp`. */
  readonly arrival_time: string;
  readonly shard_id: string;
  readonly sequence_number: string;
}

/** One bad row line (cross-team convention). */
export interface BadRow {
  readonly failure_type: FailureType;
  /** Human-readable reasons, at least one, at most {@link MAX_ERRORS_PER_BAD_ROW}. */
  readonly errors: readonly string[];
  /** The record's original bytes, base64-encoded. */
  readonly payload_base64: string;
  /** The envelope's `schema`, when the record parsed and it was a string. */
  readonly schema?: string;
  /** The envelope's `event_id`, when the record parsed and it was a string. */
  readonly event_id?: string;
  readonly shard_id: string;
  readonly sequence_number: string;
  readonly arrival_time: string;
}

/** The single outcome of one record. */
export type RecordOutcome =
  | { readonly kind: 'valid'; readonly schemaKey: IgluSchemaKey; readonly line: RawLine }
  | { readonly kind: 'bad'; readonly badRow: BadRow };

/** Target zone of a planned object: the raw bucket or the quarantine bucket. */
export type ObjectZone = 'raw' | 'quarantine';

/** One object to write: a gzip JSON Lines body of `lines` under `key`. */
export interface PlannedObject {
  readonly zone: ObjectZone;
  /** Shard of every record in the object. */
  readonly shardId: string;
  /** Partition prefix of `key` (ends in `/`). */
  readonly prefix: string;
  readonly key: string;
  /** Serialised JSON lines (no trailing newline), ordered by sequence number. */
  readonly lines: readonly string[];
  /** Sequence numbers of the records in this object, same order as `lines`. */
  readonly sequenceNumbers: readonly string[];
}

/** Result of {@link planBatch}. */
export interface BatchPlan {
  /** Objects sorted by zone then key; every input record is in exactly one object. */
  readonly objects: readonly PlannedObject[];
  /** Number of valid events. */
  readonly accepted: number;
  /** Number of bad rows per failure type (every type present, possibly 0). */
  readonly badRows: Readonly<Record<FailureType, number>>;
  /**
   * Records left out of `objects` because a schema was unavailable or unresolved: per shard, the first such
   * record and every later record of the shard (Lambda retries a Kinesis shard from the lowest reported
   * sequence number, so writing the later ones now would duplicate them). Report them all as batch item
   * failures. In shard then sequence order; empty without {@link CoreOptions.resolve}.
   */
  readonly deferred: readonly DeferredRecord[];
  /** URIs for which {@link CoreOptions.resolve} returned `undefined`, each once, in order of first appearance. */
  readonly unresolved: readonly string[];
}

/** A record that {@link planBatch} left for the retry. */
export interface DeferredRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Why: the unavailable schema, or the earlier deferred record of the same shard. */
  readonly reason: string;
}

/** Most errors kept per bad row (ajv can report many). */
export const MAX_ERRORS_PER_BAD_ROW = 20;

const ENVELOPE_KEYS = ['schema', 'data', 'event_id', 'event_time'] as const;
/** Iglu URI as in Iglu's SchemaKey: vendor, name, format, SchemaVer without leading zeros. */
const IGLU_URI =
  /^iglu:([a-zA-Z0-9_.-]+)\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)\/(0|[1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$/;
/** RFC 9562 UUID, canonical lower-case form, versions 1–8, variant 10xx. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Shape of the strict RFC 3339 profile; the field values are range-checked by {@link isRfc3339DateTime}. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const SAFE_KEY_SEGMENT = /[^A-Za-z0-9._-]/g;
const igluCache = new Map<string, IgluSchemaKey | undefined>();
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MS_PER_MINUTE = 60_000;
/**
 * Memo of the last arrival minute seen by {@link arrivalTimeIso}: its ISO prefix
 * `YYYY-MM-DDTHH:MM:` and its partition path. A batch is in sequence order, so arrival times are
 * nearly monotonic and consecutive records share the minute: one `Date` per minute, not per record.
 */
let lastMinute: { readonly minute: number; readonly prefix: string; readonly partition: string } | undefined;
/** {@link hourPartition} of the value {@link arrivalTimeIso} returned last (read by planBatch right after the call). */
let lastArrivalPartition = '';
/** `ss.` for every second of a minute and `mmmZ` for every millisecond of a second: two concatenations per arrival time. */
const SECOND_TEXTS = Array.from({ length: 60 }, (_, s) => `${String(s).padStart(2, '0')}.`);
const MILLI_TEXTS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);
/** Key prefix (`events/<vendor>/<name>/v<MODEL>/`) per parsed Iglu key (weak: keys beyond the URI memo are not kept). */
const contractPrefixes = new WeakMap<IgluSchemaKey, string>();

/**
 * Converts a Lambda Kinesis event record to a {@link StreamRecord}. The shard id is the part of
 * `eventID` (`shardId-…:<sequence number>`) before the last colon.
 */
export function fromKinesisEventRecord(record: KinesisStreamRecord): StreamRecord {
  const colon = record.eventID.lastIndexOf(':');
  return {
    shardId: colon > 0 ? record.eventID.slice(0, colon) : record.eventID,
    sequenceNumber: record.kinesis.sequenceNumber,
    data: record.kinesis.data,
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
  };
}

/**
 * Parses an Iglu URI, or returns `undefined` when it is not one.
 * Spec: https://docs.snowplow.io/docs/api-reference/iglu/common-architecture/self-describing-json-schemas/
 */
export function parseIgluUri(uri: string): IgluSchemaKey | undefined {
  const cached = igluCache.get(uri);
  if (cached !== undefined || igluCache.has(uri)) return cached;
  const m = IGLU_URI.exec(uri);
  const key =
    m === null
      ? undefined
      : { uri, vendor: m[1], name: m[2], format: m[3], model: Number(m[4]), revision: Number(m[5]), addition: Number(m[6]) };
  // A few contract URIs repeat across records; bound the memo so random URIs cannot grow it.
  if (igluCache.size < 1024) igluCache.set(uri, key);
  return key;
}

/**
 * Whether `value` is a canonical lower-case RFC 9562 UUID (versions 1–8). Upper case is
 * rejected so that `event_id` deduplication compares one spelling per id.
 */
export function isCanonicalUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Whether `value` is an RFC 3339 `date-time` in the strict profile accepted by the lake:
 * upper-case `T` and `Z`, no space separator, 1–9 fraction digits, explicit offset, calendar-valid
 * date, seconds 00–59 (leap seconds are rejected: Athena/Trino timestamps cannot hold them).
 * Spec: RFC 3339 §5.6.
 */
export function isRfc3339DateTime(value: string): boolean {
  if (!DATE_TIME.test(value)) return false;
  // The shape is fixed (YYYY-MM-DDTHH:MM:SS…), so the fields are read in place: no match arrays.
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(digitsAt(value, 0, 4), month)) return false;
  if (digitsAt(value, 11, 2) > 23 || digitsAt(value, 14, 2) > 59 || digitsAt(value, 17, 2) > 59) return false;
  const end = value.length;
  // A numeric offset is the trailing `±HH:MM`.
  if (value.charCodeAt(end - 1) !== 0x5a /* Z */ && (digitsAt(value, end - 5, 2) > 23 || digitsAt(value, end - 2, 2) > 59)) {
    return false;
  }
  return true;
}

/**
 * Arrival time of a record as ISO-8601 UTC with milliseconds, e.g. `2024-05-01T13:02:03.456Z`.
 * @throws RangeError when the timestamp is not a finite date.
 */
export function arrivalTimeIso(approximateArrivalTimestamp: number): string {
  const ms = Math.round(approximateArrivalTimestamp * 1000);
  const minute = Math.floor(ms / MS_PER_MINUTE);
  // NaN never equals the memo, so a non-finite timestamp always reaches toISOString (RangeError).
  if (lastMinute === undefined || lastMinute.minute !== minute) {
    const iso = new Date(ms).toISOString();
    lastArrivalPartition = hourPartition(iso);
    // Only four-digit years (24 characters); ±YYYYYY years are rare and just not memoised.
    if (iso.length === 24) lastMinute = { minute, prefix: iso.slice(0, 17), partition: lastArrivalPartition };
    return iso;
  }
  lastArrivalPartition = lastMinute.partition;
  // A UTC minute is exactly 60,000 ms in ECMAScript time (no leap seconds): only ss.mmm varies.
  const withinMinute = ms - minute * MS_PER_MINUTE;
  const second = Math.floor(withinMinute / 1000);
  return lastMinute.prefix + SECOND_TEXTS[second] + MILLI_TEXTS[withinMinute - second * 1000];
}

/** The `dt=YYYY-MM-DD/hour=HH/` partition path of an ISO-8601 UTC time. */
export function hourPartition(isoUtc: string): string {
  return `dt=${isoUtc.slice(0, 10)}/hour=${isoUtc.slice(11, 13)}/`;
}

/**
 * Classifies one record. Total for any `data` string without {@link CoreOptions.resolve} (a non-finite
 * arrival timestamp is a caller bug and throws RangeError).
 * @throws SchemaUnavailableError when `resolve` answers `unavailable` or `undefined` for the record's schema.
 */
export function classifyRecord(record: StreamRecord, options: CoreOptions): RecordOutcome {
  const outcome = classifyArrived(record, options, arrivalTimeIso(record.approximateArrivalTimestamp));
  if (outcome.kind === 'deferred') throw new SchemaUnavailableError(outcome.uri, outcome.reason);
  return outcome;
}

/** A record whose schema the registry cannot answer for now (`pending`: not looked up yet). */
interface Deferral {
  readonly kind: 'deferred';
  readonly uri: string;
  readonly reason: string;
  readonly pending: boolean;
}

/** {@link classifyRecord} with the record's arrival time already computed; deferral as a value. */
function classifyArrived(record: StreamRecord, options: CoreOptions, arrival: string): RecordOutcome | Deferral {
  const maxBytes = options.maxRecordBytes ?? KINESIS_MAX_RECORD_BYTES;
  const bytes = Buffer.from(record.data, 'base64');
  if (bytes.length > maxBytes) {
    return badOutcome(record, arrival, 'size_exceeded', [`record is ${bytes.length} bytes, more than the ${maxBytes} allowed`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return badOutcome(record, arrival, 'not_json', [error instanceof Error ? error.message : String(error)]);
  }
  if (!isPlainObject(parsed)) {
    return badOutcome(record, arrival, 'envelope_invalid', [`envelope must be a JSON object, got ${jsonTypeOf(parsed)}`]);
  }
  // Fast path for the common, valid envelope; anything else gets the full list of problems.
  let schemaKey = validEnvelopeKey(parsed);
  if (schemaKey === undefined) {
    const envelopeErrors = checkEnvelope(parsed);
    if (envelopeErrors.length > 0) return badOutcome(record, arrival, 'envelope_invalid', envelopeErrors, parsed);
    // No envelope error implies a parsable URI.
    schemaKey = parseIgluUri(parsed.schema as string) as IgluSchemaKey;
  }

  const envelope = parsed as { schema: string; data: Record<string, unknown>; event_id: string; event_time: string };
  let validate = Object.prototype.hasOwnProperty.call(options.validators, envelope.schema)
    ? options.validators[envelope.schema]
    : undefined;
  if (validate === undefined) {
    const resolution = options.resolve?.(envelope.schema);
    if (resolution === undefined && options.resolve !== undefined) {
      return { kind: 'deferred', uri: envelope.schema, reason: 'not resolved yet', pending: true };
    }
    switch (resolution?.kind) {
      case undefined:
        return badOutcome(record, arrival, 'schema_unknown', [`no contract registered for ${envelope.schema}`], parsed);
      case 'not_found':
        return badOutcome(record, arrival, 'schema_unknown', [`no contract registered for ${envelope.schema}: ${resolution.reason}`], parsed);
      case 'invalid':
        return badOutcome(record, arrival, 'schema_invalid', [`schema ${envelope.schema} in the registry is invalid: ${resolution.reason}`], parsed);
      case 'unavailable':
        return { kind: 'deferred', uri: envelope.schema, reason: resolution.reason, pending: false };
      case 'found':
        validate = resolution.validator;
    }
  }
  let valid: boolean;
  try {
    valid = validate(envelope.data);
  } catch (error) {
    const reason = `validator failed: ${error instanceof Error ? error.message : String(error)}`;
    return badOutcome(record, arrival, 'schema_violation', [reason], parsed);
  }
  if (!valid) {
    const errors = (validate.errors ?? []).map(formatValidationError);
    return badOutcome(record, arrival, 'schema_violation', errors.length > 0 ? errors : ['data does not conform to the contract'], parsed);
  }
  return {
    kind: 'valid',
    schemaKey,
    line: {
      schema: envelope.schema,
      event_id: envelope.event_id,
      event_time: envelope.event_time,
      data: envelope.data,
      arrival_time: arrival,
      shard_id: record.shardId,
      sequence_number: record.sequenceNumber,
    },
  };
}

/** Serialises a raw line with the conventional key order. */
export function serializeRawLine(line: RawLine): string {
  // String building instead of JSON.stringify of a fresh object: same output, far less garbage.
  return (
    `{"schema":${JSON.stringify(line.schema)},"event_id":${JSON.stringify(line.event_id)},` +
    `"event_time":${JSON.stringify(line.event_time)},"data":${JSON.stringify(line.data)},` +
    `"arrival_time":"${line.arrival_time}","shard_id":${JSON.stringify(line.shard_id)},` +
    `"sequence_number":${JSON.stringify(line.sequence_number)}}`
  );
}

/**
 * {@link serializeRawLine} for a line of a valid outcome, with the shard id already serialised.
 * `schema`, `event_id` and `event_time` passed the envelope check (Iglu URI, UUID and RFC 3339
 * patterns: no character JSON escapes), so they are quoted as is; `data` is the validated object,
 * serialised by `JSON.stringify` (never the producer's original text). Same output.
 */
function validRawLineJson(line: RawLine, shardIdJson: string): string {
  return (
    `{"schema":"${line.schema}","event_id":"${line.event_id}","event_time":"${line.event_time}",` +
    `"data":${JSON.stringify(line.data)},"arrival_time":"${line.arrival_time}","shard_id":${shardIdJson},` +
    `"sequence_number":${JSON.stringify(line.sequence_number)}}`
  );
}

/** Serialises a bad row with the conventional key order (absent optional keys omitted). */
export function serializeBadRow(row: BadRow): string {
  return JSON.stringify({
    failure_type: row.failure_type,
    errors: row.errors,
    payload_base64: row.payload_base64,
    schema: row.schema,
    event_id: row.event_id,
    shard_id: row.shard_id,
    sequence_number: row.sequence_number,
    arrival_time: row.arrival_time,
  });
}

/**
 * The object key prefix (ending in `/`) of an outcome: raw zone partition per contract MODEL
 * and arrival hour, or quarantine partition per failure type and arrival hour.
 */
export function objectPrefix(outcome: RecordOutcome): string {
  if (outcome.kind === 'valid') {
    const { vendor, name, model } = outcome.schemaKey;
    return `events/${vendor}/${name}/v${model}/${hourPartition(outcome.line.arrival_time)}`;
  }
  return `bad-rows/${outcome.badRow.failure_type}/${hourPartition(outcome.badRow.arrival_time)}`;
}

/**
 * The object file name for records of one shard: `<shardId>-<first>-<last>.json.gz` (shard id
 * characters outside `[A-Za-z0-9._-]` replaced by `_`).
 * @throws Error when `sequenceNumbers` is empty.
 */
export function objectFileName(shardId: string, sequenceNumbers: readonly string[]): string {
  if (sequenceNumbers.length === 0) throw new Error('an object needs at least one record');
  const first = sequenceNumbers[0];
  const last = sequenceNumbers[sequenceNumbers.length - 1];
  return `${shardId.replace(SAFE_KEY_SEGMENT, '_')}-${first}-${last}.json.gz`;
}

/**
 * Classifies every record and groups the outcomes into objects (see the module comment for the
 * layout and the duplication guarantees). Records are ordered by shard then sequence number
 * first, so the plan does not depend on the order of `records`.
 */
export function planBatch(records: readonly StreamRecord[], options: CoreOptions): BatchPlan {
  const sorted = inRecordOrder(records);
  const groups: Array<{ zone: ObjectZone; prefix: string; shardId: string; lines: string[]; seqs: string[] }> = [];
  // Groups of the current shard (records are sorted by shard) by zone prefix, then hour partition.
  // Same grouping as by the whole key prefix (objectPrefix): a zone prefix has a fixed number of
  // slashes (events/…/…/v…/ or bad-rows/…/) and the partition has two, so the pair is recoverable
  // from the concatenation. The prefix strings are memoised, so the lookups hash no new strings.
  let byZonePrefix = new Map<string, Map<string, (typeof groups)[number]>>();
  let shardId: string | undefined;
  let shardIdJson = '';
  const badRows = Object.fromEntries(FAILURE_TYPES.map((t) => [t, 0])) as Record<FailureType, number>;
  let accepted = 0;
  const deferred: DeferredRecord[] = [];
  const unresolved = new Set<string>();
  /** The first deferred record of the current shard, if any: every later record of the shard is deferred too. */
  let shardDeferredAt: string | undefined;
  for (const record of sorted) {
    if (record.shardId !== shardId) {
      shardId = record.shardId;
      shardIdJson = JSON.stringify(shardId);
      byZonePrefix = new Map();
      shardDeferredAt = undefined;
    }
    const arrival = arrivalTimeIso(record.approximateArrivalTimestamp);
    const partition = lastArrivalPartition; // hourPartition(arrival), memoised per minute
    const outcome = classifyArrived(record, options, arrival);
    if (outcome.kind === 'deferred') {
      if (outcome.pending) unresolved.add(outcome.uri);
      deferred.push({ shardId, sequenceNumber: record.sequenceNumber, reason: `schema ${outcome.uri}: ${outcome.reason}` });
      shardDeferredAt ??= record.sequenceNumber;
      continue;
    }
    if (shardDeferredAt !== undefined) {
      // Still classified above, so that every unresolved URI of the batch is found in one pass.
      deferred.push({ shardId, sequenceNumber: record.sequenceNumber, reason: `after deferred record ${shardDeferredAt} of the shard` });
      continue;
    }
    let zonePrefix: string;
    let line: string;
    if (outcome.kind === 'valid') {
      accepted += 1;
      zonePrefix = contractPrefix(outcome.schemaKey);
      line = validRawLineJson(outcome.line, shardIdJson);
    } else {
      badRows[outcome.badRow.failure_type] += 1;
      zonePrefix = BAD_ROW_PREFIXES[outcome.badRow.failure_type];
      line = serializeBadRow(outcome.badRow);
    }
    let byPartition = byZonePrefix.get(zonePrefix);
    if (byPartition === undefined) {
      byPartition = new Map();
      byZonePrefix.set(zonePrefix, byPartition);
    }
    let group = byPartition.get(partition);
    if (group === undefined) {
      const zone: ObjectZone = outcome.kind === 'valid' ? 'raw' : 'quarantine';
      group = { zone, prefix: zonePrefix + partition, shardId, lines: [], seqs: [] };
      byPartition.set(partition, group);
      groups.push(group);
    }
    group.lines.push(line);
    group.seqs.push(record.sequenceNumber);
  }
  const objects: PlannedObject[] = groups.map((g) => ({
    zone: g.zone,
    shardId: g.shardId,
    prefix: g.prefix,
    key: g.prefix + objectFileName(g.shardId, g.seqs),
    lines: g.lines,
    sequenceNumbers: g.seqs,
  }));
  objects.sort((a, b) => (a.zone === b.zone ? compareStrings(a.key, b.key) : a.zone === 'raw' ? -1 : 1));
  return { objects, accepted, badRows, deferred, unresolved: [...unresolved] };
}

/**
 * zlib compression level of every object body (raw zone and quarantine).
 *
 * 3, not zlib's default 6: levels 1–3 use zlib's fast deflate, which on the raw lines (MovieLens
 * benchmark, BENCHMARKS.md "Ingest") takes about half the time of level 6 for about 6% more
 * bytes (5.33 MB instead of 5.04 MB for 45.8 MB of lines). Gzip is the largest single cost of the
 * ingest core, and the raw zone is read once by the curation job, so CPU per event is worth more
 * than those bytes. Levels 1 and 2 are no faster on this data and compress worse; 4–9 switch to
 * the slow deflate. Readers need nothing: any level is standard gzip.
 */
export const OBJECT_GZIP_LEVEL = 3;

/** The gzip JSON Lines body of an object (each line ends with `\n`), at {@link OBJECT_GZIP_LEVEL}. Deterministic. */
export function encodeObjectBody(lines: readonly string[]): Buffer {
  return gzipSync(jsonLinesBytes(lines), { level: OBJECT_GZIP_LEVEL });
}

/** UTF-8 bytes of the lines, each followed by `\n` (empty for no lines). */
function jsonLinesBytes(lines: readonly string[]): Buffer {
  // Each line is written straight into one buffer of the exact size: no joined string. Joining
  // made a V8 string as large as the body (tens to hundreds of KB) that was then copied once more
  // into the buffer; on the MovieLens benchmark that join cost more than the gzip itself. The
  // bytes are the same: a line never ends in half a surrogate pair that `\n` could complete, and
  // `write` with the exact room for a line writes all of it.
  let size = lines.length;
  for (const line of lines) size += Buffer.byteLength(line, 'utf8');
  const bytes = Buffer.allocUnsafe(size); // every byte is written below
  let offset = 0;
  for (const line of lines) {
    offset += bytes.write(line, offset, 'utf8');
    bytes[offset++] = 0x0a;
  }
  return bytes;
}

/**
 * The retry checkpoint per shard after some object writes failed: the lowest sequence number in
 * a failed object. Lambda re-delivers that record and every later one of the shard, so nothing
 * at or after it has to be in the lake when the invocation returns. Empty when nothing failed.
 */
export function retryCheckpoints(plan: BatchPlan, failedKeys: ReadonlySet<string>): Map<string, string> {
  const checkpoints = new Map<string, string>();
  for (const object of plan.objects) {
    if (!failedKeys.has(object.key)) continue;
    const lowest = object.sequenceNumbers[0];
    const current = checkpoints.get(object.shardId);
    if (current === undefined || compareSequenceNumbers(lowest, current) < 0) checkpoints.set(object.shardId, lowest);
  }
  return checkpoints;
}

/** What to do after a partial failure so that the lake holds each record before the checkpoint once and nothing after it. */
export interface RecoveryPlan {
  /**
   * Written objects that straddle the checkpoint: write `object` (the records before the
   * checkpoint, under its own key), then delete `replaces`. If the write fails, keep `replaces`.
   */
  readonly rewrites: ReadonlyArray<{ readonly object: PlannedObject; readonly replaces: PlannedObject }>;
  /**
   * Objects whose records are all at or after the checkpoint (written, or failed but perhaps
   * stored anyway): delete them; their records are re-delivered and written again.
   */
  readonly deletes: readonly PlannedObject[];
}

/**
 * Plans the clean-up after a partial failure (see {@link retryCheckpoints}) over the objects that
 * are (or may be) in the lake. Without it, every written record after the checkpoint would be
 * duplicated by the retry, under a key with other boundaries. Objects entirely before the
 * checkpoint are left alone. If a rewrite fails, lower the checkpoint to the first record of the
 * object it replaces and plan again (see {@link lowerCheckpoint}): more records are retried, none
 * duplicated. Only a failed delete leaves a duplicate; nothing here can lose a record.
 */
export function planRecovery(objects: readonly PlannedObject[], checkpoints: ReadonlyMap<string, string>): RecoveryPlan {
  const rewrites: Array<{ object: PlannedObject; replaces: PlannedObject }> = [];
  const deletes: PlannedObject[] = [];
  for (const object of objects) {
    const checkpoint = checkpoints.get(object.shardId);
    if (checkpoint === undefined) continue;
    const before = object.sequenceNumbers.filter((seq) => compareSequenceNumbers(seq, checkpoint) < 0).length;
    if (before === object.sequenceNumbers.length) continue;
    if (before === 0) {
      deletes.push(object);
      continue;
    }
    const sequenceNumbers = object.sequenceNumbers.slice(0, before);
    rewrites.push({
      replaces: object,
      object: {
        ...object,
        key: object.prefix + objectFileName(object.shardId, sequenceNumbers),
        lines: object.lines.slice(0, before),
        sequenceNumbers,
      },
    });
  }
  return { rewrites, deletes };
}

/**
 * Lowers a shard's checkpoint to `sequenceNumber` if that is lower (mutates `checkpoints`).
 */
export function lowerCheckpoint(checkpoints: Map<string, string>, shardId: string, sequenceNumber: string): void {
  const current = checkpoints.get(shardId);
  if (current === undefined || compareSequenceNumbers(sequenceNumber, current) < 0) checkpoints.set(shardId, sequenceNumber);
}

/**
 * The partial batch response items: every record at or after its shard's checkpoint (the records
 * that are not in the lake once the recovery ran) and every deferred record ({@link BatchPlan.deferred},
 * whose schema could not be resolved), deduplicated, in ascending order. Lambda retries from the lowest
 * one, which is the lowest record of a failed object or the first deferred record. Per shard both sets
 * are a suffix of the batch (objects hold only records before the first deferred one), so their union is
 * one too.
 * @throws Error when such a record has an empty sequence number (an empty `itemIdentifier`
 *   would fail the whole batch silently; throwing makes it an explicit function error instead).
 */
export function batchItemFailures(plan: BatchPlan, checkpoints: ReadonlyMap<string, string>): Array<{ itemIdentifier: string }> {
  const ids = new Set<string>();
  for (const record of plan.deferred) {
    if (record.sequenceNumber === '') throw new Error(`a deferred record of shard ${record.shardId} has an empty sequence number`);
    ids.add(record.sequenceNumber);
  }
  for (const object of plan.objects) {
    const checkpoint = checkpoints.get(object.shardId);
    if (checkpoint === undefined) continue;
    for (const seq of object.sequenceNumbers) {
      if (seq === '') throw new Error(`a record of ${object.key} has an empty sequence number`);
      if (compareSequenceNumbers(seq, checkpoint) >= 0) ids.add(seq);
    }
  }
  return [...ids].sort(compareSequenceNumbers).map((itemIdentifier) => ({ itemIdentifier }));
}

/**
 * Orders Kinesis sequence numbers numerically (decimal strings without leading zeros: shorter is
 * smaller, then lexicographic); any other strings still get a total, deterministic order.
 */
export function compareSequenceNumbers(a: string, b: string): number {
  return a.length === b.length ? compareStrings(a, b) : a.length - b.length;
}

/**
 * `records` sorted by {@link compareRecords} (stable); Lambda delivers a shard's records in
 * order, so the usual case is one pass that finds them sorted and returns them as they are.
 */
function inRecordOrder(records: readonly StreamRecord[]): readonly StreamRecord[] {
  for (let i = 1; i < records.length; i++) {
    if (compareRecords(records[i - 1], records[i]) > 0) return [...records].sort(compareRecords);
  }
  return records;
}

function compareRecords(a: StreamRecord, b: StreamRecord): number {
  return a.shardId === b.shardId
    ? compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber)
    : compareStrings(a.shardId, b.shardId);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function badOutcome(
  record: StreamRecord,
  arrival: string,
  failureType: FailureType,
  errors: readonly string[],
  envelope?: Readonly<Record<string, unknown>>,
): RecordOutcome {
  return {
    kind: 'bad',
    badRow: {
      failure_type: failureType,
      errors: errors.slice(0, MAX_ERRORS_PER_BAD_ROW),
      payload_base64: record.data,
      ...(typeof envelope?.schema === 'string' ? { schema: envelope.schema } : {}),
      ...(typeof envelope?.event_id === 'string' ? { event_id: envelope.event_id } : {}),
      shard_id: record.shardId,
      sequence_number: record.sequenceNumber,
      arrival_time: arrival,
    },
  };
}

/** Key prefix of the quarantine per failure type: `bad-rows/<failure_type>/`. */
const BAD_ROW_PREFIXES = Object.fromEntries(FAILURE_TYPES.map((t) => [t, `bad-rows/${t}/`])) as Record<FailureType, string>;

/** `events/<vendor>/<name>/v<MODEL>/`, memoised per parsed key. */
function contractPrefix(key: IgluSchemaKey): string {
  let prefix = contractPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `events/${key.vendor}/${key.name}/v${key.model}/`;
    contractPrefixes.set(key, prefix);
  }
  return prefix;
}

/**
 * The schema key of an envelope that {@link checkEnvelope} would pass, without building its
 * error list; `undefined` means "maybe invalid: run checkEnvelope". Never accepts an envelope
 * that checkEnvelope rejects.
 */
function validEnvelopeKey(envelope: Readonly<Record<string, unknown>>): IgluSchemaKey | undefined {
  let count = 0;
  for (const key in envelope) {
    if (key !== 'schema' && key !== 'data' && key !== 'event_id' && key !== 'event_time') return undefined;
    count += 1;
  }
  if (count !== ENVELOPE_KEYS.length) return undefined;
  const { schema, data, event_id: eventId, event_time: eventTime } = envelope;
  if (typeof schema !== 'string' || typeof eventId !== 'string' || typeof eventTime !== 'string' || !isPlainObject(data)) {
    return undefined;
  }
  const key = parseIgluUri(schema);
  if (key === undefined || key.format !== 'jsonschema') return undefined;
  return isCanonicalUuid(eventId) && isRfc3339DateTime(eventTime) ? key : undefined;
}

/** The non-negative integer of the `count` ASCII digits of `value` at `start` (caller checked they are digits). */
function digitsAt(value: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) n = n * 10 + value.charCodeAt(i) - 0x30;
  return n;
}

function checkEnvelope(envelope: Readonly<Record<string, unknown>>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(envelope)) {
    if (!(ENVELOPE_KEYS as readonly string[]).includes(key)) errors.push(`unexpected property ${JSON.stringify(key)}`);
  }
  const { schema, data, event_id: eventId, event_time: eventTime } = envelope;
  if (typeof schema !== 'string') errors.push(`schema must be a string, got ${jsonTypeOf(schema)}`);
  else {
    const key = parseIgluUri(schema);
    if (key === undefined) errors.push('schema must be an Iglu URI iglu:<vendor>/<name>/jsonschema/<M-R-A>');
    else if (key.format !== 'jsonschema') errors.push(`schema format must be jsonschema, got ${key.format}`);
  }
  if (!isPlainObject(data)) errors.push(`data must be a JSON object, got ${jsonTypeOf(data)}`);
  if (typeof eventId !== 'string') errors.push(`event_id must be a string, got ${jsonTypeOf(eventId)}`);
  else if (!isCanonicalUuid(eventId)) errors.push('event_id must be a lower-case RFC 9562 UUID');
  if (typeof eventTime !== 'string') errors.push(`event_time must be a string, got ${jsonTypeOf(eventTime)}`);
  else if (!isRfc3339DateTime(eventTime)) errors.push('event_time must be an RFC 3339 date-time, e.g. 2024-05-01T13:02:03Z');
  return errors;
}

function formatValidationError(error: ContractValidationError): string {
  const path = error.instancePath === '' ? '/' : error.instancePath;
  return `${path} ${error.message ?? 'is invalid'} (${error.keyword})`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonTypeOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
