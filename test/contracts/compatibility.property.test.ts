import fc from 'fast-check';
import { JsonObject, JsonValue, isJsonObject } from '../../lib/contracts/contract';
import { checkCompatibility } from '../../lib/contracts/compatibility';
import { compileContract, createContractAjv } from '../../lib/contracts/validators';
import { contractOf } from './contract-factory';

/**
 * Soundness of the checker against ajv: for random schemas (the JSON Schema subset contracts use)
 * and random mutations of them, whenever the instance step is ADDITION (or no change), every instance
 * valid under the old schema must be valid under the new one.
 */

const NAMES = ['a', 'b', 'c', 'd', 'e'] as const;
const name = fc.constantFrom(...NAMES);
const smallInt = fc.integer({ min: -5, max: 20 });

const stringSchema = fc.record(
  { type: fc.constantFrom<JsonValue>('string', ['string', 'null']), minLength: fc.nat(3), maxLength: fc.integer({ min: 3, max: 8 }), enum: fc.constant(['x', 'yy', 'zzz']), pattern: fc.constant('^[a-z]*$') },
  { requiredKeys: ['type'] },
);
const integerSchema = fc.record(
  { type: fc.constantFrom<JsonValue>('integer', ['integer', 'null']), minimum: smallInt, maximum: fc.integer({ min: 10, max: 30 }), exclusiveMinimum: smallInt, multipleOf: fc.constantFrom(1, 2, 3) },
  { requiredKeys: ['type'] },
);
const numberSchema = fc.record(
  { type: fc.constantFrom<JsonValue>('number', ['number', 'null']), minimum: smallInt, maximum: fc.integer({ min: 10, max: 30 }), exclusiveMaximum: fc.integer({ min: 10, max: 30 }), multipleOf: fc.constantFrom(0.5, 0.25, 0.1, 1) },
  { requiredKeys: ['type'] },
);
const otherSchema = fc.constantFrom<JsonObject>({ type: 'boolean' }, { enum: ['x', 1, null] }, {}, { type: 'array', items: { type: 'integer' } }, { type: 'array', maxItems: 2 });
const short: JsonObject = { type: 'string', maxLength: 3 };
const tagged = (kind: string, field: string): JsonObject => ({ type: 'object', properties: { kind: { const: kind }, [field]: short }, required: ['kind'], additionalProperties: false });
const untagged = (field: string): JsonObject => ({ type: 'object', properties: { [field]: short }, additionalProperties: false });
/** anyOf/oneOf leaves: disjoint by type, by a required const, or overlapping closed objects. */
const combinatorSchema = fc.constantFrom<JsonObject>(
  { anyOf: [short, { type: 'null' }] },
  { oneOf: [short, { type: 'integer', minimum: 0, maximum: 9 }] },
  { oneOf: [tagged('a', 'x'), tagged('b', 'y')] },
  { anyOf: [untagged('x'), untagged('y')] },
  { oneOf: [untagged('x'), untagged('y')] },
);
const leaf: fc.Arbitrary<JsonObject> = fc.oneof(stringSchema, integerSchema, numberSchema, otherSchema, combinatorSchema) as fc.Arbitrary<JsonObject>;
const nested: fc.Arbitrary<JsonObject> = fc
  .record({ props: fc.dictionary(name, leaf, { maxKeys: 2 }), closed: fc.boolean(), req: fc.subarray([...NAMES]) })
  .map(({ props, closed, req }) => objectSchema(props, closed, req));
const propertySchema = fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 1, arbitrary: nested });

function objectSchema(props: Record<string, JsonObject>, closed: boolean, req: readonly string[]): JsonObject {
  return {
    type: 'object',
    properties: props,
    required: req.filter((r) => r in props),
    ...(closed ? { additionalProperties: false } : {}),
  };
}

const rootSchema = fc
  .record({ props: fc.dictionary(name, propertySchema, { minKeys: 1, maxKeys: 4 }), closed: fc.boolean(), req: fc.subarray([...NAMES]) })
  .map(({ props, closed, req }) => objectSchema(props, closed, req));

type Mutation =
  | { kind: 'add' | 'replace'; name: string; schema: JsonObject; required: boolean }
  | { kind: 'remove' | 'require' | 'unrequire'; name: string }
  | { kind: 'toggle-closed' }
  | { kind: 'tweak'; name: string; keyword: string; delta: number }
  | { kind: 'drop-keyword'; name: string; keyword: string }
  | { kind: 'branch'; name: string; op: 'add-field' | 'drop-branch' | 'add-branch' | 'loosen' | 'tighten'; index: number };

const KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'multipleOf', 'type', 'enum', 'pattern', 'maxItems', 'items'];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('add' as const, 'replace' as const), name, schema: propertySchema, required: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('remove' as const, 'require' as const, 'unrequire' as const), name }),
  fc.constant({ kind: 'toggle-closed' as const }),
  fc.record({ kind: fc.constant('tweak' as const), name, keyword: fc.constantFrom(...KEYWORDS), delta: fc.constantFrom(-2, -1, 1, 2, 0.5) }),
  fc.record({ kind: fc.constant('drop-keyword' as const), name, keyword: fc.constantFrom(...KEYWORDS) }),
  fc.record({ kind: fc.constant('branch' as const), name, op: fc.constantFrom('add-field' as const, 'drop-branch' as const, 'add-branch' as const, 'loosen' as const, 'tighten' as const), index: fc.nat(2) }),
);

function mutate(schema: JsonObject, m: Mutation): JsonObject {
  const s: JsonObject = JSON.parse(JSON.stringify(schema)) as JsonObject;
  const props = s.properties as JsonObject;
  const required = (s.required as string[]).filter((r) => r !== ('name' in m ? m.name : ''));
  switch (m.kind) {
    case 'add':
    case 'replace':
      props[m.name] = m.schema;
      s.required = m.required ? [...required, m.name] : required;
      break;
    case 'remove':
      delete props[m.name];
      s.required = required;
      break;
    case 'require':
      s.required = m.name in props ? [...required, m.name] : required;
      break;
    case 'unrequire':
      s.required = required;
      break;
    case 'toggle-closed':
      if (s.additionalProperties === false) delete s.additionalProperties;
      else s.additionalProperties = false;
      break;
    case 'tweak': {
      const p = props[m.name];
      if (isJsonObject(p) && typeof p[m.keyword] === 'number') {
        const v = (p[m.keyword] as number) + m.delta;
        p[m.keyword] = ['minLength', 'maxLength', 'maxItems'].includes(m.keyword) ? Math.max(0, Math.round(v)) : m.keyword === 'multipleOf' ? Math.max(0.25, v) : v;
      }
      if (isJsonObject(p) && m.keyword === 'type') p.type = m.delta > 0 ? 'number' : 'integer';
      break;
    }
    case 'drop-keyword': {
      const p = props[m.name];
      if (isJsonObject(p)) delete p[m.keyword];
      break;
    }
    case 'branch': {
      const p = props[m.name];
      const kw = isJsonObject(p) ? (Array.isArray(p.anyOf) ? 'anyOf' : Array.isArray(p.oneOf) ? 'oneOf' : undefined) : undefined;
      if (!isJsonObject(p) || kw === undefined) break;
      const branches = p[kw] as JsonObject[];
      const b = branches[m.index % branches.length];
      if (m.op === 'drop-branch' && branches.length > 1) branches.splice(m.index % branches.length, 1);
      if (m.op === 'add-branch') branches.push(m.index === 0 ? { type: 'boolean' } : untagged('x'));
      // Adds the other branch's field (so closed branches may start to overlap), else a new one.
      if (m.op === 'add-field' && isJsonObject(b.properties)) (b.properties as JsonObject)[!('y' in b.properties) ? 'y' : !('x' in b.properties) ? 'x' : 'z'] = short;
      if (m.op === 'loosen' || m.op === 'tighten') {
        const target = isJsonObject(b.properties) ? (Object.values(b.properties).find((v) => isJsonObject(v) && v.maxLength !== undefined) as JsonObject | undefined) : b;
        if (target !== undefined && typeof target.maxLength === 'number') target.maxLength = m.op === 'loosen' ? 6 : 1;
      }
      break;
    }
  }
  return s;
}

/** Candidate instances for a schema: mostly valid ones, plus extra properties where the schema allows them. */
function instanceOf(schema: JsonValue, depth = 0): fc.Arbitrary<JsonValue> {
  if (!isJsonObject(schema)) return fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<JsonValue>;
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? (schema.type as string[]) : ['any'];
  const options: fc.Arbitrary<JsonValue>[] = [];
  if (Array.isArray(schema.enum)) options.push(fc.constantFrom(...schema.enum));
  if ('const' in schema) options.push(fc.constant(schema.const));
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (branches !== undefined && depth < 3) options.push(fc.oneof(...branches.map((b) => instanceOf(b, depth + 1))));
  for (const t of types) {
    const lo = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : -40;
    const hi = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : 40;
    const m = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
    if (t === 'string') options.push(fc.string({ minLength: (schema.minLength as number | undefined) ?? 0, maxLength: (schema.maxLength as number | undefined) ?? 6, unit: fc.constantFrom('a', 'b', 'z', 'X', '1') }));
    if (t === 'integer') options.push(fc.integer({ min: Math.ceil(Math.min(lo, hi)), max: Math.floor(Math.max(lo, hi)) }).map((k) => (m === undefined ? k : Math.round(k / m) * m)));
    if (t === 'number') options.push(m === undefined ? fc.double({ min: Math.min(lo, hi), max: Math.max(lo, hi), noNaN: true }) : fc.integer({ min: -80, max: 80 }).map((k) => k * m));
    if (t === 'null') options.push(fc.constant(null));
    if (t === 'boolean') options.push(fc.boolean());
    if (t === 'array') options.push(fc.array(isJsonObject(schema.items) ? instanceOf(schema.items, depth + 1) : fc.integer(), { maxLength: 3 }));
    if (t === 'any') options.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean()));
    if (t === 'object' && depth < 3) {
      const props = isJsonObject(schema.properties) ? schema.properties : {};
      const entries = Object.entries(props).map(([k, v]) => fc.option(instanceOf(v, depth + 1), { nil: undefined }).map((x) => [k, x] as const));
      const extras = schema.additionalProperties === false ? fc.constant({}) : fc.dictionary(name, instanceOf({}, depth + 1), { maxKeys: 2 });
      options.push(
        fc.tuple(fc.tuple(...entries), extras).map(([kv, extra]) => ({ ...extra, ...Object.fromEntries(kv.filter(([, x]) => x !== undefined)) }) as JsonObject),
      );
    }
  }
  return options.length === 0 ? fc.constant(null) : fc.oneof(...options);
}

const scenario = rootSchema.chain((old) =>
  fc.tuple(fc.constant(old), fc.array(mutation, { minLength: 1, maxLength: 3 })).chain(([o, ms]) => {
    const next = ms.reduce(mutate, o);
    return fc.tuple(fc.constant(o), fc.constant(next), fc.array(instanceOf(o), { minLength: 10, maxLength: 30 }));
  }),
);

/** A root with one anyOf/oneOf property `a` and one to three branch edits of it. */
const branchScenario = combinatorSchema.chain((a) =>
  fc.array(fc.record({ kind: fc.constant('branch' as const), name: fc.constant('a'), op: fc.constantFrom('add-field' as const, 'drop-branch' as const, 'add-branch' as const, 'loosen' as const, 'tighten' as const), index: fc.nat(2) }), { minLength: 1, maxLength: 3 }).chain((ms) => {
    const old = objectSchema({ a }, true, ['a']);
    return fc.tuple(fc.constant(old), fc.constant(ms.reduce<JsonObject>(mutate, old)), fc.array(instanceOf(old), { minLength: 20, maxLength: 40 }));
  }),
);

/** Runs the soundness check on scenarios; returns how many verdicts were ADDITION/NONE and how many instances were checked. */
function assertSound(scenarios: fc.Arbitrary<[JsonObject, JsonObject, JsonValue[]]>, numRuns: number): { additions: number; checkedInstances: number } {
  let additions = 0;
  let checkedInstances = 0;
  fc.assert(
    fc.property(scenarios, ([oldSchema, newSchema, instances]) => {
      const oldC = contractOf(oldSchema, '1-0-0');
      const newC = contractOf(newSchema, '1-0-1');
      const report = checkCompatibility(oldC, newC);
      if (report.instanceStep !== 'ADDITION' && report.instanceStep !== 'NONE') return;
      additions += 1;
      const vOld = compileContract(oldC, createContractAjv(false));
      const vNew = compileContract(newC, createContractAjv(false));
      for (const x of instances.filter((i) => vOld(i))) {
        checkedInstances += 1;
        if (!vNew(x)) throw new Error(`instance step ${report.instanceStep} but ${JSON.stringify(x)} became invalid: ${JSON.stringify(vNew.errors)}\nreasons: ${JSON.stringify(report.reasons)}`);
      }
    }),
    { numRuns },
  );
  return { additions, checkedInstances };
}

describe('compatibility checker soundness (property)', () => {
  it('never says ADDITION when an anyOf/oneOf edit rejects an instance the old schema accepts', () => {
    const { additions, checkedInstances } = assertSound(branchScenario, 150);
    expect(additions).toBeGreaterThan(20);
    expect(checkedInstances).toBeGreaterThan(100);
  });

  it('never says ADDITION when the new schema rejects an instance the old one accepts', () => {
    let additions = 0;
    let checkedInstances = 0;
    fc.assert(
      fc.property(scenario, ([oldSchema, newSchema, instances]) => {
        const oldC = contractOf(oldSchema, '1-0-0');
        const newC = contractOf(newSchema, '1-0-1');
        const report = checkCompatibility(oldC, newC);
        // Soundness of the instance step; the verdict may be larger (the table step), never smaller.
        if (report.instanceStep !== 'NONE') expect(report.required).not.toBe('NONE');
        if (report.instanceStep === 'REVISION') expect(report.required).not.toBe('ADDITION');
        if (report.instanceStep === 'MODEL') expect(report.required).toBe('MODEL');
        if (report.instanceStep !== 'ADDITION' && report.instanceStep !== 'NONE') return;
        additions += 1;
        const vOld = compileContract(oldC, createContractAjv(false));
        const vNew = compileContract(newC, createContractAjv(false));
        for (const x of instances.filter((i) => vOld(i))) {
          checkedInstances += 1;
          if (!vNew(x)) {
            throw new Error(`instance step ${report.instanceStep} but ${JSON.stringify(x)} became invalid: ${JSON.stringify(vNew.errors)}\nreasons: ${JSON.stringify(report.reasons)}`);
          }
        }
      }),
      { numRuns: 200 },
    );
    // Not vacuous: a fair share of mutations is judged compatible and exercised with valid instances.
    expect(additions).toBeGreaterThan(20);
    expect(checkedInstances).toBeGreaterThan(100);
  });
});
