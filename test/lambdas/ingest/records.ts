/** Record factories for the ingest tests. */
import type { StreamRecord } from '../../../lambdas/ingest/core';

export const RATING_URI = 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0';
export const TAG_URI = 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-0';
/** 2024-05-01T13:02:03.456Z in seconds. */
export const ARRIVAL = Date.UTC(2024, 4, 1, 13, 2, 3, 456) / 1000;

/** A valid rating envelope, with overrides merged at the top level. */
export function ratingEnvelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: RATING_URI,
    data: { user_id: 1, movie_id: 31, rating: 2.5 },
    event_id: '0b8a4a2e-5c0f-5e57-9a61-0e1a7c3f0d11',
    event_time: '2009-12-14T02:52:24Z',
    ...overrides,
  };
}

/** A stream record whose data is `payload` (string → UTF-8, object → JSON, bytes as is). */
export function streamRecord(
  payload: string | Uint8Array | Record<string, unknown> | unknown[],
  overrides: Partial<StreamRecord> = {},
): StreamRecord {
  const bytes =
    typeof payload === 'string'
      ? Buffer.from(payload, 'utf8')
      : payload instanceof Uint8Array
        ? Buffer.from(payload)
        : Buffer.from(JSON.stringify(payload), 'utf8');
  return {
    shardId: 'shardId-000000000000',
    sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    data: bytes.toString('base64'),
    approximateArrivalTimestamp: ARRIVAL,
    ...overrides,
  };
}

/** A Kinesis-looking sequence number: 56 digits, increasing with `n`. */
export function sequenceNumber(n: number): string {
  return `4959033827149025660855969253836157109592157598913${String(n).padStart(7, '0')}`;
}
