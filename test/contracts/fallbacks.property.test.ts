import fc from 'fast-check';
import { JsonObject, JsonValue } from '../../lib/contracts/contract';
import { mapContract } from '../../lib/contracts/glue-types';
import { compileContract } from '../../lib/contracts/validators';
import { splitTopLevel } from '../../lib/marts/catalog-model';
import { contractOf } from './contract-factory';

/**
 * Every construct of the fallback table, nested in any combination, maps: no error, a well-formed Glue type for
 * every column in both zones (names `[a-z0-9_]+`, balanced generics, struct fields `name:type`), raw and curated
 * columns paired one to one by pointer, ajv compiles the schema, and every SerDe key mapping names a field.
 */

const KEYS = ['a', 'b-c', 'd.e', 'fG', 'event_id', 'dt', 'x_y'] as const;
const key = fc.constantFrom(...KEYS);

const leaf = fc.constantFrom<JsonObject>(
  { type: 'string' },
  { type: 'string', format: 'date-time' },
  { type: 'string', format: 'camelCase' },
  { type: 'integer', minimum: 0, maximum: 9 },
  { type: 'number', multipleOf: 0.01, minimum: 0, maximum: 99 },
  { type: 'number', multipleOf: 0.01 },
  { type: ['array', 'string', 'null'] },
  { type: ['string', 'object'] },
  { type: 'object' },
  {},
  { enum: ['x', 1, null] },
  { type: 'array', items: [{ type: 'boolean' }] },
  { type: 'object', patternProperties: { '^p': { type: 'integer' } } },
);

const schema: fc.Arbitrary<JsonObject> = fc.letrec<{ node: JsonObject }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 3 }).map((properties): JsonObject => ({ type: 'object', properties })),
    tie('node').map((items): JsonObject => ({ type: 'array', items })),
    fc.array(fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 2 }), { minLength: 2, maxLength: 3 }).map((shapes): JsonObject => ({ oneOf: shapes.map((properties) => ({ type: 'object', properties })) })),
    fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 3 }).map((properties): JsonObject => ({ type: 'object', properties, anyOf: Object.keys(properties).map((k) => ({ required: [k] })) })),
  ),
})).node;

/** A Glue/Hive type is well formed: a primitive, decimal(p,s), or array/map/struct of well-formed types. */
function wellFormed(type: string): boolean {
  if (/^(string|int|bigint|double|boolean|date|timestamp)$/.test(type)) return true;
  const dec = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (dec !== null) return Number(dec[1]) <= 38 && Number(dec[2]) <= Number(dec[1]);
  const generic = /^(array|map|struct)<(.*)>$/.exec(type);
  if (generic === null) return false;
  const parts = splitTopLevel(generic[2]);
  if (generic[1] === 'array') return parts.length === 1 && wellFormed(parts[0]);
  if (generic[1] === 'map') return parts.length === 2 && parts[0] === 'string' && wellFormed(parts[1]);
  const names = parts.map((p) => p.slice(0, p.indexOf(':')));
  return parts.length > 0 && new Set(names).size === names.length && parts.every((p) => /^[a-z0-9_]+:/.test(p) && wellFormed(p.slice(p.indexOf(':') + 1)));
}

it('maps any combination of the fallback constructs to well-formed Glue types in both zones', () => {
  fc.assert(
    fc.property(fc.dictionary(key, schema, { minKeys: 1, maxKeys: 4 }), (properties) => {
      const contract = contractOf({ type: 'object', properties } as Record<string, JsonValue> as JsonObject);
      const m = mapContract(contract);
      expect(m.errors.map((e) => e.message)).toEqual([]);
      expect(m.columns.map((c) => c.sourcePointer)).toEqual(m.rawColumns.map((c) => c.sourcePointer));
      for (const c of [...m.columns, ...m.rawColumns]) {
        expect(c.name).toMatch(/^[a-z0-9_]+$/);
        expect([c.type, wellFormed(c.type)]).toEqual([c.type, true]);
      }
      const rawTypes = m.rawColumns.map((c) => `${c.name}:${c.type}`).join(',');
      for (const field of Object.keys(m.rawKeyMappings)) expect(rawTypes).toMatch(new RegExp(`(^|[<,])${field}:`));
      expect(() => compileContract(contract)).not.toThrow();
    }),
    { numRuns: 150, seed: 12 },
  );
});
