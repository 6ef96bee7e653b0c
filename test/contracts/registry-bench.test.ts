/**
 * Issue 12: the registry measurement behind `npm run bench:registry` (tools/bench/registry-core.ts) counts what
 * the contract model makes of a registry folder — files, mapped share, refusals by reason class, warnings by rule,
 * SQL/DDL problems and compatibility verdicts of consecutive versions — from the folder's schemas. No timing here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CompatibilityReport } from '../../lib/contracts/compatibility';
import type { Contract, JsonObject } from '../../lib/contracts/contract';
import { mapContract } from '../../lib/contracts/glue-types';
import { readIgluFolder } from '../../lib/contracts/loader';
import { parseSchemaVer } from '../../lib/contracts/schemaver';
import { createContractAjv } from '../../lib/contracts/validators';
import { hiveDdlErrors } from '../../lib/marts/hive-parser';
import {
  type RegistryAnalysis,
  type VersionEntry,
  analyzeRegistry,
  checkTableSql,
  comparePairs,
  consecutivePairs,
  groupRefusals,
  reasonClass,
  renderRegistrySection,
} from '../../tools/bench/registry-core';
import { contractOf, selfDescribing } from './contract-factory';
import { contractTableOf } from '../../lib/marts/contract-adapter';

/** What a file of the folder is expected to be, by construction. */
type Outcome = 'mapped' | 'refused' | 'not-well-formed' | 'well-formed-not-loaded' | 'skipped';

interface RegistryFile {
  readonly path: string;
  readonly body: JsonObject | string;
  readonly outcome: Outcome;
  /** The refusal's reason class, for refused files. */
  readonly reason?: RegExp;
}

const at = (name: string, version = '1-0-0'): string => `com.example/${name}/jsonschema/${version}`;
const FILES: readonly RegistryFile[] = [
  // Maps, with one fallback (a free-form object → JSON text, `free-form`).
  {
    path: at('clicked'),
    body: selfDescribing({ type: 'object', properties: { target: { type: 'string', maxLength: 64 }, extra: { type: 'object' } }, additionalProperties: false }, '1-0-0', 'clicked'),
    outcome: 'mapped',
  },
  // A documented refusal (README, "JSON Schema → Glue types": array roots are refused).
  { path: at('batch'), body: selfDescribing({ type: 'array', items: { type: 'object' } }, '1-0-0', 'batch'), outcome: 'refused', reason: /array root/ },
  { path: at('broken'), body: '{"self": {"vendor": "com.example",', outcome: 'not-well-formed', reason: /^not valid JSON$/ },
  { path: at('renamed'), body: selfDescribing({ type: 'object', properties: {} }, '1-0-0', 'other_name'), outcome: 'not-well-formed', reason: /self\.name "…" does not match/ },
  {
    path: at('odd_meta'),
    body: { ...selfDescribing({ type: 'object', properties: {} }, '1-0-0', 'odd_meta'), $schema: 'http://example.com/not-a-meta-schema#' },
    outcome: 'well-formed-not-loaded',
    reason: /unsupported meta-schema/,
  },
  // Two consecutive versions: 1-0-1 adds a maxLength (REVISION) but declares an ADDITION.
  { path: at('evolving'), body: selfDescribing({ type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false }, '1-0-0', 'evolving'), outcome: 'mapped' },
  {
    path: at('evolving', '1-0-1'),
    body: selfDescribing({ type: 'object', properties: { name: { type: 'string', maxLength: 10 } }, additionalProperties: false }, '1-0-1', 'evolving'),
    outcome: 'mapped',
  },
  // Another format of a registry: skipped, not a file of the count.
  { path: 'com.example/clicked/avro/1-0-0', body: '{"type": "record"}', outcome: 'skipped' },
];
const JSONSCHEMA_FILES = FILES.filter((f) => f.outcome !== 'skipped');
const count = (...outcomes: Outcome[]): number => JSONSCHEMA_FILES.filter((f) => outcomes.includes(f.outcome)).length;

function registryFolder(files: readonly RegistryFile[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-bench-registry-'));
  for (const f of files) {
    const file = path.join(root, 'schemas', f.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof f.body === 'string' ? f.body : JSON.stringify(f.body, null, 2));
  }
  return root;
}

describe('registry benchmark measurement (issue 12)', () => {
  let dir: string;
  let analysis: RegistryAnalysis;
  beforeAll(() => {
    dir = registryFolder(FILES);
    analysis = analyzeRegistry(readIgluFolder(dir), createContractAjv(false));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts files found, loaded, well-formed and mapped from the folder, and skips other formats', () => {
    expect(analysis.root).toBe(path.join(dir, 'schemas'));
    expect(analysis.lint).toMatchObject({
      found: JSONSCHEMA_FILES.length,
      loaded: count('mapped', 'refused'),
      wellFormed: count('mapped', 'refused', 'well-formed-not-loaded'),
      mapped: count('mapped'),
    });
    expect(analysis.lint.skipped).toEqual(FILES.filter((f) => f.outcome === 'skipped').map((f) => path.dirname(path.join(dir, 'schemas', f.path))));
  });

  it('groups every refused file under its reason class, marking whether it is well-formed', () => {
    const refused = JSONSCHEMA_FILES.filter((f) => f.outcome !== 'mapped');
    expect(analysis.lint.refusals).toHaveLength(refused.length);
    for (const f of refused) {
      const uri = `iglu:${f.path}`;
      const group = analysis.lint.refusals.find((g) => g.examples.includes(uri));
      expect({ uri, reasonClass: group?.reasonClass, wellFormed: group?.wellFormed, count: group?.count }).toEqual({
        uri,
        reasonClass: expect.stringMatching(f.reason!),
        wellFormed: f.outcome !== 'not-well-formed',
        count: 1,
      });
    }
  });

  it('counts the warnings of the mapped schemas by fallback rule', () => {
    const expected = mapContract(contractOf(FILES[0].body as JsonObject, '1-0-0', 'clicked')).warnings;
    expect(expected.map((w) => w.rule)).toEqual(['free-form']);
    expect(analysis.lint.warnings).toEqual([{ rule: 'free-form', warnings: expected.length, schemas: 1 }]);
  });

  it('renders and parses the curated SQL and the CREATE TABLE of every mapped schema', () => {
    expect(analysis.sql).toEqual({ checked: count('mapped'), clean: count('mapped'), statementsPerSchema: 5, problems: [] });
  });

  it('compares consecutive versions and lists an insufficient bump with its reasons at the required step', () => {
    expect(analysis.pairs).toMatchObject({ pairs: 1, compared: 1, notCompared: [] });
    expect(analysis.pairs.verdicts).toEqual([{ declared: 'ADDITION', required: 'REVISION', sufficient: false, count: 1 }]);
    expect(analysis.pairs.insufficient).toEqual([
      {
        from: `iglu:${at('evolving')}`,
        to: `iglu:${at('evolving', '1-0-1')}`,
        declared: 'ADDITION',
        required: 'REVISION',
        reasons: [expect.objectContaining({ rule: 'bound-tightened', where: '/properties/name/maxLength' })],
      },
    ]);
    expect(analysis.pairs.byRule).toEqual([{ rule: 'bound-tightened', pairs: 1, examples: [`iglu:${at('evolving')} → 1-0-1`] }]);
  });

  it('renders the counts into the BENCHMARKS.md section between its markers', () => {
    const section = renderRegistrySection(analysis, { label: 'registry' });
    expect(section.split('\n')[0]).toMatch(/^<!-- registry:start/);
    expect(section.split('\n').at(-1)).toBe('<!-- registry:end -->');
    const { found, mapped, wellFormed } = analysis.lint;
    expect(section).toContain(`| **mapped** (load, compile with ajv, map to Glue columns) | **${mapped}** | **${((100 * mapped) / found).toFixed(1)}%** of all, **${((100 * mapped) / wellFormed).toFixed(1)}%** of well-formed |`);
    expect(section).toContain(`**${mapped}/${mapped}** schemas clean.`);
    expect(section).toContain('| ADDITION → REVISION | **no** | 1 |');
    expect(section).toContain('| `bound-tightened` | 1 |');
    expect(section).not.toContain('### Lint speed');
  });
});

describe('consecutive version pairs', () => {
  const entry = (version: string, name = 'ev'): VersionEntry => {
    const contract = contractOf({ type: 'object', properties: { a: { type: 'string' } } }, version, name);
    return { uri: contract.id, vendor: contract.uri.vendor, name, version: contract.uri.version, contract };
  };

  it('pairs versions of one vendor/name in SchemaVer order, with the loaded versions of from’s MODEL below from as history', () => {
    const versions = ['2-0-0', '1-0-10', '1-0-2', '1-1-0'];
    const pairs = consecutivePairs([...versions.map((v) => entry(v)), entry('1-0-0', 'other')]);
    expect(pairs.map((p) => [p.from.uri, p.to.uri, p.history.map((c) => c.id)])).toEqual([
      [entry('1-0-2').uri, entry('1-0-10').uri, []],
      [entry('1-0-10').uri, entry('1-1-0').uri, [entry('1-0-2').uri]],
      [entry('1-1-0').uri, entry('2-0-0').uri, [entry('1-0-2').uri, entry('1-0-10').uri]],
    ]);
  });

  it('passes the history to the checker, and reports a pair with a version that does not load as not compared', () => {
    const broken: VersionEntry = { uri: 'iglu:com.example/ev/jsonschema/1-0-2', vendor: 'com.example', name: 'ev', version: parseSchemaVer('1-0-2'), loadError: 'not valid JSON: …' };
    const seen: string[][] = [];
    const check = (from: Contract, to: Contract, o?: { readonly history?: readonly Contract[] }): CompatibilityReport => {
      seen.push([from.id, to.id, ...(o?.history ?? []).map((c) => c.id)]);
      return { from: from.id, to: to.id, declared: 'ADDITION', required: 'ADDITION', sufficient: true, reasons: [], instanceStep: 'ADDITION', tableStep: 'NONE', tableReasons: [], decidedBy: 'instance' };
    };
    const summary = comparePairs(consecutivePairs([entry('1-0-0'), entry('1-0-1'), broken, entry('1-0-3')]), check);
    expect(seen).toEqual([[entry('1-0-0').uri, entry('1-0-1').uri]]);
    expect(summary).toMatchObject({ pairs: 3, compared: 1, verdicts: [{ declared: 'ADDITION', required: 'ADDITION', sufficient: true, count: 1 }] });
    expect(summary.notCompared.map((p) => p.reason)).toEqual([`${broken.uri} does not load: not valid JSON: …`, `${broken.uri} does not load: not valid JSON: …`]);
  });

  it('hands the earlier versions of the MODEL to the checker for a later pair', () => {
    const seen: string[][] = [];
    const check = (from: Contract, to: Contract, o?: { readonly history?: readonly Contract[] }): CompatibilityReport => {
      seen.push((o?.history ?? []).map((c) => c.id));
      return { from: from.id, to: to.id, declared: 'ADDITION', required: 'NONE', sufficient: true, reasons: [], instanceStep: 'NONE', tableStep: 'NONE', tableReasons: [], decidedBy: 'none' };
    };
    comparePairs(consecutivePairs(['1-0-0', '1-0-1', '1-0-2'].map((v) => entry(v))), check);
    expect(seen).toEqual([[], [entry('1-0-0').uri]]);
  });
});

describe('history of a MODEL in the compatibility check', () => {
  it('judges a pair against the columns of the MODEL’s earlier versions, as the table holds them', () => {
    // 1-0-1 drops `a` (the table keeps its int column), 1-0-2 brings it back as a string: the table cannot follow.
    const version = (v: string, properties: JsonObject): RegistryFile => ({ path: at('returning', v), body: selfDescribing({ type: 'object', properties }, v, 'returning'), outcome: 'mapped' });
    const dir = registryFolder([
      version('1-0-0', { a: { type: 'integer', minimum: 0, maximum: 9 }, b: { type: 'string' } }),
      version('1-0-1', { b: { type: 'string' } }),
      version('1-0-2', { a: { type: 'string' }, b: { type: 'string' } }),
    ]);
    try {
      const { pairs } = analyzeRegistry(readIgluFolder(dir), createContractAjv(false));
      expect(pairs.insufficient).toEqual([
        expect.objectContaining({ from: `iglu:${at('returning', '1-0-1')}`, required: 'MODEL', reasons: [expect.objectContaining({ rule: 'column-type-changed', where: 'column a' })] }),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('refusal classes', () => {
  it('blanks the specific values, so files refused for one reason share a class', () => {
    const a = 'self.version "1-0-1" does not match the file\'s path, which says "1-0-2"';
    const b = 'self.version "1-0-0" does not match the file\'s path, which says "1-0-1"';
    expect(reasonClass(a)).toBe(reasonClass(b));
    expect(reasonClass('not valid JSON: Unexpected token } in JSON at position 12')).toBe('not valid JSON');
    expect(reasonClass('column name "x" collides with the property at /properties/X')).toBe(reasonClass('column name "y" collides with the property at /properties/Y'));
    const groups = groupRefusals([
      { uri: 'u1', wellFormed: false, reasons: [a] },
      { uri: 'u2', wellFormed: false, reasons: [b] },
      { uri: 'u3', wellFormed: true, reasons: ['an array root is not an event', 'an array root is not an event'] },
    ]);
    expect(groups).toEqual([
      { reasonClass: reasonClass(a), wellFormed: false, count: 2, examples: ['u1', 'u2'] },
      { reasonClass: 'an array root is not an event', wellFormed: true, count: 1, examples: ['u3'] },
    ]);
  });
});

describe('SQL and DDL check of one table', () => {
  const contract = contractOf({ type: 'object', properties: { userId: { type: 'string' }, score: { type: 'integer', minimum: 0, maximum: 10 } }, additionalProperties: false });
  const table = contractTableOf([contract]);

  it('finds nothing wrong in what a mapped contract renders', () => {
    expect(checkTableSql(table)).toEqual([]);
  });

  it('reports what the Trino grammar rejects in the MERGE and the Hive grammar in the CREATE TABLE', () => {
    const bad = { ...table, columns: table.columns.map((c, i) => (i === 0 ? { ...c, type: 'struct<a int' } : c)) };
    const problems = checkTableSql(bad);
    expect(problems).toContainEqual(expect.stringMatching(/^merge: syntax \d+:\d+ /));
    expect(problems).toContainEqual(expect.stringMatching(/^create table: hive \d+:\d+ /));
  });

  it('reports a table the renderers refuse', () => {
    const bad = { ...table, columns: table.columns.map((c, i) => (i === 0 ? { ...c, name: 'user id' } : c)) };
    expect(checkTableSql(bad)).toEqual([expect.stringMatching(/^render: .*column name "user id"/)]);
  });

  it('parses Athena DDL with the Hive grammar', () => {
    expect(hiveDdlErrors('CREATE TABLE IF NOT EXISTS db.t (a int, b struct<c:string>) PARTITIONED BY (dt string)')).toEqual([]);
    expect(hiveDdlErrors('CREATE TABLE db.t (a int,')).not.toEqual([]);
  });
});
