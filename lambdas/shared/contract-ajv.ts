/**
 * How a data contract (a self-describing Iglu JSON Schema) becomes an ajv validator, shared by the build-time
 * compiler and the ingest function's run-time schema registry, so a contract validates the same way whether it
 * was precompiled from this repository or fetched from the registry.
 *
 * This is the one definition: the build (`lib/contracts/validators.ts`, `lib/contracts/ajv-schema.ts`) imports
 * it through `lambdas/shared`, the only place `lib/` may reach Lambda code.
 *
 * Iglu schemas are written against Iglu's self-describing meta-schema, which extends JSON Schema draft-04
 * (Iglu docs "Self-describing JSON Schemas",
 * https://docs.snowplow.io/docs/api-reference/iglu/common-architecture/self-describing-json-schemas/).
 * ajv 8 speaks draft-07, so the few draft-04 differences are rewritten ({@link toAjvContractSchema}):
 * `id` in a subschema removed, boolean `exclusiveMinimum/Maximum` turned into the draft-06 numeric form
 * (https://json-schema.org/draft-06/json-schema-release-notes), root `$schema` and `self` removed and `$id` set
 * to the Iglu URI.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/**
 * ajv options used for contracts.
 * - `allErrors`: bad rows list every violation, not only the first;
 * - `strictSchema`: an unknown keyword in a contract (a typo) is a compile error;
 * - `allowUnionTypes`: Iglu's nullable unions (`["string","null"]`) are normal;
 * - `strictTypes`/`strictRequired` off: Iglu Central schemas legitimately omit `type` next to `properties`,
 *   which ajv's strict mode would reject.
 */
export const CONTRACT_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  strictSchema: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
  logger: false as const,
};

/** A fresh ajv instance with {@link CONTRACT_AJV_OPTIONS} and every ajv-formats format (no standalone source). */
export function createContractAjv(): Ajv {
  const ajv = new Ajv({ ...CONTRACT_AJV_OPTIONS });
  addFormats(ajv);
  return ajv;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keywords whose value is a map of name → subschema. */
const SCHEMA_MAP_KEYWORDS: readonly string[] = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];
/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS: readonly string[] = ['additionalProperties', 'items', 'additionalItems', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'];
/** Keywords whose value is an array of subschemas. */
const SCHEMA_ARRAY_KEYWORDS: readonly string[] = ['allOf', 'anyOf', 'oneOf', 'items'];

/**
 * The schema ajv compiles for a self-describing schema `schema` of Iglu URI `uri`: draft-04 constructs rewritten
 * (see the module doc), `$schema` and `self` removed, `$id` set to `uri` so local `$ref`s resolve against it.
 * Pure; `schema` is not modified. Property *names* such as `id` are never touched: only schema nodes are rewritten.
 */
export function toAjvContractSchema(schema: Readonly<Record<string, unknown>>, uri: string): Record<string, unknown> {
  const { $schema: _meta, self: _self, ...rest } = normalizeDraft04(schema);
  return { $id: uri, ...rest };
}

/**
 * The draft-04 → draft-07 rewrite of the module doc applied to every schema node of `schema` (`$schema` and
 * `self` kept). Pure; also what the compatibility checker compares, so both sides read draft-04 the same way.
 */
export function normalizeDraft04(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return mapSchemaNodes(schema as Json) as JsonObject;
}

function mapSchemaNodes(node: Json): Json {
  if (!isJsonObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (SCHEMA_MAP_KEYWORDS.includes(k) && isJsonObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, mapSchemaNodes(sub)]));
    } else if (SCHEMA_ARRAY_KEYWORDS.includes(k) && Array.isArray(v)) {
      out[k] = v.map((sub) => mapSchemaNodes(sub));
    } else if (SCHEMA_KEYWORDS.includes(k) && isJsonObject(v)) {
      out[k] = mapSchemaNodes(v);
    } else {
      out[k] = v;
    }
  }
  return draft04ToDraft07(out);
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

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
