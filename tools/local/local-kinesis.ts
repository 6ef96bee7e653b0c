/**
 * A local Kinesis-compatible server for `lakeforge local` and the tests: kinesalite (in memory) on a free loopback port,
 * with a real `@aws-sdk/client-kinesis` client over HTTP/1.1 (`NodeHttpHandler`; the default
 * handler can fail against kinesalite with ERR_HTTP2_ERROR).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// kinesalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require('kinesalite') as (options: Record<string, unknown>) => Server;

/** A running kinesalite. */
export interface LocalKinesis {
  readonly endpoint: string;
  readonly client: KinesisClient;
  stop(): Promise<void>;
}

/** Starts kinesalite (in memory, instant stream creation) on a free loopback port. */
export async function startLocalKinesis(): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Creates a stream and waits until it is ACTIVE. */
export async function createStream(client: KinesisClient, streamName: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  for (let i = 0; i < 100; i++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

/**
 * Puts records in order with `PutRecords` (500 per call), retrying the records a call reports as
 * failed. Returns where each record landed, in input order.
 * @throws Error when records still fail after 5 attempts.
 */
export async function putAll(
  client: KinesisClient,
  streamName: string,
  records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>,
): Promise<Array<{ shardId: string; sequenceNumber: string }>> {
  const placed = new Array<{ shardId: string; sequenceNumber: string }>(records.length);
  for (let start = 0; start < records.length; start += 500) {
    let pending = records.slice(start, start + 500).map((record, i) => ({ record, index: start + i }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 5) throw new Error(`${pending.length} records failed after 5 PutRecords attempts`);
      const result = await client.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: pending.map(({ record }) => ({ PartitionKey: record.partitionKey, Data: record.data })),
        }),
      );
      pending = pending.filter(({ index }, i) => {
        const entry = result.Records?.[i];
        if (entry?.ErrorCode !== undefined || entry?.SequenceNumber === undefined) return true;
        placed[index] = { shardId: entry.ShardId ?? '', sequenceNumber: entry.SequenceNumber };
        return false;
      });
    }
  }
  return placed;
}
