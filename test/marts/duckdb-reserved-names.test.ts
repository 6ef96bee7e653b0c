/**
 * The local runtime runs the quoted SQL: a contract whose property names are reserved words (`from`, `to`,
 * `group`, `end`, `currentTime` → `current_time`, `_private`, `date`, `timestamp`, `user`) goes from raw JSON to its
 * curated table and on to a mart keyed and partitioned by reserved names, on DuckDB, with every value in place.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { renderPipelinePlan } from '../../lib/pipeline/plan';
import { DuckDbLake } from '../../tools/local/duckdb-lake';
import { PipelineRunner, partitionColumnsByStep } from '../../tools/local/pipeline-runner';
import { selfDescribing } from '../contracts/contract-factory';
import { rawEvent, writeRawEvents } from '../fixtures/marts/raw-lake';
import { RESERVED_PROPERTIES, RESERVED_PROPERTY_SCHEMAS, reservedMart } from './reserved-names';

const A1 = '2024-03-01T10:00:00.000Z';
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

/** Every property name is reserved somewhere (flat; nested contracts on DuckDB: test/local/duckdb-nested-contract.test.ts). */
const CONTRACT = selfDescribing(
  {
    description: 'A transfer (reserved words as property names).',
    type: 'object',
    properties: { ...RESERVED_PROPERTY_SCHEMAS },
    required: ['from', 'to', 'user', 'date'],
    additionalProperties: false,
  },
  '1-0-0',
  'transfer_made',
  'com.example.reserved',
);

describe('a contract with reserved property names on the local DuckDB runtime', () => {
  let root: string;
  let lake: DuckDbLake;
  let table: ContractTable;
  let mart: Mart;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-reserved-duck-'));
    const dir = path.join(root, 'contracts', 'com.example.reserved', 'transfer_made', 'jsonschema');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '1-0-0'), JSON.stringify(CONTRACT, null, 2));
    [table] = readContractTables(path.join(root, 'contracts'));
    writeRawEvents(path.join(root, 'lake'), table, [
      rawEvent(table, {
        id: 'e1',
        eventTime: '2024-03-01T09:00:00Z',
        arrival: A1,
        data: { from: 'a', to: 'b', group: 3, end: '2024-03-01T09:30:00Z', currentTime: '2024-03-01T08:59:58Z', _private: true, date: '2024-03-01', timestamp: 1709283598, user: 'u1' },
      }),
      rawEvent(table, { id: 'e2', eventTime: '2024-03-01T09:05:00Z', arrival: A1, data: { from: 'a', to: 'c', user: 'u1', date: '2024-03-01' }, seq: 1 }),
      // A duplicate delivery of e1: curated keeps one row.
      rawEvent(table, { id: 'e1', eventTime: '2024-03-01T09:00:00Z', arrival: A1, data: { from: 'a', to: 'b', user: 'u1', date: '2024-03-01' }, seq: 2 }),
    ], 'reserved');
    mart = reservedMart(root, table);
    lake = await DuckDbLake.open(path.join(root, 'lake'), [table], [mart]);
  });

  afterAll(() => {
    lake.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('maps the properties to reserved column names (the premise of this test)', () => {
    expect(table.columns.map((c) => c.name)).toEqual(RESERVED_PROPERTIES.map((p) => (p === 'currentTime' ? 'current_time' : p)));
  });

  it('curates every reserved-name column, deduplicated, and refreshes the mart over them', async () => {
    const plan = renderPipelinePlan(lake.env, [mart], [table], { goLiveDate: A1.slice(0, 10), lookbackHours: 3 });
    await new PipelineRunner(lake, plan, partitionColumnsByStep([table], [mart])).run({ runStartedAt: '2024-03-01T11:05:00Z', executionId: 'local:1' });
    const curated = await lake.query(
      `SELECT event_id, "from", "to", "group", "end", "current_time", "_private", CAST("date" AS varchar) AS "date", "timestamp", "user" FROM curated.${table.tableName} ORDER BY event_id`,
    );
    expect(plain(curated.rows)).toEqual([
      {
        event_id: 'e1',
        from: 'a',
        to: 'b',
        group: 3,
        end: '2024-03-01T09:30:00.000Z',
        current_time: '2024-03-01T08:59:58.000Z',
        _private: true,
        date: '2024-03-01',
        timestamp: 1709283598,
        user: 'u1',
      },
      { event_id: 'e2', from: 'a', to: 'c', group: null, end: null, current_time: null, _private: null, date: '2024-03-01', timestamp: null, user: 'u1' },
    ]);
    const marts = await lake.query(`SELECT "from", "user", CAST("date" AS varchar) AS "date", n FROM ${mart.table}`);
    expect(plain(marts.rows)).toEqual([{ from: 'a', user: 'u1', date: '2024-03-01', n: 2 }]);
  });
});
