/**
 * The simulated clock of `lakeforge local --rounds --late`: late records are delivered in a later round with
 * an arrival time before the previous run (an older arrival partition), never later than the plan's lookback
 * after their arrival; every simulated time is after go-live.
 */
import fc from 'fast-check';
import { loadConfig } from '../../config';
import { curatedLookbackHours } from '../../lib/pipeline/plan';
import { ROUND_HOURS, scheduleRounds, type RoundScheduleOptions } from '../../tools/local/rounds';

const dev = loadConfig('dev');
const HOUR_MS = 3_600_000;
const DEV: Omit<RoundScheduleOptions, 'rounds' | 'late' | 'seed'> = {
  lookbackHours: curatedLookbackHours(dev.ingestion, dev.pipeline.lateArrivalMarginHours),
  goLiveDate: dev.pipeline.goLiveDate,
};

describe('scheduleRounds', () => {
  it('delivers every record once, late ones in a later round with an arrival before the previous run and within the lookback', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 2, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 2 * ROUND_HOURS, max: 48 }),
        fc.integer(),
        (count, rounds, late, lookbackHours, seed) => {
          const s = scheduleRounds(count, { ...DEV, rounds, late, lookbackHours, seed });
          expect(s.records).toHaveLength(count);
          expect(s.runAt).toHaveLength(rounds);
          const goLive = Date.parse(`${DEV.goLiveDate}T00:00:00Z`);
          for (const r of s.records) {
            expect(r.arrivalMs).toBeGreaterThan(goLive);
            expect(r.arrivalMs).toBeLessThan(s.runAt[r.deliveryRound]);
            expect(s.runAt[r.deliveryRound] - r.arrivalMs).toBeLessThanOrEqual(lookbackHours * HOUR_MS);
            if (r.late) {
              expect(r.deliveryRound).toBeGreaterThan(0);
              expect(r.arrivalMs).toBeLessThan(s.runAt[r.deliveryRound - 1]);
            } else if (r.deliveryRound > 0) {
              expect(r.arrivalMs).toBeGreaterThanOrEqual(s.runAt[r.deliveryRound - 1]);
            }
          }
          expect(s.lateRecords).toBe(s.records.filter((r) => r.late).length);
          expect(s.maxLateDelayHours).toBeLessThanOrEqual(lookbackHours);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps arrivals in input order and runs one round apart, after go-live', () => {
    const s = scheduleRounds(100, { ...DEV, rounds: 4, late: 0, seed: 1 });
    expect(s.records.map((r) => r.arrivalMs)).toEqual([...s.records.map((r) => r.arrivalMs)].sort((a, b) => a - b));
    expect(s.runAt.slice(1).map((t, i) => t - s.runAt[i])).toEqual([ROUND_HOURS, ROUND_HOURS, ROUND_HOURS].map((h) => h * HOUR_MS));
    expect(new Date(s.runAt[0]).toISOString() > DEV.goLiveDate).toBe(true);
  });

  it('holds back about the asked share of the records that have a later round', () => {
    const s = scheduleRounds(10_000, { ...DEV, rounds: 2, late: 0.1, seed: 7 });
    expect(s.lateRecords / 5_000).toBeGreaterThan(0.08);
    expect(s.lateRecords / 5_000).toBeLessThan(0.12);
  });

  it.each([
    [{ rounds: 0, late: 0 }, /--rounds must be a positive integer, got 0/],
    [{ rounds: 2, late: 1.5 }, /--late must be a number from 0 to 1, got 1.5/],
    [{ rounds: 1, late: 0.1 }, /--late needs --rounds 2 or more/],
    [{ rounds: 3, late: 0.1, lookbackHours: ROUND_HOURS }, /--late needs a lookback of at least/],
  ])('rejects %j', (o, message) => {
    expect(() => scheduleRounds(10, { ...DEV, seed: 1, ...o })).toThrow(message);
  });
});
