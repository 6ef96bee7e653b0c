import * as path from 'node:path';
import { JsonObject } from '../../lib/contracts/contract';
import { ContractError } from '../../lib/contracts/contract-error';
import {
  GLUE_COMMENT_MAX,
  GLUE_TYPE_RULES,
  contractColumns,
  contractStructType,
  glueColumnName,
  rawColumnName,
  renderGlueTypeRulesMarkdown,
} from '../../lib/contracts/glue-types';
import { loadContracts, readIgluFolder } from '../../lib/contracts/loader';
import { contractOf, contractWithProperty } from './contract-factory';
import { igluSampleDir } from '../../tools/local/data-sets';

const REPO = path.resolve(__dirname, '../..');
const IGLU_SAMPLE = igluSampleDir();

const errorOf = (fn: () => unknown): ContractError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractError) return e;
    throw e;
  }
  throw new Error('expected a ContractError');
};

describe('JSON Schema → Glue types', () => {
  it.each(GLUE_TYPE_RULES.map((r) => [r.jsonSchema, r] as const))('maps %s as documented in both zones', (_name, rule) => {
    const contract = contractWithProperty(rule.example);
    expect(contractColumns(contract, { zone: 'raw' })[0].type).toBe(rule.raw);
    expect(contractColumns(contract, { zone: 'curated' })[0].type).toBe(rule.curated);
  });

  it.each([
    [{ type: 'integer', minimum: INT32(-1), maximum: 0 }, 'int'],
    [{ type: 'integer', minimum: INT32(-1) - 1, maximum: 0 }, 'bigint'],
    [{ type: 'integer', minimum: 0, maximum: 2 ** 31 }, 'bigint'],
    [{ type: 'integer', minimum: 0, exclusiveMaximum: 2 ** 31 }, 'int'],
    [{ type: 'integer', maximum: 10 }, 'bigint'],
    [{ type: 'integer', minimum: 0, maximum: 9223372036854775807 }, 'bigint'],
    [{ type: ['integer', 'number'] }, 'double'],
    [{ enum: [1.5, 2] }, 'double'],
    [{ enum: [true, false] }, 'boolean'],
    [{ type: 'object', properties: { a: { type: 'array', items: { type: 'object', properties: { b: { type: 'boolean' } } } } } }, 'struct<a:array<struct<b:boolean>>>'],
  ])('maps %j to %s', (schema, type) => {
    expect(contractColumns(contractWithProperty(schema), { zone: 'curated' })[0].type).toBe(type);
  });

  it.each([
    [{ type: 'string' }, true, false],
    [{ type: 'string' }, false, true],
    [{ type: ['string', 'null'] }, true, true],
    [{ type: 'string', enum: ['a', null] }, true, true],
    [{ anyOf: [{ type: 'string' }, { type: 'null' }] }, true, true],
  ])('marks %j (required: %s) nullable: %s', (schema, required, nullable) => {
    expect(contractColumns(contractWithProperty(schema, required), { zone: 'raw' })[0].nullable).toBe(nullable);
  });

  it.each([
    ['osType', 'os_type', 'ostype'],
    ['deviceIDType', 'device_id_type', 'deviceidtype'],
    ['user_id', 'user_id', 'user_id'],
    ['HTTPStatus2xx', 'http_status2xx', 'httpstatus2xx'],
    ['a-b c', 'a_b_c', 'a_b_c'],
  ])('names %s "%s" in curated and "%s" in raw', (key, curated, raw) => {
    expect(glueColumnName(key)).toBe(curated);
    expect(rawColumnName(key)).toBe(raw);
  });

  it('keeps column order, pointers, comments and required-ness of the reference rating contract', () => {
    const rating = loadContracts(path.join(REPO, 'config/contracts'))
      .map((l) => l.contract)
      .find((c) => c.id === 'iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0')!;
    const cols = contractColumns(rating, { zone: 'curated' });
    expect(cols.map((c) => [c.name, c.type, c.sourcePointer, c.nullable])).toEqual([
      ['user_id', 'int', '/properties/user_id', false],
      ['movie_id', 'int', '/properties/movie_id', false],
      ['rating', 'double', '/properties/rating', false],
    ]);
    expect(cols[0].comment).toBe('Viewer id, as issued by the identity service.');
    expect(contractStructType(rating, { zone: 'raw' })).toBe('struct<user_id:int,movie_id:int,rating:double>');
  });

  it('types the data struct of a contract without properties as JSON text', () => {
    expect(contractStructType(contractOf({ type: 'object', properties: {} }), { zone: 'raw' })).toBe('string');
  });

  it('cuts comments to Glue\'s 255-character limit', () => {
    const [col] = contractColumns(contractWithProperty({ type: 'string', description: 'x'.repeat(400) }), { zone: 'raw' });
    expect(col.comment?.length).toBe(GLUE_COMMENT_MAX);
  });

  it.each([
    ['two properties with the same column name', { type: 'object', properties: { userId: {}, user_id: {} } }, '/properties/user_id', /collides with the property at \/properties\/userId/],
    ['an allOf member that is false', { type: 'object', properties: { p: { allOf: [{ type: 'string' }, false] } } }, '/properties/p/allOf', /allOf member is false/],
    ['an iglu: $ref to a schema not in the folder', { type: 'object', properties: { p: { $ref: 'iglu:com.x/y/jsonschema/1-0-0' } } }, '/properties/p', /not in the registry folder/],
    ['a remote http $ref', { type: 'object', properties: { p: { $ref: 'http://example.com/s.json' } } }, '/properties/p', /neither local .* nor an iglu: URI/],
    ['a dangling $ref', { type: 'object', properties: { p: { $ref: '#/definitions/nope' } } }, '/properties/p', /does not resolve/],
    ['a $ref cycle', { type: 'object', definitions: { n: { type: 'object', properties: { next: { $ref: '#/definitions/n' } } } }, properties: { p: { $ref: '#/definitions/n' } } }, '/definitions/n/properties/next', /nesting deeper/],
    ['a root that is not an object', { type: 'string' }, '/type', /root of a contract must be/],
    ['an array root', { type: 'array', items: { type: 'string' } }, '/type', /an array root is not an event/],
  ])('fails with the contract URI and the pointer on %s', (_what, body, pointer, message) => {
    const e = errorOf(() => contractColumns(contractOf(body as JsonObject), { zone: 'curated' }));
    expect(e.file).toBe('iglu:com.example/test_event/jsonschema/1-0-0');
    expect(e.pointer).toBe(pointer);
    expect(e.reason).toMatch(message);
  });

  it('renames a curated column named like a platform column with the payload_ prefix, and keeps its raw name', () => {
    const contract = contractOf({ type: 'object', properties: { eventId: { type: 'string' } } });
    expect(contractColumns(contract, { zone: 'curated' })[0].name).toBe('payload_event_id');
    expect(contractColumns(contract, { zone: 'raw' })[0].name).toBe('eventid');
  });

  it('maps every schema of the Iglu Central sample in both zones', () => {
    const { contracts, errors } = readIgluFolder(IGLU_SAMPLE);
    expect(errors).toEqual([]);
    expect(contracts.length).toBe(28);
    for (const { contract } of contracts) {
      for (const zone of ['raw', 'curated'] as const) {
        const cols = contractColumns(contract, { zone });
        expect(cols.length).toBe(Object.keys(contract.schema.properties as object).length);
        expect(cols.every((c) => /^[a-z0-9_]+$/.test(c.name))).toBe(true);
      }
    }
  });

  it('renders the rules table with one row per rule', () => {
    expect(renderGlueTypeRulesMarkdown().split('\n')).toHaveLength(GLUE_TYPE_RULES.length + 2);
  });
});

function INT32(sign: -1): number {
  return sign * 2 ** 31;
}
