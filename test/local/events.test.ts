/**
 * `lakeforge local --events <file.jsonl>` end to end (kinesalite, s3rver, the ingest handler, the dev pipeline
 * plan on DuckDB): on the example file and on a seeded generated file mixing valid events, repeated events,
 * blank lines and every kind of bad line, every expectation derives from the file itself — valid events in
 * their raw and curated tables (curated once), bad lines in the quarantine under their failure type with
 * reasons, blank lines skipped, lost 0 — and a missing, empty or contradictory input is one line and exit 1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MARTS } from '../../config/marts';
import { loadPlatform } from '../../config/platform';
import { validators } from '../../lambdas/ingest/generated/validators';
import { DEFAULT_DATA_DIR, localAction } from '../../tools/commands/local';
import { RATING_SUBMITTED_URI, TAG_ADDED_URI } from '../../tools/local/movielens';
import { runLocalPlatform } from '../../tools/local/platform';
import type { LocalSummary } from '../../tools/local/report';
import { captureIo } from '../helpers/local-io';

/** Local runs start servers and DuckDB: generous, and never a timing assertion. */
const HEAVY_MS = 180_000;
const SAMPLE = path.join(__dirname, '..', '..', 'examples', 'events', 'sample.jsonl');
const { contractTables } = loadPlatform();

type Outcome = { readonly kind: 'blank' } | { readonly kind: 'valid'; readonly schema: string; readonly eventId: string } | { readonly kind: 'bad'; readonly failureType: string };

/** Contract table of an Iglu URI. */
const tableOf = (schema: string): string => {
  const table = contractTables.find((c) => c.versions.includes(schema));
  if (table === undefined) throw new Error(`no contract table for ${schema}`);
  return table.tableName;
};

/**
 * What the platform must make of one line of the example file, worked out from the envelope convention and the
 * contracts' validators (the README's producer section), not from the ingest core.
 */
function outcomeOf(line: string): Outcome {
  if (/^[ \t\r]*$/.test(line)) return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'bad', failureType: 'not_json' };
  }
  const e = value as Record<string, unknown>;
  const envelope =
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.keys(e).sort().join(',') === 'data,event_id,event_time,schema' &&
    typeof e.schema === 'string' && /^iglu:[^/]+\/[^/]+\/jsonschema\/\d+-\d+-\d+$/.test(e.schema) &&
    typeof e.event_id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.event_id) &&
    typeof e.event_time === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(e.event_time) &&
    typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data);
  if (!envelope) return { kind: 'bad', failureType: 'envelope_invalid' };
  const validate = (validators as Record<string, ((data: unknown) => boolean) | undefined>)[e.schema as string];
  if (validate === undefined) return { kind: 'bad', failureType: 'schema_unknown' };
  if (!validate(e.data)) return { kind: 'bad', failureType: 'schema_violation' };
  return { kind: 'valid', schema: e.schema as string, eventId: e.event_id as string };
}

/** The counts a run on these line outcomes must report. */
function expectations(outcomes: readonly Outcome[]) {
  const valid = outcomes.flatMap((o, i) => (o.kind === 'valid' ? [{ ...o, line: i + 1 }] : []));
  const bad = outcomes.flatMap((o, i) => (o.kind === 'bad' ? [{ line: i + 1, failureType: o.failureType }] : []));
  const byType: Record<string, number> = {};
  for (const b of bad) byType[b.failureType] = (byType[b.failureType] ?? 0) + 1;
  const rawLines: Record<string, number> = {};
  const curatedIds: Record<string, Set<string>> = {};
  for (const v of valid) {
    const t = tableOf(v.schema);
    rawLines[t] = (rawLines[t] ?? 0) + 1;
    (curatedIds[t] ??= new Set()).add(v.eventId);
  }
  return {
    lines: outcomes.length,
    blankLines: outcomes.filter((o) => o.kind === 'blank').length,
    sent: valid.length + bad.length,
    landed: valid.length,
    repeated: valid.length - new Set(valid.map((v) => v.eventId)).size,
    byType,
    bad,
    rawLines,
    curated: Object.fromEntries(contractTables.map((c) => [c.tableName, curatedIds[c.tableName]?.size ?? 0])),
  };
}

/** Raw-zone lines per contract table in a run's mirrored lake. */
function rawLinesByTable(outDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of contractTables) {
    const dir = path.join(outDir, 'lake', 'raw', ...c.rawPrefix.split('/').filter((p) => p !== ''));
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.json.gz'))) {
      const n = gunzipSync(fs.readFileSync(path.join(dir, f))).toString('utf8').split('\n').filter((l) => l !== '').length;
      counts[c.tableName] = (counts[c.tableName] ?? 0) + n;
    }
  }
  return counts;
}

/** Checks a run's summary against the expectations of its file. */
function expectAccounting(summary: LocalSummary, expected: ReturnType<typeof expectations>): void {
  expect({ sent: summary.sent, landed: summary.landed, lost: summary.lost, duplicates: summary.duplicates, misplaced: summary.misplaced, problems: summary.problems }).toEqual({
    sent: expected.sent, landed: expected.landed, lost: 0, duplicates: 0, misplaced: 0, problems: [],
  });
  expect(summary.quarantined).toEqual(expected.byType);
  expect(summary.injected).toEqual(expected.byType);
  expect(summary.curated).toEqual(expected.curated);
  for (const [table, c] of Object.entries(summary.curatedCompleteness)) {
    expect({ table, missing: c.missing, duplicates: c.duplicates, landedUnique: c.landedUnique }).toEqual({ table, missing: 0, duplicates: 0, landedUnique: expected.curated[table] });
  }
  expect(summary.events).toMatchObject({ lines: expected.lines, blankLines: expected.blankLines, notSentByLimit: 0, repeatedEventIds: expected.repeated });
  expect(summary.events?.quarantinedLines.map((l) => ({ line: l.line, failureType: l.failureType }))).toEqual(expected.bad);
  for (const l of summary.events?.quarantinedLines ?? []) expect(l.errors.length).toBeGreaterThan(0);
}

describe('lakeforge local --events examples/events/sample.jsonl', () => {
  const lines = fs.readFileSync(SAMPLE, 'utf8').replace(/\n$/, '').split('\n');
  const expected = expectations(lines.map(outcomeOf));
  let out: string;
  let io: ReturnType<typeof captureIo>;
  let exitCode: number;
  let summary: LocalSummary | undefined;

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-events-sample-'));
    io = captureIo();
    const run = await localAction({ events: SAMPLE, out }, io);
    exitCode = run.exitCode;
    summary = run.result?.summary;
  }, HEAVY_MS);

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('holds every kind of line the example promises: valid events of both reference contracts, a blank line and each kind of bad line', () => {
    const schemas = new Set(lines.map(outcomeOf).flatMap((o) => (o.kind === 'valid' ? [o.schema] : [])));
    expect([...schemas].sort()).toEqual([RATING_SUBMITTED_URI, TAG_ADDED_URI].sort());
    expect(Object.keys(expected.byType).sort()).toEqual(['envelope_invalid', 'not_json', 'schema_unknown', 'schema_violation']);
    expect(expected.blankLines).toBeGreaterThan(0);
  });

  it('exits 0 with lost 0 and lists every quarantined line with its failure type', () => {
    expect({ exitCode, errors: io.errors() }).toEqual({ exitCode: 0, errors: '' });
    expect(io.text()).toMatch(/OK: lost 0, duplicates 0; every line of sample\.jsonl landed or quarantined/);
    for (const b of expected.bad) expect(io.text()).toMatch(new RegExp(`line +${b.line} +${b.failureType} `));
  });

  it('lands every valid line in the raw table of its contract, curates each event once and quarantines the rest by type', () => {
    expectAccounting(summary as LocalSummary, expected);
    expect(rawLinesByTable(out)).toEqual(expected.rawLines);
  });

  it('uploads the demo content catalog so the marts that join it run, and runs every declared mart', () => {
    expect(summary?.events?.batchFilesFrom).toBe(path.resolve(DEFAULT_DATA_DIR));
    expect(Object.keys(summary?.marts ?? {}).sort()).toEqual(MARTS.map((m) => m.name).sort());
    for (const m of MARTS) expect(fs.existsSync(path.join(out, 'marts', `${m.name}.csv`))).toBe(true);
  });
});

/** One generated line and what the platform must make of it. */
interface GeneratedLine {
  readonly text: string;
  readonly outcome: Outcome;
}

const uuid = fc.uuid({ version: 4 }).map((u) => u.toLowerCase());
const eventTime = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-11-30T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const id = fc.integer({ min: 1, max: 200_000 });
const rating = fc.record({ user_id: id, movie_id: id, rating: fc.integer({ min: 1, max: 10 }).map((n) => n / 2) });
const tag = fc.record({ user_id: id, movie_id: id, tag: fc.string({ minLength: 1, maxLength: 40 }) });
const envelopeOf = (schema: string, data: object) => fc.record({ schema: fc.constant(schema), data: fc.constant(data), event_id: uuid, event_time: eventTime });
const validEnvelope = fc.oneof(rating.chain((d) => envelopeOf(RATING_SUBMITTED_URI, d)), tag.chain((d) => envelopeOf(TAG_ADDED_URI, d)));
const valid = validEnvelope.map((e): GeneratedLine => ({ text: JSON.stringify(e), outcome: { kind: 'valid', schema: e.schema, eventId: e.event_id } }));
const bad = (failureType: string) => (text: string): GeneratedLine => ({ text, outcome: { kind: 'bad', failureType } });

/** Every kind of line a team's file may hold, with what ingest must make of it (known by construction). */
const LINE_KINDS = {
  valid,
  blank: fc.constantFrom('', '  ', '\t').map((text): GeneratedLine => ({ text, outcome: { kind: 'blank' } })),
  notJson: fc.oneof(
    validEnvelope.chain((e) => fc.integer({ min: 1, max: JSON.stringify(e).length - 1 }).map((n) => JSON.stringify(e).slice(0, n))),
    fc.constantFrom('WARN producer: connection reset by peer', "{'schema': 'iglu:x/y/jsonschema/1-0-0'}", 'undefined'),
  ).map(bad('not_json')),
  envelopeInvalid: fc.oneof(
    validEnvelope.map((e) => JSON.stringify({ ...e, event_time: e.event_time.replace('T', ' ') })),
    validEnvelope.map((e) => JSON.stringify({ ...e, event_id: e.event_id.replace(/-/g, '') })),
    validEnvelope.map(({ event_id: _drop, ...e }) => JSON.stringify(e)),
    validEnvelope.map((e) => JSON.stringify({ ...e, source: 'web' })),
    validEnvelope.map((e) => JSON.stringify([e])),
    fc.constantFrom('42', '"rating_submitted"', 'null'),
  ).map(bad('envelope_invalid')),
  schemaUnknown: fc.oneof(
    validEnvelope.map((e) => JSON.stringify({ ...e, schema: e.schema.replace(/\/[0-9-]+$/, '/9-0-0') })),
    validEnvelope.map((e) => JSON.stringify({ ...e, schema: 'iglu:com.acme.checkout/order_placed/jsonschema/1-0-0' })),
  ).map(bad('schema_unknown')),
  schemaViolation: fc.oneof(
    rating.chain((d) => envelopeOf(RATING_SUBMITTED_URI, { ...d, rating: 5.5 })),
    rating.chain((d) => envelopeOf(RATING_SUBMITTED_URI, { ...d, rating: 2.25 })),
    tag.chain((d) => envelopeOf(TAG_ADDED_URI, { ...d, tag: '' })),
    tag.chain((d) => envelopeOf(TAG_ADDED_URI, { ...d, movie_id: -1 })),
    rating.chain((d) => envelopeOf(RATING_SUBMITTED_URI, { ...d, device: 'tv' })),
  ).map((e) => bad('schema_violation')(JSON.stringify(e))),
};

/** A seeded mixed file: mostly valid events, some repeated (a producer's retry), every other kind at least once. */
function generateFile(seed: number): { bytes: Buffer; outcomes: Outcome[] } {
  const kinds = Object.values(LINE_KINDS);
  const mixed = fc.array(fc.oneof({ arbitrary: valid, weight: 6 }, ...kinds.map((arbitrary) => ({ arbitrary, weight: 1 }))), { minLength: 30, maxLength: 50 });
  const [lines, each, repeats, crlf] = fc.sample(fc.tuple(mixed, fc.tuple(...kinds), fc.array(fc.nat(), { minLength: 2, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 60, maxLength: 60 })), { seed, numRuns: 1 })[0];
  const all: GeneratedLine[] = [...lines, ...each];
  const validLines = all.filter((l) => l.outcome.kind === 'valid');
  for (const r of repeats) all.push(validLines[r % validLines.length]);
  // A BOM (the file's encoding marker) and a mix of LF and CRLF line ends: framing, not content.
  const text = `\uFEFF${all.map((l, i) => `${l.text}${crlf[i % crlf.length] ? '\r\n' : '\n'}`).join('')}`;
  return { bytes: Buffer.from(text, 'utf8'), outcomes: all.map((l) => l.outcome) };
}

describe('lakeforge local --events on a generated file in 2 rounds with late records and S3 faults, without a data folder', () => {
  const { bytes, outcomes } = generateFile(20261201);
  const expected = expectations(outcomes);
  let out: string;
  let summary: LocalSummary;
  let ok: boolean;

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-events-generated-'));
    const file = path.join(out, 'generated.jsonl');
    fs.writeFileSync(file, bytes);
    ({ summary, ok } = await runLocalPlatform({ eventsFile: file, outDir: path.join(out, 'run'), rounds: 2, late: 0.2, faults: 0.1, seed: 5, progress: { write: () => undefined, isTTY: false } }));
  }, HEAVY_MS);

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('generated every kind of line, repeated events and blank lines', () => {
    expect(Object.keys(expected.byType).sort()).toEqual(['envelope_invalid', 'not_json', 'schema_unknown', 'schema_violation']);
    expect(expected.repeated).toBeGreaterThan(0);
    expect(expected.blankLines).toBeGreaterThan(0);
  });

  it('accounts for every line: valid events raw and curated once per table, bad lines quarantined by type with reasons, blank lines skipped, lost 0', () => {
    expect(ok).toBe(true);
    expectAccounting(summary, expected);
    expect(rawLinesByTable(path.join(out, 'run'))).toEqual(expected.rawLines);
  });

  it('replayed the file in both rounds, with late records, through S3 faults', () => {
    expect(summary.rounds.rounds).toBe(2);
    expect(summary.rounds.lateRecords).toBeGreaterThan(0);
    expect(summary.transport.s3FaultsInjected).toBeGreaterThan(0);
  });

  it('runs the marts with empty catalog tables when no data folder is given', () => {
    expect(summary.events?.batchFilesFrom).toBeNull();
    expect(Object.keys(summary.marts).sort()).toEqual(MARTS.map((m) => m.name).sort());
    expect(fs.existsSync(path.join(out, 'run', 'lake', 'raw', 'batch'))).toBe(false);
  });
});

describe('lakeforge local --events refuses bad input in one line, before starting anything', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-events-bad-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it.each<[string, () => Record<string, string>, RegExp]>([
    ['a missing file', () => ({ events: path.join(dir, 'nope.jsonl') }), /--events .*nope\.jsonl: no such file/],
    ['an empty file', () => ({ events: write('empty.jsonl', '') }), /--events .*empty\.jsonl: the file is empty/],
    ['a file of blank lines', () => ({ events: write('blank.jsonl', '\n\n') }), /--events .*blank\.jsonl: all 2 lines are blank/],
    ['--bad-rows with --events', () => ({ events: SAMPLE, badRows: '0.1' }), /--bad-rows cannot be used with --events/],
    ['a data folder without the vendor files', () => ({ events: SAMPLE, data: dir }), /data folder .* is missing movies\.csv, links\.csv \(with --events/],
  ])('%s', async (_name, opts, message) => {
    const io = captureIo();
    const { exitCode } = await localAction({ out: path.join(dir, 'out'), ...opts() }, io);
    expect(exitCode).toBe(1);
    expect(io.errors()).toMatch(message);
    expect(io.errors().trim().split('\n')).toHaveLength(1);
    expect(io.text()).toBe('');
  });
});
