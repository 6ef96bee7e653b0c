/**
 * A small RFC 4180 CSV parser (no CSV package is installed): fields separated by `,`, records by
 * CRLF or LF, fields optionally enclosed in `"` with `""` as an escaped quote; quoted fields may
 * contain commas and line breaks. A UTF-8 BOM and a final line break are ignored.
 */

/**
 * Parses CSV text into records of fields.
 *
 * @throws Error when a quoted field is not closed, or text follows a closing quote.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  let afterQuote = false;
  const endRecord = (): void => {
    record.push(field);
    records.push(record);
    record = [];
    field = '';
    afterQuote = false;
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        afterQuote = true;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === ',') {
      record.push(field);
      field = '';
      afterQuote = false;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRecord();
      i++;
    } else if (ch === '\n') {
      endRecord();
    } else if (ch === '"' && field.length === 0 && !afterQuote) {
      quoted = true;
    } else {
      if (afterQuote) throw new Error(`CSV: unexpected character ${JSON.stringify(ch)} after a closing quote at offset ${i}`);
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field.length > 0 || record.length > 0 || afterQuote) endRecord();
  return records;
}

/**
 * Parses CSV with a header line into objects keyed by header name.
 *
 * @throws Error when a record has a different number of fields than the header.
 */
export function parseCsvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) return [];
  return rows.map((row, n) => {
    if (row.length !== header.length) {
      throw new Error(`CSV: record ${n + 2} has ${row.length} fields, header has ${header.length}`);
    }
    return Object.fromEntries(header.map((h, i) => [h, row[i]]));
  });
}
