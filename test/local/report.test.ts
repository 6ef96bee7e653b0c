import fc from 'fast-check';
import { parseCsv } from '../../lib/marts/csv';
import { Progress, renderRows, toCsv } from '../../tools/local/report';

describe('toCsv', () => {
  it('writes NULL as empty, timestamps as ISO-8601, arrays as JSON and quotes what needs it', () => {
    const csv = toCsv(['a', 'b', 'c', 'd'], [{ a: null, b: new Date('2024-01-02T03:04:05Z'), c: ['x', 'y'], d: 'Heat, "The"' }, { a: 2n, b: 0.1, c: [], d: 'line\nbreak' }]);
    expect(parseCsv(csv)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['', '2024-01-02T03:04:05.000Z', '["x","y"]', 'Heat, "The"'],
      ['2', '0.1', '[]', 'line\nbreak'],
    ]);
  });

  it('round-trips any strings and doubles through an RFC 4180 parser', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ s: fc.string({ minLength: 1 }), x: fc.double({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 20 }), (rows) => {
        const parsed = parseCsv(toCsv(['s', 'x'], rows));
        expect(parsed.slice(1).map(([s, x]) => ({ s, x: Number(x) }))).toEqual(rows.map((r) => ({ s: r.s, x: Object.is(r.x, -0) ? 0 : r.x })));
      }),
    );
  });
});

describe('Progress', () => {
  it('prints plain start and end lines and no live updates when not on a TTY', () => {
    let out = '';
    const p = new Progress({ write: (t) => (out += t), isTTY: false });
    p.start('ingest', 'polling');
    p.update('10 records');
    p.end('done', 1.5);
    expect(out).toBe('ingest: started (polling)\ningest: done (1.50 s)\n');
  });

  it('redraws one live line on a TTY, at most every 100 ms', () => {
    let out = '';
    let now = 0;
    const p = new Progress({ write: (t) => (out += t), isTTY: true }, () => now);
    p.start('produce');
    now = 150;
    p.update('1 put');
    now = 200;
    p.update('2 put');
    p.end('3 put', 2);
    expect(out.split('\r\x1b[2K').filter((s) => s !== '')).toEqual(['produce: ', 'produce: 1 put', 'produce: 3 put (2.00 s)\n']);
  });
});

it('renderRows shows the header and the first rows only', () => {
  const text = renderRows(['id', 'name'], [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }], 2);
  expect(text.split('\n')).toEqual(['  id  name', '  --  ----', '  1   a', '  2   b']);
});
