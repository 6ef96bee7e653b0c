import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { DuckDbLake, type LakeRow } from '../../tools/local/duckdb-lake';
import { runCuratedStep } from '../../tools/local/curated';
import { rawEvent, writeBatchCsv, writeRawEvents } from '../fixtures/marts/raw-lake';

const contracts = readContractTables(path.join(__dirname, '../../config/contracts'));
const ratingC = contracts.find((c) => c.contractName === 'rating_submitted') as ContractTable;
const tagC = contracts.find((c) => c.contractName === 'tag_added') as ContractTable;
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

function plain(rows: LakeRow[]): LakeRow[] {
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v])),
  );
}
const byKey = (key: string) => (a: LakeRow, b: LakeRow) => String(a[key]).localeCompare(String(b[key]));

describe('local DuckDB lake on fixture data', () => {
  let lakeDir: string;
  let lake: DuckDbLake;

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
    lake = await DuckDbLake.open(lakeDir, contracts, MARTS);
  });

  afterAll(() => {
    lake.close();
    fs.rmSync(lakeDir, { recursive: true, force: true });
  });

  it('curates each event once, keeping the earliest arrival, partitioned by UTC event date', async () => {
    const r = await runCuratedStep(lake, ratingC);
    await runCuratedStep(lake, tagC);
    expect(r).toEqual({ table: 'curated.rating_submitted_v1', sourceRows: 4, inserted: 4 });
    const rows = plain((await lake.query('SELECT event_id, rating, dt, arrival_time FROM curated.rating_submitted_v1 ORDER BY event_id')).rows);
    expect(rows).toEqual([
      { event_id: 'r1', rating: 4, dt: '2024-01-01', arrival_time: A1 },
      { event_id: 'r2', rating: 3, dt: '2024-01-02', arrival_time: A1 },
      { event_id: 'r3', rating: 5, dt: '2024-01-02', arrival_time: A1 },
      { event_id: 'r4', rating: 2, dt: '2024-01-03', arrival_time: A1 },
    ]);
    expect(fs.readdirSync(lake.curatedDir(ratingC)).sort()).toEqual(['dt=2024-01-01', 'dt=2024-01-02', 'dt=2024-01-03']);
  });

  it('re-running the curated step with no new arrivals inserts nothing', async () => {
    expect((await runCuratedStep(lake, ratingC)).inserted).toBe(0);
    expect((await runCuratedStep(lake, tagC)).inserted).toBe(0);
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
  ])('mart %s returns exactly the expected rows', async (name, key, expected) => {
    const result = await lake.runMart(mart(name));
    expect(plain(result.rows).sort(byKey(key))).toEqual(expected);
    expect(fs.existsSync(path.join(lake.martDir(mart(name)), 'data.parquet'))).toBe(true);
  });

  it.each(MARTS.map((m) => [m.name, m] as const))('mart %s result types match its declared Glue column types', async (_name, m) => {
    const result = await lake.runMart(m);
    const glue: Record<string, string> = { VARCHAR: 'string', INTEGER: 'int', BIGINT: 'bigint', DOUBLE: 'double', TIMESTAMP: 'timestamp', 'VARCHAR[]': 'array<string>' };
    expect(result.columns.map((c) => ({ name: c.name, type: glue[c.type] ?? c.type }))).toEqual(m.output.columns.map((c) => ({ name: c.name, type: c.type })));
  });

  it('a late event from an earlier day lands in its event-date partition on the next run', async () => {
    writeRawEvents(lakeDir, ratingC, [rating('late1', 9, 2, 1.0, '2023-12-31T22:00:00Z', '2024-01-06T00:10:00.000Z')], 'late');
    await lake.refreshViews();
    // The window re-reads the watermark's arrival day (4 known events on 2024-01-05) plus the new one.
    expect(await runCuratedStep(lake, ratingC)).toEqual({ table: 'curated.rating_submitted_v1', sourceRows: 5, inserted: 1 });
    const daily = plain((await lake.runMart(mart('daily_engagement'))).rows);
    expect(daily.find((r) => r.dt === '2023-12-31')).toEqual({ dt: '2023-12-31', active_users: 1, ratings: 1, tags: 0, avg_rating: 1 });
  });

  it('reads only arrival partitions from the watermark day on (incremental)', async () => {
    writeRawEvents(lakeDir, ratingC, [rating('old-arrival', 9, 1, 1.0, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00.000Z')], 'old');
    await lake.refreshViews();
    const run = await runCuratedStep(lake, ratingC);
    expect(run.inserted).toBe(0);
    expect((await lake.query("SELECT count(*) AS n FROM curated.rating_submitted_v1 WHERE event_id = 'old-arrival'")).rows[0].n).toBe(0n);
  });
});
