import fc from 'fast-check';
import { ContractError } from '../../lib/contracts/contract-error';
import {
  compareIgluUri,
  compareSchemaVer,
  declaredStep,
  isNextVersion,
  parseIgluUri,
  parseSchemaVer,
  renderIgluUri,
  renderSchemaVer,
} from '../../lib/contracts/schemaver';

const schemaVer = fc.record({ model: fc.integer({ min: 1, max: 1e6 }), revision: fc.nat(1e6), addition: fc.nat(1e6) });
const token = fc.stringMatching(/^[a-z0-9][a-z0-9_]{0,10}$/);

describe('SchemaVer', () => {
  it('round-trips render → parse for every valid version', () => {
    fc.assert(fc.property(schemaVer, (v) => expect(parseSchemaVer(renderSchemaVer(v))).toEqual(v)));
  });

  it('orders versions like the tuple (MODEL, REVISION, ADDITION)', () => {
    fc.assert(
      fc.property(schemaVer, schemaVer, (a, b) => {
        const tuple = Math.sign(a.model - b.model) || Math.sign(a.revision - b.revision) || Math.sign(a.addition - b.addition);
        expect(Math.sign(compareSchemaVer(a, b))).toBe(tuple);
      }),
    );
  });

  it.each([
    ['1-0', /MODEL-REVISION-ADDITION/],
    ['1.0.0', /MODEL-REVISION-ADDITION/],
    ['01-0-0', /leading zeros/],
    ['0-1-0', /MODEL starts at 1/],
    ['1-0-0-0', /MODEL-REVISION-ADDITION/],
    ['1--1-0', /MODEL-REVISION-ADDITION/],
    ['99999999999999999999-0-0', /too large/],
  ])('rejects "%s"', (text, message) => {
    expect(() => parseSchemaVer(text, 'x.json')).toThrow(ContractError);
    expect(() => parseSchemaVer(text, 'x.json')).toThrow(message);
  });

  it.each([
    ['1-0-0', '1-0-1', 'ADDITION', true],
    ['1-0-2', '1-1-0', 'REVISION', true],
    ['1-2-3', '2-0-0', 'MODEL', true],
    ['1-0-0', '1-0-2', 'ADDITION', false],
    ['1-0-1', '1-1-1', 'REVISION', false],
    ['1-0-0', '1-0-0', undefined, false],
  ])('%s → %s is a %s step (next version: %s)', (from, to, step, next) => {
    expect(declaredStep(parseSchemaVer(from), parseSchemaVer(to))).toBe(step);
    expect(isNextVersion(parseSchemaVer(from), parseSchemaVer(to))).toBe(next);
  });
});

describe('Iglu URIs', () => {
  it('round-trips render → parse', () => {
    fc.assert(
      fc.property(token, token, schemaVer, (vendor, name, version) => {
        const uri = { vendor: `com.${vendor}`, name, format: 'jsonschema' as const, version };
        expect(parseIgluUri(renderIgluUri(uri))).toEqual(uri);
      }),
    );
  });

  it.each([
    ['com.x/y/jsonschema/1-0-0', /must start with "iglu:"/],
    ['iglu:com.x/y/1-0-0', /found 3 path segments/],
    ['iglu:com x/y/jsonschema/1-0-0', /vendor "com x"/],
    ['iglu:com.x/y.z/jsonschema/1-0-0', /name "y.z"/],
    ['iglu:com.x/y/avro/1-0-0', /format "avro" is not supported/],
    ['iglu:com.x/y/jsonschema/1-0', /invalid SchemaVer "1-0"/],
  ])('rejects %s with a precise reason', (text, message) => {
    expect(() => parseIgluUri(text)).toThrow(message);
  });

  it('sorts by vendor, name, then SchemaVer (10 after 9)', () => {
    const uris = ['iglu:b/a/jsonschema/1-0-0', 'iglu:a/b/jsonschema/1-0-10', 'iglu:a/b/jsonschema/1-0-9', 'iglu:a/a/jsonschema/2-0-0'];
    expect(uris.map((u) => parseIgluUri(u)).sort(compareIgluUri).map(renderIgluUri)).toEqual([
      'iglu:a/a/jsonschema/2-0-0',
      'iglu:a/b/jsonschema/1-0-9',
      'iglu:a/b/jsonschema/1-0-10',
      'iglu:b/a/jsonschema/1-0-0',
    ]);
  });
});
