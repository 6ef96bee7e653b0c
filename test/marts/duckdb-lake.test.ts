/**
 * The pipeline plan on a small fixture lake, run by the local runner (the state machine's statements on
 * DuckDB): curated tables deduplicated by event id with the earliest arrival, partitioned by UTC event
 * date; idempotent re-runs; the reference marts row by row; late events; the incremental window.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { curatedTable } from '../../lib/marts/curated';
import type { Mart } from '../../lib/marts/declaration';
import { DuckDbLake, type LakeRow } from '../../tools/local/duckdb-lake';
import type { PipelineRunner, PipelineRunReport } from '../../tools/local/pipeline-runner';
import { addMinutes, curatedWindow, fixturePlan, fixtureRunner, windowAfter } from '../fixtures/marts/pipeline';
import { rawEvent, writeBatchCsv, writeRawEvents } from '../fixtures/marts/raw-lake';

const contracts = readContractTables(path.join(__dirname, '../../config/contracts'));
const ratingC = contracts.find((c) => c.contractName === 'rating_submitted') as ContractTable;
const tagC = contracts.find((c) => c.contractName === 'tag_added') as ContractTable;
const RATINGS = curatedTable(ratingC).name;
const TAGS = curatedTable(tagC).name;
const mart = (name: string): Mart => MARTS.find((m) => m.name === name) as Mart;

const MOVIES_CSV = [
  'movieId,title,genres',
  '1,Toy Story (1995),Adventure|Animation',
  '2,"Heat, The (1995)",Action|Crime',
  '3,"Odd ""Quoted"" Film",(no genres listed)',
  '4,Unrated,Drama',
].join('\r\n') + '\r\n';

const rating = (id: string, user: number, movie: number, value: number, eventTime: string, arrival: string) =>
  rawEvent(ratingC, { id, eventTime, arrival, data: { user_id: user, movie_id: movie, rating: value } });
const tag = (id: string, user: number, movie: number, text: string, eventTime: string, arrival: string) =>
  rawEvent(tagC, { id, eventTime, arrival, data: { user_id: user, movie_id: movie, tag: text } });

const A1 = '2024-01-05T10:00:00.000Z';
const A2 = '2024-01-05T11:30:00.000Z';
/** Before every arrival of the fixture (the old arrival of the incremental test included). */
const GO_LIVE = '2024-01-01';
const plan = fixturePlan(contracts, MARTS, GO_LIVE);
/** Run starts (`{{run_started_at}}`): each after the arrivals it is meant to read. */
const RUN1 = addMinutes(A2, 35);
const RUN2 = addMinutes(RUN1, 60);
const LATE_ARRIVAL = addMinutes(RUN2, 11 * 60 + 5);
const RUN3 = addMinutes(LATE_ARRIVAL, 55);
const RUN4 = addMinutes(RUN3, 60);
/** Arrived an hour before the window that follows RUN3 begins, and landed in the raw zone only now. */
const OLD_ARRIVAL = addMinutes(RUN3, -(plan.lookbackHours + 1) * 60);

function plain(rows: LakeRow[]): LakeRow[] {
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v])),
  );
}
const byKey = (key: string) => (a: LakeRow, b: LakeRow) => String(a[key]).localeCompare(String(b[key]));
/** Rows a step's writes inserted, updated and deleted in a run, by merge action. */
const actionsOf = (report: PipelineRunReport, stepId: string) => report.steps.find((s) => s.id === stepId)?.actions;
/** `(dt, hour)` as one comparable string `YYYY-MM-DDTHH`. */
const partition = (w: { since_dt: string; since_hour: string }): string => `${w.since_dt}T${w.since_hour}`;

describe('pipeline plan on a fixture lake (local runner)', () => {
  let lakeDir: string;
  let lake: DuckDbLake;
  let runner: PipelineRunner;
  let first: PipelineRunReport;

  beforeAll(async () => {
    lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-marts-'));
    writeBatchCsv(lakeDir, 'movies', 'movies.csv', MOVIES_CSV);
    writeRawEvents(lakeDir, ratingC, [
      rating('r1', 1, 1, 4.0, '2024-01-01T10:00:00Z', A1),
      // 23:30 at UTC-2 is 01:30 UTC the next day: belongs to 2024-01-02.
      rating('r2', 2, 1, 3.0, '2024-01-01T23:30:00-02:00', A1),
      rating('r3', 1, 2, 5.0, '2024-01-02T08:00:00Z', A1),
      rating('r4', 2, 3, 2.0, '2024-01-03T05:00:00Z', A1),
      // The same event again, later, with a different payload: the earliest arrival must win.
      rating('r1', 1, 1, 1.0, '2024-01-01T10:00:00Z', A2),
    ], 'first');
    writeRawEvents(lakeDir, tagC, [
      tag('t1', 3, 1, 'funny', '2024-01-01T12:00:00Z', A1),
      tag('t2', 1, 3, 'dark', '2024-01-03T00:00:00Z', A1),
      tag('t3', 4, 4, 'later', '2024-01-04T00:00:00Z', A2),
    ], 'first');
    lake = await DuckDbLake.open(lakeDir, contracts, MARTS, { env: plan.env });
    runner = fixtureRunner(lake, plan, contracts, MARTS);
    first = await runner.run({ runStartedAt: RUN1, executionId: 'local:1' });
  });

  afterAll(() => {
    lake.close();
    fs.rmSync(lakeDir, { recursive: true, force: true });
  });

  it('curates each event once, keeping the earliest arrival, partitioned by UTC event date', async () => {
    expect(actionsOf(first, RATINGS)).toEqual({ INSERT: 4 });
    expect(actionsOf(first, TAGS)).toEqual({ INSERT: 3 });
    const rows = plain((await lake.query(`SELECT event_id, rating, dt, arrival_time FROM ${RATINGS} ORDER BY event_id`)).rows);
    expect(rows).toEqual([
      { event_id: 'r1', rating: 4, dt: '2024-01-01', arrival_time: A1 },
      { event_id: 'r2', rating: 3, dt: '2024-01-02', arrival_time: A1 },
      { event_id: 'r3', rating: 5, dt: '2024-01-02', arrival_time: A1 },
      { event_id: 'r4', rating: 2, dt: '2024-01-03', arrival_time: A1 },
    ]);
    expect(first.steps.find((s) => s.id === RATINGS)?.partitionsPerWrite.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('re-running the pipeline with no new arrivals re-reads them and writes nothing', async () => {
    const window = await curatedWindow(lake, plan, RATINGS);
    expect(window).toEqual(windowAfter(RUN1, plan.lookbackHours));
    expect(partition(window) <= A1.slice(0, 13)).toBe(true);
    const again = await runner.run({ runStartedAt: RUN2, executionId: 'local:2' });
    expect(again.steps.map((s) => [s.id, s.actions])).toEqual(again.steps.map((s) => [s.id, {}]));
  });

  it.each([
    [
      'daily_engagement',
      'dt',
      [
        { dt: '2024-01-01', active_users: 2, ratings: 1, tags: 1, avg_rating: 4 },
        { dt: '2024-01-02', active_users: 2, ratings: 2, tags: 0, avg_rating: 4 },
        { dt: '2024-01-03', active_users: 2, ratings: 1, tags: 1, avg_rating: 2 },
        { dt: '2024-01-04', active_users: 1, ratings: 0, tags: 1, avg_rating: null },
      ],
    ],
    [
      'title_popularity',
      'movie_id',
      [
        { movie_id: 1, title: 'Toy Story (1995)', genres: ['Adventure', 'Animation'], ratings: 2, avg_rating: 3.5, tags: 1, first_rated_at: '2024-01-01T10:00:00.000Z', last_rated_at: '2024-01-02T01:30:00.000Z' },
        { movie_id: 2, title: 'Heat, The (1995)', genres: ['Action', 'Crime'], ratings: 1, avg_rating: 5, tags: 0, first_rated_at: '2024-01-02T08:00:00.000Z', last_rated_at: '2024-01-02T08:00:00.000Z' },
        { movie_id: 3, title: 'Odd "Quoted" Film', genres: ['(no genres listed)'], ratings: 1, avg_rating: 2, tags: 1, first_rated_at: '2024-01-03T05:00:00.000Z', last_rated_at: '2024-01-03T05:00:00.000Z' },
      ],
    ],
    [
      'genre_ratings',
      'genre',
      [
        { genre: '(no genres listed)', ratings: 1, avg_rating: 2, users: 1 },
        { genre: 'Action', ratings: 1, avg_rating: 5, users: 1 },
        { genre: 'Adventure', ratings: 2, avg_rating: 3.5, users: 2 },
        { genre: 'Animation', ratings: 2, avg_rating: 3.5, users: 2 },
        { genre: 'Crime', ratings: 1, avg_rating: 5, users: 1 },
      ],
    ],
  ])('mart %s holds exactly the expected rows after the run', async (name, key, expected) => {
    const rows = (await lake.query(`SELECT * FROM ${mart(name).table}`)).rows;
    expect(plain(rows).sort(byKey(key))).toEqual(expected);
  });

  it.each(MARTS.map((m) => [m.name, m] as const))('mart %s SELECT returns its declared Glue column types', async (_name, m) => {
    const result = await lake.query(m.sql);
    const glue: Record<string, string> = { VARCHAR: 'string', INTEGER: 'int', BIGINT: 'bigint', DOUBLE: 'double', TIMESTAMP: 'timestamp', 'VARCHAR[]': 'array<string>' };
    expect(result.columns.map((c) => ({ name: c.name, type: glue[c.type] ?? c.type }))).toEqual(m.output.columns.map((c) => ({ name: c.name, type: c.type })));
  });

  it('a late event from an earlier day lands in its event-date partition on the next run', async () => {
    writeRawEvents(lakeDir, ratingC, [rating('late1', 9, 2, 1.0, '2023-12-31T22:00:00Z', LATE_ARRIVAL)], 'late');
    await lake.refreshViews();
    const run = await runner.run({ runStartedAt: RUN3, executionId: 'local:3' });
    expect(actionsOf(run, RATINGS)).toEqual({ INSERT: 1 });
    expect(actionsOf(run, TAGS)).toEqual({});
    expect((await lake.query(`SELECT dt FROM ${RATINGS} WHERE event_id = 'late1'`)).rows).toEqual([{ dt: '2023-12-31' }]);
    expect(actionsOf(run, mart('daily_engagement').table)).toEqual({ INSERT: 1 });
    const daily = plain((await lake.query(`SELECT * FROM ${mart('daily_engagement').table}`)).rows);
    expect(daily.find((r) => r.dt === '2023-12-31')).toEqual({ dt: '2023-12-31', active_users: 1, ratings: 1, tags: 0, avg_rating: 1 });
  });

  it("reads only arrival partitions from the last successful run's start minus the lookback (incremental)", async () => {
    expect(OLD_ARRIVAL >= GO_LIVE).toBe(true);
    writeRawEvents(lakeDir, ratingC, [rating('old-arrival', 9, 1, 1.0, '2024-01-01T00:00:00Z', OLD_ARRIVAL)], 'old');
    await lake.refreshViews();
    const window = await curatedWindow(lake, plan, RATINGS);
    expect(window).toEqual(windowAfter(RUN3, plan.lookbackHours));
    expect(partition(window) > OLD_ARRIVAL.slice(0, 13)).toBe(true);
    const run = await runner.run({ runStartedAt: RUN4, executionId: 'local:4' });
    expect(actionsOf(run, RATINGS)).toEqual({});
    expect((await lake.query(`SELECT count(*) AS n FROM ${RATINGS} WHERE event_id = 'old-arrival'`)).rows[0].n).toBe(0n);
  });

  it('a backfill from its arrival date curates an arrival older than the window', async () => {
    const run = await runner.run({ runStartedAt: addMinutes(RUN4, 60), executionId: 'local:5', backfillFrom: OLD_ARRIVAL.slice(0, 10) });
    expect(actionsOf(run, RATINGS)).toEqual({ INSERT: 1 });
    expect((await lake.query(`SELECT dt FROM ${RATINGS} WHERE event_id = 'old-arrival'`)).rows).toEqual([{ dt: '2024-01-01' }]);
  });
});
