/**
 * Issue 12: the table of a contract MODEL holds the history of its versions. A nested property inserted between
 * existing ones, a property removed and fields reordered are ADDITION/REVISION changes for instances, and they
 * must cost the table nothing beyond appended fields: the table's columns (raw and curated) are every column and
 * field any version declared, in the order they first appeared; the curated ROW casts (positional in Trino) pair
 * raw and curated fields of the same key; the publication gate accepts the honest bumps; the deploy-time DDL
 * evolves a table created from the first version with one CHANGE COLUMN and ADD COLUMNS, never a refusal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planTable } from '../../lambdas/table-ddl/core';
import { renderCuratedIcebergTableSpec, renderTableDdlProperties } from '../../lib/constructs/catalog/iceberg-tables';
import type { JsonObject } from '../../lib/contracts/contract';
import { glueColumnName, rawColumnName } from '../../lib/contracts/glue-types';
import { readIgluFolder } from '../../lib/contracts/loader';
import { checkPublication } from '../../lib/contracts/publication';
import { parseGlueType, type GlueTypeNode } from '../../lib/contracts/table-step';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { renderCuratedMerge } from '../../lib/marts/curated';
import { trinoSql } from '../../lib/marts/trino-parser';
import { selfDescribing } from '../contracts/contract-factory';

const VENDOR = 'com.example.history';
const NAME = 'device_seen';
const str: JsonObject = { type: 'string' };
const closed = (properties: JsonObject, required: string[] = []): JsonObject => ({ type: 'object', properties, required, additionalProperties: false });

/** The versions, oldest first: keys in camelCase so raw (lower-cased) and curated (snake_case) names differ. */
const VERSIONS: readonly [string, JsonObject][] = [
  ['1-0-0', closed({ deviceId: str, device: closed({ osType: str, modelName: str }), legacyFlag: { type: 'boolean' } }, ['deviceId'])],
  // An optional field inserted between the struct's fields (closed object: ADDITION).
  ['1-0-1', closed({ deviceId: str, device: closed({ osType: str, screenSize: { type: 'integer', minimum: 0, maximum: 10000 }, modelName: str }), legacyFlag: { type: 'boolean' } }, ['deviceId'])],
  // A property removed from a closed root (REVISION), the struct's fields reordered, one more field in the middle.
  ['1-1-0', closed({ device: closed({ modelName: str, brandName: str, osType: str, screenSize: { type: 'integer', minimum: 0, maximum: 10000 } }), deviceId: str }, ['deviceId'])],
];

function writeFolder(versions: readonly [string, JsonObject][]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-history-'));
  const dir = path.join(root, VENDOR, NAME, 'jsonschema');
  fs.mkdirSync(dir, { recursive: true });
  for (const [v, body] of versions) fs.writeFileSync(path.join(dir, v), JSON.stringify(selfDescribing(body, v, NAME, VENDOR), null, 2));
  return root;
}

/** Every key each version declares at `/properties/<top>/properties`, in first-appearance order over the versions. */
function keysInFirstOrder(versions: readonly [string, JsonObject][], at: (body: JsonObject) => JsonObject | undefined): string[] {
  const keys: string[] = [];
  for (const [, body] of versions) for (const k of Object.keys(at(body) ?? {})) if (!keys.includes(k)) keys.push(k);
  return keys;
}
const props = (o: JsonObject | undefined): JsonObject | undefined => o?.properties as JsonObject | undefined;
const topKeys = keysInFirstOrder(VERSIONS, props);
const deviceKeys = keysInFirstOrder(VERSIONS, (b) => props(props(b)?.device as JsonObject));
const structFields = (type: string): string[] => (parseGlueType(type) as Extract<GlueTypeNode, { kind: 'struct' }>).fields.map((f) => f.name);

describe('a contract MODEL\'s table holds the history of its versions', () => {
  let root: string;
  let table: ContractTable;
  beforeAll(() => {
    root = writeFolder(VERSIONS);
    [table] = readContractTables(root);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('has every top-level property any version declared, in first-appearance order, a dropped one nullable', () => {
    expect(table.columns.map((c) => c.name)).toEqual(topKeys.map(glueColumnName));
    expect(table.rawColumns.map((c) => c.name)).toEqual(topKeys.map(rawColumnName));
    const latest = Object.keys(props(VERSIONS[VERSIONS.length - 1][1])!);
    const retired = topKeys.filter((k) => !latest.includes(k));
    expect(retired.length).toBeGreaterThan(0);
    for (const key of retired) {
      const c = table.columns.find((x) => x.name === glueColumnName(key))!;
      expect(c.nullable).toBe(true);
      // The catalog says since which version the column is NULL: the version after the last that declares it.
      const last = VERSIONS.map(([, body]) => Object.keys(props(body)!).includes(key)).lastIndexOf(true);
      expect(c.description).toContain(`not declared since ${VERSIONS[last + 1][0]}: NULL for its events`);
    }
  });

  it('keeps struct fields in first-appearance order in both zones, so raw field i and curated field i read one key', () => {
    const curated = table.columns.find((c) => c.name === glueColumnName('device'))!;
    const raw = table.rawColumns.find((c) => c.sourcePointer === curated.sourcePointer)!;
    expect(structFields(curated.type)).toEqual(deviceKeys.map(glueColumnName));
    expect(structFields(raw.type)).toEqual(deviceKeys.map(rawColumnName));
  });

  it('renders a curated MERGE whose ROW cast lists the fields in the table\'s order, and the Trino grammar parses it', () => {
    const sql = renderCuratedMerge(table);
    const cast = new RegExp(`CAST\\(r\\.data\\.device AS row\\(${deviceKeys.map((k) => `${glueColumnName(k)} \\w+`).join(', ')}\\)\\)`);
    expect(sql).toMatch(cast);
    expect(trinoSql().validate(sql)).toEqual([]);
  });

  it('passes the publication gate with the declared bumps (the table step only sees appended fields)', () => {
    const result = checkPublication(readIgluFolder(root), {});
    expect(result.issues).toEqual([]);
    const reports = result.newVersions.flatMap((v) => (v.report === undefined ? [] : [v.report]));
    expect(reports.map((r) => r.tableStep)).toEqual(['ADDITION', 'ADDITION']);
    expect(reports.flatMap((r) => r.tableReasons.map((x) => x.rule))).toEqual(['struct-field-added', 'struct-field-added']);
    expect(reports[1].tableHistory).toEqual([`iglu:${VENDOR}/${NAME}/jsonschema/1-0-0`]);
  });

  it('evolves a table created from the first version with one CHANGE COLUMN of the struct, and drops nothing', () => {
    const first = writeFolder(VERSIONS.slice(0, 1));
    try {
      const ddl = (t: ContractTable) =>
        renderTableDdlProperties('wg', [renderCuratedIcebergTableSpec(t, { database: 'curated', bucketName: 'bucket', description: 'd', parameters: {} })]).Tables[0];
      const [created] = readContractTables(first);
      const before = ddl(created);
      const current = { Name: before.Table, StorageDescriptor: { Columns: before.Columns.map((c) => ({ Name: c.Name, Type: c.Type })) }, Parameters: { table_type: 'ICEBERG' } };
      const actions = planTable(ddl(table), current);
      const changes = actions.filter((a) => a.kind === 'change-column');
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ column: { Name: glueColumnName('device') } });
      expect(actions.filter((a) => a.kind === 'add-columns')).toEqual([]);
    } finally {
      fs.rmSync(first, { recursive: true, force: true });
    }
  });

  it('refuses a history whose versions spell a top-level key two ways that meet in one column (older events would be lost)', () => {
    const renamed = writeFolder([
      ['1-0-0', closed({ osType: str })],
      ['1-1-0', closed({ os_type: str })],
    ]);
    try {
      expect(() => readContractTables(renamed)).toThrow(/spell a property two ways that meet in one column \("osType".*\/properties\/osType.*new MODEL/);
    } finally {
      fs.rmSync(renamed, { recursive: true, force: true });
    }
  });

  it('refuses, naming the field, a history whose versions spell a nested key two ways (the zones would not pair)', () => {
    const renamed = writeFolder([
      ['1-0-0', closed({ device: closed({ osType: str }) })],
      ['1-1-0', closed({ device: closed({ os_type: str }) })],
    ]);
    try {
      expect(() => readContractTables(renamed)).toThrow(/the versions of this MODEL name the fields of device differently.*new MODEL/);
    } finally {
      fs.rmSync(renamed, { recursive: true, force: true });
    }
  });
});
