/** Reads what ingest wrote to local S3 and compares it with what was put on the stream. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { StreamInput } from '../../helpers/movielens';
import { listKeys, readJsonLines } from '../../helpers/local-s3';

/** A line read back from the lake, with the key of its object. */
export interface LakeLine {
  readonly key: string;
  readonly line: Record<string, unknown> & { shard_id: string; sequence_number: string };
}

/** Every line of every object under `prefix` in `bucket`. */
export async function readLines(client: S3Client, bucket: string, prefix: string): Promise<LakeLine[]> {
  const out: LakeLine[] = [];
  for (const key of await listKeys(client, bucket, prefix)) {
    for (const line of await readJsonLines<LakeLine['line']>(client, bucket, key)) out.push({ key, line });
  }
  return out;
}

/** Copies of each record (`<shard>:<sequence>` → lines), to count duplicates. */
export function bySequence(lines: readonly LakeLine[]): Map<string, LakeLine[]> {
  const map = new Map<string, LakeLine[]>();
  for (const l of lines) {
    const id = `${l.line.shard_id}:${l.line.sequence_number}`;
    map.set(id, [...(map.get(id) ?? []), l]);
  }
  return map;
}

/** What a lake should hold: `<shard>:<sequence>` → the input put under that sequence number. */
export type PutRecords = ReadonlyMap<string, StreamInput>;

/**
 * Asserts that every valid input is in the raw zone and every bad input in the quarantine under
 * its failure type, that nothing else is there, and that all copies of a record are identical.
 * Returns the number of duplicate copies per zone.
 */
export function expectLakeToMatch(put: PutRecords, raw: readonly LakeLine[], bad: readonly LakeLine[]): { rawDuplicates: number; badDuplicates: number } {
  const rawBySeq = bySequence(raw);
  const badBySeq = bySequence(bad);
  const expectedValid = [...put].filter(([, input]) => input.expected.kind === 'valid').map(([id]) => id).sort();
  const expectedBad = [...put].filter(([, input]) => input.expected.kind === 'bad').map(([id]) => id).sort();
  expect([...rawBySeq.keys()].sort()).toEqual(expectedValid);
  expect([...badBySeq.keys()].sort()).toEqual(expectedBad);
  for (const [id, copies] of rawBySeq) {
    const input = put.get(id);
    if (input?.expected.kind !== 'valid') throw new Error(`${id} should not be in the raw zone`);
    const { envelope } = input.expected;
    for (const { line } of copies) {
      expect({ schema: line.schema, event_id: line.event_id, event_time: line.event_time, data: line.data }).toEqual(envelope);
      expect(JSON.stringify(line)).toBe(JSON.stringify(copies[0].line));
    }
  }
  for (const [id, copies] of badBySeq) {
    const input = put.get(id);
    if (input?.expected.kind !== 'bad') throw new Error(`${id} should not be quarantined`);
    for (const { line, key } of copies) {
      expect(line.failure_type).toBe(input.expected.failureType);
      expect(key.startsWith(`bad-rows/${input.expected.failureType}/`)).toBe(true);
      expect(Buffer.from(String(line.payload_base64), 'base64').equals(input.data)).toBe(true);
    }
  }
  const distinctIds = new Set(raw.map((l) => l.line.event_id));
  expect(distinctIds.size).toBe(expectedValid.length);
  return { rawDuplicates: raw.length - rawBySeq.size, badDuplicates: bad.length - badBySeq.size };
}
