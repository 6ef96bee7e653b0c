/**
 * The local raw views read camelCase JSON keys: DuckDB matches JSON keys case-sensitively, while
 * raw-zone names are the lower-cased keys (as the OpenX JSON SerDe reads them on AWS), so the view
 * reads by the contract's original keys and renames. Covers top-level, nested and array-of-object keys.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { renderPipelinePlan } from '../../lib/pipeline/plan';
import { DuckDbLake, jsonKeyOf } from '../../tools/local/duckdb-lake';
import { PipelineRunner, partitionColumnsByStep } from '../../tools/local/pipeline-runner';
import { rawEvent, writeRawEvents } from '../fixtures/marts/raw-lake';

const CONTRACT = {
  $schema: 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
  description: 'A playback started (camelCase keys).',
  self: { vendor: 'com.example.media', name: 'playback_started', format: 'jsonschema', version: '1-0-0' },
  type: 'object',
  properties: {
    userId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    osType: { type: 'string', maxLength: 32 },
    startedAt: { type: 'string', format: 'date-time' },
    deviceInfo: { type: 'object', properties: { screenWidth: { type: 'integer', minimum: 0, maximum: 100000 }, isTV: { type: 'boolean' } } },
    audioTracks: { type: 'array', items: { type: 'object', properties: { langCode: { type: 'string', maxLength: 8 } } } },
  },
  required: ['userId', 'osType'],
  additionalProperties: false,
};

/** Flat camelCase contract for the curated step (nested ones: test/local/duckdb-nested-contract.test.ts). */
const FLAT = {
  ...CONTRACT,
  self: { ...CONTRACT.self, name: 'app_opened' },
  properties: { userId: CONTRACT.properties.userId, osType: CONTRACT.properties.osType, startedAt: CONTRACT.properties.startedAt },
};

const A1 = '2024-03-01T10:00:00.000Z';
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

describe('raw views over camelCase contracts', () => {
  let root: string;
  let lake: DuckDbLake;
  let contract: ContractTable;
  let flat: ContractTable;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-camel-'));
    for (const c of [CONTRACT, FLAT]) {
      const dir = path.join(root, 'contracts', c.self.vendor, c.self.name, 'jsonschema');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, '1-0-0.json'), JSON.stringify(c, null, 2));
    }
    const tables = readContractTables(path.join(root, 'contracts'));
    contract = tables.find((t) => t.contractName === 'playback_started') as ContractTable;
    flat = tables.find((t) => t.contractName === 'app_opened') as ContractTable;
    writeRawEvents(path.join(root, 'lake'), flat, [
      rawEvent(flat, { id: 'f1', eventTime: '2024-03-01T09:00:00Z', arrival: A1, data: { userId: 7, osType: 'tvOS', startedAt: '2024-03-01T08:59:58Z' } }),
      rawEvent(flat, { id: 'f2', eventTime: '2024-03-01T09:05:00Z', arrival: A1, data: { userId: 8, osType: 'android' }, seq: 1 }),
    ], 'camel');
    writeRawEvents(path.join(root, 'lake'), contract, [
      rawEvent(contract, {
        id: 'e1',
        eventTime: '2024-03-01T09:00:00Z',
        arrival: A1,
        data: { userId: 7, osType: 'tvOS', startedAt: '2024-03-01T08:59:58Z', deviceInfo: { screenWidth: 3840, isTV: true }, audioTracks: [{ langCode: 'en' }, { langCode: 'nl' }] },
      }),
      rawEvent(contract, { id: 'e2', eventTime: '2024-03-01T09:05:00Z', arrival: A1, data: { userId: 8, osType: 'android' }, seq: 1 }),
    ], 'camel');
    lake = await DuckDbLake.open(path.join(root, 'lake'), tables, []);
  });

  afterAll(() => {
    lake.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('uses lower-cased raw names for camelCase keys (the premise of this test)', () => {
    expect(contract.rawColumns.map((c) => c.name)).toEqual(['userid', 'ostype', 'startedat', 'deviceinfo', 'audiotracks']);
    expect(contract.rawColumns.map((c) => jsonKeyOf(c.sourcePointer))).toEqual(['userId', 'osType', 'startedAt', 'deviceInfo', 'audioTracks']);
  });

  it('reads every camelCase field of the raw data struct, nested and in arrays, under its raw name', async () => {
    const rows = (await lake.query(`SELECT event_id, data FROM raw.${contract.tableName} ORDER BY event_id`)).rows;
    expect(plain(rows)).toEqual([
      {
        event_id: 'e1',
        data: { userid: 7, ostype: 'tvOS', startedat: '2024-03-01T08:59:58Z', deviceinfo: { screenwidth: 3840, istv: true }, audiotracks: [{ langcode: 'en' }, { langcode: 'nl' }] },
      },
      { event_id: 'e2', data: { userid: 8, ostype: 'android', startedat: null, deviceinfo: null, audiotracks: null } },
    ]);
  });

  it('curates camelCase fields into snake_case columns with no NULLs where the JSON had values', async () => {
    // The fixture's own go-live date: the window starts at the first arrival.
    const plan = renderPipelinePlan(lake.env, [], [flat], { goLiveDate: A1.slice(0, 10), lookbackHours: 3 });
    await new PipelineRunner(lake, plan, partitionColumnsByStep([flat], [])).run({ runStartedAt: '2024-03-01T11:05:00Z', executionId: 'local:1' });
    const rows = (await lake.query(`SELECT event_id, user_id, os_type, started_at FROM curated.${flat.tableName} ORDER BY event_id`)).rows;
    expect(plain(rows)).toEqual([
      { event_id: 'f1', user_id: 7, os_type: 'tvOS', started_at: '2024-03-01T08:59:58.000Z' },
      { event_id: 'f2', user_id: 8, os_type: 'android', started_at: null },
    ]);
  });

  it.each([
    ['/properties/userId', 'userId'],
    ['/properties/a~1b', 'a/b'],
    ['/properties/t~0x', 't~x'],
  ])('jsonKeyOf(%s) is %s', (pointer, key) => {
    expect(jsonKeyOf(pointer)).toBe(key);
  });

  it('jsonKeyOf rejects pointers below the top level', () => {
    expect(() => jsonKeyOf('/properties/a/properties/b')).toThrow(/top-level property pointer/);
  });
});
