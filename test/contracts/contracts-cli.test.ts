import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonObject } from '../../lib/contracts/contract';
import { LOCK_FILE_NAME } from '../../lib/contracts/publication';
import { CommandIo, checkAction, diffAction, lintAction } from '../../tools/commands/contracts';
import { selfDescribing } from './contract-factory';
import { igluSampleDir } from '../../tools/local/data-sets';

const REPO = path.resolve(__dirname, '../..');
const CONTRACTS = path.join(REPO, 'config/contracts');
const IGLU_SAMPLE = igluSampleDir();
const RATING_DIR = 'com.lakeforge.ott/rating_submitted/jsonschema';
const RATING_101 = 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-1';

function capture(): CommandIo & { stdout: string[]; stderr: string[]; all: () => string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), all: () => [...stdout, ...stderr].join('\n') };
}

/** A copy of the repository's contracts (with its lock) in a temp dir. */
function copyContracts(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-gate-'));
  fs.cpSync(CONTRACTS, dir, { recursive: true });
  return dir;
}

const ratingSchema = (dir: string): JsonObject => JSON.parse(fs.readFileSync(path.join(dir, RATING_DIR, '1-0-0.json'), 'utf8')) as JsonObject;

function writeVersion(dir: string, version: string, change: (s: JsonObject) => void): void {
  const s = ratingSchema(dir);
  (s.self as JsonObject).version = version;
  change(s);
  fs.writeFileSync(path.join(dir, RATING_DIR, `${version}.json`), JSON.stringify(s, null, 2));
}

const addOptional = (s: JsonObject): void => {
  (s.properties as JsonObject).device = { type: 'string', maxLength: 64 };
};
const makeRequired = (s: JsonObject): void => {
  addOptional(s);
  s.required = [...(s.required as string[]), 'device'];
};

describe('contracts check (the CI gate)', () => {
  it('passes on the repository\'s config/contracts against the committed lock', () => {
    const io = capture();
    expect(fs.existsSync(path.join(CONTRACTS, LOCK_FILE_NAME))).toBe(true);
    expect(checkAction({ dir: CONTRACTS }, io)).toBe(0);
    expect(io.stderr).toEqual([]);
  });

  it('fails when a published file changes, naming the schema and the rule', () => {
    const dir = copyContracts();
    const file = path.join(dir, RATING_DIR, '1-0-0.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('half-star steps', 'half steps'));
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(1);
    expect(io.all()).toMatch(/iglu:com\.lakeforge\.ott\/rating_submitted\/jsonschema\/1-0-0: published versions are immutable/);
  });

  // A new required property of a closed object: no historical event has it, so none stays valid (MODEL, issue 12).
  it('fails when a new version declares ADDITION for a MODEL change, naming schema, rule and reason', () => {
    const dir = copyContracts();
    writeVersion(dir, '1-0-1', makeRequired);
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(1);
    expect(io.all()).toContain(`${RATING_101}: new versions bump sufficiently`);
    expect(io.all()).toMatch(/declared ADDITION but the changes require MODEL/);
    expect(io.all()).toMatch(/\/required \[required-added-closed\] "device" is now required/);
  });

  it('passes a sufficient bump, publishes it to the lock, then protects it', () => {
    const dir = copyContracts();
    writeVersion(dir, '1-0-1', addOptional);
    expect(checkAction({ dir }, capture())).toBe(0);
    expect(checkAction({ dir, updateLock: true }, capture())).toBe(0);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8')) as Record<string, string>;
    expect(Object.keys(lock)).toContain(RATING_101);
    writeVersion(dir, '1-0-1', (s) => { addOptional(s); s.description = 'edited'; });
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(1);
    expect(io.all()).toContain(`${RATING_101}: published versions are immutable`);
  });

  it.each([
    ['a version gap', () => (dir: string) => writeVersion(dir, '1-0-2', addOptional), 'versions are consecutive'],
    ['a deleted published version', () => (dir: string) => fs.rmSync(path.join(dir, 'com.lakeforge.ott/tag_added'), { recursive: true }), 'published versions cannot be deleted'],
    ['a schema that does not start at 1-0-0', () => (dir: string) => {
      const file = path.join(dir, 'com.lakeforge.ott/new_event/jsonschema/1-1-0.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(selfDescribing({ type: 'object', properties: {} }, '1-1-0', 'new_event', 'com.lakeforge.ott')));
    }, 'a new schema starts at 1-0-0'],
    ['a schema whose self block disagrees with its path', () => (dir: string) => writeVersion(dir, '1-0-1', (s) => { (s.self as JsonObject).version = '1-0-3'; }), 'contracts are valid'],
  ])('fails on %s', (_what, setup, rule) => {
    const dir = copyContracts();
    setup()(dir);
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(1);
    expect(io.stderr.join('\n')).toContain(rule);
  });

  it('with --base, compares with the files at a git ref', () => {
    const dir = copyContracts();
    fs.rmSync(path.join(dir, LOCK_FILE_NAME));
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'contracts');
    writeVersion(dir, '1-0-1', addOptional);
    expect(checkAction({ dir, base: 'HEAD' }, capture())).toBe(0);
    const file = path.join(dir, RATING_DIR, '1-0-0.json');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}\n`);
    const io = capture();
    expect(checkAction({ dir, base: 'HEAD' }, io)).toBe(1);
    expect(io.all()).toContain('rating_submitted/jsonschema/1-0-0: published versions are immutable');
    const bad = capture();
    expect(checkAction({ dir, base: 'no-such-ref' }, bad)).toBe(1);
    expect(bad.all()).toMatch(/cannot list contracts at git ref "no-such-ref"/);
  });
});

describe('contracts lint', () => {
  it('reports every schema of the Iglu Central sample as ok, with columns, in JSON', () => {
    const io = capture();
    expect(lintAction(IGLU_SAMPLE, { json: true }, io)).toBe(0);
    const entries = JSON.parse(io.stdout.join('\n')) as Array<{ uri: string; ok: boolean; columns?: unknown[] }>;
    expect(entries).toHaveLength(28);
    expect(entries.every((e) => e.ok && Array.isArray(e.columns) && e.uri.startsWith('iglu:'))).toBe(true);
  });

  it('reports a bad schema with its path and reason and exits 1', () => {
    const dir = copyContracts();
    writeVersion(dir, '1-0-1', (s) => { (s.properties as JsonObject).tags = { type: 'object', properties: { aB: { type: 'string' }, a_b: { type: 'string' } } }; });
    const io = capture();
    expect(lintAction(dir, { json: true }, io)).toBe(1);
    const entries = JSON.parse(io.stdout.join('\n')) as Array<{ uri: string; ok: boolean; error?: string }>;
    const error = expect.stringMatching(/at \/properties\/tags\/properties\/a_b: column name "a_b" collides with the property at \/properties\/tags\/properties\/aB/);
    expect(entries.filter((e) => !e.ok)).toEqual([{ uri: RATING_101, ok: false, error, errors: [error] }]);
  });
});

describe('contracts diff', () => {
  const sample = (v: string): string => path.join(IGLU_SAMPLE, 'schemas/com.snowplowanalytics.snowplow/mobile_context/jsonschema', v);

  it('prints the JSON verdict and exits 0 for a sufficient bump', () => {
    const io = capture();
    expect(diffAction(sample('1-0-0'), sample('1-0-1'), { json: true }, io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({
      from: 'iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-0',
      to: 'iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-1',
      declared: 'ADDITION',
      required: 'ADDITION',
      sufficient: true,
      reasons: expect.arrayContaining([expect.objectContaining({ rule: 'property-added-closed' })]),
    });
  });

  it('compares the table\'s history: earlier versions of the MODEL in the same folder are merged in and listed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-diff-history-'));
    const folder = path.join(dir, 'com.x/ev/jsonschema');
    fs.mkdirSync(folder, { recursive: true });
    const write = (v: string, properties: JsonObject): string => {
      const file = path.join(folder, v);
      fs.writeFileSync(file, JSON.stringify(selfDescribing({ type: 'object', properties, additionalProperties: false }, v, 'ev', 'com.x')));
      return file;
    };
    write('1-0-0', { id: { type: 'string' }, views: { type: 'integer' } });
    const v110 = write('1-1-0', { id: { type: 'string' } });
    const v120 = write('1-2-0', { id: { type: 'string' }, views: { type: 'string' } });
    const io = capture();
    expect(diffAction(v110, v120, { json: true }, io)).toBe(1);
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({
      required: 'MODEL',
      tableHistory: ['iglu:com.x/ev/jsonschema/1-0-0'],
      tableReasons: [expect.objectContaining({ column: 'views', rule: 'column-type-changed' })],
    });
  });

  it('exits 1 for a downgrade and for an unreadable file, without a stack trace', () => {
    expect(diffAction(sample('1-0-1'), sample('1-0-0'), {}, capture())).toBe(1);
    const io = capture();
    expect(diffAction(sample('1-0-0'), sample('9-9-9'), {}, io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/9-9-9: cannot read file: ENOENT/);
  });

  it('runs as a standalone script: a failing lint exits 1 and prints no stack trace', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-lint-'));
    fs.mkdirSync(path.join(dir, 'com.x/ev/jsonschema'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'com.x/ev/jsonschema/1-0-0.json'), '{ not json');
    const run = spawnSync('npx', ['tsx', path.join(REPO, 'tools/commands/contracts.ts'), 'lint', dir], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/error  iglu:com\.x\/ev\/jsonschema\/1-0-0\n.*not valid JSON/);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
  });
});
