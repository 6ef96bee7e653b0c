/**
 * Issue 12, part 5: `contracts lint` reports every problem of a schema, lists fallbacks as warnings (errors with
 * `--strict`), skips the registry's other format folders, resolves `iglu:` refs from the folder and compiles
 * every schema with one ajv instance.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonObject } from '../../lib/contracts/contract';
import { mapContract } from '../../lib/contracts/glue-types';
import { lintFolder } from '../../lib/contracts/lint';
import { readIgluFolder } from '../../lib/contracts/loader';
import type Ajv from 'ajv';
import { compileContract, createContractAjv, renderValidatorsModule } from '../../lib/contracts/validators';
import { renderDataType } from '../../lib/contracts/typescript-types';
import { CommandIo, lintAction } from '../../tools/commands/contracts';
import { selfDescribing } from './contract-factory';

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

function folder(files: Record<string, JsonObject | string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-lint12-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), typeof body === 'string' ? body : JSON.stringify(body));
  }
  return root;
}

const schema = (name: string, body: JsonObject): [string, JsonObject] => [`com.example/${name}/jsonschema/1-0-0`, selfDescribing(body, '1-0-0', name)];
const OK = schema('fine', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false });
const WARNED = schema('mixed', { type: 'object', properties: { v: { type: ['string', 'object'] } }, additionalProperties: false });
const BROKEN = schema('broken', { type: 'object', properties: { a: { type: 'strng' }, b: { $ref: '#/definitions/nope' }, c: { type: 'string', pattern: '(' } } });

describe('contracts lint (issue 12)', () => {
  it('reports every problem of a schema, the first one also as `error`', () => {
    const io = capture();
    expect(lintAction(folder(Object.fromEntries([BROKEN])), { json: true }, io)).toBe(1);
    const [entry] = JSON.parse(io.stdout.join('\n')) as { ok: boolean; error: string; errors: string[] }[];
    expect(entry.ok).toBe(false);
    expect(entry.errors).toEqual([expect.stringMatching(/ajv cannot compile/), expect.stringMatching(/unknown JSON Schema type "strng"/), expect.stringMatching(/#\/definitions\/nope/)]);
    expect(entry.error).toBe(entry.errors[0]);
  });

  it('lists fallbacks as warnings (ok, exit 0), and --strict makes them errors (exit 1)', () => {
    const dir = folder(Object.fromEntries([OK, WARNED]));
    const io = capture();
    expect(lintAction(dir, { json: true }, io)).toBe(0);
    const entries = JSON.parse(io.stdout.join('\n')) as { uri: string; ok: boolean; warnings?: string[] }[];
    expect(entries.map((e) => [e.uri.split('/')[1], e.ok, e.warnings?.length ?? 0])).toEqual([['fine', true, 0], ['mixed', true, 1]]);
    expect(entries[1].warnings?.[0]).toMatch(/iglu:com\.example\/mixed\/jsonschema\/1-0-0 at \/properties\/v\/type: type union mixes .* \[mixed-union\]/);

    const human = capture();
    expect(lintAction(dir, {}, human)).toBe(0);
    expect(human.stdout.join('\n')).toMatch(/warning: iglu:com\.example\/mixed.*mixed-union/);
    expect(human.stdout.at(-1)).toBe('2/2 schemas ok (1 with warnings)');

    const strict = capture();
    expect(lintAction(dir, { strict: true }, strict)).toBe(1);
    expect(strict.stdout.at(-1)).toBe('1/2 schemas ok (1 with warnings, --strict)');
  });

  it('skips avro/thrift/protobuf folders, counts them, and exits 0 when only those remain besides good schemas', () => {
    const dir = folder({ ...Object.fromEntries([OK]), 'com.example/fine/avro/1-0-0': '{"type":"record"}', 'com.example/other/thrift/1-0-0': 'struct X {}' });
    const io = capture();
    expect(lintAction(dir, {}, io)).toBe(0);
    expect(io.stdout.at(-1)).toBe('1/1 schemas ok (0 with warnings); 2 non-jsonschema format folder(s) skipped');
  });

  it('compiles every schema with one ajv instance', () => {
    const created: Ajv[] = [];
    const compiled: unknown[] = [];
    const result = lintFolder(folder(Object.fromEntries([OK, WARNED, schema('third', { type: 'object', properties: { n: { type: 'integer' } } })])), undefined, () => {
      const ajv = createContractAjv(false);
      const compile = ajv.compile.bind(ajv);
      ajv.compile = ((s: object) => (compiled.push(s), compile(s))) as Ajv['compile'];
      created.push(ajv);
      return ajv;
    });
    expect(result.schemas.map((s) => s.errors)).toEqual([[], [], []]);
    expect(created).toHaveLength(1);
    expect(compiled).toHaveLength(3);
  });
});

describe('iglu: $refs to schemas of the same folder', () => {
  const address = schema('address', {
    type: 'object',
    definitions: { code: { type: 'string', maxLength: 8 } },
    properties: { street: { type: 'string' }, zip: { $ref: '#/definitions/code' } },
    required: ['street'],
    additionalProperties: false,
  });
  const order = schema('order', {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 0, maximum: 1000 },
      ship_to: { $ref: 'iglu:com.example/address/jsonschema/1-0-0' },
      zip_only: { $ref: 'iglu:com.example/address/jsonschema/1-0-0#/definitions/code' },
    },
    required: ['id', 'ship_to'],
    additionalProperties: false,
  });

  it('resolves them from the folder for the mapping and for ajv, and lints both schemas with one ajv', () => {
    const dir = folder(Object.fromEntries([address, order]));
    const loaded = readIgluFolder(dir).contracts.find((l) => l.contract.uri.name === 'order');
    expect(Object.keys(loaded?.contract.refs ?? {})).toEqual(['iglu:com.example/address/jsonschema/1-0-0']);
    const m = mapContract(loaded!.contract);
    expect(m.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id int', 'ship_to struct<street:string,zip:string>', 'zip_only string']);
    const validate = compileContract(loaded!.contract);
    expect(validate({ id: 1, ship_to: { street: 'Main', zip: '1234AB' } })).toBe(true);
    expect(validate({ id: 1, ship_to: { zip: '1234AB' } })).toBe(false);
    expect(validate({ id: 1, ship_to: { street: 'Main' }, zip_only: 'far too long' })).toBe(false);
    const io = capture();
    expect(lintAction(dir, {}, io)).toBe(0);
    // The generated validators module holds both in one ajv: the ref resolves by $id, nothing is registered twice.
    expect(() => renderValidatorsModule(readIgluFolder(dir).contracts.map((l) => l.contract))).not.toThrow();
  });

  it('refuses a ref to a schema that is not in the folder, naming it', () => {
    const io = capture();
    expect(lintAction(folder(Object.fromEntries([order])), { json: true }, io)).toBe(1);
    const [entry] = JSON.parse(io.stdout.join('\n')) as { errors: string[] }[];
    expect(entry.errors.join('\n')).toMatch(/\$ref "iglu:com\.example\/address\/jsonschema\/1-0-0" names a schema that is not in the registry folder/);
  });
});

describe('producer types follow iglu: refs too', () => {
  it('inlines the referenced schema', () => {
    const dir = folder({
      'com.example/address/jsonschema/1-0-0': selfDescribing({ type: 'object', properties: { street: { type: 'string' } }, required: ['street'], additionalProperties: false }, '1-0-0', 'address'),
      'com.example/order/jsonschema/1-0-0': selfDescribing({ type: 'object', properties: { ship_to: { $ref: 'iglu:com.example/address/jsonschema/1-0-0' } }, additionalProperties: false }, '1-0-0', 'order'),
    });
    const order = readIgluFolder(dir).contracts.find((l) => l.contract.uri.name === 'order');
    expect(renderDataType(order!.contract).replace(/\s+/g, ' ')).toBe('{ ship_to?: { street: string; }; }');
  });
});
