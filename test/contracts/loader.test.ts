import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonObject } from '../../lib/contracts/contract';
import { loadContractFile, loadContracts, readIgluFolder } from '../../lib/contracts/loader';
import { selfDescribing } from './contract-factory';

const BODY: JsonObject = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lf-contracts-'));
}

function write(root: string, rel: string, content: string | JsonObject): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

describe('Iglu folder loader', () => {
  it.each([['vendors at the top', ''], ['a schemas/ level', 'schemas/']])('reads a folder with %s, with or without .json, ignoring root files', (_what, prefix) => {
    const root = tempDir();
    write(root, `${prefix}com.example/ev/jsonschema/1-0-0`, selfDescribing(BODY, '1-0-0', 'ev'));
    write(root, `${prefix}com.example/ev/jsonschema/1-0-1.json`, selfDescribing(BODY, '1-0-1', 'ev'));
    write(root, 'published.lock.json', '{}');
    const result = readIgluFolder(root);
    expect(result.errors).toEqual([]);
    expect(result.contracts.map((c) => c.contract.id)).toEqual(['iglu:com.example/ev/jsonschema/1-0-0', 'iglu:com.example/ev/jsonschema/1-0-1']);
    expect(result.contracts[0].sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['vendor', 'com.other/ev/jsonschema/1-0-0.json', '/self/vendor'],
    ['name', 'com.example/other/jsonschema/1-0-0.json', '/self/name'],
    ['version', 'com.example/ev/jsonschema/1-0-1.json', '/self/version'],
  ])('fails when self.%s disagrees with the path, naming the file and the field', (_field, rel, pointer) => {
    const root = tempDir();
    const file = write(root, rel, selfDescribing(BODY, '1-0-0', 'ev'));
    const { errors } = readIgluFolder(root);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file, pointer });
    expect(errors[0].message).toContain(file);
    expect(errors[0].reason).toMatch(/does not match the file's path/);
  });

  it.each([
    ['invalid JSON', '{"self": ', '', /not valid JSON/],
    ['a missing self block', { type: 'object' }, '/self', /missing "self" block/],
    ['a non-string self.vendor', { self: { vendor: 1, name: 'ev', format: 'jsonschema', version: '1-0-0' } }, '/self/vendor', /must be a non-empty string/],
    ['a bad self.version', { self: { vendor: 'com.example', name: 'ev', format: 'jsonschema', version: '1.0.0' } }, '/self/version', /invalid SchemaVer/],
    ['an unknown $schema', { $schema: 'http://example.com/meta#', self: { vendor: 'com.example', name: 'ev', format: 'jsonschema', version: '1-0-0' } }, '/$schema', /unsupported meta-schema/],
    ['an array root', '[]', '', /must be a JSON object/],
  ])('reports %s as a ContractError and keeps loading the rest', (_what, content, pointer, reason) => {
    const root = tempDir();
    write(root, 'com.example/ev/jsonschema/1-0-0.json', content as JsonObject | string);
    write(root, 'com.example/ok/jsonschema/1-0-0.json', selfDescribing(BODY, '1-0-0', 'ok'));
    const { errors, contracts } = readIgluFolder(root);
    expect(contracts.map((c) => c.contract.uri.name)).toEqual(['ok']);
    expect(errors).toHaveLength(1);
    expect(errors[0].pointer).toBe(pointer);
    expect(errors[0].reason).toMatch(reason);
  });

  it.each([
    ['a misnamed version file', 'com.example/ev/jsonschema/v1.json', /MODEL-REVISION-ADDITION/],
  ])('reports %s', (_what, rel, reason) => {
    const root = tempDir();
    write(root, rel, selfDescribing(BODY, '1-0-0', 'ev'));
    expect(readIgluFolder(root).errors.map((e) => e.reason)).toEqual([expect.stringMatching(reason)]);
  });

  it.each(['avro', 'thrift', 'protobuf'])('skips a %s format folder and lists it, without an error', (format) => {
    const root = tempDir();
    write(root, `com.example/ev/${format}/1-0-0`, '{"not": "json schema"}');
    write(root, 'com.example/ev/jsonschema/1-0-0', selfDescribing(BODY, '1-0-0', 'ev'));
    const result = readIgluFolder(root);
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([path.join(root, 'com.example/ev', format)]);
    expect(result.contracts.map((c) => c.contract.id)).toEqual(['iglu:com.example/ev/jsonschema/1-0-0']);
  });

  it('loadContracts throws the first error; a missing folder is a ContractError', () => {
    const root = tempDir();
    write(root, 'com.example/ev/jsonschema/1-0-0.json', '{');
    expect(() => loadContracts(root)).toThrow(/not valid JSON/);
    expect(() => loadContracts(path.join(root, 'nope'))).toThrow(/not a folder/);
  });

  it('loads a single file, checking self against an Iglu path only when it sits in one', () => {
    const root = tempDir();
    const loose = write(root, 'old.json', selfDescribing(BODY, '1-0-0', 'ev'));
    expect(loadContractFile(loose).contract.id).toBe('iglu:com.example/ev/jsonschema/1-0-0');
    const placed = write(root, 'com.example/ev/jsonschema/2-0-0.json', selfDescribing(BODY, '1-0-0', 'ev'));
    expect(() => loadContractFile(placed)).toThrow(/self.version "1-0-0" does not match/);
    expect(() => loadContractFile(path.join(root, 'missing.json'))).toThrow(/cannot read file: ENOENT/);
  });
});
