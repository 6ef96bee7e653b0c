import fc from 'fast-check';
import { parseCsv, parseCsvObjects } from '../../lib/marts/csv';

describe('parseCsv (RFC 4180)', () => {
  it.each([
    ['CRLF line ends', 'a,b\r\n1,2\r\n', [['a', 'b'], ['1', '2']]],
    ['LF line ends and no final newline', 'a,b\n1,2', [['a', 'b'], ['1', '2']]],
    ['a quoted field with a comma', '1,"Heat, The (1995)",Action', [['1', 'Heat, The (1995)', 'Action']]],
    ['doubled quotes inside quotes', '"say ""hi""",x', [['say "hi"', 'x']]],
    ['a line break inside quotes', '"a\r\nb",c\r\n', [['a\r\nb', 'c']]],
    ['empty fields', ',,\r\n', [['', '', '']]],
    ['an empty quoted last field', 'a,""', [['a', '']]],
    ['a UTF-8 BOM', '\ufeffid,title\r\n', [['id', 'title']]],
  ])('parses %s', (_what, text, expected) => {
    expect(parseCsv(text)).toEqual(expected);
  });

  it.each([
    ['an unterminated quote', '"abc', /unterminated/],
    ['text after a closing quote', '"a"b,c', /after a closing quote/],
  ])('rejects %s', (_what, text, error) => {
    expect(() => parseCsv(text)).toThrow(error);
  });

  it('round-trips any records written with RFC 4180 quoting', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\r', '\n', ' ', '|') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (records) => {
        fc.pre(records.every((r) => !(r.length === 1 && r[0] === '')));
        const text = records.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join('\r\n') + '\r\n';
        expect(parseCsv(text)).toEqual(records);
      }),
    );
  });

  it('maps records to objects by header and rejects ragged records', () => {
    expect(parseCsvObjects('movieId,title\r\n1,"A, B"\r\n')).toEqual([{ movieId: '1', title: 'A, B' }]);
    expect(() => parseCsvObjects('a,b\r\n1\r\n')).toThrow('CSV: record 2 has 1 fields, header has 2');
  });
});
