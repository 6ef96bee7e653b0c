/**
 * The three reference marts on the real MovieLens ml-latest-small data, converted into a local raw
 * lake (gzip JSON Lines per the conventions, two arrival batches plus replayed duplicates) and refreshed
 * by two runs of the pipeline plan on the local runner (the state machine's statements on DuckDB),
 * compared with an independent computation in plain TypeScript straight from the CSVs.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { curatedTable } from '../../lib/marts/curated';
import { parseCsvObjects } from '../../lib/marts/csv';
import { DuckDbLake, type LakeRow } from '../../tools/local/duckdb-lake';
import type { PipelineRunReport } from '../../tools/local/pipeline-runner';
import { addMinutes, fixturePlan, fixtureRunner } from '../fixtures/marts/pipeline';
import { rawEvent, writeBatchCsv, writeRawEvents, type RawEvent } from '../fixtures/marts/raw-lake';
import { movieLensDir } from '../../tools/local/data-sets';

const DATA = movieLensDir();
const contracts = readContractTables(path.join(__dirname, '../../config/contracts'));
const ratingC = contracts.find((c) => c.contractName === 'rating_submitted') as ContractTable;
const tagC = contracts.find((c) => c.contractName === 'tag_added') as ContractTable;

const read = (file: string) => parseCsvObjects(fs.readFileSync(path.join(DATA, file), 'utf8'));
const ratings = read('ratings.csv').map((r) => ({ user: Number(r.userId), movie: Number(r.movieId), rating: Number(r.rating), ts: Number(r.timestamp) }));
const tags = read('tags.csv').map((r) => ({ user: Number(r.userId), movie: Number(r.movieId), tag: r.tag, ts: Number(r.timestamp) }));
const movies = read('movies.csv');

const uuid = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const utcDate = (seconds: number): string => iso(seconds).slice(0, 10);
const arrival = (base: string, i: number): string => new Date(Date.parse(base) + i * 100).toISOString();
/** First arrival of the data set: the go-live date is its date. */
const FIRST_ARRIVAL = '2024-05-01T00:00:00.000Z';
const REPLAY_ARRIVAL = '2024-05-02T00:00:00.000Z';
/** A run starts five minutes after the last arrival of the events it reads. */
const runAfter = (batch: readonly RawEvent[]): string => addMinutes(batch.map((e) => e.arrival_time).sort().at(-1) as string, 5);

function events<T extends { ts: number }>(contract: ContractTable, rows: readonly T[], data: (r: T) => Record<string, unknown>, base: string): RawEvent[] {
  return rows.map((r, i) =>
    rawEvent(contract, { id: uuid(`${contract.tableName}:${i}`), eventTime: iso(r.ts), arrival: arrival(base, i), data: data(r), seq: i }),
  );
}

const close = (actual: unknown, expected: number | null): void => {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9);
};
const num = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

describe('reference marts on MovieLens ml-latest-small', () => {
  let lakeDir: string;
  let lake: DuckDbLake;
  const results = new Map<string, LakeRow[]>();
  let half: number;
  let second: PipelineRunReport;

  beforeAll(async () => {
    lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-movielens-'));
    writeBatchCsv(lakeDir, 'movies', 'movies.csv', fs.readFileSync(path.join(DATA, 'movies.csv'), 'utf8'));
    const ratingEvents = events(ratingC, ratings, (r) => ({ user_id: r.user, movie_id: r.movie, rating: r.rating }), FIRST_ARRIVAL);
    const tagEvents = events(tagC, tags, (t) => ({ user_id: t.user, movie_id: t.movie, tag: t.tag }), FIRST_ARRIVAL);
    half = Math.floor(ratingEvents.length / 2);
    // Batch 1: first half of the ratings; pipeline run; batch 2: the rest plus every 50th event replayed a day later; run.
    writeRawEvents(lakeDir, ratingC, ratingEvents.slice(0, half), 'batch1');
    writeRawEvents(lakeDir, tagC, tagEvents, 'batch1');
    const plan = fixturePlan(contracts, MARTS, FIRST_ARRIVAL.slice(0, 10));
    lake = await DuckDbLake.open(lakeDir, contracts, MARTS, { env: plan.env });
    const runner = fixtureRunner(lake, plan, contracts, MARTS);
    await runner.run({ runStartedAt: runAfter([...ratingEvents.slice(0, half), ...tagEvents]), executionId: 'local:1' });
    const replays = ratingEvents.filter((_, i) => i % 50 === 0).map((e, i) => ({ ...e, arrival_time: arrival(REPLAY_ARRIVAL, i) }));
    writeRawEvents(lakeDir, ratingC, ratingEvents.slice(half), 'batch2');
    writeRawEvents(lakeDir, ratingC, replays, 'replay');
    await lake.refreshViews();
    second = await runner.run({ runStartedAt: runAfter([...ratingEvents.slice(half), ...replays]), executionId: 'local:2' });
    for (const m of MARTS) results.set(m.name, (await lake.query(`SELECT * FROM ${m.table}`)).rows);
  });

  afterAll(() => {
    lake.close();
    fs.rmSync(lakeDir, { recursive: true, force: true });
  });

  it('curates every rating and tag exactly once despite replays', async () => {
    const counts = (await lake.query('SELECT (SELECT count(*) FROM curated.rating_submitted_v1) AS r, (SELECT count(DISTINCT event_id) FROM curated.rating_submitted_v1) AS d, (SELECT count(*) FROM curated.tag_added_v1) AS t')).rows[0];
    expect([num(counts.r), num(counts.d), num(counts.t)]).toEqual([ratings.length, ratings.length, tags.length]);
    expect(ratings.length).toBe(100836);
    expect(tags.length).toBe(3683);
  });

  it('the second run inserts the second batch and keeps the earliest arrival of every replay', () => {
    const actions = (id: string) => second.steps.find((s) => s.id === id)?.actions;
    expect(actions(curatedTable(ratingC).name)).toEqual({ INSERT: ratings.length - half });
    expect(actions(curatedTable(tagC).name)).toEqual({});
  });

  it('daily_engagement matches an independent computation', () => {
    const days = new Map<string, { users: Set<number>; ratings: number; tags: number; sum: number }>();
    const day = (d: string) => days.get(d) ?? days.set(d, { users: new Set(), ratings: 0, tags: 0, sum: 0 }).get(d)!;
    for (const r of ratings) {
      const d = day(utcDate(r.ts));
      d.users.add(r.user);
      d.ratings++;
      d.sum += r.rating;
    }
    for (const t of tags) {
      const d = day(utcDate(t.ts));
      d.users.add(t.user);
      d.tags++;
    }
    const rows = results.get('daily_engagement')!;
    expect(rows).toHaveLength(days.size);
    for (const row of rows) {
      const e = days.get(row.dt as string)!;
      expect([num(row.active_users), num(row.ratings), num(row.tags)]).toEqual([e.users.size, e.ratings, e.tags]);
      close(row.avg_rating, e.ratings === 0 ? null : e.sum / e.ratings);
    }
  });

  it('title_popularity matches an independent computation', () => {
    const catalog = new Map(movies.map((m) => [Number(m.movieId), m]));
    const byMovie = new Map<number, { n: number; sum: number; first: number; last: number }>();
    for (const r of ratings) {
      const e = byMovie.get(r.movie) ?? { n: 0, sum: 0, first: Infinity, last: -Infinity };
      byMovie.set(r.movie, { n: e.n + 1, sum: e.sum + r.rating, first: Math.min(e.first, r.ts), last: Math.max(e.last, r.ts) });
    }
    const tagCount = new Map<number, number>();
    for (const t of tags) tagCount.set(t.movie, (tagCount.get(t.movie) ?? 0) + 1);
    const rows = results.get('title_popularity')!;
    expect(rows).toHaveLength(byMovie.size);
    for (const row of rows) {
      const id = row.movie_id as number;
      const e = byMovie.get(id)!;
      const m = catalog.get(id)!;
      expect({ title: row.title, genres: row.genres, ratings: num(row.ratings), tags: num(row.tags), first: (row.first_rated_at as Date).toISOString(), last: (row.last_rated_at as Date).toISOString() }).toEqual({
        title: m.title, genres: m.genres.split('|'), ratings: e.n, tags: tagCount.get(id) ?? 0, first: iso(e.first), last: iso(e.last),
      });
      close(row.avg_rating, e.sum / e.n);
    }
    expect(rows.some((r) => (r.title as string).includes(','))).toBe(true);
  });

  it('genre_ratings matches an independent computation', () => {
    const genresOf = new Map(movies.map((m) => [Number(m.movieId), new Set(m.genres.split('|'))]));
    const byGenre = new Map<string, { n: number; sum: number; users: Set<number> }>();
    for (const r of ratings) {
      for (const g of genresOf.get(r.movie) ?? []) {
        const e = byGenre.get(g) ?? byGenre.set(g, { n: 0, sum: 0, users: new Set() }).get(g)!;
        e.n++;
        e.sum += r.rating;
        e.users.add(r.user);
      }
    }
    const rows = results.get('genre_ratings')!;
    expect(rows.map((r) => r.genre).sort()).toEqual([...byGenre.keys()].sort());
    expect(byGenre.has('(no genres listed)')).toBe(true);
    for (const row of rows) {
      const e = byGenre.get(row.genre as string)!;
      expect([num(row.ratings), num(row.users)]).toEqual([e.n, e.users.size]);
      close(row.avg_rating, e.sum / e.n);
    }
  });
});
