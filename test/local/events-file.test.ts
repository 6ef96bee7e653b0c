/**
 * Reading an events file for `lakeforge local --events` (pure parts and file errors): lines are kept byte for
 * byte, blank lines are counted and skipped, a leading BOM and CRLF line ends are line framing, and a missing,
 * empty or all-blank file is one clear error naming it. Also the conservation law's allowance for an event id
 * the file repeats.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { validators } from '../../lambdas/ingest/generated/validators';
import { KINESIS_MAX_RECORD_BYTES } from '../../lambdas/shared/env';
import { checkConservation, type LakeLineRef, type SentRecord } from '../../tools/local/conservation';
import { partitionKeyOf, readEventsFile, splitEventLines, toEventStreamInputs } from '../../tools/local/events-file';
import { RATING_SUBMITTED_URI } from '../../tools/local/movielens';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const ENVELOPE = JSON.stringify({ schema: RATING_SUBMITTED_URI, data: { user_id: 1, movie_id: 2, rating: 3.5 }, event_id: 'b579c246-4353-4b26-9c52-6dc19879130e', event_time: '2026-11-30T18:22:45Z' });

describe('splitEventLines', () => {
  it('keeps every non-blank line as its bytes, numbered as in the file, and counts blank lines', () => {
    const lines = splitEventLines(text(`a\n\n  \t\nb\r\n\r\n{"x":1}\n`));
    expect({ lines: lines.lines, blankLines: lines.blankLines }).toEqual({ lines: 6, blankLines: 3 });
    expect(lines.records.map((r) => [r.line, r.data.toString('utf8')])).toEqual([[1, 'a'], [4, 'b'], [6, '{"x":1}']]);
  });

  it('removes a byte order mark at the start of the file only', () => {
    const lines = splitEventLines(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('a\n\uFEFFb')]));
    expect(lines.records.map((r) => r.data.toString('utf8'))).toEqual(['a', '\uFEFFb']);
  });

  it('keeps invalid UTF-8 as it is (the function judges it, not the replay)', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect(splitEventLines(Buffer.concat([bytes, text('\n')])).records[0].data.equals(bytes)).toBe(true);
  });

  it('reads back exactly the lines it was given, with LF or CRLF line ends, with or without a final line break', () => {
    // A BOM would be the file's own marker on the first line; a CR at a line's end is part of its line break.
    const line = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\n') && !s.endsWith('\r') && !s.startsWith('\uFEFF'));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), fc.boolean(), fc.boolean(), (input, crlf, finalBreak) => {
        const file = input.join(crlf ? '\r\n' : '\n') + (finalBreak ? '\n' : '');
        const lines = splitEventLines(text(file));
        const blank = (s: string): boolean => /^[ \t\r]*$/.test(s);
        // An empty last line without a final break is no line at all.
        const counted = !finalBreak && input[input.length - 1] === '' ? input.slice(0, -1) : input;
        expect(lines.lines).toBe(counted.length);
        expect(lines.blankLines).toBe(counted.filter(blank).length);
        expect(lines.records.map((r) => [r.line, r.data.toString('utf8')])).toEqual(counted.flatMap((s, i) => (blank(s) ? [] : [[i + 1, s]])));
      }),
    );
  });
});

describe('readEventsFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-events-file-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it.each([
    ['a missing file', () => path.join(dir, 'missing.jsonl'), /^--events .*missing\.jsonl: no such file$/],
    ['a folder', () => dir, /^--events .*: not a file$/],
    ['an empty file', () => write('empty.jsonl', ''), /^--events .*empty\.jsonl: the file is empty \(expected one JSON envelope per line\)$/],
    ['a file of blank lines', () => write('blank.jsonl', '\n  \n\r\n'), /^--events .*blank\.jsonl: all 3 lines are blank/],
  ])('fails with one line naming the file for %s', (_name, file, message) => {
    expect(() => readEventsFile(file())).toThrow(message);
  });
});

describe('toEventStreamInputs', () => {
  it('gives each line the verdict of the ingest core and keeps its bytes and line number', () => {
    const inputs = toEventStreamInputs('f.jsonl', [{ line: 3, data: text(ENVELOPE) }, { line: 5, data: text('{"schema":') }], { validators });
    expect(inputs.map((i) => [i.line, i.expected.kind === 'valid' ? i.expected.envelope.event_id : i.expected.failureType, i.data.toString('utf8')])).toEqual([
      [3, 'b579c246-4353-4b26-9c52-6dc19879130e', ENVELOPE],
      [5, 'not_json', '{"schema":'],
    ]);
  });

  it('refuses, naming the file and line, a line no stream record can hold', () => {
    const huge = text(`{"pad":"${' '.repeat(KINESIS_MAX_RECORD_BYTES)}"}`);
    expect(() => toEventStreamInputs('big.jsonl', [{ line: 7, data: huge }], { validators })).toThrow(/^--events big\.jsonl line 7: .* over the 1,048,576-byte record limit/);
  });

  it('keys a record by its event_id when it has a usable one, else by its line', () => {
    expect(partitionKeyOf({ line: 1, data: text(ENVELOPE) })).toBe('b579c246-4353-4b26-9c52-6dc19879130e');
    expect(partitionKeyOf({ line: 2, data: text('not json') })).toBe('line-2');
    expect(partitionKeyOf({ line: 3, data: text('{"event_id":""}') })).toBe('line-3');
    expect(partitionKeyOf({ line: 4, data: text(JSON.stringify({ event_id: 'x'.repeat(257) })) })).toBe('line-4');
  });
});

describe('checkConservation with allowRepeatedEventIds', () => {
  const valid = (seq: string, eventId: string): SentRecord => ({ shardId: 's0', sequenceNumber: seq, expected: { kind: 'valid', eventId } });
  const raw = (seq: string, eventId: string): LakeLineRef => ({ zone: 'raw', shardId: 's0', sequenceNumber: seq, eventId });

  it('accepts one raw copy per sent record of a repeated event id', () => {
    expect(checkConservation([valid('1', 'a'), valid('2', 'a')], [raw('1', 'a'), raw('2', 'a')], { allowRepeatedEventIds: true })).toMatchObject({ landed: 2, duplicates: 0, problems: [] });
  });

  it('still counts a copy beyond the sent records as a duplicate', () => {
    const report = checkConservation([valid('1', 'a'), valid('2', 'a')], [raw('1', 'a'), raw('2', 'a'), raw('2', 'a')], { allowRepeatedEventIds: true });
    expect(report).toMatchObject({ duplicates: 1 });
    expect(report.problems.join('\n')).toMatch(/1 duplicate copies/);
  });
});
