/**
 * The ingest core's fast paths (issue 4: memoised arrival minute, envelope fast path, raw lines
 * built from validated strings, grouping by memoised prefixes, gzip level) must give exactly what
 * the plain definitions give. Each property compares against an independent reference (Date,
 * JSON.parse, objectPrefix of classifyRecord), never against the optimised code itself.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import {
  arrivalTimeIso,
  classifyRecord,
  encodeObjectBody,
  hourPartition,
  isRfc3339DateTime,
  OBJECT_GZIP_LEVEL,
  objectPrefix,
  planBatch,
  serializeRawLine,
  type StreamRecord,
} from '../../../lambdas/ingest/core';
import { validators } from '../../../lambdas/ingest/generated/validators';
import { RATING_URI, TAG_URI, ratingEnvelope, sequenceNumber, streamRecord } from './records';

const options = { validators, maxRecordBytes: 1 << 20 };
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
/** Reference: the documented definition of the arrival time. */
const referenceIso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();
/** Seconds of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z: the four-digit-year range. */
const YEAR_0 = -62167219200;
const YEAR_10000 = 253402300800;

/** The value, or a test failure when a planned object names a record that was not in the batch. */
function known<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('a planned object names a record that is not in the batch');
  return value;
}

describe('arrivalTimeIso', () => {
  it.each([
    ['half a millisecond before a minute rounds up into the next minute', 1714521599.9995],
    ['the last millisecond of a minute', 1714521599.999],
    ['the first millisecond of a minute', 1714521600],
    ['negative zero after rounding', -0.0004],
    ['before the epoch, within a minute', -60.0001],
    ['the last millisecond of year 9999', YEAR_10000 - 0.001],
    ['year 10000 (six-digit extended year)', YEAR_10000],
    ['the first millisecond of year 0', YEAR_0],
    ['year -1 (six-digit extended year)', YEAR_0 - 0.001],
  ])('gives the ISO time of %s', (_name, seconds) => {
    // Once cold, once with the same minute memoised, once right after a neighbouring record.
    expect(arrivalTimeIso(seconds)).toBe(referenceIso(seconds));
    expect(arrivalTimeIso(seconds)).toBe(referenceIso(seconds));
    arrivalTimeIso(seconds - 0.001);
    expect(arrivalTimeIso(seconds)).toBe(referenceIso(seconds));
  });

  it('equals Date#toISOString of the rounded milliseconds for any sequence of timestamps', () => {
    const nearby = fc.tuple(fc.integer({ min: YEAR_0 - 120, max: YEAR_10000 + 120 }), fc.array(fc.double({ min: -90, max: 90, noNaN: true }), { maxLength: 30 }));
    fc.assert(
      fc.property(nearby, ([base, offsets]) => {
        for (const offset of offsets) expect(arrivalTimeIso(base + offset)).toBe(referenceIso(base + offset));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([NaN, Infinity, -Infinity, 8.64e12 + 1])('throws RangeError for %p, also right after a memoised minute', (seconds) => {
    arrivalTimeIso(1714521600);
    expect(() => arrivalTimeIso(seconds)).toThrow(RangeError);
  });
});

describe('hourPartition', () => {
  it('is dt=<UTC date>/hour=<UTC hour>/ of any arrival time, memoised or not', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: YEAR_0, max: YEAR_10000 - 1 }), { minLength: 1, maxLength: 20 }), (seconds) => {
        for (const s of seconds) {
          const iso = arrivalTimeIso(s);
          const d = new Date(s * 1000);
          const expected = `dt=${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}/hour=${pad(d.getUTCHours(), 2)}/`;
          expect(hourPartition(iso)).toBe(expected);
          // A string other than the memoised minute's time is sliced, not answered from the memo.
          expect(hourPartition(referenceIso(s + 3600))).toBe(hourPartition(new Date((s + 3600) * 1000).toISOString()));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('isRfc3339DateTime', () => {
  it('accepts a well-shaped date-time exactly when the date exists and every field is in range', () => {
    const fields = fc.record({
      year: fc.integer({ min: 0, max: 9999 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 61 }),
      second: fc.integer({ min: 0, max: 61 }),
      fraction: fc.option(fc.integer({ min: 1, max: 9 }).map((digits) => `.${'7'.repeat(digits)}`), { nil: '' }),
      offset: fc.option(fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 })), { nil: undefined }),
    });
    fc.assert(
      fc.property(fields, (f) => {
        const offset = f.offset === undefined ? 'Z' : `${f.offset[0]}${pad(f.offset[1], 2)}:${pad(f.offset[2], 2)}`;
        const text = `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}${f.fraction}${offset}`;
        const date = new Date(0);
        date.setUTCFullYear(f.year, f.month - 1, f.day);
        const dateExists = f.month >= 1 && f.month <= 12 && date.getUTCMonth() === f.month - 1 && date.getUTCDate() === f.day;
        const offsetOk = f.offset === undefined || (f.offset[1] <= 23 && f.offset[2] <= 59);
        expect(isRfc3339DateTime(text)).toBe(dateExists && f.hour <= 23 && f.minute <= 59 && f.second <= 59 && offsetOk);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('planBatch raw lines', () => {
  const SHARDS = ['shardId-000000000000', 'shardId-000000000001', 'shard "quoted" \\ odd'];
  const tagEnvelope = fc.record({
    schema: fc.constant(TAG_URI),
    data: fc.record({
      user_id: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      movie_id: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      tag: fc.oneof(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u2028', '</script>', '😀')),
    }),
    event_id: fc.uuid({ version: [4, 5] }),
    event_time: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  });

  it('writes each valid event as the JSON object of its validated envelope and metadata, in the conventional key order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(tagEnvelope, fc.constantFrom(...SHARDS), fc.integer({ min: 0, max: 7200 })), { minLength: 1, maxLength: 25 }), (rows) => {
        const records = rows.map(([envelope, shardId, second], i) =>
          streamRecord(envelope, { shardId, sequenceNumber: sequenceNumber(i), approximateArrivalTimestamp: 1714521600 + second + i / 1000 }),
        );
        const bySeq = new Map(records.map((r, i) => [`${r.shardId}\u0000${r.sequenceNumber}`, { record: r, envelope: rows[i][0] }]));
        for (const object of planBatch(records, options).objects) {
          expect(object.zone).toBe('raw');
          object.lines.forEach((line, i) => {
            const { record, envelope } = known(bySeq.get(`${object.shardId}\u0000${object.sequenceNumbers[i]}`));
            const parsed = JSON.parse(line) as Record<string, unknown>;
            expect(Object.keys(parsed)).toEqual(['schema', 'event_id', 'event_time', 'data', 'arrival_time', 'shard_id', 'sequence_number']);
            expect(parsed).toEqual({
              ...envelope,
              arrival_time: referenceIso(record.approximateArrivalTimestamp),
              shard_id: record.shardId,
              sequence_number: record.sequenceNumber,
            });
            const outcome = classifyRecord(record, options);
            expect(outcome.kind === 'valid' && serializeRawLine(outcome.line)).toBe(line);
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('stores the parsed value of a duplicated key (the one validated), not the producer text', () => {
    const text = `{"schema":"${RATING_URI}","data":{"user_id":1,"movie_id":2,"rating":9,"rating":4.5},"event_id":"0b8a4a2e-5c0f-5e57-9a61-0e1a7c3f0d11","event_time":"2009-12-14T02:52:24Z"}`;
    const [object] = planBatch([streamRecord(text)], options).objects;
    expect(object.zone).toBe('raw');
    expect(object.lines[0]).toContain('"data":{"user_id":1,"movie_id":2,"rating":4.5}');
  });

  it.each([
    ['a __proto__ key', `{"schema":"${RATING_URI}","__proto__":{},"data":{"user_id":1,"movie_id":2,"rating":1},"event_id":"0b8a4a2e-5c0f-5e57-9a61-0e1a7c3f0d11","event_time":"2009-12-14T02:52:24Z"}`, 'unexpected property "__proto__"'],
    ['a duplicated envelope key with a bad last value', `{"schema":"${RATING_URI}","data":{"user_id":1,"movie_id":2,"rating":1},"event_id":"0b8a4a2e-5c0f-5e57-9a61-0e1a7c3f0d11","event_time":"2009-12-14T02:52:24Z","event_time":"yesterday"}`, 'event_time must be an RFC 3339 date-time'],
  ])('rejects an envelope with %s and names the problem', (_name, text, reason) => {
    const outcome = classifyRecord(streamRecord(text), options);
    expect(outcome.kind === 'bad' && [outcome.badRow.failure_type, outcome.badRow.errors.some((e) => e.startsWith(reason))]).toEqual(['envelope_invalid', true]);
  });
});

describe('planBatch grouping', () => {
  const payload = fc.oneof(
    fc.constant<Record<string, unknown> | string>(ratingEnvelope()),
    fc.constant(ratingEnvelope({ schema: TAG_URI, data: { user_id: 1, movie_id: 2, tag: 'x' } })),
    fc.constant(ratingEnvelope({ schema: 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/2-0-0' })),
    fc.constant(ratingEnvelope({ data: { user_id: 0, movie_id: 1, rating: 1 } })),
    fc.constant(ratingEnvelope({ extra: 1 })),
    fc.constant('{'),
  );

  it('puts every record under the prefix objectPrefix gives its outcome, one object per prefix and shard', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(payload, fc.integer({ min: 0, max: 2 }), fc.integer({ min: -3 * 3600, max: 3 * 3600 })), { minLength: 1, maxLength: 40 }), (rows) => {
        const records: StreamRecord[] = rows.map(([p, shard, second], i) =>
          streamRecord(p, { shardId: `shardId-00000000000${shard}`, sequenceNumber: sequenceNumber(i), approximateArrivalTimestamp: 1714521600 + second + 0.25 }),
        );
        const bySeq = new Map(records.map((r) => [`${r.shardId}\u0000${r.sequenceNumber}`, r]));
        const plan = planBatch(records, options);
        const groups = plan.objects.map((o) => `${o.zone}\u0000${o.prefix}\u0000${o.shardId}`);
        expect(new Set(groups).size).toBe(groups.length);
        let count = 0;
        for (const object of plan.objects) {
          for (const seq of object.sequenceNumbers) {
            const record = known(bySeq.get(`${object.shardId}\u0000${seq}`));
            const outcome = classifyRecord(record, options);
            expect([object.zone, object.prefix]).toEqual([outcome.kind === 'valid' ? 'raw' : 'quarantine', objectPrefix(outcome)]);
            count += 1;
          }
        }
        expect(count).toBe(records.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeObjectBody', () => {
  it('compresses at the documented level OBJECT_GZIP_LEVEL, a valid zlib level', () => {
    const lines = ['{"a":1}', '{"b":"ü"}'];
    const body = encodeObjectBody(lines);
    expect(OBJECT_GZIP_LEVEL).toBeGreaterThanOrEqual(1);
    expect(OBJECT_GZIP_LEVEL).toBeLessThanOrEqual(9);
    expect(body.equals(gzipSync(Buffer.from('{"a":1}\n{"b":"ü"}\n', 'utf8'), { level: OBJECT_GZIP_LEVEL }))).toBe(true);
    expect(gunzipSync(body).toString('utf8')).toBe('{"a":1}\n{"b":"ü"}\n');
  });

  it('compresses exactly the UTF-8 of every line followed by a newline, for any strings (empty for no lines)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary-ascii' }))), (lines) => {
        const text = lines.map((line) => `${line}\n`).join('');
        expect(encodeObjectBody(lines).equals(gzipSync(Buffer.from(text, 'utf8'), { level: OBJECT_GZIP_LEVEL }))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
