/**
 * `lakeforge local --events <file.jsonl>`: a team's own events, one stream record per line, instead of the
 * MovieLens demo. Reading is strict about the file and lenient about its lines, because the point is to see
 * what the ingest function makes of them:
 *
 * - every non-blank line is put on the stream **as it is** (its bytes, without the line break): a line that
 *   is not JSON, not an envelope, of an unknown contract or invalid against its contract is quarantined by
 *   the ingest function with its reason, exactly as on AWS. The replay never drops, repairs or filters a line;
 * - blank lines (only spaces, tabs or a CR) are skipped and counted: they separate nothing in JSON Lines (writers
 *   often end a file with one) and stand for no record a producer sent;
 * - a UTF-8 byte order mark at the very start of the file is an encoding marker of the file, not part of the
 *   first record, and is removed; a BOM anywhere else stays (the function quarantines it as `not_json`);
 * - CRLF line ends are accepted (the CR is part of the line break, not of the record).
 *
 * What the function should make of each line (its expected verdict) is the pure ingest core's classification
 * of the same bytes with the same validators ({@link classifyRecord}): the run then checks that the platform
 * (stream, event source mapping, retries, S3, the curated step) put every record where its verdict says,
 * exactly once. It is not a second opinion on the contracts; the contract tests are. With a registry folder
 * (`--registry`), a URI without a precompiled validator gets the answer the function's registry will give it.
 */
import * as fs from 'node:fs';
import { classifyRecord, type SchemaResolution, type ValidatorRegistry } from '../../lambdas/ingest/core';
import { KINESIS_MAX_RECORD_BYTES } from '../../lambdas/shared/env';
import type { StreamInput } from './movielens';

/**
 * Longest partition key of a Kinesis record, in Unicode characters (1–256).
 * Source: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html
 */
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;

/** One non-blank line of an events file. */
export interface EventLine {
  /** 1-based line number in the file (blank lines counted). */
  readonly line: number;
  /** The line's bytes, without its line break. */
  readonly data: Buffer;
}

/** An events file split into lines. */
export interface EventLines {
  /** Lines of the file; a final line break does not start another line. */
  readonly lines: number;
  /** Lines skipped because they were empty or whitespace only. */
  readonly blankLines: number;
  /** Every other line, in file order. */
  readonly records: readonly EventLine[];
}

/** A stream record made from one line of the file, with the ingest core's verdict on it. */
export type EventStreamInput = StreamInput & {
  /** 1-based line number in the file. */
  readonly line: number;
};

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}

/**
 * Splits the bytes of a JSON Lines file into lines (see the module comment for BOM, CRLF and blank lines).
 * Pure; bytes of a line are kept as they are, invalid UTF-8 included.
 */
export function splitEventLines(bytes: Buffer): EventLines {
  const body = bytes.subarray(0, BOM.length).equals(BOM) ? bytes.subarray(BOM.length) : bytes;
  const records: EventLine[] = [];
  let lines = 0;
  let blankLines = 0;
  let start = 0;
  while (start < body.length) {
    const lf = body.indexOf(LF, start);
    const end = lf === -1 ? body.length : lf;
    let line = body.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    lines += 1;
    if (isBlank(line)) blankLines += 1;
    else records.push({ line: lines, data: Buffer.from(line) });
    start = end + 1;
  }
  return { lines, blankLines, records };
}

/**
 * Reads an events file.
 *
 * @param file - path of a JSON Lines file of envelopes (one record per line).
 * @returns its lines (see {@link splitEventLines}).
 * @throws Error (one line, naming the file) when the file does not exist, is not a file, is empty or holds
 *   only blank lines.
 */
export function readEventsFile(file: string): EventLines {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`--events ${file}: no such file`);
  }
  if (!stat.isFile()) throw new Error(`--events ${file}: not a file`);
  const lines = splitEventLines(fs.readFileSync(file));
  if (lines.lines === 0) throw new Error(`--events ${file}: the file is empty (expected one JSON envelope per line)`);
  if (lines.records.length === 0) throw new Error(`--events ${file}: all ${lines.lines} lines are blank (expected one JSON envelope per line)`);
  return lines;
}

/**
 * The partition key a replayed line is put with: the envelope's `event_id` when the line is a JSON object with
 * a usable one (1–256 characters, as producers keying by event spread records over shards), else
 * `line-<n>`. It only decides the shard, never the verdict.
 */
export function partitionKeyOf(record: EventLine): string {
  try {
    const parsed: unknown = JSON.parse(record.data.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const id = (parsed as Record<string, unknown>).event_id;
      if (typeof id === 'string' && id.length > 0 && [...id].length <= KINESIS_MAX_PARTITION_KEY_CHARS) return id;
    }
  } catch {
    // Not JSON: keyed by its line number.
  }
  return `line-${record.line}`;
}

/** Options of {@link toEventStreamInputs}. */
export interface EventStreamOptions {
  /** The validators the ingest function runs with (the generated registry). */
  readonly validators: ValidatorRegistry;
  /** The function's size limit, in bytes. @default 1048576 ({@link KINESIS_MAX_RECORD_BYTES}) */
  readonly maxRecordBytes?: number;
  /**
   * What the function's contract registry answers for a URI without a precompiled validator (see
   * `registryResolutions` in `./registry.ts`); always an answer, never "unavailable".
   * @default - no registry: such URIs are `schema_unknown`
   */
  readonly resolve?: (uri: string) => SchemaResolution;
}

/**
 * Turns the lines of an events file into stream records, each with the verdict the ingest core gives its
 * bytes (valid: the envelope; bad: the failure type).
 *
 * @param file - the file's path, for error messages.
 * @throws Error naming the file and line when a line cannot be put on the local stream at all: data plus
 *   partition key over {@link KINESIS_MAX_RECORD_BYTES}, the record limit of kinesalite and of a stream with the
 *   default maximum record size (the dev stream; the function's default size limit is the same number). Refused
 *   loudly rather than dropped.
 */
export function toEventStreamInputs(file: string, records: readonly EventLine[], options: EventStreamOptions): EventStreamInput[] {
  return records.map((record) => {
    const partitionKey = partitionKeyOf(record);
    const size = record.data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
    if (size > KINESIS_MAX_RECORD_BYTES) {
      throw new Error(
        `--events ${file} line ${record.line}: ${size.toLocaleString('en-US')} bytes with its partition key, over the ${KINESIS_MAX_RECORD_BYTES.toLocaleString('en-US')}-byte record limit of the stream (1 MiB, data + partition key)`,
      );
    }
    const outcome = classifyRecord(
      { shardId: 'file', sequenceNumber: String(record.line), data: record.data.toString('base64'), approximateArrivalTimestamp: 0 },
      {
        validators: options.validators,
        maxRecordBytes: options.maxRecordBytes ?? KINESIS_MAX_RECORD_BYTES,
        ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
      },
    );
    const expected: StreamInput['expected'] =
      outcome.kind === 'valid'
        ? { kind: 'valid', envelope: { schema: outcome.line.schema, data: outcome.line.data, event_id: outcome.line.event_id, event_time: outcome.line.event_time } }
        : { kind: 'bad', failureType: outcome.badRow.failure_type };
    return { line: record.line, partitionKey, data: record.data, expected };
  });
}
