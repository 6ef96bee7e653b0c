/**
 * Turns the MovieLens "ml-latest-small" ratings and tags into stream envelopes
 * (`rating_submitted` / `tag_added` 1-0-0), optionally with a deterministic share of bad records
 * of every failure type. Used by the ingest tests, the ingest benchmark and `lakeforge local`.
 *
 * Data set: examples/data/movielens-ml-latest-small (GroupLens research licence; see its
 * README.txt). CSVs are UTF-8, CRLF, RFC 4180 quoting.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailureType } from '../../lambdas/shared/failure-types';

/** Iglu URI of ratings events. */
export const RATING_SUBMITTED_URI = 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0';
/** Iglu URI of tag events. */
export const TAG_ADDED_URI = 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-0';
/** Namespace of the v5-style event ids: UUIDv5(URL namespace, "https://grouplens.org/datasets/movielens/latest/"). */
export const MOVIELENS_EVENT_NAMESPACE = uuidV5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://grouplens.org/datasets/movielens/latest/');

/** A stream envelope (cross-team convention). */
export interface Envelope {
  readonly schema: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly event_id: string;
  readonly event_time: string;
}

/** A bad-row failure type (same words as the ingest core). */
export type InjectedFailure = 'not_json' | 'envelope_invalid' | 'schema_unknown' | 'schema_violation' | 'size_exceeded';

/** Failure types injected by {@link toStreamRecords}, in rotation order. */
export const INJECTED_FAILURES: readonly InjectedFailure[] = [
  'not_json',
  'envelope_invalid',
  'schema_unknown',
  'schema_violation',
  'size_exceeded',
];

/** One record to put on the stream, with what ingest should make of it. */
export interface StreamInput {
  readonly partitionKey: string;
  /** UTF-8 bytes of the record. */
  readonly data: Buffer;
  readonly expected:
    | { readonly kind: 'valid'; readonly envelope: Envelope }
    | { readonly kind: 'bad'; readonly failureType: FailureType };
}

/** Options of {@link toStreamRecords}. */
export interface BadRowOptions {
  /** Share of records turned into bad rows, 0–1. @default 0.05 */
  readonly badRatio?: number;
  /** PRNG seed; the same seed gives the same records. @default 42 */
  readonly seed?: number;
  /**
   * The ingest size limit, in bytes: `size_exceeded` records are made one KiB larger.
   * @default 1048576
   */
  readonly maxRecordBytes?: number;
}

/**
 * Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). Returns rows of fields,
 * header included; a trailing line break does not make an empty row.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * A name-based UUID in the RFC 9562 version 5 layout (SHA-1 of namespace bytes + UTF-8 name).
 * @throws Error when `namespace` is not a UUID.
 */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`not a UUID: ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 3339 UTC time (whole seconds) of a Unix timestamp in seconds. */
export function unixSecondsToRfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Reads ratings.csv and tags.csv of a MovieLens directory and returns envelopes, ratings and
 * tags interleaved in proportion (rating i sits at i/#ratings, tag j at j/#tags), so any prefix
 * holds both kinds. `event_id` is a v5-style UUID of `<file>:<csv row>`, stable across runs.
 * @param limit Keep only the first `limit` envelopes. @default all (104,519)
 */
export function readMovieLensEnvelopes(directory: string, limit?: number): Envelope[] {
  const ratings = dataRows(join(directory, 'ratings.csv')).map(({ fields, line }) =>
    envelope(RATING_SUBMITTED_URI, `ratings.csv:${line}`, Number(fields[3]), {
      user_id: Number(fields[0]),
      movie_id: Number(fields[1]),
      rating: Number(fields[2]),
    }),
  );
  const tags = dataRows(join(directory, 'tags.csv')).map(({ fields, line }) =>
    envelope(TAG_ADDED_URI, `tags.csv:${line}`, Number(fields[3]), {
      user_id: Number(fields[0]),
      movie_id: Number(fields[1]),
      tag: fields[2],
    }),
  );
  const merged = [
    ...ratings.map((e, i) => ({ e, at: i / ratings.length, tie: 0 })),
    ...tags.map((e, i) => ({ e, at: i / tags.length, tie: 1 })),
  ].sort((a, b) => a.at - b.at || a.tie - b.tie);
  return merged.slice(0, limit ?? merged.length).map((m) => m.e);
}

/**
 * Serialises envelopes to stream records and corrupts about `badRatio` of them (chosen by a
 * seeded PRNG), rotating through every failure type. The partition key is the user id.
 */
export function toStreamRecords(envelopes: readonly Envelope[], options: BadRowOptions = {}): StreamInput[] {
  const random = mulberry32(options.seed ?? 42);
  const ratio = options.badRatio ?? 0.05;
  const maxBytes = options.maxRecordBytes ?? 1024 * 1024;
  let rotation = 0;
  return envelopes.map((env) => {
    const partitionKey = String(env.data.user_id ?? env.event_id);
    if (random() >= ratio) {
      return { partitionKey, data: Buffer.from(JSON.stringify(env), 'utf8'), expected: { kind: 'valid', envelope: env } };
    }
    const failureType = INJECTED_FAILURES[rotation++ % INJECTED_FAILURES.length];
    return { partitionKey, data: Buffer.from(corrupt(env, failureType, maxBytes), 'utf8'), expected: { kind: 'bad', failureType } };
  });
}

function corrupt(env: Envelope, failure: InjectedFailure, maxBytes: number): string {
  switch (failure) {
    case 'not_json':
      return JSON.stringify(env).slice(0, -1);
    case 'envelope_invalid':
      return JSON.stringify({ ...env, event_time: env.event_time.replace('T', ' ') });
    case 'schema_unknown':
      return JSON.stringify({ ...env, schema: env.schema.replace(/\/[0-9-]+$/, '/9-0-0') });
    case 'schema_violation':
      return JSON.stringify({ ...env, data: { ...env.data, movie_id: -1 } });
    case 'size_exceeded': {
      // Whitespace is valid JSON: only the size check can reject this record.
      const json = JSON.stringify(env);
      return json.slice(0, -1) + ' '.repeat(Math.max(0, maxBytes + 1024 - json.length)) + '}';
    }
  }
}

function envelope(schema: string, name: string, unixSeconds: number, data: Record<string, unknown>): Envelope {
  return { schema, data, event_id: uuidV5(MOVIELENS_EVENT_NAMESPACE, name), event_time: unixSecondsToRfc3339(unixSeconds) };
}

function dataRows(file: string): Array<{ fields: string[]; line: string }> {
  const rows = parseCsv(readFileSync(file, 'utf8'));
  return rows.slice(1).map((fields) => ({ fields, line: fields.join('\u001f') }));
}

/** Small seeded PRNG (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
