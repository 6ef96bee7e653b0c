/**
 * The simulated clock of `lakeforge local --rounds <n> --late <fraction>` (pure): the data set is replayed in
 * `n` rounds, one pipeline run after each, and a share of the records is held back and delivered in a later
 * round with its original arrival time — a record the event source mapping retried for hours, which lands
 * in an OLDER arrival partition than the records around it.
 *
 * - Round `r` runs the pipeline at `runAt[r]` = one day after the go-live date, plus `r + 1` rounds of
 *   {@link ROUND_HOURS}, at minute {@link RUN_MINUTE} (the dev schedule `cron(5 * * * ? *)`).
 * - Records of round `r` arrive (Kinesis `approximateArrivalTimestamp`) during the hour before `runAt[r]`,
 *   evenly spread, in order.
 * - A late record of round `r` keeps that arrival time and is delivered in round
 *   `min(r + lateRounds, n - 1)`, with `lateRounds` the most rounds that keep its delay (delivery round's run
 *   time minus arrival) within the plan's lookback: the curated guarantee's bound. Records of the last
 *   round are never late (no round follows).
 */
import { mulberry32 } from './movielens';

/** Hours between two simulated pipeline runs (the dev schedule is hourly). */
export const ROUND_HOURS = 1;

/** Minute of the hour the simulated runs start at. */
export const RUN_MINUTE = 5;

const HOUR_MS = 3_600_000;

/** Options of {@link scheduleRounds}. */
export interface RoundScheduleOptions {
  /** Rounds, ≥ 1. */
  readonly rounds: number;
  /** Share of records held back, 0–1 (0 when `rounds` is 1). */
  readonly late: number;
  /** The plan's lookback in hours: no late record is delivered later than this after its arrival. */
  readonly lookbackHours: number;
  /** Go-live date `YYYY-MM-DD`: every simulated time is after it. */
  readonly goLiveDate: string;
  /** PRNG seed of the choice of late records. */
  readonly seed: number;
}

/** Where and when one record goes. */
export interface ScheduledRecord {
  /** Round whose ingest delivers the record to the stream and the function. */
  readonly deliveryRound: number;
  /** Simulated Kinesis arrival time, ms since the epoch. */
  readonly arrivalMs: number;
  /** True when held back from its own round. */
  readonly late: boolean;
}

/** The schedule of a replay. */
export interface RoundSchedule {
  /** Simulated start of each round's pipeline run, ms since the epoch. */
  readonly runAt: readonly number[];
  /** One entry per record, in input order. */
  readonly records: readonly ScheduledRecord[];
  /** Rounds a late record is held back. */
  readonly lateRounds: number;
  /** Late records. */
  readonly lateRecords: number;
  /** Longest delay of a late record: its delivery round's run time minus its arrival, in hours. */
  readonly maxLateDelayHours: number;
}

/**
 * Splits `count` records into rounds and assigns arrival times and delivery rounds (see the module comment).
 *
 * @throws Error when `rounds` is not a positive integer, `late` is outside 0–1, `late` > 0 with one round,
 *   or the lookback is shorter than two rounds (a held-back record would exceed it).
 */
export function scheduleRounds(count: number, o: RoundScheduleOptions): RoundSchedule {
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error(`--rounds must be a positive integer, got ${o.rounds}`);
  if (!Number.isFinite(o.late) || o.late < 0 || o.late > 1) throw new Error(`--late must be a number from 0 to 1, got ${o.late}`);
  if (o.late > 0 && o.rounds < 2) throw new Error('--late needs --rounds 2 or more: a late record is delivered in a later round');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.goLiveDate)) throw new Error(`goLiveDate must be YYYY-MM-DD, got "${o.goLiveDate}"`);
  // A record of round r arrives at most ROUND_HOURS before runAt[r]; held k rounds, its delay is ≤ (k + 1) rounds.
  const lateRounds = Math.floor(o.lookbackHours / ROUND_HOURS) - 1;
  if (o.late > 0 && lateRounds < 1) {
    throw new Error(`--late needs a lookback of at least ${2 * ROUND_HOURS} hours (a late record is delivered ≥ 1 round later), the plan has ${o.lookbackHours}`);
  }
  const start = Date.parse(`${o.goLiveDate}T00:00:00Z`) + 24 * HOUR_MS + RUN_MINUTE * 60_000;
  const runAt = Array.from({ length: o.rounds }, (_, r) => start + (r + 1) * ROUND_HOURS * HOUR_MS);
  const perRound = Math.ceil(count / o.rounds);
  const random = mulberry32(o.seed);
  let lateRecords = 0;
  let maxLateDelayMs = 0;
  const records = Array.from({ length: count }, (_, i): ScheduledRecord => {
    const round = Math.min(o.rounds - 1, Math.floor(i / perRound));
    const first = round * perRound;
    const inRound = Math.min(count, first + perRound) - first;
    const arrivalMs = runAt[round] - ROUND_HOURS * HOUR_MS + Math.floor(((i - first) / inRound) * ROUND_HOURS * HOUR_MS);
    const late = round < o.rounds - 1 && random() < o.late;
    if (!late) return { deliveryRound: round, arrivalMs, late };
    const deliveryRound = Math.min(o.rounds - 1, round + lateRounds);
    lateRecords += 1;
    maxLateDelayMs = Math.max(maxLateDelayMs, runAt[deliveryRound] - arrivalMs);
    return { deliveryRound, arrivalMs, late };
  });
  return { runAt, records, lateRounds: Math.max(0, lateRounds), lateRecords, maxLateDelayHours: maxLateDelayMs / HOUR_MS };
}
