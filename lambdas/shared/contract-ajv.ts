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
 * (https://json-schema.org/draft-06/json-schema-release-notes), root `$schema`, `self` and `$supersedes` removed and `$id` set
 * to the Iglu URI.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import { canonicalIgluRef } from './contracts/contract';

/**
 * The string formats Iglu defines for its schemas: igluctl lints any other `format` as unsupported ("Format [x]
 * is not supported. Available options are: date-time, date, email, hostname, ipv4, ipv6, uri"; Iglu release 7
 * notes, https://snowplow.io/blog/2017/12/15/iglu-r7-treskilling-yellow-released/, which also adds `date`, a
 * custom format for draft-04). ajv-formats implements every one of them, so they are registered by `addFormats`.
 */
export const IGLU_STRING_FORMATS: readonly string[] = ['date-time', 'date', 'email', 'hostname', 'ipv4', 'ipv6', 'uri'];

/**
 * Every `format` value a contract's validator checks: ajv-formats' full set (which includes
 * {@link IGLU_STRING_FORMATS}). Any other format is a custom annotation: JSON Schema draft-04 lets validators
 * ignore unknown formats (draft-fge-json-schema-validation-00 §7.1), so {@link toAjvContractSchema} drops it
 * and the contracts lint warns (`unknown-format`), instead of ajv's strict mode refusing the whole schema.
 */
export const KNOWN_STRING_FORMATS: readonly string[] = [...new Set([...Object.keys(fullFormats), ...IGLU_STRING_FORMATS])];

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
 * (see the module doc), `$schema` and `self` removed, `$id` set to `uri` so local `$ref`s resolve against it,
 * unknown `format`s dropped ({@link KNOWN_STRING_FORMATS}), and the schemas `refs` (Iglu URI → schema, the other
 * contracts an `iglu:` `$ref` names) embedded with their `$id`. Pure; `schema` is not modified. Property *names* such as `id` are never touched: only schema nodes are rewritten.
 */
export function toAjvContractSchema(
  schema: Readonly<Record<string, unknown>>,
  uri: string,
  refs: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {},
): Record<string, unknown> {
  // `$supersedes` is Iglu metadata at the root (which earlier versions this one supersedes; Snowplow docs
  // "Superseding and patching schemas", https://docs.snowplow.io/docs/event-studio/data-structures/superseding-and-patching/):
  // it does not constrain instances, so it is not handed to ajv, whose strict mode would refuse the keyword.
  const { $schema: _meta, self: _self, $supersedes: _supersedes, ...rest } = dropUnknownFormats(normalizeDraft04(schema) as Json) as JsonObject;
  const embedded = Object.entries(refs).filter(([refUri]) => refUri !== uri);
  if (embedded.length === 0) return { $id: uri, ...rest };
  // Schemas of the same registry referenced with an `iglu:` $ref: embedded under `definitions` with their own
  // `$id`, so ajv resolves `{"$ref": "iglu:…"}` (and the referenced schema's local refs) without a registry.
  const definitions = isJsonObject(rest.definitions) ? rest.definitions : {};
  const added = Object.fromEntries(
    embedded.map(([refUri, refSchema], i) => {
      const { $schema: _m, self: _s, ...body } = dropUnknownFormats(normalizeDraft04(refSchema) as Json) as JsonObject;
      return [`__iglu_ref_${i}`, { $id: refUri, ...body }];
    }),
  );
  return { $id: uri, ...rest, definitions: { ...definitions, ...added } };
}

/**
 * `format` keywords naming a format outside {@link KNOWN_STRING_FORMATS} removed from every schema node, and
 * static-registry URL `$ref`s written as `iglu:` refs (`canonicalIgluRef`). Pure.
 */
function dropUnknownFormats(node: Json): Json {
  if (Array.isArray(node)) return node.map(dropUnknownFormats);
  if (!isJsonObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'format' && typeof v === 'string' && !KNOWN_STRING_FORMATS.includes(v)) continue;
    // A static-registry URL ref becomes the `iglu:` ref of the same schema, whose `$id` the embedded copy carries.
    if (k === '$ref' && typeof v === 'string') {
      out[k] = canonicalIgluRef(v);
      continue;
    }
    // Property *names* are data, not keywords: recurse into their schemas only.
    out[k] = SCHEMA_MAP_KEYWORDS.includes(k) && isJsonObject(v)
      ? Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, dropUnknownFormats(sub)]))
      : k === 'enum' || k === 'const' || k === 'default' || k === 'examples'
        ? v
        : dropUnknownFormats(v);
  }
  return out;
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
