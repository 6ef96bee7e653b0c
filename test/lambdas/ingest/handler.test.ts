import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { S3ObjectWriter, type IngestConfig } from '../../../lambdas/ingest/adapters';
import { validators } from '../../../lambdas/ingest/generated/validators';
import { createIngestHandler, INGEST_METRICS } from '../../../lambdas/ingest/process-batch';
import {
  InMemoryShardReader,
  runEventSourceMapping,
  toKinesisStreamRecord,
  type InMemoryRecord,
} from '../../../tools/local/event-source-mapping';
import { listKeys, readJsonLines, startFaultProxy, startLocalS3, type FaultMode, type FaultProxy, type LocalS3 } from '../../helpers/local-s3';
import { MOVIELENS_DIR, mulberry32, readMovieLensEnvelopes, toStreamRecords, type StreamInput } from '../../helpers/movielens';
import { expectLakeToMatch, readLines } from './lake';
import { ARRIVAL, RATING_URI, TAG_URI, ratingEnvelope, sequenceNumber } from './records';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const MAX_RECORD_BYTES = 4096;
let s3: LocalS3;
let bucketSeq = 0;

beforeAll(async () => {
  s3 = await startLocalS3([]);
});
afterAll(async () => {
  await s3.stop();
});

/** A fresh raw/quarantine bucket pair per test. */
async function freshConfig(): Promise<IngestConfig> {
  bucketSeq += 1;
  const config = { rawBucket: `raw-${bucketSeq}`, quarantineBucket: `quarantine-${bucketSeq}`, maxRecordBytes: MAX_RECORD_BYTES };
  const client = s3.client();
  await client.send(new CreateBucketCommand({ Bucket: config.rawBucket }));
  await client.send(new CreateBucketCommand({ Bucket: config.quarantineBucket }));
  return config;
}

function makeHandler(client: S3Client, config: IngestConfig): { handler: ReturnType<typeof createIngestHandler>; metrics: Metrics } {
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'ingest' });
  const writer = new S3ObjectWriter(client);
  return {
    handler: createIngestHandler({ validators, config: () => config, writer: () => writer, logger: new Logger({ logLevel: 'SILENT' }), metrics }),
    metrics,
  };
}

/** A one-shard event; record i (0-based) gets sequence number `first + i`. */
function kinesisEvent(payloads: ReadonlyArray<string | Record<string, unknown>>, first = 1): KinesisStreamEvent {
  return {
    Records: payloads.map((p, i) =>
      toKinesisStreamRecord('shardId-000000000000', {
        sequenceNumber: sequenceNumber(first + i),
        partitionKey: 'p',
        data: Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)),
        approximateArrivalTimestamp: ARRIVAL,
      }),
    ),
  };
}

const tag = (n: number): Record<string, unknown> =>
  ratingEnvelope({ schema: TAG_URI, data: { user_id: n, movie_id: 1, tag: `t${n}` }, event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });
const rating = (n: number): Record<string, unknown> =>
  ratingEnvelope({ data: { user_id: n, movie_id: 1, rating: 3 }, event_id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}` });

describe('ingest handler against local S3', () => {
  const mixed = [rating(1), tag(2), '{', rating(4), ratingEnvelope({ schema: RATING_URI.replace('1-0-0', '3-0-0') }), tag(6), rating(7), 'x'.repeat(MAX_RECORD_BYTES + 1)];
  let proxy: FaultProxy;
  let failing: (key: string) => FaultMode | undefined = () => undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy(s3.endpoint, (key) => failing(key));
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('writes valid events to the raw zone and bad rows to the quarantine, and reports no failures', async () => {
    failing = () => undefined;
    const config = await freshConfig();
    const client = s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const { handler } = makeHandler(client, config);

    await expect(handler(kinesisEvent(mixed))).resolves.toEqual({ batchItemFailures: [] });

    const raw = await listKeys(client, config.rawBucket);
    const hour = 'dt=2024-05-01/hour=13';
    expect(raw.sort()).toEqual([
      `events/com.lakeforge.ott/rating_submitted/v1/${hour}/shardId-000000000000-${sequenceNumber(1)}-${sequenceNumber(7)}.json.gz`,
      `events/com.lakeforge.ott/tag_added/v1/${hour}/shardId-000000000000-${sequenceNumber(2)}-${sequenceNumber(6)}.json.gz`,
    ]);
    const ratings = await readJsonLines(client, config.rawBucket, raw.sort()[0]);
    expect(ratings.map((l) => (l.data as { user_id: number }).user_id)).toEqual([1, 4, 7]);
    const bad = await listKeys(client, config.quarantineBucket);
    expect(bad.map((k) => k.split('/')[1]).sort()).toEqual(['not_json', 'schema_unknown', 'size_exceeded']);
  });

  // Records: 1 rating, 2 tag, 3 not_json, 4 rating, 5 schema_unknown, 6 tag, 7 rating, 8 size_exceeded.
  it.each<[string, (key: string) => boolean, number[]]>([
    ['the tag object', (key) => key.includes('/tag_added/'), [2, 3, 4, 5, 6, 7, 8]],
    ['the rating object', (key) => key.includes('/rating_submitted/'), [1, 2, 3, 4, 5, 6, 7, 8]],
    ['a quarantine object', (key) => key.includes('/not_json/'), [3, 4, 5, 6, 7, 8]],
    ['the last object', (key) => key.includes('/size_exceeded/'), [8]],
    ['every object', () => true, [1, 2, 3, 4, 5, 6, 7, 8]],
  ])('reports the first record of %s and every later record when its PutObject fails', async (_name, fails, failedRecords) => {
    failing = (key) => (fails(key) ? 'before' : undefined);
    const { handler } = makeHandler(s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 }), await freshConfig());

    const response = await handler(kinesisEvent(mixed));

    expect(response.batchItemFailures).toEqual(failedRecords.map((n) => ({ itemIdentifier: sequenceNumber(n) })));
  });

  it('leaves no duplicate after a retry from the checkpoint, even when S3 stored the failed object', async () => {
    failing = (key) => (key.includes('/tag_added/') ? 'after' : undefined);
    const config = await freshConfig();
    const client = s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const { handler } = makeHandler(client, config);
    const first = await handler(kinesisEvent(mixed));
    expect(first.batchItemFailures[0]).toEqual({ itemIdentifier: sequenceNumber(2) });

    failing = () => undefined;
    await expect(handler(kinesisEvent(mixed.slice(1), 2))).resolves.toEqual({ batchItemFailures: [] });

    const raw = await readLines(client, config.rawBucket, '');
    const bad = await readLines(client, config.quarantineBucket, '');
    const seqs = (lines: typeof raw): number[] => lines.map((l) => Number(l.line.sequence_number.slice(-7))).sort((a, b) => a - b);
    expect(seqs(raw)).toEqual([1, 2, 4, 6, 7]);
    expect(seqs(bad)).toEqual([3, 5, 8]);
  });

  it('emits accepted events, bad rows per failure type, write failures and latency', async () => {
    failing = (key) => (key.includes('/tag_added/') ? 'before' : undefined);
    const { handler, metrics } = makeHandler(s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 }), await freshConfig());
    const added = jest.spyOn(metrics, 'addMetric');
    const single = jest.spyOn(metrics, 'singleMetric');

    await handler(kinesisEvent(mixed));

    const byName = Object.fromEntries(added.mock.calls.map(([name, , value]) => [name, value]));
    expect(byName[INGEST_METRICS.eventsAccepted]).toBe(5);
    expect(byName[INGEST_METRICS.objectWriteFailures]).toBe(1);
    expect(byName[INGEST_METRICS.batchLatency]).toBeGreaterThanOrEqual(0);
    expect(single).toHaveBeenCalledTimes(3);
  });

  it('answers an empty batch with no failures and writes nothing', async () => {
    failing = () => undefined;
    const config = await freshConfig();
    const client = s3.client({ endpoint: proxy.endpoint });
    await expect(makeHandler(client, config).handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
    expect(await listKeys(client, config.rawBucket)).toEqual([]);
  });
});

/**
 * 10,500 events through a fault proxy take ~40 s alone and over 120 s (jest's default here) when the whole
 * suite shares 2 cores: a longer budget for these two runs only, so load cannot fail them.
 */
const FAULT_RUN_TIMEOUT_MS = 360_000;

describe('ingest under S3 faults, retried by a simulated event source mapping', () => {
  const inputs = toStreamRecords(readMovieLensEnvelopes(MOVIELENS_DIR, 10_500), { badRatio: 0.05, seed: 7, maxRecordBytes: MAX_RECORD_BYTES });

  it.each<[string, number]>([
    ['PutObject faults: every event in the raw zone exactly once and every bad row quarantined exactly once', 0],
    ['PutObject faults and function timeouts: every event and bad row present, duplicates only of re-delivered records', 0.03],
  ])('%s (10,500 MovieLens events, 5%% bad)', async (_name, timeoutRate) => {
    const shards = new Map<string, InMemoryRecord[]>([['shardId-000000000000', []], ['shardId-000000000001', []]]);
    const put = new Map<string, StreamInput>();
    const start = Date.UTC(2024, 4, 1, 22, 30) / 1000;
    inputs.forEach((input, i) => {
      const shardId = `shardId-00000000000${Number(input.partitionKey) % 2}`;
      const record = { sequenceNumber: sequenceNumber(i + 1), partitionKey: input.partitionKey, data: input.data, approximateArrivalTimestamp: start + i };
      shards.get(shardId)?.push(record);
      put.set(`${shardId}:${record.sequenceNumber}`, input);
    });
    expect([...put.values()].filter((r) => r.expected.kind === 'bad').length / put.size).toBeCloseTo(0.05, 2);

    const faults = mulberry32(1234);
    const proxy = await startFaultProxy(s3.endpoint, () => {
      const r = faults();
      return r < 0.1 ? 'before' : r < 0.15 ? 'after' : undefined;
    });
    const config = await freshConfig();
    const { handler } = makeHandler(s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 }), config);
    const timeouts = mulberry32(99);
    let timedOut = 0;
    const invoke = async (event: KinesisStreamEvent) => {
      const response = await handler(event);
      // A timeout after the writes: the mapping sees a function error and bisects.
      if (timeouts() < timeoutRate) {
        timedOut += 1;
        throw new Error('simulated timeout');
      }
      return response;
    };

    const report = await runEventSourceMapping({ reader: new InMemoryShardReader(shards), invoke, batchSize: 250, maximumRetryAttempts: 100 });
    await proxy.stop();

    expect(report.discarded).toEqual([]);
    expect(proxy.stats.failedBefore).toBeGreaterThan(30);
    expect(proxy.stats.failedAfter).toBeGreaterThan(15);
    expect(report.partialFailures).toBeGreaterThan(10);
    expect(report.functionErrors).toBe(timedOut);

    const client = s3.client();
    const raw = await readLines(client, config.rawBucket, 'events/');
    const bad = await readLines(client, config.quarantineBucket, 'bad-rows/');
    const { rawDuplicates, badDuplicates } = expectLakeToMatch(put, raw, bad);
    if (timeoutRate === 0) {
      expect([rawDuplicates, badDuplicates]).toEqual([0, 0]);
    } else {
      expect(report.bisections).toBeGreaterThan(0);
      const copies = new Map<string, number>();
      for (const { line } of [...raw, ...bad]) {
        const id = `${line.shard_id}:${line.sequence_number}`;
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
      for (const [id, n] of copies) if (n > 1) expect(report.deliveries.get(id) ?? 0).toBeGreaterThan(1);
    }
    // eslint-disable-next-line no-console
    console.info(
      `fault run (timeouts ${timeoutRate}): ${put.size} records, ${report.invocations} invocations, ${report.partialFailures} partial failures, ` +
        `${report.bisections} bisections, ${proxy.stats.failedBefore}+${proxy.stats.failedAfter} failed of ${proxy.stats.puts} PutObject calls, ` +
        `raw duplicates ${rawDuplicates}, bad-row duplicates ${badDuplicates}`,
    );
  }, FAULT_RUN_TIMEOUT_MS);
});
