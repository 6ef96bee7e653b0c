/**
 * `lakeforge local --registry <dir>` end to end (kinesalite, s3rver with a registry bucket, the ingest handler
 * resolving schemas at run time, the dev pipeline plan on DuckDB): third-party Iglu schemas that are not in
 * `config/contracts` are published to the local registry, their events land and are curated into tables created
 * for them, envelopes of schemas in neither place are quarantined as `schema_unknown`, lost 0. Expectations derive
 * from the files (the registry folder and the events file): each line is judged by the platform's validators or,
 * failing that, by the registry folder's schema compiled with the contract ajv options, never by the ingest core.
 * Both folder layouts (with and without `schemas/`) are accepted; a broken folder is one line and exit 1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadPlatform } from '../../config/platform';
import { validators } from '../../lambdas/ingest/generated/validators';
import { createContractAjv, toAjvContractSchema } from '../../lambdas/shared/contract-ajv';
import { loadContracts, resolveIgluRoot } from '../../lib/contracts/loader';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import { localAction } from '../../tools/commands/local';
import { runLocalPlatform } from '../../tools/local/platform';
import { readRegistryFolder, withRegistryTables } from '../../tools/local/registry';
import type { LocalSummary } from '../../tools/local/report';
import { captureIo } from '../helpers/local-io';

/** Local runs start servers and DuckDB: generous, and never a timing assertion. */
const HEAVY_MS = 180_000;
const REGISTRY = path.join(__dirname, '..', '..', 'examples', 'registry');
const EVENTS = path.join(__dirname, '..', '..', 'examples', 'events', 'registry-sample.jsonl');
const platformTables = loadPlatform().contractTables;
const registryTables = readContractTables(REGISTRY);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-registry-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Validate = (data: unknown) => boolean;

/** Validators of the registry folder's schemas by URI, compiled with the contract ajv options. */
function registryValidators(dir: string): Map<string, Validate> {
  return new Map(loadContracts(dir).map((c) => [c.contract.id, createContractAjv().compile(toAjvContractSchema(c.contract.schema as Record<string, unknown>, c.contract.id)) as Validate]));
}

/** The table of a URI among `tables`. */
function tableOf(tables: readonly ContractTable[], uri: string): string {
  const t = tables.find((c) => c.versions.includes(uri));
  if (t === undefined) throw new Error(`no contract table for ${uri}`);
  return t.tableName;
}

/**
 * What a run must report for the events file, given the schemas known at run time: the platform's validators
 * first, then those of the registry folder (when there is one). The file's lines are all well-formed envelopes
 * (checked here), so only the schema decides.
 */
function expectations(registryDir: string | undefined) {
  const fromRegistry = registryDir === undefined ? new Map<string, Validate>() : registryValidators(registryDir);
  const tables = registryDir === undefined ? platformTables : withRegistryTables(platformTables, readRegistryFolder(registryDir));
  const lines = fs.readFileSync(EVENTS, 'utf8').replace(/\n$/, '').split('\n');
  const byType: Record<string, number> = {};
  const curated: Record<string, Set<string>> = Object.fromEntries(tables.map((t) => [t.tableName, new Set<string>()]));
  const bad: Array<{ line: number; failureType: string }> = [];
  let landed = 0;
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const e = JSON.parse(text) as { schema: string; data: unknown; event_id: string };
    expect(Object.keys(e).sort()).toEqual(['data', 'event_id', 'event_time', 'schema']);
    const validate = (validators as Record<string, Validate | undefined>)[e.schema] ?? fromRegistry.get(e.schema);
    const failureType = validate === undefined ? 'schema_unknown' : validate(e.data) ? undefined : 'schema_violation';
    if (failureType === undefined) {
      landed += 1;
      curated[tableOf(tables, e.schema)].add(e.event_id);
    } else {
      bad.push({ line: i + 1, failureType });
      byType[failureType] = (byType[failureType] ?? 0) + 1;
    }
  });
  return { landed, sent: landed + bad.length, byType, bad, curated: Object.fromEntries(Object.entries(curated).map(([t, ids]) => [t, ids.size])) };
}

/** Checks a run's summary against the expectations of the files. */
function expectAccounting(summary: LocalSummary, expected: ReturnType<typeof expectations>): void {
  expect({ sent: summary.sent, landed: summary.landed, lost: summary.lost, duplicates: summary.duplicates, misplaced: summary.misplaced, problems: summary.problems }).toEqual({
    sent: expected.sent, landed: expected.landed, lost: 0, duplicates: 0, misplaced: 0, problems: [],
  });
  expect(summary.quarantined).toEqual(expected.byType);
  expect(summary.events?.quarantinedLines.map((l) => ({ line: l.line, failureType: l.failureType }))).toEqual(expected.bad);
  expect(Object.keys(summary.curatedCompleteness).sort()).toEqual(Object.keys(expected.curated).sort());
  for (const [table, c] of Object.entries(summary.curatedCompleteness)) {
    expect({ table, landedUnique: c.landedUnique, curated: c.curated, missing: c.missing, duplicates: c.duplicates }).toEqual({
      table, landedUnique: expected.curated[table], curated: expected.curated[table], missing: 0, duplicates: 0,
    });
  }
}

describe('the example registry and events file', () => {
  it('are what the acceptance needs: registry-only schemas, events of them, and envelopes of schemas in neither place', () => {
    const registryUris = new Set(registryTables.flatMap((t) => t.versions));
    expect(registryTables.length).toBeGreaterThan(0);
    // None of the registry's schemas (nor their tables) is a platform contract.
    for (const uri of registryUris) expect(Object.keys(validators)).not.toContain(uri);
    for (const t of registryTables) expect(platformTables.map((p) => p.tableName)).not.toContain(t.tableName);
    const schemas = fs.readFileSync(EVENTS, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as { schema: string }).schema);
    expect(schemas.some((s) => registryUris.has(s))).toBe(true);
    expect(schemas.some((s) => !registryUris.has(s) && !(s in validators))).toBe(true);
    // Every registry table gets at least one valid event, so "curated, missing 0" is not vacuous.
    const expected = expectations(REGISTRY);
    for (const t of registryTables) expect(expected.curated[t.tableName]).toBeGreaterThan(0);
  });
});

describe('lakeforge local --registry examples/registry --events examples/events/registry-sample.jsonl', () => {
  const out = path.join(tmp, 'nested');
  let run: Awaited<ReturnType<typeof localAction>>;
  let io: ReturnType<typeof captureIo>;

  beforeAll(async () => {
    io = captureIo();
    run = await localAction({ registry: REGISTRY, events: EVENTS, out }, io);
  }, HEAVY_MS);

  it('exits 0: every valid event landed and was curated once, schemas in neither place are schema_unknown, lost 0', () => {
    expect({ exitCode: run.exitCode, errors: io.errors() }).toEqual({ exitCode: 0, errors: '' });
    expectAccounting(run.result!.summary, expectations(REGISTRY));
    const registry = run.result!.summary.registry!;
    expect({ ...registry, schemas: [...registry.schemas].sort() }).toEqual({
      dir: REGISTRY,
      schemas: registryTables.flatMap((t) => t.versions).sort(),
      tables: registryTables.map((t) => t.tableName),
    });
    expect(io.text()).toContain(`registry  `);
  });

  it('curates the registry-only events into their tables with the values of the file', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const lines = fs.readFileSync(EVENTS, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { schema: string; data: Record<string, unknown>; event_id: string });
      const fromRegistry = registryValidators(REGISTRY);
      for (const t of registryTables) {
        const files = path.join(out, 'lake', 'curated', t.tableName, '**', '*.parquet');
        const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${files}', hive_partitioning = false)`);
        const rows = reader.getRowObjectsJS() as Array<Record<string, unknown>>;
        const valid = lines.filter((l) => t.versions.includes(l.schema) && fromRegistry.get(l.schema)!(l.data));
        expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(valid.map((l) => l.event_id)));
        // Each column holds the value of the property it is mapped from (a string property compared as is).
        const stringColumn = t.columns.find((c) => c.type === 'string');
        if (stringColumn === undefined) continue;
        const property = stringColumn.sourcePointer.replace(/^\/properties\//, '');
        for (const l of valid) expect(rows.find((r) => r.event_id === l.event_id)![stringColumn.name]).toEqual(l.data[property] ?? null);
      }
    } finally {
      connection.closeSync();
    }
  });
});

describe('lakeforge local --registry <dir> without the schemas/ level', () => {
  it('reads <vendor>/<name>/jsonschema/<M-R-A> directly in the folder, with the same result', async () => {
    const flat = path.join(tmp, 'flat-registry');
    fs.cpSync(resolveIgluRoot(REGISTRY), flat, { recursive: true });
    expect(fs.existsSync(path.join(flat, 'schemas'))).toBe(false);
    const result = await runLocalPlatform({ registryDir: flat, eventsFile: EVENTS, outDir: path.join(tmp, 'flat'), progress: { write: () => undefined, isTTY: false } });
    expect(result.ok).toBe(true);
    expectAccounting(result.summary, expectations(flat));
  }, HEAVY_MS);
});

describe('lakeforge local --events without --registry', () => {
  it('quarantines the events of the registry-only schemas as schema_unknown (nothing resolves them)', async () => {
    const result = await runLocalPlatform({ eventsFile: EVENTS, outDir: path.join(tmp, 'none'), progress: { write: () => undefined, isTTY: false } });
    const expected = expectations(undefined);
    expect(result.ok).toBe(true);
    expectAccounting(result.summary, expected);
    expect(expected.byType.schema_unknown).toBeGreaterThan(expectations(REGISTRY).byType.schema_unknown);
  }, HEAVY_MS);
});

describe('a broken registry folder', () => {
  const write = (file: string, content: string): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };

  it.each<[string, () => string, RegExp]>([
    ['a missing folder', () => path.join(tmp, 'missing'), /^lakeforge local failed: --registry .*missing: not a folder\n$/],
    ['a folder without schemas', () => fs.mkdtempSync(path.join(tmp, 'empty-')), /^lakeforge local failed: --registry .*: no schema found \(expected <vendor>\/<name>\/jsonschema\/<M-R-A> files, directly or under schemas\/\)\n$/],
    [
      'a schema whose self block does not match its path',
      () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'self-'));
        const source = loadContracts(REGISTRY)[0];
        const schema = JSON.parse(fs.readFileSync(path.join(resolveIgluRoot(REGISTRY), ...source.relativePath.split('/')), 'utf8')) as { self: { version: string } };
        schema.self.version = '9-9-9';
        write(path.join(dir, ...source.relativePath.split('/')), JSON.stringify(schema));
        return dir;
      },
      /^lakeforge local failed: --registry .*self-[^:]*: .*jsonschema\/1-0-0.*\n$/,
    ],
  ])('fails with one line naming the folder for %s, before anything starts', async (_what, dir, message) => {
    const io = captureIo();
    const run = await localAction({ registry: dir(), events: EVENTS, out: path.join(tmp, 'broken') }, io);
    expect(run.exitCode).toBe(1);
    expect(io.errors()).toMatch(message);
    expect(io.errors().split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(io.text()).toBe('');
  });

  it('refuses a registry schema that maps to the table of a different platform contract', () => {
    const platform = platformTables[0];
    const clash: ContractTable = { ...registryTables[0], vendor: 'com.example.other', tableName: platform.tableName };
    expect(() => withRegistryTables(platformTables, { dir: 'reg', root: 'reg', schemas: [], contractTables: [clash] })).toThrow(
      new RegExp(`^--registry reg: .* maps to the table "${platform.tableName}" of the platform contract ${platform.schemaUri.replace(/[.]/g, '\\.')}; rename one$`),
    );
  });
});
