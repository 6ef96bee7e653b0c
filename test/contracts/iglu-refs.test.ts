/**
 * Issue 12: `iglu:` `$ref`s resolve everywhere the way the folder loader resolves them — `contracts diff` (two
 * loose files: from the registry they sit in, or `--registry`), `contracts check` and the compatibility checker.
 * An unresolvable ref is one error line naming the file and the ref. Hand-written schemas only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonObject } from '../../lib/contracts/contract';
import { CompatibilityReport } from '../../lib/contracts/compatibility';
import { registryRootOf } from '../../lib/contracts/loader';
import { CommandIo, checkAction, diffAction, lintAction } from '../../tools/commands/contracts';
import { selfDescribing } from './contract-factory';

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

/** Writes `files` (relative path → schema) under a new temporary folder and returns it. */
function folder(files: Record<string, JsonObject>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-iglu-refs-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), JSON.stringify(body));
  }
  return root;
}

const ADDRESS = 'iglu:com.example/address/jsonschema';
const entry = (name: string, version: string, body: JsonObject): [string, JsonObject] => [`com.example/${name}/jsonschema/${version}`, selfDescribing(body, version, name)];
const address = (version: string, zipMaxLength: number): [string, JsonObject] =>
  entry('address', version, {
    type: 'object',
    definitions: { code: { type: 'string', maxLength: zipMaxLength } },
    properties: { street: { type: 'string' }, zip: { $ref: '#/definitions/code' } },
    required: ['street'],
    additionalProperties: false,
  });
const order = (version: string, shipTo: JsonObject, extra: JsonObject = {}): [string, JsonObject] =>
  entry('order', version, {
    type: 'object',
    properties: { id: { type: 'integer', minimum: 0, maximum: 1000 }, ship_to: shipTo, ...extra },
    required: ['id', 'ship_to'],
    additionalProperties: false,
  });

const REGISTRY = Object.fromEntries([
  address('1-0-0', 8),
  address('1-0-1', 5),
  order('1-0-0', { $ref: `${ADDRESS}/1-0-0` }),
  // An optional property added to a closed object, the ref unchanged.
  order('1-0-1', { $ref: `${ADDRESS}/1-0-0` }, { note: { type: 'string' } }),
  // The ref moved to a version whose (locally referenced) zip code is shorter.
  order('1-0-2', { $ref: `${ADDRESS}/1-0-1` }),
  order('1-1-0', { $ref: `${ADDRESS}/1-0-1` }),
  // The referenced schema inlined: the same instances, only the way it is written differs.
  order('1-0-3', {
    type: 'object',
    properties: { street: { type: 'string' }, zip: { $ref: `${ADDRESS}/1-0-0#/definitions/code` } },
    required: ['street'],
    additionalProperties: false,
  }),
]);

describe('contracts diff resolves iglu: refs from the registry the files sit in', () => {
  const root = folder(REGISTRY);
  const file = (version: string): string => path.join(root, 'com.example/order/jsonschema', version);

  it.each<[string, string, string, boolean, string[]]>([
    ['an added optional property, the ref unchanged', '1-0-0', '1-0-1', true, ['/properties/note property-added-closed']],
    ['a ref moved to a version with a tighter bound, declared ADDITION', '1-0-0', '1-0-2', false, ['/properties/ship_to/properties/zip/maxLength bound-tightened']],
    ['the same, declared REVISION', '1-0-0', '1-1-0', true, ['/properties/ship_to/properties/zip/maxLength bound-tightened']],
    ['the referenced schema inlined (a fragment ref inside it)', '1-0-0', '1-0-3', true, []],
  ])('%s (%s → %s)', (_label, from, to, sufficient, reasons) => {
    const io = capture();
    expect(diffAction(file(from), file(to), { json: true }, io)).toBe(sufficient ? 0 : 1);
    expect(io.stderr).toEqual([]);
    const report = JSON.parse(io.stdout.join('\n')) as CompatibilityReport;
    expect(report.sufficient).toBe(sufficient);
    expect(report.reasons.map((r) => `${r.pointer} ${r.rule}`)).toEqual(reasons);
    expect(report.tableSkipped).toBeUndefined();
  });

  it('derives the registry root from …/<vendor>/<name>/jsonschema/<M-R-A>', () => {
    expect(registryRootOf(file('1-0-0'))).toBe(root);
    expect(registryRootOf(path.join(root, 'loose.json'))).toBeUndefined();
  });
});

describe('contracts diff of loose files: --registry, and unresolvable refs', () => {
  const registry = folder(Object.fromEntries([address('1-0-0', 8), address('1-0-1', 5)]));
  const loose = folder({ 'old.json': order('1-0-0', { $ref: `${ADDRESS}/1-0-0` })[1], 'new.json': order('1-1-0', { $ref: `${ADDRESS}/1-0-1` })[1] });
  const oldFile = path.join(loose, 'old.json');
  const newFile = path.join(loose, 'new.json');

  it('resolves from --registry <dir> (the folder of vendors, or its parent with schemas/)', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-iglu-parent-'));
    fs.cpSync(registry, path.join(parent, 'schemas'), { recursive: true });
    for (const dir of [registry, parent]) {
      const io = capture();
      expect(diffAction(oldFile, newFile, { registry: dir }, io)).toBe(0);
      expect(io.stdout.join('\n')).toMatch(/\/properties\/ship_to\/properties\/zip\/maxLength \[bound-tightened\]/);
    }
  });

  it.each<[string, () => [string, string, string | undefined], RegExp]>([
    ['a loose file without --registry', () => [oldFile, newFile, undefined], /not in an Iglu folder .*pass --registry <dir>/],
    ['a registry without the referenced schema', () => [oldFile, newFile, folder({})], /no schema file for it under the registry/],
    [
      'a ref inside a referenced schema',
      () => {
        const dir = folder(Object.fromEntries([entry('address', '1-0-0', { type: 'object', properties: { geo: { $ref: 'iglu:com.example/geo/jsonschema/1-0-0' } } })]));
        return [oldFile, oldFile, dir];
      },
      /\$ref "iglu:com\.example\/geo\/jsonschema\/1-0-0" \(referenced from iglu:com\.example\/address\/jsonschema\/1-0-0\) cannot be resolved/,
    ],
  ])('%s: one error line naming the file and the ref', (_label, setup, reason) => {
    const [from, to, dir] = setup();
    const io = capture();
    expect(diffAction(from, to, dir === undefined ? {} : { registry: dir }, io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).not.toMatch(/\n|at Object\./);
    expect(io.stderr[0]).toContain(oldFile);
    expect(io.stderr[0]).toMatch(/\$ref "iglu:com\.example\/(address|geo)\/jsonschema\/1-0-0"/);
    expect(io.stderr[0]).toMatch(reason);
  });
});

describe('contracts check resolves iglu: refs as lint does', () => {
  it('passes a folder whose new version keeps its ref (lint passes it too)', () => {
    const dir = folder(Object.fromEntries([address('1-0-0', 8), order('1-0-0', { $ref: `${ADDRESS}/1-0-0` }), order('1-0-1', { $ref: `${ADDRESS}/1-0-0` }, { note: { type: 'string' } })]));
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(0);
    expect(io.stdout).toContain('new    iglu:com.example/order/jsonschema/1-0-1 (ADDITION; requires ADDITION)');
    expect(lintAction(dir, {}, capture())).toBe(0);
  });

  it('fails an ADDITION whose ref moved to a narrower schema, naming the change inside the referenced schema', () => {
    const dir = folder(Object.fromEntries([address('1-0-0', 8), address('1-0-1', 5), order('1-0-0', { $ref: `${ADDRESS}/1-0-0` }), order('1-0-1', { $ref: `${ADDRESS}/1-0-1` })]));
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/order\/jsonschema\/1-0-1: .*declared ADDITION but the changes require REVISION.*\/properties\/ship_to\/properties\/zip\/maxLength \[bound-tightened\]/);
  });

  it('reports a ref to a schema not in the folder like lint does', () => {
    const dir = folder(Object.fromEntries([order('1-0-0', { $ref: `${ADDRESS}/1-0-0` }), order('1-0-1', { $ref: `${ADDRESS}/1-0-0` }, { note: { type: 'string' } })]));
    const lint = capture();
    expect(lintAction(dir, {}, lint)).toBe(1);
    const io = capture();
    expect(checkAction({ dir }, io)).toBe(1);
    const missing = /\$ref "iglu:com\.example\/address\/jsonschema\/1-0-0" names a schema that is not in the registry folder/;
    expect(lint.stdout.join('\n')).toMatch(missing);
    for (const version of ['1-0-0', '1-0-1']) expect(io.stderr.join('\n')).toMatch(new RegExp(`order/jsonschema/${version}: .*${missing.source}`));
  });
});
