/**
 * Keys with `-` or `.` and properties named like platform columns, read end to end.
 *
 * On AWS the raw table reads JSON with the OpenX JSON SerDe, which matches a field to a key by name: a field
 * `a_b` reads `a-b` only through the SerDe parameter `mapping.a_b` = `a-b` (Athena "OpenX JSON SerDe"). The
 * rendered parameters are checked exactly here. The local runtime (DuckDB, tools/local/duckdb-lake.ts) does not
 * run the SerDe: it reads the same `rawKeyMappings` the parameters are rendered from, so the values read locally
 * are the values the mapping declares. The curated step then reads the raw field and writes the curated column
 * (a platform name renamed `payload_<name>`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { rawTable, renderCuratedSource } from '../../lib/marts/curated';
import { renderPipelinePlan } from '../../lib/pipeline/plan';
import { renderJsonKeyMappings, renderRawEventTableInput } from '../../lib/products/glue-tables';
import { DuckDbLake } from '../../tools/local/duckdb-lake';
import { PipelineRunner, partitionColumnsByStep } from '../../tools/local/pipeline-runner';
import { rawEvent, writeRawEvents } from '../fixtures/marts/raw-lake';

const SELF_DESC = 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#';
const NESTED = {
  $schema: SELF_DESC,
  self: { vendor: 'com.example.web', name: 'form_sent', format: 'jsonschema', version: '1-0-0' },
  type: 'object',
  properties: {
    'form-id': { type: 'string' },
    'geo.info': { type: 'object', properties: { 'country.code': { type: 'string' }, 'x-y': { type: 'array', items: { type: 'object', properties: { 'a.b': { type: 'integer', minimum: 0, maximum: 9 } } } } } },
  },
  required: ['form-id'],
  additionalProperties: false,
};
/** Flat, for the curated step (nested contracts on DuckDB: test/local/duckdb-nested-contract.test.ts). */
const FLAT = {
  $schema: SELF_DESC,
  self: { vendor: 'com.example.web', name: 'hook_received', format: 'jsonschema', version: '1-0-0' },
  type: 'object',
  properties: { eventId: { type: 'string' }, dt: { type: 'string' }, 'hook-name': { type: 'string' }, 'amount.eur': { type: 'number', multipleOf: 0.01, minimum: 0, maximum: 1000 } },
  required: ['eventId'],
  additionalProperties: false,
};

const A1 = '2024-03-01T10:00:00.000Z';
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));

describe('raw SerDe key mappings and platform names', () => {
  let root: string;
  let lake: DuckDbLake;
  let nested: ContractTable;
  let flat: ContractTable;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-serde-'));
    for (const c of [NESTED, FLAT]) {
      const dir = path.join(root, 'contracts', c.self.vendor, c.self.name, 'jsonschema');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, '1-0-0.json'), JSON.stringify(c, null, 2));
    }
    const tables = readContractTables(path.join(root, 'contracts'));
    nested = tables.find((t) => t.contractName === 'form_sent') as ContractTable;
    flat = tables.find((t) => t.contractName === 'hook_received') as ContractTable;
    writeRawEvents(path.join(root, 'lake'), nested, [
      rawEvent(nested, { id: 'n1', eventTime: '2024-03-01T09:00:00Z', arrival: A1, data: { 'form-id': 'F-1', 'geo.info': { 'country.code': 'NL', 'x-y': [{ 'a.b': 3 }, { 'a.b': 4 }] } } }),
    ], 'serde');
    writeRawEvents(path.join(root, 'lake'), flat, [
      rawEvent(flat, { id: 'f1', eventTime: '2024-03-01T09:00:00Z', arrival: A1, data: { eventId: 'producer-1', dt: '2023-12-31', 'hook-name': 'paid', 'amount.eur': 12.34 } }),
    ], 'serde');
    lake = await DuckDbLake.open(path.join(root, 'lake'), tables, []);
  });

  afterAll(() => {
    lake.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('renders one SerDe mapping per renamed key, at every level, beside ignore.malformed.json', () => {
    const input = renderRawEventTableInput(rawTable(nested), 'bucket', nested.rawPrefix, { product: 'p', owner: 'o', classification: 'internal', piiColumns: [], freshnessSlaMinutes: 60 }, 'd', '2024-01-01', nested.rawKeyMappings);
    const serde = input.storageDescriptor as { serdeInfo: { serializationLibrary: string; parameters: Record<string, string> } };
    expect(serde.serdeInfo.serializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(serde.serdeInfo.parameters).toEqual({
      'ignore.malformed.json': 'false',
      'mapping.a_b': 'a.b',
      'mapping.country_code': 'country.code',
      'mapping.form_id': 'form-id',
      'mapping.geo_info': 'geo.info',
      'mapping.x_y': 'x-y',
    });
    // Every mapped name is a field of the raw data struct, never an envelope column.
    const columns = rawTable(nested).columns.map((c) => c.name);
    for (const field of Object.keys(nested.rawKeyMappings ?? {})) {
      expect(columns).not.toContain(field);
      expect(rawTable(nested).columns.find((c) => c.name === 'data')?.type).toMatch(new RegExp(`[<,]${field}:`));
    }
  });

  it('renders no mapping for a contract without such keys', () => {
    expect(renderJsonKeyMappings({})).toEqual({});
    expect(() => renderJsonKeyMappings({ 'a-b': 'a-b' })).toThrow(/field name "a-b"/);
  });

  it('reads the values under keys with - and . (top level, nested, in arrays)', async () => {
    const rows = (await lake.query(`SELECT data FROM raw.${nested.tableName}`)).rows;
    expect(plain(rows)).toEqual([{ data: { form_id: 'F-1', geo_info: { country_code: 'NL', x_y: [{ a_b: 3 }, { a_b: 4 }] } } }]);
  });

  it('curates a platform-named property into payload_<name> from its raw field, and a decimal step as decimal', async () => {
    expect(flat.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['payload_event_id:string', 'payload_dt:string', 'hook_name:string', 'amount_eur:decimal(6,2)']);
    expect(renderCuratedSource(flat)).toMatch(/r\.data\."?eventid"? AS "?payload_event_id"?/);
    const plan = renderPipelinePlan(lake.env, [], [flat], { goLiveDate: A1.slice(0, 10), lookbackHours: 3 });
    await new PipelineRunner(lake, plan, partitionColumnsByStep([flat], [])).run({ runStartedAt: '2024-03-01T11:05:00Z', executionId: 'local:1' });
    const rows = (await lake.query(`SELECT event_id, dt, payload_event_id, payload_dt, hook_name, CAST(amount_eur AS VARCHAR) AS amount_eur FROM curated.${flat.tableName}`)).rows;
    expect(plain(rows)).toEqual([{ event_id: 'f1', dt: '2024-03-01', payload_event_id: 'producer-1', payload_dt: '2023-12-31', hook_name: 'paid', amount_eur: '12.34' }]);
  });
});
