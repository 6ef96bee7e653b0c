import * as path from 'node:path';
import { defineMart, isScheduleExpression, type MartDeclarationInput } from '../../lib/marts/declaration';
import { glueToDuckDbType } from '../../lib/marts/dialect';

const base: MartDeclarationInput = {
  name: 'daily_engagement',
  owner: 'team',
  product: 'ott-engagement',
  description: 'x',
  schedule: 'cron(15 * * * ? *)',
  sqlFile: 'daily_engagement.sql',
  output: { columns: [{ name: 'dt', type: 'string', description: 'd' }], key: ['dt'] },
};
const dir = path.join(__dirname, '../../config/marts');

describe('mart declarations', () => {
  it.each([
    ['cron(15 * * * ? *)', true],
    ['cron(0 2 ? * MON-FRI *)', true],
    ['rate(1 hour)', true],
    ['rate(5 minutes)', true],
    ['at(2030-01-01T00:00:00)', true],
    ['cron(15 * * * * *)', false],
    ['cron(15 * * ? *)', false],
    ['rate(1 hours)', false],
    ['rate(0 minutes)', false],
    ['15 * * * *', false],
  ])('schedule %s is valid: %s', (expr, valid) => {
    expect(isScheduleExpression(expr)).toBe(valid);
  });

  it.each([
    ['a bad schedule', { schedule: 'hourly' }, /schedule: expected an EventBridge Scheduler expression/],
    ['a key that is not an output column', { output: { columns: [{ name: 'dt', type: 'string', description: 'd' }], key: ['day'] } }, /output.key.0: "day" is not an output column/],
    ['an unknown Glue type', { output: { columns: [{ name: 'dt', type: 'text', description: 'd' }], key: ['dt'] } }, /output.columns.0.type/],
    ['a dependency outside curated/marts', { dependsOn: ['raw.rating_submitted_v1'] }, /dependsOn.0: expected curated.<table> or marts.<name>/],
    ['an unknown field', { owners: 'x' }, /Unrecognized key/],
    [
      'a partition column that is not a key column',
      { output: { columns: [{ name: 'dt', type: 'string', description: 'd' }, { name: 'n', type: 'bigint', description: 'n' }], key: ['n'], partitionedBy: ['dt'] } },
      /output.partitionedBy.0: "dt" must also be a key column/,
    ],
    ['a missing SQL file', { sqlFile: 'nope.sql' }, /sqlFile: .*nope.sql not found/],
  ])('rejects %s, naming the declaration file and the field', (_what, override, error) => {
    expect(() => defineMart({ ...base, ...override } as MartDeclarationInput, dir)).toThrow(/^config\/marts\/daily_engagement.ts: /);
    expect(() => defineMart({ ...base, ...override } as MartDeclarationInput, dir)).toThrow(error);
  });
});

describe('dialect: Glue → DuckDB types', () => {
  it.each([
    ['string', 'VARCHAR'],
    ['array<string>', 'VARCHAR[]'],
    ['struct<user_id:int,rating:double>', 'STRUCT("user_id" INTEGER, "rating" DOUBLE)'],
    ['map<string,array<bigint>>', 'MAP(VARCHAR, BIGINT[])'],
    ['decimal(10,2)', 'DECIMAL(10,2)'],
  ])('%s → %s', (glue, duck) => {
    expect(glueToDuckDbType(glue)).toBe(duck);
  });
  it('fails on an unknown type', () => {
    expect(() => glueToDuckDbType('text')).toThrow('Unknown Glue type "text"');
  });
});
