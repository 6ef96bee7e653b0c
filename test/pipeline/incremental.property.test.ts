/**
 * The curated guarantee as a property, on real SQL: the dev plan's curated statements (window → chunks →
 * MERGE per chunk → watermark) run by the local pipeline runner on DuckDB over raw files that land late.
 *
 * For any delay pattern within the bound — events (and re-delivered copies) with arrival times, S3 landing
 * delays up to the plan's lookback, pipeline runs at arbitrary simulated times (a statement takes a simulated
 * minute, and data lands between statements too), some interrupted between two chunks and retried by later
 * runs — after a final run the curated table holds every landed event exactly
 * once, with its earliest arrival. The counterexample check runs the same property with a lookback shorter
 * than the delays and expects it to fail: the property can fail.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../../config';
import { loadPlatform } from '../../config/platform';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import { curatedLookbackHours, renderPipelinePlan, type PipelinePlan } from '../../lib/pipeline/plan';
import { DuckDbLake } from '../../tools/local/duckdb-lake';
import { PipelineInterruptedError, PipelineRunner, partitionColumnsByStep } from '../../tools/local/pipeline-runner';
import { rawEvent, writeRawEvents, type RawEvent } from '../fixtures/marts/raw-lake';

const dev = loadConfig('dev');
const LOOKBACK_HOURS = curatedLookbackHours(dev.ingestion, dev.pipeline.lateArrivalMarginHours);
/** The reference tag_added contract (a unit-test-sized table; the fixture events below have its fields). */
const CONTRACT = loadPlatform().contractTables.find((c) => c.schemaUri === 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-0')!;
const MINUTE = 60_000;
/** Simulated time 0: one day after go-live (every arrival and run is after it). */
const T0 = Date.parse(`${dev.pipeline.goLiveDate}T00:00:00Z`) + 24 * 60 * MINUTE;
/** Arrivals and runs happen within this many minutes after T0. */
const HORIZON_MINUTES = 12 * 60;
/** Event dates span this many days, so the windows hold several 100-day chunks. */
const EVENT_DAYS = 350;
const FIRST_EVENT_DAY = Date.UTC(2021, 0, 1);

const planWithLookback = (lookbackHours: number): PipelinePlan =>
  renderPipelinePlan(dev.name, [], [CONTRACT], { goLiveDate: dev.pipeline.goLiveDate, lookbackHours });

/** One copy of an event on the stream: when Kinesis received it and how long until it reached the raw zone. */
interface Copy {
  readonly arrivalMinute: number;
  readonly landingDelayMinutes: number;
}
interface EventSpec {
  readonly eventDay: number;
  readonly copies: readonly Copy[];
}
interface RunSpec {
  readonly minute: number;
  /** The run stops before this write (0-based) when set. */
  readonly interruptBeforeWrite?: number;
}
interface Scenario {
  readonly events: readonly EventSpec[];
  readonly runs: readonly RunSpec[];
}

/** Scenarios whose landing delays are at most `maxDelayMinutes`. */
function scenarios(maxDelayMinutes: number): fc.Arbitrary<Scenario> {
  const copy = fc.record({ arrivalMinute: fc.integer({ min: 0, max: HORIZON_MINUTES }), landingDelayMinutes: fc.integer({ min: 0, max: maxDelayMinutes }) });
  return fc.record({
    events: fc.array(fc.record({ eventDay: fc.integer({ min: 0, max: EVENT_DAYS }), copies: fc.array(copy, { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 12 }),
    runs: fc.array(fc.record({ minute: fc.integer({ min: 0, max: HORIZON_MINUTES }), interruptBeforeWrite: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }), {
      minLength: 1,
      maxLength: 6,
    }),
  });
}

const iso = (minute: number): string => new Date(T0 + minute * MINUTE).toISOString();

/**
 * Plays a scenario: runs in time order, a final run after every landing; each statement of a run takes a
 * simulated minute (until the next run starts) and the copies landed by then reach the raw zone before the
 * next statement. Returns the curated rows and the expected ones (id → earliest arrival).
 */
async function play(plan: PipelinePlan, contract: ContractTable, scenario: Scenario): Promise<{ curated: { id: string; arrival: string }[]; expected: Map<string, string> }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-incremental-'));
  const lakeDir = path.join(root, 'lake');
  const lake = await DuckDbLake.open(lakeDir, [contract], [], { env: plan.env });
  try {
    const copies = scenario.events.flatMap((e, i) =>
      e.copies.map((c, j) => ({
        landedAt: c.arrivalMinute + c.landingDelayMinutes,
        event: rawEvent(contract, {
          id: `e${i}`,
          eventTime: new Date(FIRST_EVENT_DAY + e.eventDay * 86_400_000 + (i % 24) * 3_600_000).toISOString(),
          arrival: iso(c.arrivalMinute),
          data: { user_id: 1 + i, movie_id: 1 + j, tag: `t${i}` },
          seq: i * 10 + j,
        }) as RawEvent,
      })),
    );
    const lastLanding = Math.max(...copies.map((c) => c.landedAt));
    const runs = [...scenario.runs].sort((a, b) => a.minute - b.minute);
    const final: RunSpec = { minute: Math.max(lastLanding, runs[runs.length - 1].minute) + 1 };
    const runner = new PipelineRunner(lake, plan, partitionColumnsByStep([contract], []));
    let landed = 0;
    let landings = 0;
    const pending = [...copies].sort((a, b) => a.landedAt - b.landedAt);
    const landUntil = async (minute: number): Promise<void> => {
      const now = pending.filter((c) => c.landedAt <= minute).slice(landed);
      if (now.length === 0) return;
      writeRawEvents(lakeDir, contract, now.map((c) => c.event), `landing-${landings++}`);
      landed += now.length;
      await lake.refreshViews();
    };
    const all = [...runs, final];
    for (const [n, run] of all.entries()) {
      const end = all[n + 1]?.minute ?? run.minute;
      let clock = run.minute;
      await landUntil(clock);
      await runner
        .run({
          runStartedAt: iso(run.minute),
          executionId: `local:${n}`,
          ...(run.interruptBeforeWrite === undefined ? {} : { interruptBeforeWrite: run.interruptBeforeWrite }),
          onStatement: async () => {
            clock = Math.min(clock + 1, end);
            await landUntil(clock);
          },
        })
        .catch((e: unknown) => {
          if (!(e instanceof PipelineInterruptedError)) throw e;
        });
    }
    const rows = (await lake.query(`SELECT event_id, arrival_time FROM curated.${contract.tableName} ORDER BY event_id, arrival_time`)).rows;
    const expected = new Map<string, string>();
    for (const c of copies) {
      const earliest = expected.get(c.event.event_id);
      if (earliest === undefined || c.event.arrival_time < earliest) expected.set(c.event.event_id, c.event.arrival_time);
    }
    return { curated: rows.map((r) => ({ id: String(r.event_id), arrival: (r.arrival_time as Date).toISOString() })), expected };
  } finally {
    lake.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The guarantee: every landed event curated exactly once, with its earliest arrival. */
function curatedExactlyOnce(plan: PipelinePlan): (s: Scenario) => Promise<void> {
  return async (scenario) => {
    const { curated, expected } = await play(plan, CONTRACT, scenario);
    expect(curated).toEqual([...expected].map(([id, arrival]) => ({ id, arrival })).sort((a, b) => a.id.localeCompare(b.id)));
  };
}

describe('incremental curated step (real plan SQL on DuckDB)', () => {
  const plan = planWithLookback(LOOKBACK_HOURS);

  it(`curates every landed event exactly once when landing delays stay within the ${LOOKBACK_HOURS} h lookback, whatever the run times and interruptions`, async () => {
    await fc.assert(fc.asyncProperty(scenarios(LOOKBACK_HOURS * 60), curatedExactlyOnce(plan)), { numRuns: 25, seed: 20261201 });
  });

  it('fails the same property when the lookback is shorter than the landing delays (the property can fail)', async () => {
    const short = planWithLookback(1);
    // A copy that arrives at minute 0 and lands 150 minutes later, with a run before and after it landed.
    const missed: Scenario = { events: [{ eventDay: 0, copies: [{ arrivalMinute: 0, landingDelayMinutes: 150 }] }], runs: [{ minute: 60 }, { minute: 200 }] };
    const result = await fc.check(fc.asyncProperty(scenarios(LOOKBACK_HOURS * 60), curatedExactlyOnce(short)), { numRuns: 10, seed: 20261201, examples: [[missed]], endOnFailure: true });
    expect(result.failed).toBe(true);
    // The same example holds with the real lookback.
    await expect(curatedExactlyOnce(plan)(missed)).resolves.toBeUndefined();
  });
});
