/**
 * End to end: MovieLens events put on kinesalite with the real Kinesis client, polled by the
 * local event source mapping, ingested by the deployed handler module (configured only through
 * its environment), landing in s3rver.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { KinesisShardReader, runEventSourceMapping } from '../../../tools/local/event-source-mapping';
import { createStream, putAll, startLocalKinesis, type LocalKinesis } from '../../helpers/local-kinesis';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../../helpers/local-s3';
import { MOVIELENS_DIR, readMovieLensEnvelopes, toStreamRecords, type StreamInput } from '../../helpers/movielens';
import { expectLakeToMatch, readLines } from './lake';

const ENV = {
  RAW_BUCKET: 'lake-raw',
  QUARANTINE_BUCKET: 'lake-quarantine',
  MAX_RECORD_BYTES: '4096',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};
const saved = { ...process.env };
let s3: LocalS3;
let kinesis: LocalKinesis;
let handler: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

beforeAll(async () => {
  s3 = await startLocalS3([ENV.RAW_BUCKET, ENV.QUARANTINE_BUCKET]);
  kinesis = await startLocalKinesis();
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_S3: s3.endpoint });
  // Loaded after the environment is set, as Lambda does.
  handler = ((await import('../../../lambdas/ingest/handler')) as { handler: typeof handler }).handler;
});

afterAll(async () => {
  process.env = saved;
  await kinesis.stop();
  await s3.stop();
});

it('lands 2,000 MovieLens events put on Kinesis in the raw zone exactly once and quarantines every bad row', async () => {
  const inputs = toStreamRecords(readMovieLensEnvelopes(MOVIELENS_DIR, 2_000), { badRatio: 0.05, seed: 3, maxRecordBytes: Number(ENV.MAX_RECORD_BYTES) });
  await createStream(kinesis.client, 'ingest', 2);
  const before = Date.now();
  const placed = await putAll(kinesis.client, 'ingest', inputs);
  const after = Date.now();
  const put = new Map<string, StreamInput>(placed.map((p, i) => [`${p.shardId}:${p.sequenceNumber}`, inputs[i]]));
  expect(new Set(placed.map((p) => p.shardId)).size).toBe(2);

  const report = await runEventSourceMapping({ reader: new KinesisShardReader(kinesis.client, 'ingest'), invoke: handler, batchSize: 100 });

  expect(report).toMatchObject({ functionErrors: 0, partialFailures: 0, discarded: [] });
  const client = s3.client();
  const raw = await readLines(client, ENV.RAW_BUCKET, 'events/');
  const bad = await readLines(client, ENV.QUARANTINE_BUCKET, 'bad-rows/');
  expect(expectLakeToMatch(put, raw, bad)).toEqual({ rawDuplicates: 0, badDuplicates: 0 });
  const hours = new Set([before, after].map((t) => new Date(Math.floor(t / 1000) * 1000).toISOString()).map((iso) => `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`));
  for (const { key, line } of [...raw, ...bad]) {
    const arrival = Date.parse(String(line.arrival_time));
    expect(arrival).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(arrival).toBeLessThanOrEqual(after);
    expect([...hours].some((h) => key.includes(h))).toBe(true);
  }
});
