import type { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { backoffDelay, chunkRecords, PUT_RECORDS_LIMITS, putRecordsWithRetry, type ProducerRecord, type PutRecordsClient } from '../../tools/local/producer';

const record = (i: number, bytes = 10): ProducerRecord => ({ partitionKey: `k${i}`, data: Buffer.alloc(bytes, i % 256) });

/** A fake stream that fails the records `failOn` chooses (per call) with a throughput error. */
function fakeStream(failOn: (key: string, call: number) => boolean) {
  const calls: string[][] = [];
  let seq = 0;
  const client: PutRecordsClient = {
    send: async (command: PutRecordsCommand) => {
      const keys = (command.input.Records ?? []).map((r) => r.PartitionKey ?? '');
      calls.push(keys);
      return {
        FailedRecordCount: 0,
        Records: keys.map((key) =>
          failOn(key, calls.length) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' } : { ShardId: 'shardId-0', SequenceNumber: String(++seq) },
        ),
      };
    },
  };
  return { client, calls };
}

describe('putRecordsWithRetry', () => {
  it('retries only the records a call reports as failed, with backoff, and places each record once in input order', async () => {
    const records = Array.from({ length: 7 }, (_, i) => record(i));
    const { client, calls } = fakeStream((key, call) => (key === 'k2' && call < 3) || (key === 'k5' && call === 1));
    const delays: number[] = [];
    const report = await putRecordsWithRetry(client, 's', records, { sleep: async (ms) => void delays.push(ms), baseDelayMs: 10, concurrency: 1 });
    expect(calls).toEqual([['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6'], ['k2', 'k5'], ['k2']]);
    expect(delays).toEqual([10, 20]);
    expect(report).toMatchObject({ calls: 3, retriedRecords: 3, failuresByCode: { ProvisionedThroughputExceededException: 3 } });
    expect(report.placed.map((p) => p.sequenceNumber)).toEqual(['1', '2', '7', '3', '4', '6', '5']);
  });

  it('throws naming the count when records still fail after maxAttempts', async () => {
    const { client, calls } = fakeStream((key) => key === 'k1');
    await expect(putRecordsWithRetry(client, 's', [record(0), record(1)], { maxAttempts: 3, sleep: async () => undefined })).rejects.toThrow(
      /1 records still failed after 3 PutRecords attempts/,
    );
    expect(calls).toHaveLength(3);
  });
});

describe('chunkRecords', () => {
  it.each([
    ['splits at 500 records', Array.from({ length: 1001 }, (_, i) => record(i)), [500, 500, 1]],
    ['splits before 5 MiB (data plus partition keys)', Array.from({ length: 6 }, (_, i) => record(i, 1024 * 1024 - 10)), [5, 1]],
    ['keeps an oversized record alone', [record(0), record(1, PUT_RECORDS_LIMITS.bytes + 1), record(2)], [1, 1, 1]],
    ['returns nothing for no records', [], []],
  ])('%s', (_name, records, sizes) => {
    const chunks = chunkRecords(records);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(records.map((_, i) => i));
  });
});

it.each([
  [1, 50], [2, 100], [3, 200], [7, 2000], [30, 2000],
])('backoffDelay(retry %i) is %i ms with base 50 ms and cap 2 s', (retry, ms) => {
  expect(backoffDelay(retry, 50, 2000)).toBe(ms);
});
