/**
 * A stream producer for `lakeforge local`: sends records with `PutRecords` through the real
 * `@aws-sdk/client-kinesis`, as a well-behaved producer does: at most 500 records and 5 MiB per
 * call, several calls in flight, and only the records a call reports as failed (`ErrorCode`, e.g.
 * `ProvisionedThroughputExceededException`) are sent again, after an exponential backoff, a bounded
 * number of times. Source: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
import { PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';

/** PutRecords limits: records per call and bytes per call (data + partition keys). */
export const PUT_RECORDS_LIMITS = { records: 500, bytes: 5 * 1024 * 1024 } as const;

/** One record to send. */
export interface ProducerRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** Where a record landed on the stream. */
export interface Placement {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** The part of a Kinesis client the producer uses (a `KinesisClient` fits). */
export interface PutRecordsClient {
  send(command: PutRecordsCommand): Promise<Pick<PutRecordsCommandOutput, 'Records' | 'FailedRecordCount'>>;
}

/** Options of {@link putRecordsWithRetry}. */
export interface ProducerOptions {
  /** Attempts per record, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** Backoff before the first retry, in ms; doubled per attempt. @default 50 */
  readonly baseDelayMs?: number;
  /** Longest backoff, in ms. @default 2000 */
  readonly maxDelayMs?: number;
  /** PutRecords calls in flight. @default 4 */
  readonly concurrency?: number;
  /** Waits `ms` milliseconds (tests pass a fake). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each call with the number of records placed so far. */
  readonly onProgress?: (placed: number) => void;
}

/** What the producer did. */
export interface ProduceReport {
  /** Placement of each record, in input order. */
  readonly placed: readonly Placement[];
  /** PutRecords calls made (retries included). */
  readonly calls: number;
  /** Records sent again after a per-record failure. */
  readonly retriedRecords: number;
  /** Per-record failures by error code. */
  readonly failuresByCode: Readonly<Record<string, number>>;
}

/**
 * Splits record indexes into PutRecords calls in input order, each within
 * {@link PUT_RECORDS_LIMITS} (a single record over the byte limit still gets its own call; Kinesis
 * rejects it, which is the producer's error to see).
 */
export function chunkRecords(records: readonly ProducerRecord[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  records.forEach((r, i) => {
    const size = r.data.byteLength + Buffer.byteLength(r.partitionKey, 'utf8');
    if (current.length > 0 && (current.length === PUT_RECORDS_LIMITS.records || bytes + size > PUT_RECORDS_LIMITS.bytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Backoff before retry number `retry` (1 for the first retry): `base × 2^(retry−1)`, capped.
 * Deterministic (no jitter): the local producer is the only writer.
 */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
}

/**
 * Sends every record, retrying only the records that a call reports as failed.
 *
 * @returns placements in input order and retry statistics.
 * @throws Error naming the count and error codes when records still fail after `maxAttempts`;
 *   the SDK's error when a whole call fails (after the SDK's own retries).
 */
export async function putRecordsWithRetry(
  client: PutRecordsClient,
  streamName: string,
  records: readonly ProducerRecord[],
  options: ProducerOptions = {},
): Promise<ProduceReport> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const placed = new Array<Placement>(records.length);
  const failuresByCode: Record<string, number> = {};
  let calls = 0;
  let retriedRecords = 0;
  let placedCount = 0;

  const sendChunk = async (indexes: readonly number[]): Promise<void> => {
    let pending = indexes;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new Error(`${pending.length} records still failed after ${maxAttempts} PutRecords attempts (${JSON.stringify(failuresByCode)})`);
      }
      if (attempt > 1) {
        retriedRecords += pending.length;
        await sleep(backoffDelay(attempt - 1, baseDelayMs, maxDelayMs));
      }
      calls += 1;
      const result = await client.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: pending.map((i) => ({ PartitionKey: records[i].partitionKey, Data: records[i].data })),
        }),
      );
      const failed: number[] = [];
      pending.forEach((index, i) => {
        const entry = result.Records?.[i];
        if (entry === undefined || entry.ErrorCode !== undefined || entry.SequenceNumber === undefined || entry.ShardId === undefined) {
          const code = entry?.ErrorCode ?? 'MissingResult';
          failuresByCode[code] = (failuresByCode[code] ?? 0) + 1;
          failed.push(index);
          return;
        }
        placed[index] = { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber };
        placedCount += 1;
      });
      pending = failed;
      options.onProgress?.(placedCount);
    }
  };

  const chunks = chunkRecords(records);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) await sendChunk(chunks[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, chunks.length)) }, worker));
  return { placed, calls, retriedRecords, failuresByCode };
}
