/**
 * Turns a self-describing contract into the plain JSON Schema that ajv (draft-07 mode) compiles.
 *
 * Iglu schemas are written against Iglu's self-describing meta-schema, which extends JSON Schema
 * draft-04 (Iglu docs "Self-describing JSON Schemas"). ajv 8 speaks draft-07 by default and would
 * need `ajv-draft-04` for draft-04; instead the few draft-04 differences Iglu schemas use are
 * rewritten here, so no extra dependency is needed:
 *
 * | draft-04 (Iglu)                                  | rewritten to (draft-07)            |
 * |---|---|
 * | root `$schema` (Iglu self-desc meta URI)          | removed (a meta annotation)         |
 * | root `self` block                                 | removed; `$id` = the Iglu URI       |
 * | `id` (draft-04 base URI) in a subschema           | removed                             |
 * | `minimum: x, exclusiveMinimum: true`              | `exclusiveMinimum: x`               |
 * | `maximum: x, exclusiveMaximum: true`              | `exclusiveMaximum: x`               |
 * | `exclusiveMinimum/Maximum: false`                 | removed                             |
 *
 * Sources: JSON Schema draft-06 release notes ("exclusiveMinimum/Maximum are now numbers",
 * "id renamed to $id"), https://json-schema.org/draft-06/json-schema-release-notes.
 */
import { Contract, JsonObject, JsonValue, isJsonObject } from './contract';

/** Keywords whose value is a map of name → subschema. */
export const SCHEMA_MAP_KEYWORDS: readonly string[] = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];
/** Keywords whose value is one subschema. */
export const SCHEMA_KEYWORDS: readonly string[] = [
  'additionalProperties', 'items', 'additionalItems', 'not', 'contains', 'propertyNames', 'if', 'then', 'else',
];
/** Keywords whose value is an array of subschemas. */
export const SCHEMA_ARRAY_KEYWORDS: readonly string[] = ['allOf', 'anyOf', 'oneOf', 'items'];

/**
 * Apply `fn` to every schema node bottom-up (children first), returning a new tree.
 * Knows which keywords hold subschemas, so property *names* such as `id` are never touched.
 */
export function mapSchemaNodes(node: JsonValue, fn: (schema: JsonObject) => JsonObject): JsonValue {
  if (!isJsonObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (SCHEMA_MAP_KEYWORDS.includes(k) && isJsonObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, mapSchemaNodes(sub, fn)]));
    } else if (SCHEMA_ARRAY_KEYWORDS.includes(k) && Array.isArray(v)) {
      out[k] = v.map((sub) => mapSchemaNodes(sub, fn));
    } else if (SCHEMA_KEYWORDS.includes(k) && isJsonObject(v)) {
      out[k] = mapSchemaNodes(v, fn);
    } else {
      out[k] = v;
    }
  }
  return fn(out);
}

function draft04ToDraft07(schema: JsonObject): JsonObject {
  const s: JsonObject = { ...schema };
  if (typeof s.id === 'string') delete s.id;
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (s[flag] === true && typeof s[bound] === 'number') {
      s[flag] = s[bound];
      delete s[bound];
    } else if (s[flag] === false) {
      delete s[flag];
    }
  }
  return s;
}

/** The draft-04 → draft-07 rewrite of the module doc, applied to every schema node. Pure. */
export function normalizeDraft04(schema: JsonObject): JsonObject {
  return mapSchemaNodes(schema, draft04ToDraft07) as JsonObject;
}

/**
 * The schema ajv compiles for a contract: draft-04 constructs rewritten (see module doc),
 * `$schema`/`self` removed, `$id` set to the full Iglu URI so local `$ref`s resolve against it.
 * Pure; the contract is not modified.
 */
export function toAjvSchema(contract: Contract): JsonObject {
  const normalized = mapSchemaNodes(contract.schema, draft04ToDraft07) as JsonObject;
  const { $schema: _meta, self: _self, ...rest } = normalized;
  return { $id: contract.id, ...rest };
}
