/**
 * `lakeforge local` end to end on a slice of MovieLens (kinesalite, s3rver, the ingest handler, the dev
 * pipeline plan on DuckDB), replayed in rounds with late records: the conservation law holds with injected
 * bad rows and S3 faults, every landed event is curated exactly once, no write exceeds Athena's partition
 * limit, and the marts CSVs match an independent computation over the same slice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { loadPlatform } from '../../config/platform';
import { parseCsvObjects } from '../../lib/marts/csv';
import { localAction } from '../../tools/commands/local';
import { localPipelinePlan, runLocalPlatform, LOCAL_MAX_RECORD_BYTES, type LocalRunResult } from '../../tools/local/platform';
import type { LocalSummary } from '../../tools/local/report';
import { MOVIELENS_DIR, RATING_SUBMITTED_URI, readMovieLensEnvelopes, toStreamRecords, type Envelope } from '../helpers/movielens';
import { captureIo } from '../helpers/local-io';

const LIMIT = 3000;
const BAD = 0.05;
const ROUNDS = 3;
const LATE = 0.05;
const { contractTables } = loadPlatform();
const plan = localPipelinePlan(contractTables, MARTS);

const readMart = (dir: string, name: string): Record<string, string>[] => parseCsvObjects(fs.readFileSync(path.join(dir, 'marts', `${name}.csv`), 'utf8'));
const close = (actual: string, expected: number): void => expect(Math.abs(Number(actual) - expected)).toBeLessThanOrEqual(1e-9);

describe(`lakeforge local on a ${LIMIT}-event slice in ${ROUNDS} rounds with ${LATE * 100}% late records, ${BAD * 100}% bad rows and 10% S3 faults`, () => {
  let out: string;
  let exitCode: number;
  let result: LocalRunResult | undefined;
  let io: ReturnType<typeof captureIo>;
  // The valid events of the slice, chosen by the same seeded injection (the marts are computed independently below).
  const inputs = toStreamRecords(readMovieLensEnvelopes(MOVIELENS_DIR, LIMIT), { badRatio: BAD, seed: 42, maxRecordBytes: LOCAL_MAX_RECORD_BYTES });
  const valid = inputs.flatMap((i) => (i.expected.kind === 'valid' ? [i.expected.envelope] : []));
  const ratings = valid.filter((e) => e.schema === RATING_SUBMITTED_URI);
  const tags = valid.filter((e) => e.schema !== RATING_SUBMITTED_URI);
  const movies = parseCsvObjects(fs.readFileSync(path.join(MOVIELENS_DIR, 'movies.csv'), 'utf8'));
  const num = (e: Envelope, k: string): number => e.data[k] as number;

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-local-'));
    io = captureIo();
    ({ exitCode, result } = await localAction({ out, limit: String(LIMIT), badRows: String(BAD), faults: '0.1', rounds: String(ROUNDS), late: String(LATE) }, io));
  });

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('exits 0 and prints the summary and each mart', () => {
    expect({ exitCode, errors: io.errors() }).toEqual({ exitCode: 0, errors: '' });
    for (const text of ['Summary', 'lost', 'duplicates', ...MARTS.map((m) => m.name), 'OK: lost 0']) expect(io.text()).toContain(text);
  });

  it('lands every valid event once and quarantines every injected bad row under its failure type', () => {
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const injected: Record<string, number> = {};
    for (const i of inputs) if (i.expected.kind === 'bad') injected[i.expected.failureType] = (injected[i.expected.failureType] ?? 0) + 1;
    expect(Object.keys(injected).sort()).toEqual(['envelope_invalid', 'not_json', 'schema_unknown', 'schema_violation', 'size_exceeded']);
    expect(summary).toMatchObject({ sent: LIMIT, landed: valid.length, quarantined: injected, lost: 0, duplicates: 0, misplaced: 0, problems: [] });
    // Every curated table of the plan: the demo's events in theirs, 0 rows in the tables of products the demo sends nothing to.
    const expectedCurated = Object.fromEntries(
      plan.curated.map((s) => {
        const table = contractTables.find((c) => c.tableName === s.table.table)!;
        return [table.tableName, valid.filter((e) => table.versions.includes(e.schema)).length];
      }),
    );
    expect(Object.values(expectedCurated).reduce((a, n) => a + n, 0)).toBe(valid.length);
    expect(summary.curated).toEqual(expectedCurated);
    expect(Object.keys(summary.phases as object)).toEqual(['servers', 'produce', 'ingest', 'mirror', 'curated', 'marts', 'check']);
    expect(summary.eventsPerSecond).toBeGreaterThan(0);
  });

  it('curates every landed event of every curated table of the plan exactly once after the last round', () => {
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as LocalSummary;
    const tables = plan.curated.map((s) => s.table.table).sort();
    expect(Object.keys(summary.curatedCompleteness).sort()).toEqual(tables);
    for (const t of tables) {
      const c = summary.curatedCompleteness[t];
      expect({ table: t, missing: c.missing, duplicates: c.duplicates, curated: c.curated }).toEqual({ table: t, missing: 0, duplicates: 0, curated: c.landedUnique });
    }
    expect(Object.values(summary.curatedCompleteness).reduce((a, c) => a + c.landedUnique, 0)).toBe(valid.length);
  });

  it('ran the pipeline once per round on the simulated clock, late records within the lookback, every write within the partition limit', () => {
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as LocalSummary;
    expect(summary.rounds.rounds).toBe(ROUNDS);
    expect(summary.rounds.runStartedAt).toHaveLength(ROUNDS);
    for (const t of summary.rounds.runStartedAt) expect(t > plan.goLiveDate).toBe(true);
    expect(summary.rounds.lateRecords).toBeGreaterThan(0);
    expect(summary.rounds.lookbackHours).toBe(plan.lookbackHours);
    expect(summary.rounds.maxLateDelayHours).toBeLessThanOrEqual(plan.lookbackHours);
    expect(summary.athena.limit).toBe(plan.maxPartitionsPerWrite);
    expect(summary.athena.maxPartitionsPerWrite).toBeGreaterThan(0);
    expect(summary.athena.maxPartitionsPerWrite).toBeLessThanOrEqual(plan.maxPartitionsPerWrite);
    expect(summary.athena.writes).toBeGreaterThanOrEqual(ROUNDS * plan.curated.length);
  });

  it('injected S3 faults and still lost nothing', () => {
    expect(result?.summary.transport.s3FaultsInjected).toBeGreaterThan(0);
  });

  it('keeps the lake files for inspection', () => {
    const files = fs.readdirSync(path.join(out, 'lake'), { recursive: true }).map(String);
    expect(files.some((f) => f.startsWith(path.join('raw', 'events', 'com.lakeforge.ott', 'rating_submitted', 'v1')) && f.endsWith('.json.gz'))).toBe(true);
    expect(files.some((f) => f.startsWith(path.join('quarantine', 'bad-rows', 'not_json')))).toBe(true);
    expect(files).toContain(path.join('raw', 'batch', 'content-catalog', 'movies', 'movies.csv'));
    expect(files).toContain(path.join('raw', 'batch', 'content-catalog', 'links', 'links.csv'));
  });

  it('daily_engagement.csv matches an independent computation', () => {
    const days = new Map<string, { users: Set<number>; ratings: number; tags: number; sum: number }>();
    const day = (e: Envelope) => {
      const d = new Date(e.event_time).toISOString().slice(0, 10);
      return days.get(d) ?? days.set(d, { users: new Set(), ratings: 0, tags: 0, sum: 0 }).get(d)!;
    };
    for (const r of ratings) {
      const d = day(r);
      d.users.add(num(r, 'user_id'));
      d.ratings += 1;
      d.sum += num(r, 'rating');
    }
    for (const t of tags) {
      const d = day(t);
      d.users.add(num(t, 'user_id'));
      d.tags += 1;
    }
    const rows = readMart(out, 'daily_engagement');
    expect(rows.map((r) => r.dt)).toEqual([...days.keys()].sort());
    for (const row of rows) {
      const e = days.get(row.dt)!;
      expect([Number(row.active_users), Number(row.ratings), Number(row.tags)]).toEqual([e.users.size, e.ratings, e.tags]);
      if (e.ratings === 0) expect(row.avg_rating).toBe('');
      else close(row.avg_rating, e.sum / e.ratings);
    }
  });

  it('title_popularity.csv matches an independent computation', () => {
    const catalog = new Map(movies.map((m) => [Number(m.movieId), m]));
    const byMovie = new Map<number, { n: number; sum: number; first: string; last: string }>();
    for (const r of ratings) {
      const t = new Date(r.event_time).toISOString();
      const e = byMovie.get(num(r, 'movie_id')) ?? { n: 0, sum: 0, first: t, last: t };
      byMovie.set(num(r, 'movie_id'), { n: e.n + 1, sum: e.sum + num(r, 'rating'), first: t < e.first ? t : e.first, last: t > e.last ? t : e.last });
    }
    const tagCount = new Map<number, number>();
    for (const t of tags) tagCount.set(num(t, 'movie_id'), (tagCount.get(num(t, 'movie_id')) ?? 0) + 1);
    const rows = readMart(out, 'title_popularity');
    expect(rows.map((r) => Number(r.movie_id))).toEqual([...byMovie.keys()].sort((a, b) => a - b));
    for (const row of rows) {
      const id = Number(row.movie_id);
      const e = byMovie.get(id)!;
      const m = catalog.get(id)!;
      expect({ title: row.title, genres: JSON.parse(row.genres) as string[], ratings: Number(row.ratings), tags: Number(row.tags), first: row.first_rated_at, last: row.last_rated_at }).toEqual({
        title: m.title, genres: m.genres.split('|'), ratings: e.n, tags: tagCount.get(id) ?? 0, first: e.first, last: e.last,
      });
      close(row.avg_rating, e.sum / e.n);
    }
  });

  it('genre_ratings.csv matches an independent computation', () => {
    const genresOf = new Map(movies.map((m) => [Number(m.movieId), new Set(m.genres.split('|'))]));
    const byGenre = new Map<string, { n: number; sum: number; users: Set<number> }>();
    for (const r of ratings) {
      for (const g of genresOf.get(num(r, 'movie_id')) ?? []) {
        const e = byGenre.get(g) ?? byGenre.set(g, { n: 0, sum: 0, users: new Set() }).get(g)!;
        e.n += 1;
        e.sum += num(r, 'rating');
        e.users.add(num(r, 'user_id'));
      }
    }
    const rows = readMart(out, 'genre_ratings');
    expect(rows.map((r) => r.genre)).toEqual([...byGenre.keys()].sort());
    for (const row of rows) {
      const e = byGenre.get(row.genre)!;
      expect([Number(row.ratings), Number(row.users)]).toEqual([e.n, e.users.size]);
      close(row.avg_rating, e.sum / e.n);
    }
  });
});

describe('lakeforge local failure paths', () => {
  it('sends every S3 fault to the function (no SDK retries) and still loses and duplicates nothing', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-local-faults-'));
    try {
      const { summary, ok } = await runLocalPlatform({ dataDir: MOVIELENS_DIR, outDir: out, limit: 1500, badRows: 0.05, faults: 0.2, s3MaxAttempts: 1, seed: 7, progress: { write: () => undefined, isTTY: false } });
      expect({ ok, lost: summary.lost, duplicates: summary.duplicates, misplaced: summary.misplaced }).toEqual({ ok: true, lost: 0, duplicates: 0, misplaced: 0 });
      expect(summary.transport.partialFailures).toBeGreaterThan(0);
      expect(summary.transport.redeliveredRecords).toBeGreaterThan(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('fails its completeness check when the plan looks back less than the late records were delayed', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-local-short-'));
    try {
      const { summary, ok } = await runLocalPlatform({ dataDir: MOVIELENS_DIR, outDir: out, limit: 600, rounds: ROUNDS, late: 0.2, planLookbackHours: 1, progress: { write: () => undefined, isTTY: false } });
      expect(summary.rounds.maxLateDelayHours).toBeGreaterThan(summary.rounds.lookbackHours);
      expect({ ok, lost: summary.lost }).toEqual({ ok: false, lost: 0 });
      expect(Object.values(summary.curatedCompleteness).some((c) => c.missing > 0)).toBe(true);
      expect(summary.problems.join('\n')).toMatch(/landed events are not curated/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it.each([
    [{ data: '/nonexistent/movielens' }, /data folder \/nonexistent\/movielens is missing ratings\.csv/],
    [{ badRows: '1.5' }, /--bad-rows must be a number from 0 to 1, got 1\.5/],
    [{ faults: 'many' }, /--faults must be a number, got "many"/],
    [{ limit: '0' }, /--limit must be a positive integer, got 0/],
    [{ rounds: '0' }, /--rounds must be a positive integer, got 0/],
    [{ rounds: '1.5' }, /--rounds must be a positive integer, got 1\.5/],
    [{ late: '0.1' }, /--late needs --rounds 2 or more/],
    [{ rounds: '2', late: '2' }, /--late must be a number from 0 to 1, got 2/],
  ])('exits 1 with the reason before starting anything for %j', async (opts, message) => {
    const io = captureIo();
    const { exitCode } = await localAction({ out: path.join(os.tmpdir(), 'lakeforge-local-never'), ...opts }, io);
    expect(exitCode).toBe(1);
    expect(io.errors()).toMatch(message);
    expect(io.text()).toBe('');
  });
});
