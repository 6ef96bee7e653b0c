import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import * as fc from 'fast-check';
import { athenaPort } from '../../../lambdas/mart-refresh/adapters';
import {
  FRESHNESS_COLUMNS,
  freshnessValues,
  parseAthenaTimestamp,
  parseFreshnessResult,
  refresh,
  renderFreshnessQuery,
  utcDateDaysBefore,
  type FreshnessOutcome,
  type RefreshDeps,
} from '../../../lambdas/mart-refresh/core';
import { FRESHNESS_WINDOW_DAYS, type FreshnessProbe, type RefreshPlan, type RefreshStep } from '../../../lib/marts/render';
import { trinoSql } from '../../../lib/marts/trino-parser';

const probe = (table = 'rating_submitted_v1', windowDays = 8): FreshnessProbe => ({ table: { database: 'lakeforge_dev_curated', table }, windowDays });
const header = [...FRESHNESS_COLUMNS];

describe('utcDateDaysBefore', () => {
  it.each([
    ['2024-05-10T12:00:00Z', 8, '2024-05-02'],
    ['2024-03-01T00:00:00Z', 1, '2024-02-29'],
    ['2023-03-01T00:00:00Z', 1, '2023-02-28'],
    ['2024-01-01T23:59:59.999Z', 0, '2024-01-01'],
    ['2025-01-03T00:30:00+02:00', 1, '2025-01-01'],
  ])('at %s, %i days back is %s (UTC calendar)', (now, days, expected) => {
    expect(utcDateDaysBefore(new Date(now), days)).toBe(expected);
  });

  it('is exactly `days` UTC midnights before the date of now', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.nat({ max: 400 }), (now, days) => {
        const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
        expect(Date.parse(`${utcDateDaysBefore(now, days)}T00:00:00Z`)).toBe(midnight - days * 86_400_000);
      }),
    );
  });

  it.each([[-1], [1.5], [Number.NaN]])('fails on a window of %p days', (days) => {
    expect(() => utcDateDaysBefore(new Date('2024-05-10T00:00:00Z'), days)).toThrow(/whole number of days/);
  });
});

describe('renderFreshnessQuery', () => {
  it('reads the newest arrival and event time of the event-date partitions in the window only', () => {
    expect(renderFreshnessQuery(probe('tag_added_v1', 2), new Date('2024-05-10T00:10:00Z'))).toBe(
      [
        'SELECT max(arrival_time) AS newest_arrival_time, max(event_time) AS newest_event_time',
        'FROM lakeforge_dev_curated.tag_added_v1',
        "WHERE dt >= '2024-05-08'",
      ].join('\n'),
    );
  });

  it('renders SQL that parses with the Trino grammar (Athena engine 3)', () => {
    expect(trinoSql().validate(renderFreshnessQuery(probe(), new Date('2024-05-10T12:00:00Z')))).toEqual([]);
  });

  it('covers the longest declarable freshness SLA (7 days) with the default window', () => {
    const now = new Date('2024-05-10T00:00:01Z');
    const oldestDt = /dt >= '([\d-]+)'/.exec(renderFreshnessQuery(probe('t', FRESHNESS_WINDOW_DAYS), now))![1];
    expect(Date.parse(`${oldestDt}T00:00:00Z`)).toBeLessThanOrEqual(now.getTime() - 7 * 86_400_000);
  });

  it.each([
    ['a database', { database: 'lakeforge-dev; DROP', table: 't' }],
    ['a table', { database: 'lakeforge_dev_curated', table: 'T"x' }],
  ])('fails when %s is not a plain identifier', (_what, table) => {
    expect(() => renderFreshnessQuery({ table, windowDays: 1 }, new Date())).toThrow(/not a plain identifier/);
  });
});

describe('parseAthenaTimestamp', () => {
  it.each([
    ['2024-05-10 12:34:56.789', '2024-05-10T12:34:56.789Z'],
    ['2024-05-10 12:34:56.789123', '2024-05-10T12:34:56.789Z'],
    ['2024-05-10 12:34:56', '2024-05-10T12:34:56.000Z'],
    ['2024-05-10 12:34:56.5', '2024-05-10T12:34:56.500Z'],
    ['2024-05-10 12:34:56.789 UTC', '2024-05-10T12:34:56.789Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
  ])('reads %s as %s (UTC)', (text, iso) => {
    expect(parseAthenaTimestamp(text).toISOString()).toBe(iso);
  });

  it.each([['2024-02-30 00:00:00'], ['2024-05-10 24:00:00'], ['2024-05-10'], ['12:00:00'], [''], ['2024-05-10 12:00:00+02:00']])('fails on %p', (text) => {
    expect(() => parseAthenaTimestamp(text)).toThrow(/Not an Athena timestamp|Not a calendar time/);
  });

  it('reads back any millisecond timestamp printed with microsecond precision', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), (d) => {
        const printed = `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}000`;
        expect(parseAthenaTimestamp(printed).getTime()).toBe(d.getTime());
      }),
    );
  });
});

describe('parseFreshnessResult', () => {
  const reading = { newestArrival: new Date('2024-05-10T11:00:00.000Z'), newestEvent: new Date('2024-05-10T10:59:00.000Z') };
  it.each([
    ['with the header row Athena returns', [header, ['2024-05-10 11:00:00.000000', '2024-05-10 10:59:00.000000']]],
    ['without a header row', [['2024-05-10 11:00:00.000', '2024-05-10 10:59:00.000']]],
  ])('reads the newest arrival and event time %s', (_how, rows) => {
    expect(parseFreshnessResult(rows)).toEqual(reading);
  });

  it('returns nothing when the window holds no event (both NULL)', () => {
    expect(parseFreshnessResult([header, [undefined, undefined]])).toBeUndefined();
  });

  it.each([
    ['no row', [header]],
    ['two rows', [header, ['2024-05-10 11:00:00', '2024-05-10 11:00:00'], ['2024-05-10 11:00:00', '2024-05-10 11:00:00']]],
    ['one column', [['2024-05-10 11:00:00']]],
    ['only event_time NULL', [header, ['2024-05-10 11:00:00', undefined]]],
    ['only arrival_time NULL', [header, [undefined, '2024-05-10 11:00:00']]],
    ['a value that is not a timestamp', [header, ['yesterday', '2024-05-10 11:00:00']]],
  ])('fails on %s', (_what, rows) => {
    expect(() => parseFreshnessResult(rows)).toThrow(/Freshness result|Not an Athena timestamp/);
  });
});

describe('freshnessValues', () => {
  it.each([
    ['2024-05-10T12:00:00Z', '2024-05-10T11:00:00Z', '2024-05-10T10:00:00Z', 3600, 7200],
    ['2024-05-10T12:00:00.500Z', '2024-05-10T12:00:00Z', '2024-05-10T12:00:00Z', 0.5, 0.5],
    ['2024-05-10T12:00:00Z', '2024-05-10T12:00:00Z', '2024-05-10T12:05:00Z', 0, -300],
  ])('at %s, arrival %s and event %s are %d s and %d s old', (now, arrival, event, freshness, lag) => {
    expect(freshnessValues({ newestArrival: new Date(arrival), newestEvent: new Date(event) }, new Date(now))).toEqual({ freshnessSeconds: freshness, eventLagSeconds: lag });
  });
});

describe('refresh reads freshness after each curated step', () => {
  const athena = mockClient(AthenaClient);
  const step = (id: string, dependsOn: string[], table?: string): RefreshStep => ({
    id,
    kind: id.startsWith('marts.') ? 'mart' : 'curated',
    schedule: 'cron(0 * * * ? *)',
    database: id.startsWith('marts.') ? 'lakeforge_dev_marts' : 'lakeforge_dev_curated',
    statements: [`MERGE INTO ${id}`],
    reads: [],
    writes: [],
    dependsOn,
    ...(table === undefined ? {} : { freshness: probe(table, 2) }),
  });
  const plan: Pick<RefreshPlan, 'steps'> = {
    steps: Object.fromEntries(
      [step('curated.rating_submitted_v1', [], 'rating_submitted_v1'), step('curated.tag_added_v1', [], 'tag_added_v1'), step('marts.top', ['curated.rating_submitted_v1', 'curated.tag_added_v1'])].map(
        (s) => [s.id, s],
      ),
    ),
  };
  const now = new Date('2024-05-10T12:00:00Z');
  let outcomes: FreshnessOutcome[];
  const deps = (): RefreshDeps => ({
    athena: athenaPort(new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })),
    workgroup: 'lakeforge-dev-platform',
    sleep: async () => undefined,
    now: () => now,
    onFreshness: (o) => outcomes.push(o),
  });
  const started = () => athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString!.split('\n')[0]);
  const row = (arrival?: string, event?: string) => ({ ResultSet: { Rows: [{ Data: header.map((h) => ({ VarCharValue: h })) }, { Data: [{ VarCharValue: arrival }, { VarCharValue: event }] }] } });

  beforeEach(() => {
    athena.reset();
    outcomes = [];
    let n = 0;
    athena.on(StartQueryExecutionCommand).callsFake(async () => ({ QueryExecutionId: `q${++n}` }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  });

  it('runs the freshness query right after each curated MERGE, and none after the mart', async () => {
    athena.on(GetQueryResultsCommand).resolves(row('2024-05-10 11:00:00.000000', '2024-05-10 10:00:00.000000'));
    const result = await refresh(plan, 'marts.top', deps());
    const select = 'SELECT max(arrival_time) AS newest_arrival_time, max(event_time) AS newest_event_time';
    expect(started()).toEqual(['MERGE INTO curated.rating_submitted_v1', select, 'MERGE INTO curated.tag_added_v1', select, 'MERGE INTO marts.top']);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.QueryExecutionId)).toEqual(['q2', 'q4']);
    expect(outcomes.map((o) => [o.kind, o.table, o.kind === 'measured' ? [o.freshnessSeconds, o.eventLagSeconds] : []])).toEqual([
      ['measured', 'rating_submitted_v1', [3600, 7200]],
      ['measured', 'tag_added_v1', [3600, 7200]],
    ]);
    // The refresh result lists the refresh statements only.
    expect(result.steps.map((s) => s.queryExecutionIds)).toEqual([['q1'], ['q3'], ['q5']]);
  });

  it('queries the curated table in its database and workgroup, over the probe window', async () => {
    athena.on(GetQueryResultsCommand).resolves(row('2024-05-10 11:00:00', '2024-05-10 11:00:00'));
    await refresh(plan, 'curated.tag_added_v1', deps());
    const input = athena.commandCalls(StartQueryExecutionCommand)[1].args[0].input;
    expect([input.QueryString, input.WorkGroup, input.QueryExecutionContext?.Database]).toEqual([
      renderFreshnessQuery(probe('tag_added_v1', 2), now),
      'lakeforge-dev-platform',
      'lakeforge_dev_curated',
    ]);
  });

  it('reports an empty window as empty, without failing the refresh', async () => {
    athena.on(GetQueryResultsCommand).resolves(row(undefined, undefined));
    await refresh(plan, 'curated.tag_added_v1', deps());
    expect(outcomes).toEqual([{ kind: 'empty', step: 'curated.tag_added_v1', table: 'tag_added_v1', queryExecutionId: 'q2', windowDays: 2 }]);
  });

  it.each([
    ['the query fails', () => athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q2' }).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'HIVE_CANNOT_OPEN_SPLIT' } } }), /q2 FAILED: HIVE_CANNOT_OPEN_SPLIT/],
    ['GetQueryResults is denied', () => athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q2' }).rejects(new Error('AccessDeniedException')), /AccessDeniedException/],
    ['the result is unreadable', () => athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q2' }).resolves(row('soon', 'later')), /Not an Athena timestamp/],
  ])('reports a failed read when %s, and still runs the steps after it', async (_what, arrange, message) => {
    athena.on(GetQueryResultsCommand).resolves(row('2024-05-10 11:00:00', '2024-05-10 11:00:00'));
    arrange();
    const result = await refresh(plan, 'marts.top', deps());
    expect(result.steps.map((s) => s.step)).toEqual(['curated.rating_submitted_v1', 'curated.tag_added_v1', 'marts.top']);
    expect(outcomes[0].kind).toBe('failed');
    expect(outcomes[0].kind === 'failed' && outcomes[0].error.message).toMatch(message);
    expect(outcomes[1].kind).toBe('measured');
  });
});
