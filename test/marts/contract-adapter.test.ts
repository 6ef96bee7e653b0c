import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonObject } from '../../lib/contracts/contract';
import { loadContracts } from '../../lib/contracts/loader';
import { contractColumns } from '../../lib/contracts/glue-types';
import { buildCatalogModel } from '../../lib/marts/catalog';
import { contractTableName, readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { curatedColumnExpression, glueToTrinoType, rawTable, renderCuratedMerge, renderCuratedSource } from '../../lib/marts/curated';
import { analyzeStatement } from '../../lib/marts/sql-check';
import { selfDescribing } from '../contracts/contract-factory';

const CONTRACTS = path.join(__dirname, '../../config/contracts');
const VENDOR = 'com.example.tv';

/** Writes `<vendor>/<name>/jsonschema/<version>.json` under `root`. */
function writeContract(root: string, name: string, version: string, body: JsonObject): void {
  const dir = path.join(root, VENDOR, name, 'jsonschema');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${version}.json`), JSON.stringify(selfDescribing(body, version, name, VENDOR), null, 2));
}

const screenViewed = (extra: JsonObject = {}): JsonObject => ({
  description: 'A screen was shown.',
  type: 'object',
  properties: {
    osType: { type: 'string', description: 'Operating system.' },
    viewedAt: { type: 'string', format: 'date-time' },
    deviceInfo: { type: 'object', properties: { screenWidth: { type: 'integer', minimum: 0, maximum: 100000 } } },
    ...extra,
  },
  required: ['osType'],
  additionalProperties: false,
});

/** An Iglu folder: screen_viewed 1-0-0, 1-0-1 (adds appVersion), 2-0-0 (only osType). */
function exampleFolder(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-adapter-'));
  writeContract(root, 'screen_viewed', '1-0-0', screenViewed());
  writeContract(root, 'screen_viewed', '1-0-1', screenViewed({ appVersion: { type: 'string' } }));
  writeContract(root, 'screen_viewed', '2-0-0', { type: 'object', properties: { osType: { type: 'string' } } });
  return root;
}

const byTable = (tables: readonly ContractTable[], name: string): ContractTable => {
  const t = tables.find((x) => x.tableName === name);
  if (t === undefined) throw new Error(`no table ${name}`);
  return t;
};

describe('contract adapter (columns from lib/contracts)', () => {
  it('maps every contract MODEL of config/contracts to one table, the reference contracts with typed, snake_case columns', () => {
    const tables = readContractTables(CONTRACTS);
    const models = [...new Set(loadContracts(CONTRACTS).map(({ contract: { uri } }) => `${uri.vendor}/${uri.name}/${uri.version.model}`))];
    const expected = models.map((m) => {
      const [vendor, name, model] = m.split('/');
      return [`${name}_v${model}`, `events/${vendor}/${name}/v${model}/`];
    });
    expect(tables.map((t) => [t.tableName, t.rawPrefix]).sort()).toEqual(expected.sort());
    expect(tables.map((t) => [t.tableName, t.rawPrefix, t.columns.map((c) => `${c.name}:${c.type}`)])).toEqual(
      expect.arrayContaining([
        ['rating_submitted_v1', 'events/com.lakeforge.ott/rating_submitted/v1/', ['user_id:int', 'movie_id:int', 'rating:double']],
        ['tag_added_v1', 'events/com.lakeforge.ott/tag_added/v1/', ['user_id:int', 'movie_id:int', 'tag:string']],
      ]),
    );
  });

  it('takes curated and raw columns from contractColumns, for every reference contract', () => {
    const loaded = loadContracts(CONTRACTS);
    for (const table of readContractTables(CONTRACTS)) {
      const contract = loaded.find((l) => l.contract.id === table.schemaUri)?.contract;
      expect(contract).toBeDefined();
      if (contract === undefined) continue;
      const strip = (cols: readonly { name: string; type: string; sourcePointer: string; nullable: boolean }[]): string[] =>
        cols.map((c) => `${c.name}:${c.type}:${c.sourcePointer}:${String(c.nullable)}`);
      expect(strip([...table.columns])).toEqual(strip([...contractColumns(contract, { zone: 'curated' })]));
      expect(strip([...table.rawColumns])).toEqual(strip([...contractColumns(contract, { zone: 'raw' })]));
    }
  });

  it('builds one table per MODEL from the latest version within it, listing every version', () => {
    const tables = readContractTables(exampleFolder());
    expect(tables.map((t) => t.tableName)).toEqual(['screen_viewed_v1', 'screen_viewed_v2']);
    const v1 = byTable(tables, 'screen_viewed_v1');
    expect(v1.schemaUri).toBe(`iglu:${VENDOR}/screen_viewed/jsonschema/1-0-1`);
    expect(v1.versions).toEqual([`iglu:${VENDOR}/screen_viewed/jsonschema/1-0-0`, `iglu:${VENDOR}/screen_viewed/jsonschema/1-0-1`]);
    expect(v1.description).toBe('A screen was shown.');
    expect(v1.columns.map((c) => c.name)).toEqual(['os_type', 'viewed_at', 'device_info', 'app_version']);
    expect(byTable(tables, 'screen_viewed_v2').columns.map((c) => c.name)).toEqual(['os_type']);
  });

  it('names raw data fields by the lower-cased JSON key and curated columns in snake_case, with zone types', () => {
    const v1 = byTable(readContractTables(exampleFolder()), 'screen_viewed_v1');
    expect(v1.rawColumns.map((c) => `${c.name}:${c.type}`)).toEqual(['ostype:string', 'viewedat:string', 'deviceinfo:struct<screenwidth:int>', 'appversion:string']);
    expect(v1.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['os_type:string', 'viewed_at:timestamp', 'device_info:struct<screen_width:int>', 'app_version:string']);
    expect(v1.columns[0].description).toBe('Operating system.');
    expect(rawTable(v1).columns.find((c) => c.name === 'data')?.type).toBe('struct<ostype:string,viewedat:string,deviceinfo:struct<screenwidth:int>,appversion:string>');
  });

  it('renders the curated source reading raw names and writing curated names', () => {
    const v1 = byTable(readContractTables(exampleFolder()), 'screen_viewed_v1');
    const sql = renderCuratedSource(v1);
    expect(sql).toContain('r.data.ostype AS os_type,');
    expect(sql).toContain("CAST(from_iso8601_timestamp(r.data.viewedat) AT TIME ZONE 'UTC' AS timestamp) AS viewed_at,");
    expect(sql).toContain('CAST(r.data.deviceinfo AS row(screen_width integer)) AS device_info,');
    expect(sql).toContain('r.data.appversion AS app_version,');
  });

  it('renders a curated MERGE whose every table and column resolves against the catalog model', () => {
    const tables = readContractTables(exampleFolder());
    const catalog = buildCatalogModel(tables, []);
    for (const t of tables) {
      expect(analyzeStatement(renderCuratedMerge(t), catalog).issues).toEqual([]);
    }
  });

  it('renames a curated column named like a platform column (payload_ prefix), pairing it with its raw field', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-adapter-reserved-'));
    writeContract(root, 'clash', '1-0-0', { type: 'object', properties: { eventId: { type: 'string' } } });
    const [table] = readContractTables(root);
    expect(table.columns.map((c) => [c.name, c.sourcePointer])).toEqual([['payload_event_id', '/properties/eventId']]);
    expect(table.rawColumns.map((c) => [c.name, c.sourcePointer])).toEqual([['eventid', '/properties/eventId']]);
  });

  it('fails with the contract URI when a contract cannot be mapped', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-adapter-bad-'));
    // An allOf member that is `false` admits no value: still refused (allOf of schemas is mapped since issue 12).
    writeContract(root, 'clash', '1-0-0', { type: 'object', properties: { p: { allOf: [{ type: 'string' }, false] } } });
    expect(() => readContractTables(root)).toThrow(/iglu:com\.example\.tv\/clash\/jsonschema\/1-0-0.*allOf/);
  });

  it.each([
    ['rating_submitted', 1, 'rating_submitted_v1'],
    ['Screen-Viewed', 2, 'screen_viewed_v2'],
    ['ad.click', 10, 'ad_click_v10'],
  ])('table name of %s MODEL %d is %s', (name, model, expected) => {
    expect(contractTableName(name, model)).toBe(expected);
  });
});

describe('curated column expressions', () => {
  it.each([
    ['string', 'string', 'r.data.x'],
    ['int', 'int', 'r.data.x'],
    ['string', 'timestamp', "CAST(from_iso8601_timestamp(r.data.x) AT TIME ZONE 'UTC' AS timestamp)"],
    ['string', 'date', 'CAST(r.data.x AS date)'],
    ['array<string>', 'array<date>', 'CAST(r.data.x AS array(date))'],
  ])('raw %s → curated %s: %s', (rawType, curatedType, expected) => {
    expect(curatedColumnExpression({ name: 'x', type: rawType }, { name: 'x', type: curatedType })).toBe(expected);
  });

  it.each([
    ['string', 'varchar'],
    ['int', 'integer'],
    ['bigint', 'bigint'],
    ['array<struct<a:int,b:array<string>>>', 'array(row(a integer, b array(varchar)))'],
    ['map<string,array<bigint>>', 'map(varchar, array(bigint))'],
  ])('Glue %s is Trino %s', (glue, trino) => {
    expect(glueToTrinoType(glue)).toBe(trino);
  });
});
