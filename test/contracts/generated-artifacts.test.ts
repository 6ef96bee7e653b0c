import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderContractArtifacts, DEFAULT_CONTRACTS_DIR, GENERATED_PATHS } from '../../lib/contracts/build';
import { loadContracts } from '../../lib/contracts/loader';
import { movieLensDir } from '../../tools/local/data-sets';

const REPO = path.resolve(__dirname, '../..');
const MOVIELENS = movieLensDir();
const RATING = 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0';
const TAG = 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-0';

type Validator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string }> | null };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validators } = require(path.join(REPO, GENERATED_PATHS.validatorsJs)) as { validators: Record<string, Validator> };

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) → rows of strings, header dropped. */
function readCsv(file: string): string[][] {
  const text = fs.readFileSync(file, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows.slice(1);
}

describe('generated contract artefacts', () => {
  it.each(Object.values(GENERATED_PATHS))('committed %s equals a fresh render of config/contracts (run `contracts build`)', (rel) => {
    const fresh = renderContractArtifacts(loadContracts(path.join(REPO, DEFAULT_CONTRACTS_DIR)).map((l) => l.contract));
    const file = fresh.find((f) => f.path === rel);
    expect(file).toBeDefined();
    expect(fs.readFileSync(path.join(REPO, rel), 'utf8')).toBe(file?.content);
  });

  it('requires nothing at runtime but ajv runtime helpers and ajv-formats format functions', () => {
    const code = fs.readFileSync(path.join(REPO, GENERATED_PATHS.validatorsJs), 'utf8');
    const required = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required.filter((r) => !/^ajv\/dist\/runtime\/[a-z0-9_]+$/.test(r) && r !== 'ajv-formats/dist/formats')).toEqual([]);
    expect(code).not.toMatch(/new Function|\bnew Ajv\b/);
  });

  it('loads and validates under plain Node, outside the test runner', () => {
    const script = `const { validators } = require(${JSON.stringify(path.join(REPO, GENERATED_PATHS.validatorsJs))});
      const v = validators[${JSON.stringify(RATING)}];
      process.stdout.write(JSON.stringify([v({ user_id: 1, movie_id: 1, rating: 4 }), v({ user_id: 1, movie_id: 1, rating: 9 })]));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toEqual([true, false]);
  });

  it('exports one validator per contract, keyed by full Iglu URI, with no prototype keys', () => {
    const uris = loadContracts(path.join(REPO, DEFAULT_CONTRACTS_DIR)).map((l) => l.contract.id);
    expect(Object.keys(validators).sort()).toEqual([...uris].sort());
    expect(validators.constructor).toBeUndefined();
    expect(validators.__proto__).toBeUndefined();
  });

  it('accepts every MovieLens rating as rating_submitted data', () => {
    const rows = readCsv(path.join(MOVIELENS, 'ratings.csv'));
    expect(rows.length).toBe(100836);
    const bad = rows.filter(([u, m, r]) => !validators[RATING]({ user_id: Number(u), movie_id: Number(m), rating: Number(r) }));
    expect(bad).toEqual([]);
  });

  it('accepts every MovieLens tag as tag_added data', () => {
    const rows = readCsv(path.join(MOVIELENS, 'tags.csv'));
    expect(rows.length).toBe(3683);
    const bad = rows.filter(([u, m, t]) => !validators[TAG]({ user_id: Number(u), movie_id: Number(m), tag: t }));
    expect(bad).toEqual([]);
  });

  it.each([
    ['a rating above 5', { user_id: 1, movie_id: 1, rating: 5.5 }, '/rating', 'maximum'],
    ['a rating below 0.5', { user_id: 1, movie_id: 1, rating: 0 }, '/rating', 'minimum'],
    ['a rating off the half-star grid', { user_id: 1, movie_id: 1, rating: 3.25 }, '/rating', 'multipleOf'],
    ['a user id given as a string', { user_id: '1', movie_id: 1, rating: 4 }, '/user_id', 'type'],
    ['a fractional movie id', { user_id: 1, movie_id: 1.5, rating: 4 }, '/movie_id', 'type'],
    ['user id 0', { user_id: 0, movie_id: 1, rating: 4 }, '/user_id', 'minimum'],
    ['a user id beyond int32', { user_id: 2 ** 31, movie_id: 1, rating: 4 }, '/user_id', 'maximum'],
    ['a missing rating', { user_id: 1, movie_id: 1 }, '', 'required'],
    ['an extra property', { user_id: 1, movie_id: 1, rating: 4, timestamp: 964982703 }, '', 'additionalProperties'],
  ])('rejects rating_submitted data with %s', (_what, data, instancePath, keyword) => {
    const validate = validators[RATING];
    expect(validate(data)).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath, keyword })]));
  });

  it.each([
    ['an empty tag', { user_id: 1, movie_id: 1, tag: '' }, '/tag', 'minLength'],
    ['a 256-character tag', { user_id: 1, movie_id: 1, tag: 'x'.repeat(256) }, '/tag', 'maxLength'],
    ['a non-object', 'funny', '', 'type'],
  ])('rejects tag_added data with %s', (_what, data, instancePath, keyword) => {
    const validate = validators[TAG];
    expect(validate(data)).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath, keyword })]));
  });

  it('counts tag length in code points, not UTF-16 units (255 emoji pass)', () => {
    expect(validators[TAG]({ user_id: 1, movie_id: 1, tag: '🎬'.repeat(255) })).toBe(true);
  });
});
