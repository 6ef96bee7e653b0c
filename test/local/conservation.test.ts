import fc from 'fast-check';
import { checkConservation, type LakeLineRef, type SentRecord } from '../../tools/local/conservation';

const valid = (seq: string, eventId: string): SentRecord => ({ shardId: 's0', sequenceNumber: seq, expected: { kind: 'valid', eventId } });
const bad = (seq: string, failureType: 'not_json' | 'schema_unknown'): SentRecord => ({ shardId: 's0', sequenceNumber: seq, expected: { kind: 'bad', failureType } });
const raw = (seq: string, eventId: string): LakeLineRef => ({ zone: 'raw', shardId: 's0', sequenceNumber: seq, eventId });
const quarantined = (seq: string, failureType: string): LakeLineRef => ({ zone: 'quarantine', shardId: 's0', sequenceNumber: seq, failureType });

const SENT = [valid('1', 'a'), valid('2', 'b'), bad('3', 'not_json')];
const EXACT = [raw('1', 'a'), raw('2', 'b'), quarantined('3', 'not_json')];

describe('checkConservation', () => {
  it('holds when every record is in its zone exactly once', () => {
    expect(checkConservation(SENT, EXACT)).toEqual({
      sent: 3, landed: 2, quarantined: { not_json: 1 }, injected: { not_json: 1 }, lost: 0, duplicates: 0, misplaced: 0, problems: [],
    });
  });

  it.each<[string, LakeLineRef[], Partial<ReturnType<typeof checkConservation>>, RegExp]>([
    ['a missing raw event is lost', [raw('1', 'a'), quarantined('3', 'not_json')], { lost: 1, landed: 1 }, /1 sent records are in neither zone \(e\.g\. s0:2\)/],
    ['a missing bad row is lost and its type count differs', [raw('1', 'a'), raw('2', 'b')], { lost: 1 }, /not_json: 1 injected, 0 quarantined/],
    ['a second copy of a raw line is a duplicate', [...EXACT, raw('1', 'a')], { duplicates: 1 }, /1 duplicate copies/],
    ['a second copy of a bad row is a duplicate', [...EXACT, quarantined('3', 'not_json')], { duplicates: 1, quarantined: { not_json: 1 } }, /1 duplicate copies/],
    ['a bad row under another failure type is misplaced', [raw('1', 'a'), raw('2', 'b'), quarantined('3', 'schema_unknown')], { misplaced: 1 }, /injected as not_json but quarantined as schema_unknown/],
    ['a quarantined valid event is misplaced', [raw('1', 'a'), quarantined('2', 'schema_violation'), quarantined('3', 'not_json')], { misplaced: 1 }, /valid event b \(s0:2\) was quarantined/],
    ['a raw line with another event id is misplaced', [raw('1', 'a'), raw('2', 'zzz'), quarantined('3', 'not_json')], { misplaced: 1 }, /landed with event_id zzz, sent as b/],
    ['a line that was never sent is misplaced', [...EXACT, raw('9', 'x')], { misplaced: 1 }, /raw line s0:9 was never sent/],
  ])('%s', (_name, lines, expected, problem) => {
    const report = checkConservation(SENT, lines);
    expect(report).toMatchObject(expected);
    expect(report.problems.join('\n')).toMatch(problem);
  });

  it('counts the same event under two sequence numbers (a producer retry) as a duplicate', () => {
    const report = checkConservation([valid('1', 'a'), valid('2', 'a')], [raw('1', 'a'), raw('2', 'a')]);
    expect(report).toMatchObject({ lost: 0, duplicates: 1 });
  });

  it('holds for any order of the exact lines and finds exactly the dropped ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.array(fc.nat(), { maxLength: 10 }), (n, drops) => {
        const sent = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? bad(String(i), 'not_json') : valid(String(i), `e${i}`)));
        const lines = sent.map((s) => (s.expected.kind === 'valid' ? raw(s.sequenceNumber, s.expected.eventId) : quarantined(s.sequenceNumber, 'not_json')));
        const dropped = new Set(drops.map((d) => d % n));
        const kept = lines.filter((_, i) => !dropped.has(i)).reverse();
        const report = checkConservation(sent, kept);
        expect(report.lost).toBe(dropped.size);
        expect(report.duplicates + report.misplaced).toBe(0);
        expect(report.problems.length === 0).toBe(dropped.size === 0);
      }),
    );
  });
});
