/**
 * Issue 12: `allOf` maps to Glue (objects merged into one struct, scalar constraints into one scalar, conflicting
 * types as JSON text with the `all-of-conflict` warning), ajv validates it as written, and the compatibility
 * checker analyses it without crashing. Hand-written schemas only.
 */
import { JsonObject } from '../../lib/contracts/contract';
import { checkCompatibility } from '../../lib/contracts/compatibility';
import { mapContract } from '../../lib/contracts/glue-types';
import { compileContract } from '../../lib/contracts/validators';
import { contractOf, contractWithProperty } from './contract-factory';

const describeMapping = (m: ReturnType<typeof mapContract>): { columns: string[]; warnings: string[]; errors: string[] } => ({
  columns: m.columns.map((c) => `${c.name} ${c.type}${c.nullable ? ' null' : ''}`),
  warnings: m.warnings.map((w) => `${w.rule} ${w.pointer}`),
  errors: m.errors.map((e) => `${e.pointer}: ${e.reason}`),
});

const OBJ_A = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };

describe('allOf → Glue', () => {
  it.each<[string, JsonObject, string[], string[]]>([
    ['objects: union of properties and of required', { allOf: [OBJ_A, { properties: { b: { type: 'boolean' } }, required: ['b'] }] }, ['p struct<a:string,b:boolean>'], []],
    ['objects beside the node\'s own properties', { type: 'object', properties: { own: { type: 'integer', minimum: 0, maximum: 9 } }, allOf: [OBJ_A] }, ['p struct<own:int,a:string>'], []],
    ['a local $ref member', { allOf: [{ $ref: '#/definitions/base' }, { properties: { b: { type: 'boolean' } } }] }, ['p struct<id:string,b:boolean>'], []],
    ['a member that only constrains a property another one types', { allOf: [OBJ_A, { properties: { a: { maxLength: 3 } } }] }, ['p struct<a:string>'], []],
    ['a member that only requires', { allOf: [{ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } }, { required: ['b'] }] }, ['p struct<a:string,b:string>'], []],
    ['a property typed differently by two members', { allOf: [{ type: 'object', properties: { n: { type: 'integer' }, a: { type: 'string' } } }, { type: 'object', properties: { n: { type: 'string' } } }] }, ['p struct<n:string,a:string>'], ['all-of-conflict /properties/p/allOf/1/properties/n']],
    ['scalar constraints: string + maxLength', { allOf: [{ type: 'string' }, { maxLength: 5 }] }, ['p string'], []],
    ['scalar constraints: integer + bounds → int', { allOf: [{ type: 'integer' }, { minimum: 0 }, { maximum: 100 }] }, ['p int'], []],
    ['scalar constraints: the tightest bounds win', { allOf: [{ type: 'integer', minimum: -(2 ** 40), maximum: 2 ** 40 }, { minimum: 0, maximum: 10 }] }, ['p int'], []],
    ['scalar constraints: number ∩ integer → integer', { allOf: [{ type: 'number' }, { type: 'integer', minimum: 1, maximum: 2 }] }, ['p int'], []],
    ['scalar constraints: format date-time kept', { allOf: [{ type: 'string' }, { format: 'date-time' }] }, ['p timestamp'], []],
    ['scalar constraints: nullable only when every member admits null', { allOf: [{ type: ['string', 'null'] }, { type: ['string', 'null'], maxLength: 3 }] }, ['p string null'], []],
    ['members of different shapes', { allOf: [{ type: 'array', items: { type: 'string' } }, OBJ_A] }, ['p string'], ['all-of-conflict /properties/p/allOf']],
  ])('%s', (_label, schema, columns, warnings) => {
    const contract = contractOf({
      type: 'object',
      definitions: { base: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
      properties: { p: schema },
      required: ['p'],
      additionalProperties: false,
    });
    const m = describeMapping(mapContract(contract));
    expect(m.errors).toEqual([]);
    expect(m.columns).toEqual(columns);
    expect(m.warnings).toEqual(warnings);
    expect(() => compileContract(contract)).not.toThrow();
  });

  it('maps a root allOf (a $ref to a base event plus its own fields) to columns, required from every member', () => {
    const contract = contractOf({
      type: 'object',
      definitions: { base: { type: 'object', properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' } }, required: ['id'] } },
      allOf: [{ $ref: '#/definitions/base' }, { properties: { amount: { type: 'number', multipleOf: 0.01, minimum: 0, maximum: 999.99 } }, required: ['amount'] }],
    });
    const m = mapContract(contract);
    expect(describeMapping(m)).toEqual({ columns: ['id string', 'at timestamp null', 'amount decimal(5,2)'], warnings: [], errors: [] });
    expect(m.rawColumns.map((c) => `${c.name} ${c.type}`)).toEqual(['id string', 'at string', 'amount decimal(5,2)']);
  });

  it('maps an allOf member that is an iglu: $ref to a schema of the registry', () => {
    const contract = {
      ...contractOf({ type: 'object', allOf: [{ $ref: 'iglu:com.example/base/jsonschema/1-0-0' }, { properties: { extra: { type: 'boolean' } } }] }),
      refs: { 'iglu:com.example/base/jsonschema/1-0-0': { self: { vendor: 'com.example', name: 'base', format: 'jsonschema', version: '1-0-0' }, type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    };
    expect(describeMapping(mapContract(contract)).columns).toEqual(['id string', 'extra boolean null']);
  });

  it('leaves validation to ajv, which evaluates every member', () => {
    const validate = compileContract(contractWithProperty({ allOf: [OBJ_A, { properties: { b: { type: 'boolean' } }, required: ['b'] }, { properties: { a: { maxLength: 3 } } }] }));
    expect(validate({ p: { a: 'abc', b: true } })).toBe(true);
    expect(validate({ p: { a: 'abc' } })).toBe(false);
    expect(validate({ p: { a: 'abcd', b: true } })).toBe(false);
  });
});

describe('the compatibility checker on allOf', () => {
  const withP = (schema: JsonObject, version: string): ReturnType<typeof contractOf> =>
    contractOf({ type: 'object', properties: { p: schema }, required: ['p'], additionalProperties: false }, version);
  it.each<[string, JsonObject, JsonObject, string, string[]]>([
    ['an allOf added (not analysed: assumed to narrow)', { type: 'string' }, { type: 'string', allOf: [{ maxLength: 5 }] }, 'REVISION', ['/properties/p/allOf keyword-changed']],
    ['a description changed inside a member', { allOf: [{ type: 'string', description: 'a' }] }, { allOf: [{ type: 'string', description: 'b' }] }, 'NONE', []],
    ['an object member gains an optional property (still open)', { allOf: [OBJ_A] }, { allOf: [{ ...OBJ_A, properties: { a: { type: 'string' }, c: { type: 'integer' } } }] }, 'REVISION', ['/properties/p/allOf branches-narrowed']],
    ['a member removed', { allOf: [{ type: 'string' }, { maxLength: 3 }] }, { allOf: [{ type: 'string' }] }, 'ADDITION', ['/properties/p/allOf branches-widened']],
  ])('%s: no crash', (_label, before, after, instanceStep, reasons) => {
    const report = checkCompatibility(withP(before, '1-0-0'), withP(after, '1-0-1'));
    expect(report.instanceStep).toBe(instanceStep);
    expect(report.reasons.map((r) => `${r.pointer} ${r.rule}`)).toEqual(reasons);
  });

  it('treats a column whose allOf members change type as a table change (MODEL)', () => {
    const report = checkCompatibility(withP({ allOf: [{ type: 'integer' }, { minimum: 0, maximum: 9 }] }, '1-0-0'), withP({ allOf: [{ type: 'number' }, { minimum: 0, maximum: 9 }] }, '1-0-1'));
    expect(report.tableReasons.map((r) => `${r.column} ${r.rule}`)).toEqual(['p column-type-changed']);
    expect(report.required).toBe('MODEL');
  });
});
