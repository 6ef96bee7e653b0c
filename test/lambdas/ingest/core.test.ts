import { gunzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import {
  batchItemFailures,
  classifyRecord,
  encodeObjectBody,
  FAILURE_TYPES,
  fromKinesisEventRecord,
  isRfc3339DateTime,
  parseIgluUri,
  planBatch,
  planRecovery,
  retryCheckpoints,
  type FailureType,
  type RecordOutcome,
  type StreamRecord,
} from '../../../lambdas/ingest/core';
import { validators } from '../../../lambdas/ingest/generated/validators';
import { ARRIVAL, RATING_URI, TAG_URI, ratingEnvelope, sequenceNumber, streamRecord } from './records';

const options = { validators, maxRecordBytes: 1024 };

function failureOf(outcome: RecordOutcome): FailureType | 'valid' {
  return outcome.kind === 'valid' ? 'valid' : outcome.badRow.failure_type;
}

describe('classifyRecord', () => {
  const validTag = { schema: TAG_URI, data: { user_id: 2, movie_id: 60756, tag: 'funny' }, event_id: 'f3a1c2d4-1b2c-4d3e-8f40-5a6b7c8d9e0f', event_time: '2015-10-24T19:29:54+02:00' };
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(ratingEnvelope()))]);

  const cases: Array<[string, string | Uint8Array | Record<string, unknown> | unknown[], FailureType | 'valid']> = [
    ['a valid rating', ratingEnvelope(), 'valid'],
    ['a valid tag with an offset time', validTag, 'valid'],
    ['a valid rating with fractional seconds', ratingEnvelope({ event_time: '2009-12-14T02:52:24.123456789Z' }), 'valid'],
    ['a record over the size limit', ratingEnvelope({ data: { user_id: 1, movie_id: 1, rating: 1, pad: 'x'.repeat(1100) } }), 'size_exceeded'],
    ['an empty record', '', 'not_json'],
    ['truncated JSON', JSON.stringify(ratingEnvelope()).slice(0, -1), 'not_json'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not_json'],
    ['JSON behind a byte order mark', bom, 'not_json'],
    ['a JSON array', [ratingEnvelope()], 'envelope_invalid'],
    ['JSON null', 'null', 'envelope_invalid'],
    ['a JSON string', '"hello"', 'envelope_invalid'],
    ['a missing schema', ratingEnvelope({ schema: undefined }), 'envelope_invalid'],
    ['a schema that is not an Iglu URI', ratingEnvelope({ schema: 'com.lakeforge.ott/rating_submitted/1-0-0' }), 'envelope_invalid'],
    ['a SchemaVer with a leading zero', ratingEnvelope({ schema: 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/01-0-0' }), 'envelope_invalid'],
    ['a schema format other than jsonschema', ratingEnvelope({ schema: 'iglu:com.lakeforge.ott/rating_submitted/avro/1-0-0' }), 'envelope_invalid'],
    ['data that is an array', ratingEnvelope({ data: [1, 2] }), 'envelope_invalid'],
    ['data that is null', ratingEnvelope({ data: null }), 'envelope_invalid'],
    ['a missing event_id', ratingEnvelope({ event_id: undefined }), 'envelope_invalid'],
    ['an upper-case event_id', ratingEnvelope({ event_id: '0B8A4A2E-5C0F-5E57-9A61-0E1A7C3F0D11' }), 'envelope_invalid'],
    ['the nil UUID', ratingEnvelope({ event_id: '00000000-0000-0000-0000-000000000000' }), 'envelope_invalid'],
    ['an event_id that is a number', ratingEnvelope({ event_id: 42 }), 'envelope_invalid'],
    ['an event_time with a space separator', ratingEnvelope({ event_time: '2009-12-14 02:52:24Z' }), 'envelope_invalid'],
    ['an event_time without offset', ratingEnvelope({ event_time: '2009-12-14T02:52:24' }), 'envelope_invalid'],
    ['an event_time in Unix seconds', ratingEnvelope({ event_time: 1260759144 }), 'envelope_invalid'],
    ['an extra envelope property', ratingEnvelope({ user_agent: 'x' }), 'envelope_invalid'],
    ['an unknown contract version', ratingEnvelope({ schema: 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-1' }), 'schema_unknown'],
    ['an unknown vendor', ratingEnvelope({ schema: 'iglu:com.example/rating_submitted/jsonschema/1-0-0' }), 'schema_unknown'],
    ['a rating above 5', ratingEnvelope({ data: { user_id: 1, movie_id: 1, rating: 7 } }), 'schema_violation'],
    ['a rating off the half-star grid', ratingEnvelope({ data: { user_id: 1, movie_id: 1, rating: 0.3 } }), 'schema_violation'],
    ['a missing required property', ratingEnvelope({ data: { user_id: 1, rating: 1 } }), 'schema_violation'],
    ['a property outside the contract', ratingEnvelope({ data: { user_id: 1, movie_id: 1, rating: 1, extra: true } }), 'schema_violation'],
    ['an empty tag', { ...validTag, data: { user_id: 1, movie_id: 1, tag: '' } }, 'schema_violation'],
  ];
  it.each(cases.map(([name, payload, expected]) => [name, expected, payload] as const))('classifies %s as %s', (_name, expected, payload) => {
    expect(failureOf(classifyRecord(streamRecord(payload), options))).toBe(expected);
  });

  it('accepts a record of exactly the size limit and rejects one byte more', () => {
    const base = JSON.stringify(ratingEnvelope());
    const exact = base.slice(0, -1) + ' '.repeat(1024 - base.length) + '}';
    expect(Buffer.byteLength(exact)).toBe(1024);
    expect(failureOf(classifyRecord(streamRecord(exact), options))).toBe('valid');
    expect(failureOf(classifyRecord(streamRecord(` ${exact}`), options))).toBe('size_exceeded');
  });

  it('defaults the size limit to the Kinesis record maximum of 1 MiB', () => {
    const base = JSON.stringify(ratingEnvelope());
    const record = (size: number): StreamRecord => streamRecord(base.slice(0, -1) + ' '.repeat(size - base.length) + '}');
    expect(failureOf(classifyRecord(record(1024 * 1024), { validators }))).toBe('valid');
    expect(failureOf(classifyRecord(record(1024 * 1024 + 1), { validators }))).toBe('size_exceeded');
  });

  it('writes a raw line with the envelope, the arrival time in UTC milliseconds, the shard and the sequence number', () => {
    const outcome = classifyRecord(streamRecord(ratingEnvelope()), options);
    expect(outcome).toEqual({
      kind: 'valid',
      schemaKey: expect.objectContaining({ vendor: 'com.lakeforge.ott', name: 'rating_submitted', model: 1 }),
      line: {
        schema: RATING_URI,
        event_id: '0b8a4a2e-5c0f-5e57-9a61-0e1a7c3f0d11',
        event_time: '2009-12-14T02:52:24Z',
        data: { user_id: 1, movie_id: 31, rating: 2.5 },
        arrival_time: '2024-05-01T13:02:03.456Z',
        shard_id: 'shardId-000000000000',
        sequence_number: streamRecord('').sequenceNumber,
      },
    });
  });

  it('keeps the original bytes, the schema, the event id and the reasons in a bad row', () => {
    const record = streamRecord(ratingEnvelope({ data: { user_id: 0, movie_id: 1, rating: 9 } }));
    const outcome = classifyRecord(record, options);
    if (outcome.kind !== 'bad') throw new Error('expected a bad row');
    expect(outcome.badRow).toMatchObject({
      failure_type: 'schema_violation',
      payload_base64: record.data,
      schema: RATING_URI,
      event_id: '0b8a4a2e-5c0f-5e57-9a61-0e1a7c3f0d11',
      shard_id: record.shardId,
      sequence_number: record.sequenceNumber,
      arrival_time: '2024-05-01T13:02:03.456Z',
    });
    expect(outcome.badRow.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/user_id .*\(minimum\)$/), expect.stringMatching(/^\/rating .*\(maximum\)$/)]),
    );
  });

  it('lists every envelope problem at once', () => {
    const outcome = classifyRecord(streamRecord({ schema: 'x', data: 1, event_id: 'y', event_time: 'z', more: 1 }), options);
    expect(outcome.kind === 'bad' ? outcome.badRow.errors : []).toHaveLength(5);
  });

  it('resolves validators only by own keys, never by the prototype chain', () => {
    const proto = Object.create({ [RATING_URI]: () => true }) as typeof validators;
    expect(failureOf(classifyRecord(streamRecord(ratingEnvelope()), { validators: proto }))).toBe('schema_unknown');
  });

  it('turns a throwing validator into a schema violation', () => {
    const throwing = { [RATING_URI]: () => { throw new Error('boom'); } };
    expect(failureOf(classifyRecord(streamRecord(ratingEnvelope()), { validators: throwing }))).toBe('schema_violation');
  });

  it('yields exactly one outcome for any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const outcome = classifyRecord(streamRecord(bytes), options);
        const kinds = [outcome.kind === 'valid', outcome.kind === 'bad'].filter(Boolean);
        expect(kinds).toHaveLength(1);
        if (outcome.kind === 'bad') {
          expect(FAILURE_TYPES).toContain(outcome.badRow.failure_type);
          expect(outcome.badRow.errors.length).toBeGreaterThan(0);
          expect(Buffer.from(outcome.badRow.payload_base64, 'base64').equals(Buffer.from(bytes))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('yields exactly one outcome for any JSON value and any envelope-shaped object', () => {
    const envelopeish = fc.record(
      {
        schema: fc.oneof(fc.constant(RATING_URI), fc.constant(TAG_URI), fc.string()),
        data: fc.oneof(fc.jsonValue(), fc.record({ user_id: fc.integer(), movie_id: fc.integer(), rating: fc.double(), tag: fc.string() }, { requiredKeys: [] })),
        event_id: fc.oneof(fc.uuid(), fc.string()),
        event_time: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), envelopeish), (value) => {
        const outcome = classifyRecord(streamRecord(JSON.stringify(value) ?? ''), { validators, maxRecordBytes: 1 << 20 });
        expect(['valid', ...FAILURE_TYPES]).toContain(failureOf(outcome));
        if (outcome.kind === 'valid') expect(validators[outcome.line.schema](outcome.line.data)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isRfc3339DateTime', () => {
  it.each([
    ['2024-02-29T00:00:00Z', true],
    ['2000-02-29T23:59:59.5+14:00', true],
    ['1996-12-19T16:39:57-08:00', true],
    ['2023-02-29T00:00:00Z', false],
    ['1900-02-29T00:00:00Z', false],
    ['2024-04-31T00:00:00Z', false],
    ['2024-13-01T00:00:00Z', false],
    ['2024-01-01T24:00:00Z', false],
    ['2024-01-01T00:60:00Z', false],
    ['2016-12-31T23:59:60Z', false],
    ['2024-01-01T00:00:00+24:00', false],
    ['2024-01-01t00:00:00z', false],
    ['2024-01-01T00:00:00.Z', false],
    ['2024-01-01T00:00:00.1234567890Z', false],
    ['2024-01-01', false],
    [' 2024-01-01T00:00:00Z', false],
  ])('%s → %s', (value, expected) => {
    expect(isRfc3339DateTime(value)).toBe(expected);
  });
});

describe('parseIgluUri', () => {
  it('parses vendor, name, format and SchemaVer', () => {
    expect(parseIgluUri('iglu:com.acme/checkout_started/jsonschema/12-3-0')).toEqual({
      uri: 'iglu:com.acme/checkout_started/jsonschema/12-3-0', vendor: 'com.acme', name: 'checkout_started', format: 'jsonschema', model: 12, revision: 3, addition: 0,
    });
  });

  it.each(['iglu:com.acme/x/jsonschema/1-0', 'iglu:com.acme/x/jsonschema/1-0-0-0', 'iglu:/x/jsonschema/1-0-0', 'com.acme/x/jsonschema/1-0-0'])(
    'rejects %s',
    (uri) => expect(parseIgluUri(uri)).toBeUndefined(),
  );
});

describe('fromKinesisEventRecord', () => {
  it('takes the shard id from the event id', () => {
    const record = fromKinesisEventRecord({
      eventID: 'shardId-000000000006:4959',
      kinesis: { sequenceNumber: '4959', data: 'e30=', approximateArrivalTimestamp: 1, partitionKey: 'p', kinesisSchemaVersion: '1.0' },
    } as Parameters<typeof fromKinesisEventRecord>[0]);
    expect(record).toEqual({ shardId: 'shardId-000000000006', sequenceNumber: '4959', data: 'e30=', approximateArrivalTimestamp: 1 });
  });
});

/** Batches over two shards with unique sequence numbers, mixed outcomes and arrivals over 3 hours. */
const arbitraryBatch = fc
  .uniqueArray(fc.integer({ min: 0, max: 9_999_999 }), { minLength: 1, maxLength: 60 })
  .chain((seqs) =>
    fc.tuple(
      ...seqs.map((n) =>
        fc.record({
          n: fc.constant(n),
          shard: fc.constantFrom('shardId-000000000000', 'shardId-000000000001'),
          payload: fc.constantFrom<string | Record<string, unknown>>(ratingEnvelope(), ratingEnvelope({ schema: TAG_URI, data: { user_id: 1, movie_id: 1, tag: 't' } }), '{', '[]', ratingEnvelope({ schema: RATING_URI.replace('1-0-0', '2-0-0') }), ratingEnvelope({ data: {} })),
          arrival: fc.integer({ min: 0, max: 3 * 3600 * 1000 }).map((ms) => ARRIVAL + ms / 1000),
        }),
      ),
    ),
  )
  .map((items) => items.map((i) => streamRecord(i.payload, { shardId: i.shard, sequenceNumber: sequenceNumber(i.n), approximateArrivalTimestamp: i.arrival })));

describe('planBatch', () => {
  const at = (iso: string): number => Date.parse(iso) / 1000;
  const batch: StreamRecord[] = [
    streamRecord(ratingEnvelope(), { sequenceNumber: sequenceNumber(1), approximateArrivalTimestamp: at('2024-05-01T23:59:59.999Z') }),
    streamRecord('{', { sequenceNumber: sequenceNumber(2), approximateArrivalTimestamp: at('2024-05-01T23:59:59.999Z') }),
    streamRecord(ratingEnvelope({ schema: TAG_URI, data: { user_id: 1, movie_id: 2, tag: 'a' } }), { sequenceNumber: sequenceNumber(3), approximateArrivalTimestamp: at('2024-05-02T00:00:00.000Z') }),
    streamRecord(ratingEnvelope(), { sequenceNumber: sequenceNumber(4), approximateArrivalTimestamp: at('2024-05-02T00:00:00.000Z') }),
    streamRecord(ratingEnvelope(), { sequenceNumber: sequenceNumber(5), approximateArrivalTimestamp: at('2024-05-01T23:10:00.000Z') }),
    streamRecord('[]', { sequenceNumber: sequenceNumber(6), approximateArrivalTimestamp: at('2024-05-02T00:00:01.000Z') }),
  ];

  it('groups valid events per contract model and UTC arrival hour, and bad rows per failure type and hour', () => {
    const plan = planBatch(batch, options);
    const shard = 'shardId-000000000000';
    expect(plan.objects.map((o) => [o.zone, o.key, o.sequenceNumbers.map((s) => s.slice(-1))])).toEqual([
      ['raw', `events/com.lakeforge.ott/rating_submitted/v1/dt=2024-05-01/hour=23/${shard}-${sequenceNumber(1)}-${sequenceNumber(5)}.json.gz`, ['1', '5']],
      ['raw', `events/com.lakeforge.ott/rating_submitted/v1/dt=2024-05-02/hour=00/${shard}-${sequenceNumber(4)}-${sequenceNumber(4)}.json.gz`, ['4']],
      ['raw', `events/com.lakeforge.ott/tag_added/v1/dt=2024-05-02/hour=00/${shard}-${sequenceNumber(3)}-${sequenceNumber(3)}.json.gz`, ['3']],
      ['quarantine', `bad-rows/envelope_invalid/dt=2024-05-02/hour=00/${shard}-${sequenceNumber(6)}-${sequenceNumber(6)}.json.gz`, ['6']],
      ['quarantine', `bad-rows/not_json/dt=2024-05-01/hour=23/${shard}-${sequenceNumber(2)}-${sequenceNumber(2)}.json.gz`, ['2']],
    ]);
    expect(plan.accepted).toBe(4);
    expect(plan.badRows).toEqual({ ...Object.fromEntries(FAILURE_TYPES.map((t) => [t, 0])), not_json: 1, envelope_invalid: 1 });
  });

  it('puts contract versions of one model in the same object', () => {
    const v101 = 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-1';
    const registry = { ...validators, [v101]: validators[RATING_URI] };
    const plan = planBatch(
      [streamRecord(ratingEnvelope(), { sequenceNumber: sequenceNumber(1) }), streamRecord(ratingEnvelope({ schema: v101 }), { sequenceNumber: sequenceNumber(2) })],
      { validators: registry },
    );
    expect(plan.objects).toHaveLength(1);
    expect(plan.objects[0].lines.map((l) => (JSON.parse(l) as { schema: string }).schema)).toEqual([RATING_URI, v101]);
  });

  it('serialises raw lines with the conventional key order', () => {
    const line = planBatch([batch[0]], options).objects[0].lines[0];
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['schema', 'event_id', 'event_time', 'data', 'arrival_time', 'shard_id', 'sequence_number']);
  });

  it('puts every record in exactly one object whose key names its shard and its first and last sequence numbers', () => {
    fc.assert(
      fc.property(arbitraryBatch, (records) => {
        const plan = planBatch(records, options);
        const seen = plan.objects.flatMap((o) => o.sequenceNumbers.map((s) => `${o.key.split('/').pop()?.slice(0, 20)}:${s}`));
        expect(new Set(seen).size).toBe(records.length);
        expect(seen.sort()).toEqual(records.map((r) => `${r.shardId}:${r.sequenceNumber}`).sort());
        for (const object of plan.objects) {
          const seqs = [...object.sequenceNumbers];
          expect(seqs).toEqual([...seqs].sort());
          const shard = (JSON.parse(object.lines[0]) as { shard_id: string }).shard_id;
          expect(object.key.endsWith(`/${shard}-${seqs[0]}-${seqs[seqs.length - 1]}.json.gz`)).toBe(true);
          expect(object.lines).toHaveLength(seqs.length);
        }
        expect(new Set(plan.objects.map((o) => o.key)).size).toBe(plan.objects.length);
      }),
    );
  });

  it('derives the same objects from the same records in any order (a retried batch overwrites itself)', () => {
    fc.assert(
      fc.property(arbitraryBatch, fc.integer(), (records, seed) => {
        const shuffled = [...records].sort((a, b) => ((a.sequenceNumber.charCodeAt(55) * 31 + seed) % 7) - ((b.sequenceNumber.charCodeAt(55) * 31 + seed) % 7));
        const a = planBatch(records, options);
        const b = planBatch(shuffled, options);
        expect(b).toEqual(a);
        expect(b.objects.map((o) => encodeObjectBody(o.lines))).toEqual(a.objects.map((o) => encodeObjectBody(o.lines)));
      }),
    );
  });

  it('matches each line to the partition in its key', () => {
    fc.assert(
      fc.property(arbitraryBatch, (records) => {
        for (const object of planBatch(records, options).objects) {
          for (const line of object.lines) {
            const parsed = JSON.parse(line) as { arrival_time: string; failure_type?: string; schema?: string };
            const hour = `dt=${parsed.arrival_time.slice(0, 10)}/hour=${parsed.arrival_time.slice(11, 13)}/`;
            const head = object.zone === 'raw' ? `events/${(parsed.schema ?? '').split(/[:/]/).slice(1, 3).join('/')}/v1/` : `bad-rows/${parsed.failure_type}/`;
            expect(object.key.startsWith(head + hour)).toBe(true);
          }
        }
      }),
    );
  });
});

describe('encodeObjectBody', () => {
  it('writes gzip JSON Lines ending in a newline', () => {
    expect(gunzipSync(encodeObjectBody(['{"a":1}', '{"b":2}'])).toString('utf8')).toBe('{"a":1}\n{"b":2}\n');
  });
});

describe('retry checkpoints, recovery and batch item failures', () => {
  const shard = 'shardId-000000000000';
  const tag = (n: number): Record<string, unknown> => ratingEnvelope({ schema: TAG_URI, data: { user_id: n, movie_id: 1, tag: 't' } });
  // Objects: ratings [1,4,7], tags [2,6], not_json [3], schema_unknown [5], size_exceeded [8].
  const payloads: Array<string | Record<string, unknown>> = [ratingEnvelope(), tag(2), '{', ratingEnvelope(), ratingEnvelope({ schema: RATING_URI.replace('1-0-0', '5-0-0') }), tag(6), ratingEnvelope(), 'x'.repeat(1100)];
  const plan = planBatch(payloads.map((p, i) => streamRecord(p, { sequenceNumber: sequenceNumber(i + 1) })), options);
  const keyOf = (part: string): string => plan.objects.find((o) => o.key.includes(part))?.key ?? '';
  const numbers = (seqs: readonly string[]): number[] => seqs.map((s) => Number(s.slice(-7)));

  it.each<[string, string[], number[], Array<[number[], number[]]>, number[]]>([
    // name, failed objects, expected deletes (first record), rewrites [replaced records, kept records], failures
    ['the tag object', ['/tag_added/'], [2, 3, 5, 8], [[[1, 4, 7], [1]]], [2, 3, 4, 5, 6, 7, 8]],
    ['the last bad-row object', ['/size_exceeded/'], [8], [], [8]],
    ['the first object', ['/rating_submitted/'], [1, 2, 3, 5, 8], [], [1, 2, 3, 4, 5, 6, 7, 8]],
    ['two objects', ['/schema_unknown/', '/tag_added/'], [2, 3, 5, 8], [[[1, 4, 7], [1]]], [2, 3, 4, 5, 6, 7, 8]],
  ])('after a failed write of %s, trims and deletes what the retry re-delivers and reports it', (_name, failedParts, deletes, rewrites, failures) => {
    const checkpoints = retryCheckpoints(plan, new Set(failedParts.map(keyOf)));
    const recovery = planRecovery(plan.objects, checkpoints);

    expect(recovery.deletes.map((o) => numbers(o.sequenceNumbers)[0]).sort((a, b) => a - b)).toEqual(deletes);
    expect(recovery.rewrites.map((r) => [numbers(r.replaces.sequenceNumbers), numbers(r.object.sequenceNumbers)])).toEqual(rewrites);
    for (const r of recovery.rewrites) {
      expect(r.object.key).toBe(`${r.replaces.prefix}${shard}-${r.object.sequenceNumbers[0]}-${r.object.sequenceNumbers[r.object.sequenceNumbers.length - 1]}.json.gz`);
      expect(r.object.lines).toEqual(r.replaces.lines.slice(0, r.object.lines.length));
    }
    expect(numbers(batchItemFailures(plan, checkpoints).map((f) => f.itemIdentifier))).toEqual(failures);
  });

  it('reports nothing and recovers nothing when no write failed', () => {
    const checkpoints = retryCheckpoints(plan, new Set());
    expect(checkpoints.size).toBe(0);
    expect(planRecovery(plan.objects, checkpoints)).toEqual({ rewrites: [], deletes: [] });
    expect(batchItemFailures(plan, checkpoints)).toEqual([]);
  });

  it('orders item identifiers numerically, not as text', () => {
    const short = planBatch([streamRecord(ratingEnvelope(), { sequenceNumber: '9' }), streamRecord(ratingEnvelope(), { sequenceNumber: '10' })], options);
    const checkpoints = retryCheckpoints(short, new Set([short.objects[0].key]));
    expect(batchItemFailures(short, checkpoints)).toEqual([{ itemIdentifier: '9' }, { itemIdentifier: '10' }]);
  });

  it('fails loudly rather than report an empty item identifier', () => {
    const broken = planBatch([streamRecord(ratingEnvelope(), { sequenceNumber: '' }), streamRecord(ratingEnvelope(), { sequenceNumber: '5' })], options);
    expect(() => batchItemFailures(broken, retryCheckpoints(broken, new Set([broken.objects[0].key])))).toThrow(/empty sequence number/);
  });

  it('leaves each record before the checkpoint in the lake exactly once and reports exactly the others, for any failures', () => {
    fc.assert(
      fc.property(arbitraryBatch, fc.infiniteStream(fc.boolean()), (records, coin) => {
        const batchPlan = planBatch(records, options);
        const failed = new Set(batchPlan.objects.filter(() => coin.next().value).map((o) => o.key));
        const checkpoints = retryCheckpoints(batchPlan, failed);
        const recovery = planRecovery(batchPlan.objects, checkpoints);
        // Worst case for duplicates: every failed write was stored anyway.
        const lake = new Map(batchPlan.objects.map((o) => [o.key, o]));
        for (const r of recovery.rewrites) lake.set(r.object.key, r.object);
        for (const o of [...recovery.deletes, ...recovery.rewrites.map((r) => r.replaces)]) lake.delete(o.key);
        const inLake = [...lake.values()].flatMap((o) => o.sequenceNumbers.map((s) => `${o.shardId}:${s}`));
        const reported = new Set(batchItemFailures(batchPlan, checkpoints).map((f) => f.itemIdentifier));

        expect(new Set(inLake).size).toBe(inLake.length);
        for (const r of records) {
          const id = `${r.shardId}:${r.sequenceNumber}`;
          const checkpoint = checkpoints.get(r.shardId);
          const retried = checkpoint !== undefined && r.sequenceNumber >= checkpoint;
          expect(inLake.includes(id)).toBe(!retried);
          expect(reported.has(r.sequenceNumber)).toBe(retried);
        }
        for (const [shardId, checkpoint] of checkpoints) {
          const lowestFailed = batchPlan.objects.filter((o) => o.shardId === shardId && failed.has(o.key)).map((o) => o.sequenceNumbers[0]).sort()[0];
          expect(checkpoint).toBe(lowestFailed);
        }
      }),
    );
  });
});
