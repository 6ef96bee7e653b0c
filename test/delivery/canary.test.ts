import { planBatch, type StreamRecord } from '../../lambdas/ingest/core';
import { validators } from '../../lambdas/ingest/generated/validators';
import { loadPlatform } from '../../config/platform';
import {
  arrivalHourPartitions,
  attribute,
  buildCanary,
  CANARY_CURATED_TABLE,
  CANARY_SCHEMA_URI,
  planCleanup,
  quarantinePrefixes,
  rawPrefixes,
  type CanaryObject,
} from '../../tools/smoke/canary';

const ids = (...n: number[]): string[] => n.map((i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const uuids = (): (() => string) => {
  const queue = ids(1, 2);
  return () => queue.shift()!;
};

describe('smoke canary (pure)', () => {
  it('uses a contract of config/contracts and its curated table', () => {
    const table = loadPlatform().contractTables.find((t) => t.tableName === CANARY_CURATED_TABLE);
    expect(table).toBeDefined();
    expect(CANARY_SCHEMA_URI).toMatch(/^iglu:com\.lakeforge\.ott\/rating_submitted\/jsonschema\/1-0-0$/);
  });

  it('builds one valid and one invalid envelope whose event ids are the run\'s to attribute', () => {
    const c = buildCanary(Date.UTC(2026, 11, 1, 10, 30), uuids());
    expect(c.id).toBe(ids(1)[0]);
    expect([c.valid.event_id, c.invalid.event_id]).toEqual(ids(1, 2));
    expect([...c.eventIds]).toEqual(ids(1, 2));
    expect(c.valid.event_time).toBe('2026-12-01T10:30:00.000Z');
  });

  it('lands where the smoke test looks: the ingest function\'s own key layout for the canaries, per arrival hour', () => {
    const c = buildCanary(0, uuids());
    const arrival = Date.UTC(2026, 11, 1, 23, 59, 59);
    const records: StreamRecord[] = [c.valid, c.invalid].map((e, i) => ({
      shardId: 'shardId-000000000000',
      sequenceNumber: String(i + 1),
      data: Buffer.from(JSON.stringify(e)).toString('base64'),
      approximateArrivalTimestamp: arrival / 1000,
    }));
    const plan = planBatch(records, { validators, maxRecordBytes: 1024 * 1024 });
    const prefixes = plan.objects.map((o) => o.key.slice(0, o.key.lastIndexOf('/') + 1)).sort();
    expect(prefixes).toEqual([quarantinePrefixes(arrival, arrival)[0], rawPrefixes(arrival, arrival)[0]].sort());
  });

  it.each([
    ['one hour', Date.UTC(2026, 11, 1, 10, 5), Date.UTC(2026, 11, 1, 10, 50), ['dt=2026-12-01/hour=10/']],
    ['across an hour', Date.UTC(2026, 11, 1, 10, 59), Date.UTC(2026, 11, 1, 11, 1), ['dt=2026-12-01/hour=10/', 'dt=2026-12-01/hour=11/']],
    ['across midnight', Date.UTC(2026, 11, 31, 23, 58), Date.UTC(2027, 0, 1, 0, 2), ['dt=2026-12-31/hour=23/', 'dt=2027-01-01/hour=00/']],
  ])('lists the arrival-hour partitions of a wait %s', (_name, from, to, expected) => {
    expect(arrivalHourPartitions(from, to)).toEqual(expected);
  });

  it.each([
    ['only canary lines', [`{"event_id":"${ids(1)[0]}"}`, `{"event_id":"${ids(2)[0]}"}`], { found: ids(1, 2), others: 0 }],
    ['a line of another producer', [`{"event_id":"${ids(1)[0]}"}`, `{"event_id":"${ids(9)[0]}"}`], { found: ids(1), others: 1 }],
    ['a line without event_id or not JSON', [`{"event_id":"${ids(2)[0]}"}`, '{"failure_type":"not_json"}', 'garbage'], { found: ids(2), others: 2 }],
  ])('attributes an object with %s', (_name, lines, expected) => {
    expect(attribute(`${lines.join('\n')}\n`, new Set(ids(1, 2)))).toEqual(expected);
  });

  const mine: CanaryObject = { bucket: 'raw', key: 'a', attribution: { found: ids(1), others: 0 } };
  const shared: CanaryObject = { bucket: 'raw', key: 'b', attribution: { found: ids(2), others: 3 } };
  it.each([
    ['dev', true, { remove: [mine], keep: [shared] }],
    ['acc', true, { remove: [mine], keep: [shared] }],
    ['dev', false, { remove: [], keep: [mine, shared], skipped: 'clean-up is off (--no-cleanup)' }],
    ['prod', true, { remove: [], keep: [mine, shared], skipped: 'prod data is never deleted' }],
  ])('in %s with clean-up %s removes only objects it can attribute entirely to itself', (env, cleanup, expected) => {
    expect(planCleanup(env as string, [mine, shared], cleanup as boolean)).toEqual(expected);
  });
});
