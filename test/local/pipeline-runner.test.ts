/**
 * The local pipeline runner executes the dev plan on DuckDB as the state machine does and enforces Athena's
 * writer limit: a round with far more than 100 event dates completes in chunks of at most
 * `plan.maxPartitionsPerWrite` partitions, and a plan whose chunking is wrong fails with
 * HIVE_TOO_MANY_OPEN_PARTITIONS and writes nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { curatedTable } from '../../lib/marts/curated';
import { loadPlatform } from '../../config/platform';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { planSteps, type PipelinePlan, type PipelineStep } from '../../lib/pipeline/plan';
import { DuckDbLake } from '../../tools/local/duckdb-lake';
import { PipelineRunner, TooManyOpenPartitionsError, partitionColumnsByStep, partitionsWritten, withPartitionReturning, type StatementKind } from '../../tools/local/pipeline-runner';
import { localPipelinePlan } from '../../tools/local/platform';
import { rawEvent, writeRawEvents } from '../fixtures/marts/raw-lake';

const { contractTables } = loadPlatform();
const DAY_MS = 86_400_000;
/** Event dates of the fixture: 2.5 times the writer limit, from the first day of a 1,000-day bucket's inside. */
const FIRST_EVENT_DAY = Date.UTC(2021, 0, 1);

function contract(name: string): ContractTable {
  return contractTables.find((c) => c.contractName === name) as ContractTable;
}
/** The curated table the fixture fills with one event per day. */
const DAILY = curatedTable(contract('rating_submitted')).name;

/** The marts that read {@link DAILY}, directly or through other marts: the ones the fixture gives rows. */
function martsFedBy(table: string): Set<string> {
  const fed = new Set([table]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of MARTS) {
      if (fed.has(m.table) || !m.dependsOn.some((d) => fed.has(d))) continue;
      fed.add(m.table);
      grew = true;
    }
  }
  return fed;
}
const FED = martsFedBy(DAILY);

/**
 * The marts with every mart the fixture fills and that has a `dt` column partitioned by it, so the mart chunk
 * path runs too (a mart of another product, with no rows here, stays as declared).
 */
const partitionedMarts: Mart[] = MARTS.map((m) => (FED.has(m.table) && m.output.columns.some((c) => c.name === 'dt') ? { ...m, output: { ...m.output, partitionedBy: ['dt'] } } : m));

/** A step whose chunk arithmetic uses `factor` × the writer limit (a deliberately wrong chunk size). */
function wrongChunks(step: PipelineStep, limit: number, factor: number): PipelineStep {
  const fix = (sql: string): string => sql.split(`/ ${limit}e0`).join(`/ ${limit * factor}e0`);
  return { ...step, writeStatement: fix(step.writeStatement), ...(step.chunksQuery === undefined ? {} : { chunksQuery: fix(step.chunksQuery) }) };
}

/** A mart the fixture partitions. */
const PARTITIONED = (partitionedMarts.find((m) => m.output.partitionedBy.length > 0) as Mart).table;

describe('PipelineRunner on DuckDB', () => {
  let root: string;
  let plan: PipelinePlan;
  let days: number;
  let runAt: string;

  const open = async (marts: readonly Mart[]): Promise<DuckDbLake> => DuckDbLake.open(path.join(root, 'lake'), contractTables, marts, { env: plan.env });

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-runner-'));
    plan = localPipelinePlan(contractTables, partitionedMarts);
    days = Math.ceil(plan.maxPartitionsPerWrite * 2.5);
    const arrival = new Date(Date.parse(`${plan.goLiveDate}T00:00:00Z`) + DAY_MS + 30 * 60_000).toISOString();
    runAt = new Date(Date.parse(arrival) + 3_600_000).toISOString();
    const ratings = contract('rating_submitted');
    const tags = contract('tag_added');
    writeRawEvents(
      path.join(root, 'lake'),
      ratings,
      Array.from({ length: days }, (_, i) =>
        rawEvent(ratings, { id: `r${i}`, eventTime: new Date(FIRST_EVENT_DAY + i * DAY_MS + 3_600_000).toISOString(), arrival, data: { user_id: 1 + (i % 5), movie_id: 1 + (i % 7), rating: 0.5 + (i % 10) / 2 }, seq: i }),
      ),
      'round1',
    );
    writeRawEvents(path.join(root, 'lake'), tags, [rawEvent(tags, { id: 't1', eventTime: '2021-01-01T00:00:00Z', arrival, data: { user_id: 1, movie_id: 1, tag: 'x' } })], 'round1');
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it(`runs a round with more event dates than the writer limit in writes of at most the limit`, async () => {
    const lake = await open(partitionedMarts);
    try {
      const runner = new PipelineRunner(lake, plan, partitionColumnsByStep(contractTables, partitionedMarts));
      const report = await runner.run({ runStartedAt: runAt, executionId: 'local:1' });
      const ratings = report.steps.find((s) => s.id === DAILY);
      expect(report.maxPartitionsPerWrite).toBeLessThanOrEqual(plan.maxPartitionsPerWrite);
      expect(ratings?.partitionsPerWrite.reduce((a, b) => a + b, 0)).toBe(days);
      expect(ratings?.partitionsPerWrite.length).toBeGreaterThanOrEqual(Math.ceil(days / plan.maxPartitionsPerWrite));
      for (const step of report.steps.filter((s) => s.kind === 'mart' && partitionColumnsByStep(contractTables, partitionedMarts).get(s.id)?.length)) {
        expect(step.partitionsPerWrite.length).toBeGreaterThan(1);
        expect(Math.max(...step.partitionsPerWrite)).toBeLessThanOrEqual(plan.maxPartitionsPerWrite);
      }
      const n = await lake.query(`SELECT count(*) AS n, count(DISTINCT dt) AS d FROM ${DAILY}`);
      expect(n.rows[0]).toEqual({ n: BigInt(days), d: BigInt(days) });
      expect(runner.stats).toMatchObject({ statements: report.statements, writes: report.writes, maxPartitionsPerWrite: report.maxPartitionsPerWrite, runs: 1 });
    } finally {
      lake.close();
    }
  });

  it('runs the plan statements in the state machine order: window, chunks, one write per chunk, watermark, freshness; then the marts', async () => {
    const lake = await open(partitionedMarts);
    try {
      const seen: [string, StatementKind][] = [];
      const runner = new PipelineRunner(lake, plan, partitionColumnsByStep(contractTables, partitionedMarts));
      const report = await runner.run({ runStartedAt: runAt, executionId: 'local:1', onStatement: (id, kind) => void seen.push([id, kind]) });
      const expected = planSteps(plan).flatMap((step): [string, StatementKind][] => {
        const writes = report.steps.find((s) => s.id === step.id)?.partitionsPerWrite.length ?? 0;
        const kinds: StatementKind[] = [
          ...(step.windowQuery === undefined ? [] : ['window' as const]),
          ...(step.chunksQuery === undefined ? [] : ['chunks' as const]),
          ...Array.from({ length: writes }, () => 'write' as const),
          ...(step.watermarkStatement === undefined ? [] : ['watermark' as const]),
          ...(step.freshnessQuery === undefined ? [] : ['freshness' as const]),
        ];
        return kinds.map((k) => [step.id, k]);
      });
      expect(seen).toEqual(expected);
      expect(report.statements).toBe(expected.length);
    } finally {
      lake.close();
    }
  });

  it('a second run with no new arrivals writes nothing (idempotent)', async () => {
    const lake = await open(partitionedMarts);
    try {
      const runner = new PipelineRunner(lake, plan, partitionColumnsByStep(contractTables, partitionedMarts));
      await runner.run({ runStartedAt: runAt, executionId: 'local:1' });
      const again = await runner.run({ runStartedAt: new Date(Date.parse(runAt) + 3_600_000).toISOString(), executionId: 'local:2' });
      expect(again.steps.map((s) => [s.id, s.actions])).toEqual(again.steps.map((s) => [s.id, {}]));
    } finally {
      lake.close();
    }
  });

  it.each([
    ['curated', (s: PipelineStep) => s.id === DAILY, DAILY],
    ['partitioned mart', (s: PipelineStep) => s.id === PARTITIONED, PARTITIONED],
  ])('fails a %s write with chunks 10× too large with HIVE_TOO_MANY_OPEN_PARTITIONS and rolls it back', async (_kind, broken, table) => {
    const limit = plan.maxPartitionsPerWrite;
    const wrong: PipelinePlan = {
      ...plan,
      curated: plan.curated.map((s) => (broken(s) ? wrongChunks(s, limit, 10) : s)),
      martLevels: plan.martLevels.map((l) => l.map((s) => (broken(s) ? wrongChunks(s, limit, 10) : s))),
    };
    const lake = await open(partitionedMarts);
    try {
      const runner = new PipelineRunner(lake, wrong, partitionColumnsByStep(contractTables, partitionedMarts));
      const failure = runner.run({ runStartedAt: runAt, executionId: 'local:1' });
      await expect(failure).rejects.toThrow(TooManyOpenPartitionsError);
      await expect(failure).rejects.toThrow(new RegExp(`^HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${limit} open writers`));
      expect(runner.stats.maxPartitionsPerWrite).toBeGreaterThan(limit);
      expect((await lake.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n).toBe(0n);
    } finally {
      lake.close();
    }
  });

  it.each([
    [[], [], 0],
    [[], [{ merge_action: 'INSERT' }, { merge_action: 'DELETE' }], 1],
    [['dt'], [{ dt: 'a' }, { dt: 'b' }, { dt: 'a' }], 2],
    [['dt', 'h'], [{ dt: 'a', h: '1' }, { dt: 'a', h: '2' }, { dt: 'a', h: '1' }], 2],
    [['dt'], [{ dt: null }, { dt: 'null' }], 2],
  ])('partitionsWritten(%j, %j) is %d', (cols, rows, n) => {
    expect(partitionsWritten(rows as Record<string, unknown>[], cols as string[])).toBe(n);
  });

  it('appends RETURNING merge_action and the quoted partition columns to a write', () => {
    expect(withPartitionReturning('MERGE INTO t USING s ON true\n', ['dt'])).toBe('MERGE INTO t USING s ON true\nRETURNING merge_action, "dt"');
  });
});
