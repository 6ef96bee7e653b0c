/**
 * Issue 12, parts 1 and 2 (mapping): every construct a real registry uses maps to Glue, exactly where an exact
 * type exists and through a documented fallback (a lint warning) where not. Hand-written schemas only.
 */
import { JsonObject } from '../../lib/contracts/contract';
import {
  FALLBACK_RULES,
  FallbackId,
  PLATFORM_NAME_PREFIX,
  RESERVED_CURATED_COLUMNS,
  glueColumnName,
  mapContract,
  renderFallbackRulesMarkdown,
} from '../../lib/contracts/glue-types';
import { compileContract } from '../../lib/contracts/validators';
import { contractOf, contractWithProperty } from './contract-factory';

const mapRoot = (body: JsonObject) => mapContract(contractOf(body));
const mapProperty = (schema: JsonObject, required = true) => mapContract(contractWithProperty(schema, required));
const rulesOf = (m: ReturnType<typeof mapContract>): FallbackId[] => m.warnings.map((w) => w.rule);
const describeColumns = (m: ReturnType<typeof mapContract>, zone: 'raw' | 'curated' = 'curated'): string[] =>
  (zone === 'raw' ? m.rawColumns : m.columns).map((c) => `${c.name} ${c.type}`);

describe('documented fallbacks (FALLBACK_RULES)', () => {
  it.each(FALLBACK_RULES.map((r) => [r.id, r] as const))('%s: maps its example as documented, warns, and ajv compiles it', (_id, rule) => {
    const contract = rule.root === true ? contractOf(rule.example) : contractWithProperty(rule.example);
    const m = mapContract(contract);
    expect(m.errors).toEqual([]);
    expect(m.columns.length === 0 ? '(no data columns)' : describeColumns(m)[0]).toBe(rule.mapsTo);
    expect(rulesOf(m)).toContain(rule.id);
    expect(m.warnings.find((w) => w.rule === rule.id)?.message).toContain(rule.warning);
    expect(() => compileContract(contract)).not.toThrow();
  });

  it('renders one README row per fallback', () => {
    expect(renderFallbackRulesMarkdown().split('\n')).toHaveLength(FALLBACK_RULES.length + 2);
  });

  it('maps the README examples of exact mappings without any warning', () => {
    expect(mapProperty({ type: 'object', properties: { a: { type: 'string' } } }).warnings).toEqual([]);
    expect(mapRoot({ type: 'object', properties: {}, additionalProperties: false }).warnings).toEqual([]);
  });
});

describe('mixed type unions → JSON text', () => {
  it.each([
    [['array', 'string'], false],
    [['string', 'object'], false],
    [['string', 'object', 'null'], true],
    [['object', 'array'], false],
  ])('%j maps to string (nullable: %s) with a mixed-union warning at /type', (type, nullable) => {
    const m = mapProperty({ type } as JsonObject);
    expect(describeColumns(m)).toEqual(['p string']);
    expect(m.columns[0].nullable).toBe(nullable);
    expect(m.warnings).toEqual([expect.objectContaining({ rule: 'mixed-union', pointer: '/properties/p/type' })]);
  });
});

describe('anyOf/oneOf', () => {
  const shapeA = { type: 'object', properties: { a: { type: 'string' }, n: { type: 'integer', minimum: 0, maximum: 9 } }, required: ['a'] };
  const shapeB = { type: 'object', properties: { b: { type: 'boolean' }, n: { type: 'integer', minimum: 0, maximum: 9 } }, required: ['b'] };

  it.each(['anyOf', 'oneOf'])('merges %s object branches of different shapes into one struct (union of fields, first-seen order)', (kw) => {
    const m = mapProperty({ [kw]: [shapeA, shapeB] });
    expect(describeColumns(m)).toEqual(['p struct<a:string,n:int,b:boolean>']);
    expect(rulesOf(m)).toEqual(['merged-branches']);
  });

  it('types a field that two branches type differently as JSON text', () => {
    const m = mapProperty({ oneOf: [{ type: 'object', properties: { v: { type: 'string' } } }, { type: 'object', properties: { v: { type: 'array', items: { type: 'string' } } } }] });
    expect(describeColumns(m)).toEqual(['p struct<v:string>']);
  });

  it('merges root anyOf object shapes into columns, every column nullable', () => {
    const m = mapRoot({ anyOf: [shapeA, shapeB] });
    expect(m.columns.map((c) => [c.name, c.type, c.nullable, c.jsonKey])).toEqual([
      ['a', 'string', true, 'a'],
      ['n', 'int', true, 'n'],
      ['b', 'boolean', true, 'b'],
    ]);
    expect(m.rawColumns.map((c) => c.sourcePointer)).toEqual(['/anyOf/0/properties/a', '/anyOf/0/properties/n', '/anyOf/1/properties/b']);
    expect(rulesOf(m)).toEqual(['merged-branches']);
  });

  it.each<[JsonObject[], string]>([
    [[{ type: 'integer', minimum: 0, maximum: 9 }, { type: 'integer' }], 'bigint'],
    [[{ type: 'integer' }, { type: 'number' }], 'double'],
    [[{ type: 'string' }, { type: 'integer' }], 'string'],
    [[{ type: 'string' }, { type: 'object', properties: { a: { type: 'string' } } }], 'string'],
  ])('maps branches %j of different types to %s with a warning', (branches, type) => {
    const m = mapProperty({ anyOf: branches });
    expect(describeColumns(m)).toEqual([`p ${type}`]);
    expect(rulesOf(m)).toEqual(['branch-types']);
  });

  it('keeps a null branch as nullability', () => {
    const m = mapProperty({ oneOf: [shapeA, { type: 'null' }] });
    expect(describeColumns(m)).toEqual(['p struct<a:string,n:int>']);
    expect(m.columns[0].nullable).toBe(true);
    expect(m.warnings).toEqual([]);
  });
});

describe('required-only anyOf/oneOf beside properties ("at least one of") keep the struct', () => {
  const atLeastOne = (kw: 'anyOf' | 'oneOf'): JsonObject => ({
    type: 'object',
    properties: { email: { type: 'string' }, phone: { type: 'string' }, name: { type: 'string' } },
    required: ['name'],
    [kw]: [{ required: ['email'] }, { required: ['phone'] }],
  });

  it.each(['anyOf', 'oneOf'] as const)('%s at the root: columns and nullability from properties/required, no warning', (kw) => {
    const m = mapRoot(atLeastOne(kw));
    expect(m.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['email', 'string', true],
      ['phone', 'string', true],
      ['name', 'string', false],
    ]);
    expect(m.warnings).toEqual([]);
  });

  it.each(['anyOf', 'oneOf'] as const)('%s in a property and inside items: a struct, not string', (kw) => {
    expect(describeColumns(mapProperty(atLeastOne(kw)))).toEqual(['p struct<email:string,phone:string,name:string>']);
    expect(describeColumns(mapProperty({ type: 'array', items: atLeastOne(kw) }))).toEqual(['p array<struct<email:string,phone:string,name:string>>']);
  });

  it('treats branches that only restate declared properties as constraints (no merge, no warning)', () => {
    const m = mapRoot({
      type: 'object',
      properties: { kind: { type: 'string' }, size: { type: 'integer', minimum: 0, maximum: 9 } },
      required: ['kind'],
      oneOf: [{ properties: { kind: { type: 'string', enum: ['a'] } } }, { properties: { kind: { type: 'string', enum: ['b'] } }, required: ['size'] }],
    });
    expect(m.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['kind', 'string', false],
      ['size', 'int', true],
    ]);
    expect(m.warnings).toEqual([]);
  });
});

describe('patternProperties, tuples, free-form values', () => {
  it('maps a nested object with only patternProperties to map<string,T>', () => {
    const m = mapProperty({ type: 'object', patternProperties: { '^s_': { type: 'string' }, '^t_': { type: 'string', maxLength: 3 } } });
    expect(describeColumns(m)).toEqual(['p map<string,string>']);
    expect(rulesOf(m)).toEqual(['pattern-properties']);
  });

  it('maps a single-element tuple to array<T> and a mixed tuple to array<string>', () => {
    expect(describeColumns(mapProperty({ type: 'array', items: [{ type: 'object', properties: { a: { type: 'boolean' } } }] }))).toEqual(['p array<struct<a:boolean>>']);
    const mixed = mapProperty({ type: 'array', items: [{ type: 'string' }, { type: 'boolean' }] });
    expect(describeColumns(mixed)).toEqual(['p array<string>']);
    expect(rulesOf(mixed)).toEqual(['tuple-items', 'branch-types']);
  });

  it.each([[{}], [{ type: 'object' }], [{ description: 'anything' }]])('maps the free-form value %j to JSON text with a warning', (schema) => {
    const m = mapProperty(schema as JsonObject);
    expect(describeColumns(m)).toEqual(['p string']);
    expect(rulesOf(m)).toEqual(['free-form']);
  });
});

describe('roots', () => {
  it.each([
    ['additionalProperties: false without properties', { type: 'object', additionalProperties: false }, []],
    ['properties: {} and additionalProperties: false', { type: 'object', properties: {}, additionalProperties: false }, []],
    ['the empty schema {}', {}, ['free-form-root']],
    ['properties: {} (open)', { type: 'object', properties: {} }, ['free-form-root']],
    ['only patternProperties', { type: 'object', patternProperties: { '^x': { type: 'integer' } } }, ['dynamic-root']],
    ['only a schema-valued additionalProperties', { additionalProperties: { type: 'string' } }, ['dynamic-root']],
  ])('maps an empty event (%s) to zero data columns', (_what, body, warnings) => {
    const m = mapRoot(body as JsonObject);
    expect(m.errors).toEqual([]);
    expect(m.columns).toEqual([]);
    expect(m.rawColumns).toEqual([]);
    expect(rulesOf(m)).toEqual(warnings);
  });

  it('maps a root typed ["object","null"] as an object, with a warning', () => {
    const m = mapRoot({ type: ['object', 'null'], properties: { a: { type: 'string' } }, required: ['a'] });
    expect(m.columns.map((c) => [c.name, c.nullable])).toEqual([['a', false]]);
    expect(rulesOf(m)).toEqual(['nullable-root']);
  });

  it.each([
    [{ type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } }, /an array root is not an event/],
    [{ type: ['array', 'null'] }, /an array root is not an event/],
    [{ type: 'string' }, /root of a contract must be/],
  ])('refuses the root %j with a clear message', (body, reason) => {
    const m = mapRoot(body as JsonObject);
    expect(m.errors.map((e) => [e.file, e.pointer])).toEqual([['iglu:com.example/test_event/jsonschema/1-0-0', '/type']]);
    expect(m.errors[0].reason).toMatch(reason);
  });
});

describe('platform column names', () => {
  it.each([...RESERVED_CURATED_COLUMNS.map((c) => [c, c] as const), ['eventId', 'event_id'] as const, ['eventTime', 'event_time'] as const])(
    'renames the property %s (curated %s) to payload_<name> in curated only',
    (key, curated) => {
      const m = mapRoot({ type: 'object', properties: { [key]: { type: 'string' }, other: { type: 'string' } } });
      expect(glueColumnName(key)).toBe(curated);
      expect(m.columns.map((c) => c.name)).toEqual([`${PLATFORM_NAME_PREFIX}${curated}`, 'other']);
      expect(m.rawColumns.map((c) => c.name)).toEqual([key.toLowerCase(), 'other']);
      expect(m.columns[0].sourcePointer).toBe(m.rawColumns[0].sourcePointer);
      expect(m.warnings).toEqual([expect.objectContaining({ rule: 'platform-name', pointer: `/properties/${key}` })]);
    },
  );

  it('still refuses a rename that collides with a declared property', () => {
    const m = mapRoot({ type: 'object', properties: { dt: { type: 'string' }, payload_dt: { type: 'string' } } });
    expect(m.errors.map((e) => e.reason)).toEqual([expect.stringMatching(/"payload_dt" collides/)]);
  });
});

describe('number with multipleOf', () => {
  it.each([
    [{ type: 'number', multipleOf: 0.01, minimum: 0, maximum: 1000 }, 'decimal(6,2)', []],
    [{ type: 'number', multipleOf: 0.01, minimum: -5, exclusiveMaximum: 99.99 }, 'decimal(4,2)', []],
    [{ type: ['number', 'null'], multipleOf: 0.001, minimum: 0, maximum: 1 }, 'decimal(4,3)', []],
    [{ type: 'number', multipleOf: 0.05, minimum: 0, maximum: 10 }, 'decimal(4,2)', []],
    [{ type: 'number', multipleOf: 0.5, minimum: 0.5, maximum: 5 }, 'double', []],
    [{ type: 'number', multipleOf: 0.25 }, 'double', []],
    [{ type: 'number', multipleOf: 0.01, minimum: 0 }, 'double', ['unbounded-decimal']],
    [{ type: 'number', multipleOf: 0.01 }, 'double', ['unbounded-decimal']],
    [{ type: 'number', multipleOf: 1e-30, minimum: 0, maximum: 1e12 }, 'double', ['unbounded-decimal']],
  ])('maps %j to %s', (schema, type, warnings) => {
    const m = mapProperty(schema as JsonObject);
    expect(describeColumns(m)).toEqual([`p ${type}`]);
    expect(describeColumns(m, 'raw')).toEqual([`p ${type}`]);
    expect(rulesOf(m)).toEqual(warnings);
  });
});

describe('custom string formats', () => {
  it.each(['date-time', 'date', 'email', 'hostname', 'ipv4', 'ipv6', 'uri'])('knows and validates Iglu\'s format %s', (format) => {
    const contract = contractWithProperty({ type: 'string', format });
    expect(mapContract(contract).warnings).toEqual([]);
    expect(compileContract(contract)({ p: 'not a valid value \u0000' })).toBe(false);
  });

  it('ignores an unknown custom format with a warning instead of refusing the schema', () => {
    const contract = contractWithProperty({ type: 'string', format: 'camelCase' });
    expect(mapContract(contract).warnings).toEqual([expect.objectContaining({ rule: 'unknown-format', pointer: '/properties/p/format' })]);
    expect(compileContract(contract)({ p: 'Anything Goes' })).toBe(true);
    expect(compileContract(contract)({ p: 42 })).toBe(false);
  });

  it('keeps a property named "format" (a name, not the keyword)', () => {
    const contract = contractOf({ type: 'object', properties: { format: { type: 'string', enum: ['a'] } }, required: ['format'] });
    expect(compileContract(contract)({ format: 'b' })).toBe(false);
  });
});

describe('keys with - or . (raw SerDe key mappings)', () => {
  it('gives the raw field a valid name and declares the mapping, at every level', () => {
    const m = mapRoot({
      type: 'object',
      properties: { 'user-id': { type: 'string' }, 'geo.info': { type: 'object', properties: { 'country.code': { type: 'string' }, 'x-y': { type: 'array', items: { type: 'object', properties: { 'a.b': { type: 'integer' } } } } } } },
    });
    expect(describeColumns(m, 'raw')).toEqual(['user_id string', 'geo_info struct<country_code:string,x_y:array<struct<a_b:bigint>>>']);
    expect(m.rawColumns.map((c) => c.jsonKey)).toEqual(['user-id', 'geo.info']);
    expect(m.rawKeyMappings).toEqual({ user_id: 'user-id', geo_info: 'geo.info', country_code: 'country.code', x_y: 'x-y', a_b: 'a.b' });
    expect(m.warnings).toEqual([]);
  });

  it('needs no mapping for camelCase keys (the SerDe matches case-insensitively)', () => {
    expect(mapRoot({ type: 'object', properties: { osType: { type: 'string' } } }).rawKeyMappings).toEqual({});
  });

  it.each([
    ['a plain key of the same raw name elsewhere', { 'a-b': { type: 'string' }, c: { type: 'object', properties: { a_b: { type: 'string' } } } }, 'a-b', 'a_b_2'],
    ['a raw envelope column', { 'event-id': { type: 'string' } }, 'event-id', 'event_id_2'],
    ['another mapped key', { 'a-b': { type: 'string' }, c: { type: 'object', properties: { 'a.b': { type: 'string' } } } }, 'a.b', 'a_b_2'],
  ])('suffixes a mapped name that would clash with %s', (_what, properties, key, name) => {
    const m = mapRoot({ type: 'object', properties: properties as JsonObject });
    expect(m.errors).toEqual([]);
    expect(m.rawKeyMappings[name]).toBe(key);
    expect(Object.values(m.rawKeyMappings).filter((k) => k === key)).toHaveLength(1);
    expect(rulesOf(m)).toContain('renamed-raw-field');
  });
});

describe('every problem is reported, not the first', () => {
  it('lists each unsupported construct of one schema', () => {
    const m = mapRoot({ type: 'object', properties: { a: { allOf: [{ type: 'string' }, false] }, b: { $ref: '#/definitions/missing' }, c: { $ref: 'http://example.com/x.json' } } });
    expect(m.errors.map((e) => e.pointer)).toEqual(['/properties/a/allOf', '/properties/b', '/properties/c']);
    expect(m.columns).toEqual([]);
  });
});
