/**
 * A local stand-in for a Lambda Kinesis event source mapping: reads shards (kinesalite through
 * the real `@aws-sdk/client-kinesis`, or an in-memory shard), invokes a handler with Lambda-shaped
 * `KinesisStreamEvent`s and applies the mapping's failure semantics:
 * - `ReportBatchItemFailures`: the next batch starts at the lowest reported sequence number
 *   (records after it are re-delivered too); a response item with an empty identifier or one that
 *   is not in the batch fails the whole batch, as in Lambda;
 * - function error (throw): `BisectBatchOnFunctionError` splits the batch in halves and delivers
 *   each half; otherwise the same batch is retried;
 * - `MaximumRetryAttempts` bounds retries of one batch; then the batch goes to `onFailure` (the
 *   on-failure destination) and the shard moves on.
 * A shard is read until a read returns no records (a finite local replay, not a live poller); a later
 * drain continues after the checkpoints of the previous one ({@link EventSourceMappingOptions.checkpoints}).
 * With a simulated clock, {@link EventSourceMappingOptions.arrivalTimestamp} rewrites each record's
 * `approximateArrivalTimestamp` (the time Kinesis received it, which ingest partitions the raw zone by).
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** Where to start reading a shard. */
export type ShardPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** Reads records of a stream's shards. */
export interface ShardReader {
  /** Shard ids of the stream. */
  listShards(): Promise<string[]>;
  /** Up to `limit` records of `shardId` from `position`, oldest first; empty at the end. */
  read(shardId: string, position: ShardPosition, limit: number): Promise<KinesisStreamRecord[]>;
}

/** Fields shared by every record of a simulated event. */
export interface RecordContext {
  /** @default 'arn:aws:kinesis:local:000000000000:stream/local' */
  readonly eventSourceArn?: string;
  /** @default 'local' */
  readonly awsRegion?: string;
}

/** A record as stored in an {@link InMemoryShardReader}. */
export interface InMemoryRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Seconds since the epoch. */
  readonly approximateArrivalTimestamp: number;
}

/** Builds a Lambda Kinesis event record. */
export function toKinesisStreamRecord(shardId: string, record: InMemoryRecord, context: RecordContext = {}): KinesisStreamRecord {
  return {
    awsRegion: context.awsRegion ?? 'local',
    eventID: `${shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: context.eventSourceArn ?? 'arn:aws:kinesis:local:000000000000:stream/local',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(record.data).toString('base64'),
      approximateArrivalTimestamp: record.approximateArrivalTimestamp,
    },
  };
}

/** Shards held in memory (records per shard in sequence order). */
export class InMemoryShardReader implements ShardReader {
  constructor(
    private readonly shards: ReadonlyMap<string, readonly InMemoryRecord[]>,
    private readonly context: RecordContext = {},
  ) {}

  async listShards(): Promise<string[]> {
    return [...this.shards.keys()];
  }

  async read(shardId: string, position: ShardPosition, limit: number): Promise<KinesisStreamRecord[]> {
    const records = this.shards.get(shardId) ?? [];
    let start = 0;
    if (position.type !== 'TRIM_HORIZON') {
      const at = records.findIndex((r) => r.sequenceNumber === position.sequenceNumber);
      if (at < 0) throw new Error(`sequence number ${position.sequenceNumber} not in ${shardId}`);
      start = position.type === 'AT_SEQUENCE_NUMBER' ? at : at + 1;
    }
    return records.slice(start, start + limit).map((r) => toKinesisStreamRecord(shardId, r, this.context));
  }
}

/** Reads a Kinesis stream (e.g. kinesalite) with `GetShardIterator` + `GetRecords`. */
export class KinesisShardReader implements ShardReader {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly context: RecordContext = {},
  ) {}

  async listShards(): Promise<string[]> {
    const shards: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListShardsCommand(nextToken === undefined ? { StreamName: this.streamName } : { NextToken: nextToken }),
      );
      shards.push(...(page.Shards ?? []).map((s) => s.ShardId ?? ''));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return shards.filter((s) => s !== '');
  }

  async read(shardId: string, position: ShardPosition, limit: number): Promise<KinesisStreamRecord[]> {
    const iterator = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: position.type as ShardIteratorType,
        StartingSequenceNumber: position.type === 'TRIM_HORIZON' ? undefined : position.sequenceNumber,
      }),
    );
    const out: KinesisStreamRecord[] = [];
    let shardIterator = iterator.ShardIterator;
    while (shardIterator !== undefined && out.length < limit) {
      const page = await this.client.send(
        new GetRecordsCommand({ ShardIterator: shardIterator, Limit: Math.min(10_000, limit - out.length) }),
      );
      const records = page.Records ?? [];
      if (records.length === 0) break;
      for (const r of records) {
        out.push(
          toKinesisStreamRecord(
            shardId,
            {
              sequenceNumber: r.SequenceNumber ?? '',
              partitionKey: r.PartitionKey ?? '',
              data: r.Data ?? new Uint8Array(),
              approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
            },
            this.context,
          ),
        );
      }
      shardIterator = page.NextShardIterator;
    }
    return out;
  }
}

/** A batch the mapping gave up on (what an on-failure destination receives). */
export interface DiscardedBatch {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly size: number;
  readonly reason: 'function_error' | 'partial_failure';
}

/** Options of {@link runEventSourceMapping}. */
export interface EventSourceMappingOptions {
  readonly reader: ShardReader;
  /** The function: a Kinesis event in, a partial batch response (or nothing) out. */
  readonly invoke: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;
  /** Largest batch. @default 100 (Lambda's default for Kinesis) */
  readonly batchSize?: number;
  /** Retries of one batch before it is discarded; -1 is infinite (Lambda's default). @default 10 */
  readonly maximumRetryAttempts?: number;
  /** @default true */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Called for every discarded batch (on-failure destination). */
  readonly onFailure?: (batch: DiscardedBatch) => void;
  /**
   * Last sequence number already processed per shard (the mapping's checkpoints from an earlier drain,
   * {@link EventSourceMappingReport.checkpoints}); reading starts after it.
   * @default - every shard from TRIM_HORIZON
   */
  readonly checkpoints?: ReadonlyMap<string, string>;
  /**
   * The simulated `approximateArrivalTimestamp` (seconds since the epoch) of a record, by its `eventID`
   * (`<shardId>:<sequenceNumber>`); `undefined` keeps the stream's value.
   * @default - the stream's value
   */
  readonly arrivalTimestamp?: (record: KinesisStreamRecord) => number | undefined;
}

/** What the mapping did. */
export interface EventSourceMappingReport {
  readonly invocations: number;
  readonly functionErrors: number;
  readonly partialFailures: number;
  readonly bisections: number;
  readonly discarded: readonly DiscardedBatch[];
  /** Deliveries per `<shardId>:<sequenceNumber>` (more than 1 means the record was re-delivered). */
  readonly deliveries: ReadonlyMap<string, number>;
  /** Last sequence number processed per shard (including shards the drain started with). */
  readonly checkpoints: ReadonlyMap<string, string>;
}

type DeliveryResult = { readonly kind: 'done' } | { readonly kind: 'checkpoint'; readonly sequenceNumber: string };

/**
 * Drains every shard of `reader` through `invoke` with event source mapping semantics (see the
 * module comment). Shards are processed concurrently, records of a shard in order.
 * @throws whatever `reader` throws (a read error is not a function error).
 */
export async function runEventSourceMapping(options: EventSourceMappingOptions): Promise<EventSourceMappingReport> {
  const batchSize = options.batchSize ?? 100;
  const maxRetries = options.maximumRetryAttempts ?? 10;
  const bisect = options.bisectBatchOnFunctionError ?? true;
  const stats = { invocations: 0, functionErrors: 0, partialFailures: 0, bisections: 0 };
  const discarded: DiscardedBatch[] = [];
  const deliveries = new Map<string, number>();
  const retriesLeft = (attempts: number): boolean => maxRetries < 0 || attempts < maxRetries;
  const discard = (shardId: string, records: readonly KinesisStreamRecord[], reason: DiscardedBatch['reason']): void => {
    const batch: DiscardedBatch = {
      shardId,
      startSequenceNumber: records[0].kinesis.sequenceNumber,
      endSequenceNumber: records[records.length - 1].kinesis.sequenceNumber,
      size: records.length,
      reason,
    };
    discarded.push(batch);
    options.onFailure?.(batch);
  };

  /** One invocation: 'ok', a checkpoint, or a function error (thrown or invalid response). */
  const invokeOnce = async (records: readonly KinesisStreamRecord[]): Promise<'ok' | 'error' | { checkpoint: string }> => {
    stats.invocations += 1;
    for (const r of records) deliveries.set(r.eventID, (deliveries.get(r.eventID) ?? 0) + 1);
    let response: KinesisStreamBatchResponse | void;
    try {
      response = await options.invoke({ Records: [...records] });
    } catch {
      stats.functionErrors += 1;
      return 'error';
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) return 'ok';
    const inBatch = new Set(records.map((r) => r.kinesis.sequenceNumber));
    const ids = failures.map((f) => f.itemIdentifier ?? '');
    if (ids.some((id) => id === '' || !inBatch.has(id))) {
      stats.functionErrors += 1;
      return 'error';
    }
    stats.partialFailures += 1;
    const lowest = records.find((r) => ids.includes(r.kinesis.sequenceNumber));
    return { checkpoint: (lowest as KinesisStreamRecord).kinesis.sequenceNumber };
  };

  /** Delivers one batch until it succeeds, checkpoints, bisects or is discarded. */
  const deliver = async (shardId: string, records: readonly KinesisStreamRecord[]): Promise<DeliveryResult> => {
    for (let attempt = 0; ; attempt++) {
      const result = await invokeOnce(records);
      if (result === 'ok') return { kind: 'done' };
      if (result !== 'error') return { kind: 'checkpoint', sequenceNumber: result.checkpoint };
      if (bisect && records.length > 1) {
        stats.bisections += 1;
        const middle = Math.ceil(records.length / 2);
        const first = await deliver(shardId, records.slice(0, middle));
        if (first.kind === 'checkpoint') return first;
        return deliver(shardId, records.slice(middle));
      }
      if (!retriesLeft(attempt)) {
        discard(shardId, records, 'function_error');
        return { kind: 'done' };
      }
    }
  };

  const checkpoints = new Map(options.checkpoints ?? []);
  const clock = options.arrivalTimestamp;
  const simulated = (r: KinesisStreamRecord): KinesisStreamRecord => {
    const at = clock?.(r);
    return at === undefined ? r : { ...r, kinesis: { ...r.kinesis, approximateArrivalTimestamp: at } };
  };

  const drainShard = async (shardId: string): Promise<void> => {
    const done = checkpoints.get(shardId);
    let position: ShardPosition = done === undefined ? { type: 'TRIM_HORIZON' } : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: done };
    let checkpointAttempts = 0;
    for (;;) {
      const read = await options.reader.read(shardId, position, batchSize);
      if (read.length === 0) return;
      const records = clock === undefined ? read : read.map(simulated);
      const result = await deliver(shardId, records);
      const last = records[records.length - 1].kinesis.sequenceNumber;
      if (result.kind === 'done') {
        checkpoints.set(shardId, last);
        position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
        checkpointAttempts = 0;
        continue;
      }
      const sameCheckpoint = position.type === 'AT_SEQUENCE_NUMBER' && position.sequenceNumber === result.sequenceNumber;
      checkpointAttempts = sameCheckpoint ? checkpointAttempts + 1 : 0;
      if (sameCheckpoint && !retriesLeft(checkpointAttempts)) {
        discard(shardId, records, 'partial_failure');
        checkpoints.set(shardId, last);
        position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
        checkpointAttempts = 0;
      } else {
        position = { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: result.sequenceNumber };
      }
    }
  };

  await Promise.all((await options.reader.listShards()).map(drainShard));
  return { ...stats, discarded, deliveries, checkpoints };
}
