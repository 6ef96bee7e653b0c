/**
 * Nested contracts go raw JSON → curated on the local runtime with every value in its field: the curated SQL casts
 * the raw `data` struct (lower-cased JSON keys) to the curated one (snake_case) BY POSITION, as Trino does on Athena
 * (`toDuckDb`, lib/marts/dialect.ts). Two cases: a camelCase contract with a struct in a struct and an array of
 * structs; and a MODEL whose second version inserts an optional struct field in the middle, so the table's struct
 * holds the fields in the order they first appeared and events of both versions land in the right fields.
 *
 * Expected rows are derived from the events written and the curated column types: each curated field takes the JSON
 * key whose Glue name (`glueColumnName`, the adapter's naming rule) is the field's name, NULL where the event has none.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { glueColumnName } from '../../lambdas/shared/contracts/glue-types';
import { parseGlueType, type GlueTypeNode } from '../../lib/contracts/table-step';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { renderPipelinePlan } from '../../lib/pipeline/plan';
import { DuckDbLake, jsonKeyOf } from '../../tools/local/duckdb-lake';
import { PipelineRunner, partitionColumnsByStep } from '../../tools/local/pipeline-runner';
import { selfDescribing } from '../contracts/contract-factory';
import { rawEvent, writeRawEvents, type RawEvent } from '../fixtures/marts/raw-lake';

const A1 = '2024-03-01T10:00:00.000Z';
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));
const int = { type: 'integer', minimum: 0, maximum: 100000 };
const str = { type: 'string', maxLength: 32 };
const closed = (properties: Record<string, unknown>): Record<string, unknown> => ({ type: 'object', properties, additionalProperties: false });

/** The curated value of a JSON value under a curated Glue type (see the module comment). */
function expectedValue(value: unknown, type: GlueTypeNode): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case 'struct': {
      const obj = value as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, expectedValue(obj[Object.keys(obj).find((k) => glueColumnName(k) === f.name) ?? ''], f.type)]));
    }
    case 'array':
      return (value as unknown[]).map((v) => expectedValue(v, type.element));
    default:
      return value;
  }
}

/** The curated row of a raw event: event_id plus every curated contract column. */
function expectedRow(table: ContractTable, e: RawEvent): Record<string, unknown> {
  return {
    event_id: e.event_id,
    ...Object.fromEntries(table.columns.map((c) => [c.name, expectedValue(e.data[jsonKeyOf(c.sourcePointer)], parseGlueType(c.type))])),
  };
}

/** Writes the contract files (`<vendor>/<name>/jsonschema/<version>`) and reads the folder's tables. */
function contractFolder(root: string, contracts: readonly Record<string, unknown>[]): ContractTable[] {
  for (const c of contracts) {
    const self = c.self as { vendor: string; name: string; version: string };
    const dir = path.join(root, 'contracts', self.vendor, self.name, 'jsonschema');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, self.version), JSON.stringify(c, null, 2));
  }
  return readContractTables(path.join(root, 'contracts'));
}

/** Runs the curated step of `table` over its raw events and returns the curated rows, by event id. */
async function curate(root: string, table: ContractTable, events: readonly RawEvent[]): Promise<unknown> {
  writeRawEvents(path.join(root, 'lake'), table, events, 'nested');
  const lake = await DuckDbLake.open(path.join(root, 'lake'), [table], []);
  try {
    const plan = renderPipelinePlan(lake.env, [], [table], { goLiveDate: A1.slice(0, 10), lookbackHours: 3 });
    await new PipelineRunner(lake, plan, partitionColumnsByStep([table], [])).run({ runStartedAt: '2024-03-01T11:05:00Z', executionId: 'local:1' });
    const cols = ['event_id', ...table.columns.map((c) => `"${c.name}"`)];
    return plain((await lake.query(`SELECT ${cols.join(', ')} FROM curated.${table.tableName} ORDER BY event_id`)).rows);
  } finally {
    lake.close();
  }
}

/** The field names of a struct column's type, depth first (`device_info.display_mode.hdr_type`…). */
function fieldPaths(type: GlueTypeNode, prefix = ''): string[] {
  if (type.kind === 'array') return fieldPaths(type.element, `${prefix}[]`);
  if (type.kind !== 'struct') return [];
  return type.fields.flatMap((f) => [`${prefix}.${f.name}`, ...fieldPaths(f.type, `${prefix}.${f.name}`)]);
}

describe('a nested camelCase contract on the local runtime', () => {
  let root: string;
  let table: ContractTable;

  const CONTRACT = selfDescribing(
    {
      description: 'A playback started (camelCase keys, nested).',
      ...closed({
        userId: int,
        osType: str,
        deviceInfo: closed({ screenWidth: int, isTV: { type: 'boolean' }, displayMode: closed({ hdrType: str, refreshRate: int }) }),
        audioTracks: { type: 'array', items: closed({ langCode: str, channelCount: int }) },
      }),
      required: ['userId'],
    },
    '1-0-0',
    'playback_started',
    'com.example.nested',
  );

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-nested-'));
    [table] = contractFolder(root, [CONTRACT]);
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('names nested fields differently in the raw and curated zones (the premise of this test)', () => {
    for (const c of table.columns.filter((col) => /struct</.test(col.type))) {
      const raw = table.rawColumns.find((r) => r.sourcePointer === c.sourcePointer)!;
      const [rawPaths, curatedPaths] = [fieldPaths(parseGlueType(raw.type)), fieldPaths(parseGlueType(c.type))];
      expect(rawPaths).toHaveLength(curatedPaths.length);
      expect(rawPaths.filter((p, i) => p !== curatedPaths[i]).length).toBeGreaterThan(0);
    }
  });

  it('curates every nested value into its snake_case field: struct in struct, array of structs, NULLs', async () => {
    const events = [
      rawEvent(table, {
        id: 'e1',
        eventTime: '2024-03-01T09:00:00Z',
        arrival: A1,
        data: {
          userId: 7,
          osType: 'tvOS',
          deviceInfo: { screenWidth: 3840, isTV: true, displayMode: { hdrType: 'dolby', refreshRate: 120 } },
          audioTracks: [{ langCode: 'en', channelCount: 6 }, { langCode: 'nl', channelCount: 2 }],
        },
      }),
      // Keys in another order than declared, a nested object and array elements with missing fields.
      rawEvent(table, {
        id: 'e2',
        eventTime: '2024-03-01T09:05:00Z',
        arrival: A1,
        data: { audioTracks: [{ channelCount: 1 }, { langCode: 'fr' }], deviceInfo: { displayMode: { refreshRate: 60 }, isTV: false }, userId: 8 },
        seq: 1,
      }),
      rawEvent(table, { id: 'e3', eventTime: '2024-03-01T09:06:00Z', arrival: A1, data: { userId: 9, osType: 'android' }, seq: 2 }),
    ];
    expect(await curate(root, table, events)).toEqual(events.map((e) => expectedRow(table, e)));
  });
});

describe('a MODEL whose later version inserts a struct field in the middle', () => {
  let root: string;
  let table: ContractTable;

  const version = (v: string, device: Record<string, unknown>): Record<string, unknown> =>
    selfDescribing({ description: 'A device seen.', ...closed({ userId: int, device: closed(device) }), required: ['userId'] }, v, 'device_seen', 'com.example.history');
  const DEVICE_100 = { osType: str, modelName: str };
  const DEVICE_101 = { osType: str, screenSize: int, modelName: str };
  const [V100, V101] = [version('1-0-0', DEVICE_100), version('1-0-1', DEVICE_101)];

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-history-'));
    [table] = contractFolder(root, [V100, V101]);
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps the struct fields in the order they first appeared, in both zones (the premise of this test)', () => {
    const field = (cols: readonly { sourcePointer: string; type: string }[]): string[] => {
      const t = parseGlueType(cols.find((c) => c.sourcePointer === '/properties/device')!.type);
      return t.kind === 'struct' ? t.fields.map((f) => f.name) : [];
    };
    const firstSeen = [...new Set([...Object.keys(DEVICE_100), ...Object.keys(DEVICE_101)])];
    expect(field(table.columns)).toEqual(firstSeen.map(glueColumnName));
    expect(field(table.rawColumns)).toEqual(firstSeen.map((k) => k.toLowerCase()));
    expect(table.versions).toHaveLength(2);
  });

  it('curates events of both versions with every value in its field (NULL where the version has none)', async () => {
    const [uri100, uri101] = table.versions;
    const of = (uri: string, e: RawEvent): RawEvent => ({ ...e, schema: uri });
    const events = [
      of(uri100, rawEvent(table, { id: 'a1', eventTime: '2024-03-01T09:00:00Z', arrival: A1, data: { userId: 1, device: { osType: 'ios', modelName: 'iPhone 15' } } })),
      of(uri101, rawEvent(table, { id: 'a2', eventTime: '2024-03-01T09:01:00Z', arrival: A1, data: { userId: 2, device: { osType: 'android', screenSize: 6, modelName: 'Pixel 8' } }, seq: 1 })),
      of(uri101, rawEvent(table, { id: 'a3', eventTime: '2024-03-01T09:02:00Z', arrival: A1, data: { userId: 3, device: { modelName: 'Galaxy', screenSize: 7 } }, seq: 2 })),
      of(uri100, rawEvent(table, { id: 'a4', eventTime: '2024-03-01T09:03:00Z', arrival: A1, data: { userId: 4 }, seq: 3 })),
    ];
    const rows = await curate(root, table, events);
    expect(rows).toEqual(events.map((e) => expectedRow(table, e)));
    // Every 1-0-0 event has no screen size; every value an event carries is somewhere in its row.
    for (const [i, e] of events.entries()) {
      const device = (rows as Record<string, Record<string, unknown> | null>[])[i].device;
      if (e.schema === uri100 && device !== null) expect(device.screen_size).toBeNull();
      for (const v of Object.values((e.data.device ?? {}) as Record<string, unknown>)) expect(Object.values(device ?? {})).toContain(v);
    }
  });
});
