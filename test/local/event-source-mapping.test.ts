/**
 * The event source mapping simulator across rounds: a second drain continues after the first one's
 * checkpoints (no record delivered twice), and a simulated clock sets each record's
 * `approximateArrivalTimestamp`.
 */
import fc from 'fast-check';
import type { KinesisStreamEvent } from 'aws-lambda';
import { InMemoryShardReader, runEventSourceMapping, type InMemoryRecord } from '../../tools/local/event-source-mapping';

const record = (n: number): InMemoryRecord => ({
  sequenceNumber: String(n).padStart(20, '0'),
  partitionKey: `k${n}`,
  data: Buffer.from(`{"n":${n}}`),
  approximateArrivalTimestamp: 1_000 + n,
});

describe('runEventSourceMapping across rounds', () => {
  it('delivers every record exactly once over drains that continue from the checkpoints, whatever the round sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 7 }), async (roundSizes, batchSize) => {
        const shards = new Map<string, InMemoryRecord[]>([['shardId-000000000000', []], ['shardId-000000000001', []]]);
        const delivered: string[] = [];
        let checkpoints: ReadonlyMap<string, string> = new Map();
        let n = 0;
        for (const size of roundSizes) {
          for (let i = 0; i < size; i++, n++) shards.get(`shardId-00000000000${n % 2}`)?.push(record(n));
          const report = await runEventSourceMapping({
            reader: new InMemoryShardReader(shards),
            invoke: async (event: KinesisStreamEvent) => {
              delivered.push(...event.Records.map((r) => r.eventID));
            },
            batchSize,
            checkpoints,
          });
          checkpoints = report.checkpoints;
        }
        expect([...delivered].sort()).toEqual([...shards].flatMap(([shard, records]) => records.map((r) => `${shard}:${r.sequenceNumber}`)).sort());
      }),
      { numRuns: 50 },
    );
  });

  it('rewrites approximateArrivalTimestamp from the simulated clock and keeps the stream value where it has none', async () => {
    const shards = new Map([['shardId-000000000000', [record(1), record(2)]]]);
    const seen: Record<string, number> = {};
    await runEventSourceMapping({
      reader: new InMemoryShardReader(shards),
      invoke: async (event: KinesisStreamEvent) => {
        for (const r of event.Records) seen[r.kinesis.sequenceNumber] = r.kinesis.approximateArrivalTimestamp;
      },
      arrivalTimestamp: (r) => (r.kinesis.sequenceNumber === record(1).sequenceNumber ? 42 : undefined),
    });
    expect(seen).toEqual({ [record(1).sequenceNumber]: 42, [record(2).sequenceNumber]: record(2).approximateArrivalTimestamp });
  });
});
