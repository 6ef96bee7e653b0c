/**
 * JSON Schema (draft-04/07 as used by Iglu) → AWS Glue Data Catalog column types.
 *
 * Glue/Athena types and names follow the AWS docs:
 * - Athena "Data types in Amazon Athena" (https://docs.aws.amazon.com/athena/latest/ug/data-types.html):
 *   `boolean`, `int` (32-bit signed), `bigint` (64-bit signed), `double`, `decimal(p,s)` (precision at most
 *   38), `string`, `date`, `timestamp`, `array<T>`, `map<K,V>`, `struct<name:T,…>`;
 * - Athena "Names for tables, databases, and columns"
 *   (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html): lower case,
 *   letters, digits and underscore only;
 * - Glue API `Column` (https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html): `Comment`
 *   at most 255 characters;
 * - Athena "OpenX JSON SerDe" (https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html): keys are
 *   matched to column and struct-field names case-insensitively; a SerDe property `mapping.<name>` = `<key>`
 *   makes the field `<name>` read the JSON key `<key>`. Athena engine 3 (Trino) applies the mappings by field
 *   name at every struct level, top-level columns included (trino `OpenXJsonDeserializer`, `RowDecoder`).
 *
 * The rules, one row each, are {@link GLUE_TYPE_RULES}; the fallbacks (constructs with no exact Glue type,
 * mapped safely and reported as lint warnings) are {@link FALLBACK_RULES}. The README and the tests read both.
 *
 * Naming per zone. Curated columns are written by SQL, so they take Glue-style names
 * (camelCase → snake_case). Raw tables read the JSON lines with the OpenX JSON SerDe, which matches
 * JSON keys to column and struct-field names case-insensitively: raw names are therefore the JSON key
 * lower-cased (`osType` → `ostype`), so the data is readable; the curated SQL maps `data.ostype AS os_type`.
 * A key with characters outside `[A-Za-z0-9_]` (`a-b`, `a.b`) gets the raw name with `_` (`a_b`) plus a SerDe
 * mapping `mapping.a_b` = `a-b` ({@link ContractMapping.rawKeyMappings}); since the SerDe applies a mapping
 * to every field of that name, such a name is suffixed (`a_b_2`) when another key, or a raw envelope column
 * ({@link RAW_ENVELOPE_COLUMNS}), already uses it. Both zones' columns come with `sourcePointer` and `jsonKey`.
 */
import { ContractError, joinPointer } from './contract-error';
import { Contract, JsonObject, JsonValue, isIgluRef, isJsonObject, resolveIgluRef, resolveLocalRef } from './contract';
import { KNOWN_STRING_FORMATS } from '../contract-ajv';

/** The lake zone a table lives in; selects timestamp/date handling and column naming. */
export type LakeZone = 'raw' | 'curated';

/** One Glue column (or struct field) derived from a contract. */
export interface GlueColumn {
  /** Column name (Glue rules; see the module doc for per-zone naming). */
  readonly name: string;
  /** Glue/Hive type string, e.g. `int`, `struct<a:string,b:array<bigint>>`. */
  readonly type: string;
  /** The property's `description`, cut to 255 characters (Glue's limit). */
  readonly comment?: string;
  /** JSON pointer of the property's schema in the contract, e.g. `/properties/user_id`. */
  readonly sourcePointer: string;
  /** The property's key in the JSON event, as written by producers (e.g. `userId`, `a-b`). */
  readonly jsonKey: string;
  /** True when the value can be NULL: the property is optional, or its type admits `null`. */
  readonly nullable: boolean;
}

/** Options of {@link contractColumns}. */
export interface GlueMappingOptions {
  /** Target zone: raw (JSON SerDe) or curated (Parquet written by Athena). */
  readonly zone: LakeZone;
}

/** One documented mapping rule, with an example the tests check. */
export interface GlueTypeRule {
  /** The JSON Schema construct. */
  readonly jsonSchema: string;
  /** Example property schema. */
  readonly example: JsonObject;
  /** Glue type in the raw zone. */
  readonly raw: string;
  /** Glue type in the curated zone. */
  readonly curated: string;
  /** Why, and caveats. */
  readonly note: string;
}

/** Identifier of a documented fallback ({@link FALLBACK_RULES}); every lint warning carries one. */
export type FallbackId =
  | 'mixed-union'
  | 'free-form'
  | 'branch-types'
  | 'merged-branches'
  | 'pattern-properties'
  | 'tuple-items'
  | 'free-form-root'
  | 'dynamic-root'
  | 'nullable-root'
  | 'platform-name'
  | 'renamed-raw-field'
  | 'unknown-format'
  | 'unbounded-decimal'
  | 'all-of-conflict';

/** One documented fallback: a construct with no exact Glue type, its safe mapping and the lint warning it raises. */
export interface FallbackRule {
  /** The warning's identifier. */
  readonly id: FallbackId;
  /** The JSON Schema construct. */
  readonly jsonSchema: string;
  /** Example: a property schema, or (with `root`) the root keywords of a contract. */
  readonly example: JsonObject;
  /** True when {@link example} is a whole root rather than one property `p`. @default false */
  readonly root?: boolean;
  /** What the example maps to: the first curated column's `name type` (or `(no data columns)`). */
  readonly mapsTo: string;
  /** The Glue mapping in words (README column). */
  readonly glue: string;
  /** The warning's text (the part after `<uri> at <pointer>: `), without the construct-specific values. */
  readonly warning: string;
}

/** One lint warning: a fallback was applied at `pointer`. */
export interface MappingWarning {
  /** Which fallback. */
  readonly rule: FallbackId;
  /** JSON pointer of the construct in the contract (`''` = the root). */
  readonly pointer: string;
  /** What was done, in words. */
  readonly message: string;
}

/** Both zones' columns of a contract, the raw SerDe key mappings, the fallbacks applied and every problem found. */
export interface ContractMapping {
  /** Curated-zone columns (empty when {@link errors} is not). */
  readonly columns: readonly GlueColumn[];
  /** Raw-zone fields of the `data` struct, same order as {@link columns}. */
  readonly rawColumns: readonly GlueColumn[];
  /**
   * OpenX JSON SerDe mappings of the raw table: raw field name → JSON key, for every key (at any nesting level)
   * whose raw name is not the key lower-cased (keys with `-`, `.`, spaces…). Rendered as SerDe parameters
   * `mapping.<name>` = `<key>` (see the module doc).
   */
  readonly rawKeyMappings: Readonly<Record<string, string>>;
  /** Fallbacks applied (each a documented {@link FALLBACK_RULES} row), in document order, without duplicates. */
  readonly warnings: readonly MappingWarning[];
  /** Every construct that has no mapping, each naming the contract URI and pointer; empty = the contract maps. */
  readonly errors: readonly ContractError[];
}

/** Signed 32-bit range of Glue `int`. */
export const INT32_MIN = -(2 ** 31);
/** @see INT32_MIN */
export const INT32_MAX = 2 ** 31 - 1;
/** Glue's maximum column comment length, in characters. */
export const GLUE_COMMENT_MAX = 255;
/** Largest `decimal` precision in Athena ("Data types in Amazon Athena": `DECIMAL(precision, scale)`, precision up to 38). */
export const DECIMAL_MAX_PRECISION = 38;
/** Curated columns the platform adds around the contract's columns (cross-team conventions). */
export const RESERVED_CURATED_COLUMNS: readonly string[] = ['event_id', 'event_time', 'schema_uri', 'arrival_time', 'dt'];
/** Prefix a contract column takes in the curated zone when its name is a platform column ({@link RESERVED_CURATED_COLUMNS}). */
export const PLATFORM_NAME_PREFIX = 'payload_';
/**
 * The raw table's own columns and partition keys around the `data` struct (`rawTable()` in lib/marts/curated.ts):
 * a SerDe key mapping may never use one of these names, since the SerDe applies mappings to top-level columns too.
 */
export const RAW_ENVELOPE_COLUMNS: readonly string[] = ['schema', 'event_id', 'event_time', 'data', 'arrival_time', 'shard_id', 'sequence_number', 'dt', 'hour'];

/** The mapping, one rule per row; documentation and test oracle. */
export const GLUE_TYPE_RULES: readonly GlueTypeRule[] = [
  { jsonSchema: 'string', example: { type: 'string' }, raw: 'string', curated: 'string', note: 'maxLength etc. are not enforced by Glue' },
  { jsonSchema: 'string, format date-time', example: { type: 'string', format: 'date-time' }, raw: 'string', curated: 'timestamp', note: 'raw keeps the producer text; curated parses it (RFC 3339)' },
  { jsonSchema: 'string, format date', example: { type: 'string', format: 'date' }, raw: 'string', curated: 'date', note: 'raw keeps the text' },
  { jsonSchema: 'string, other formats (uuid, uri, email…)', example: { type: 'string', format: 'uuid' }, raw: 'string', curated: 'string', note: '' },
  { jsonSchema: 'integer with minimum ≥ -2^31 and maximum ≤ 2^31-1', example: { type: 'integer', minimum: 0, maximum: 65535 }, raw: 'int', curated: 'int', note: 'both bounds needed (exclusive bounds count too)' },
  { jsonSchema: 'integer, unbounded or beyond int32', example: { type: 'integer', minimum: 0 }, raw: 'bigint', curated: 'bigint', note: 'values beyond 64 bits cannot be stored' },
  { jsonSchema: 'number', example: { type: 'number', minimum: 0.5, maximum: 5 }, raw: 'double', curated: 'double', note: 'IEEE 754 binary64, as JSON parsers read it; a multipleOf that is a binary fraction (0.5, 0.25) stays double: its multiples are exact' },
  { jsonSchema: 'number, multipleOf a decimal step (0.01, 0.05, 0.1…) with both bounds', example: { type: 'number', multipleOf: 0.01, minimum: 0, maximum: 99999.99 }, raw: 'decimal(7,2)', curated: 'decimal(7,2)', note: 'scale = decimals of the step; precision = scale + integer digits of the larger bound (at most 38)' },
  { jsonSchema: 'boolean', example: { type: 'boolean' }, raw: 'boolean', curated: 'boolean', note: '' },
  { jsonSchema: 'enum of strings', example: { enum: ['wifi', 'mobile'] }, raw: 'string', curated: 'string', note: 'type inferred from the values when `type` is absent' },
  { jsonSchema: 'enum of mixed values', example: { enum: ['a', 1, true] }, raw: 'string', curated: 'string', note: 'the JSON SerDe reads scalars as text' },
  { jsonSchema: 'enum of integers', example: { enum: [1, 2, 3] }, raw: 'int', curated: 'int', note: 'bounded by the values' },
  { jsonSchema: 'nullable union ["T","null"] (or null in enum)', example: { type: ['integer', 'null'], minimum: 0, maximum: 100 }, raw: 'int', curated: 'int', note: 'nullable = true' },
  { jsonSchema: 'union of several scalar types', example: { type: ['string', 'number'] }, raw: 'string', curated: 'string', note: 'text of the JSON value (unions with objects or arrays: see the fallbacks)' },
  { jsonSchema: 'object with properties', example: { type: 'object', properties: { camelCase: { type: 'string' } } }, raw: 'struct<camelcase:string>', curated: 'struct<camel_case:string>', note: 'undeclared extra properties are not catalogued' },
  { jsonSchema: 'object with properties and anyOf/oneOf branches that only list `required` ("at least one of")', example: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } }, required: ['a'], anyOf: [{ required: ['a'] }, { required: ['b'] }] }, raw: 'struct<a:string,b:bigint>', curated: 'struct<a:string,b:bigint>', note: 'branches without types, properties or items only constrain: the struct and nullability come from `properties`/`required`' },
  { jsonSchema: 'object with only additionalProperties: <schema>', example: { type: 'object', additionalProperties: { type: 'integer' } }, raw: 'map<string,bigint>', curated: 'map<string,bigint>', note: '' },
  { jsonSchema: 'array with items', example: { type: 'array', items: { type: 'string', format: 'date' } }, raw: 'array<string>', curated: 'array<date>', note: '' },
  { jsonSchema: 'array without items', example: { type: 'array' }, raw: 'array<string>', curated: 'array<string>', note: 'elements as JSON text' },
  { jsonSchema: 'anyOf/oneOf whose branches map to one type', example: { oneOf: [{ type: 'integer', minimum: 0, maximum: 9 }, { type: 'null' }] }, raw: 'int', curated: 'int', note: 'different types: see the fallbacks' },
  { jsonSchema: 'allOf of objects (and $refs to them): one struct', example: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'boolean' } } }] }, raw: 'struct<a:string,b:boolean>', curated: 'struct<a:string,b:boolean>', note: 'union of the properties (first-seen order) and of `required`; members that only constrain (`{"required": […]}`, `{"type": "object"}`) add no field; ajv validates the allOf as written' },
  { jsonSchema: 'allOf of scalar constraints', example: { allOf: [{ type: 'integer' }, { minimum: 0, maximum: 100 }] }, raw: 'int', curated: 'int', note: 'the members merged into one scalar schema: the types intersected, the tightest bounds' },
  { jsonSchema: 'local $ref (to an int32-bounded integer)', example: { $ref: '#/definitions/id' }, raw: 'int', curated: 'int', note: 'resolved in the same document (the example assumes `definitions.id`)' },
];

/** The fallbacks, one per row: documentation, lint warnings and test oracle. */
export const FALLBACK_RULES: readonly FallbackRule[] = [
  { id: 'mixed-union', jsonSchema: 'type union mixing object or array with other types (`["array","string"]`, `["string","object","null"]`)', example: { type: ['array', 'string', 'null'] }, mapsTo: 'p string', glue: '`string`: the JSON text of the value', warning: 'type union mixes objects or arrays with other types: stored as JSON text (string)' },
  { id: 'free-form', jsonSchema: 'free-form value: object without properties, schema without type (`{}`, `{"type":"object"}`, `true`)', example: { type: 'object' }, mapsTo: 'p string', glue: '`string`: the JSON text of the value', warning: 'free-form value: stored as JSON text (string)' },
  { id: 'branch-types', jsonSchema: 'anyOf/oneOf branches of different types (not all objects)', example: { anyOf: [{ type: 'string' }, { type: 'object', properties: { a: { type: 'string' } } }] }, mapsTo: 'p string', glue: 'numbers only: the widest of `int` < `bigint` < `double`; else `string` (JSON text)', warning: 'branches map to different Glue types: stored as the widest number type or as JSON text (string)' },
  { id: 'merged-branches', jsonSchema: 'anyOf/oneOf whose branches are objects of different shapes (also beside `properties`, and at the root)', example: { oneOf: [{ type: 'object', properties: { a: { type: 'string' }, n: { type: 'integer' } } }, { type: 'object', properties: { b: { type: 'boolean' }, n: { type: 'string' } } }] }, mapsTo: 'p struct<a:string,n:string,b:boolean>', glue: 'one `struct` with the union of the fields (first-seen order), all nullable; a field typed differently in two branches is `string` (JSON text)', warning: 'branches are objects of different shapes: merged into one struct (union of fields, all nullable, conflicting fields as JSON text)' },
  { id: 'pattern-properties', jsonSchema: 'object with only `patternProperties`', example: { type: 'object', patternProperties: { '^x_': { type: 'integer' } } }, mapsTo: 'p map<string,bigint>', glue: '`map<string,T>`, T the values\' type (different value types: as anyOf/oneOf)', warning: 'object with only patternProperties: mapped to map<string,T>' },
  { id: 'tuple-items', jsonSchema: 'tuple-form `items` (`"items": [ {…} ]`)', example: { type: 'array', items: [{ type: 'string' }] }, mapsTo: 'p array<string>', glue: '`array<T>` (several element schemas of different types: `array<string>`, JSON text)', warning: 'tuple-form items: mapped to array<T> (positions are not kept apart)' },
  { id: 'free-form-root', jsonSchema: 'root that declares no properties but admits any (`{}`, `{"type":"object"}`, `"properties": {}` without `additionalProperties: false`)', example: { type: 'object' }, root: true, mapsTo: '(no data columns)', glue: 'zero data columns, like `"properties": {}`; the raw `data` column keeps the JSON text', warning: 'the root declares no properties: zero data columns (raw data keeps the JSON text)' },
  { id: 'dynamic-root', jsonSchema: 'root with only `patternProperties` or a schema-valued `additionalProperties`', example: { type: 'object', patternProperties: { '^[a-z]+$': { type: 'string' } } }, root: true, mapsTo: '(no data columns)', glue: 'zero data columns; the raw `data` column keeps the JSON text (keys are data, not columns)', warning: 'the root has only dynamic keys: zero data columns (raw data keeps the JSON text)' },
  { id: 'nullable-root', jsonSchema: 'root typed `["object","null"]`', example: { type: ['object', 'null'], properties: { a: { type: 'string' } } }, root: true, mapsTo: 'a string', glue: 'as `"type": "object"` (an event is never null)', warning: 'the root admits null: mapped as an object' },
  { id: 'platform-name', jsonSchema: 'property whose curated name is a platform column (`event_id`, `eventId`, `event_time`, `schema_uri`, `arrival_time`, `dt`)', example: { type: 'object', properties: { eventId: { type: 'string' } } }, root: true, mapsTo: 'payload_event_id string', glue: 'curated column `payload_<name>`; the raw field keeps its name', warning: 'curated name is a platform column: renamed with the payload_ prefix' },
  { id: 'renamed-raw-field', jsonSchema: 'two keys whose raw names clash only through the SerDe mapping (`a-b` beside `a_b`, or a key named like a raw envelope column, e.g. `event-id`)', example: { type: 'object', properties: { 'a-b': { type: 'string' }, c: { type: 'object', properties: { a_b: { type: 'string' } } } } }, root: true, mapsTo: 'a_b string', glue: 'the mapped raw field takes a `_2`, `_3`… suffix', warning: 'raw name already used elsewhere: the SerDe-mapped field takes a numeric suffix' },
  { id: 'unknown-format', jsonSchema: 'a string `format` unknown to ajv and to Iglu', example: { type: 'string', format: 'camelCase' }, mapsTo: 'p string', glue: 'as without `format`; ajv does not check it (JSON Schema draft-04 §7.1: unknown formats may be ignored)', warning: 'unknown format: not validated' },
  { id: 'all-of-conflict', jsonSchema: 'allOf members that declare one property (or the value itself) with different Glue types', example: { allOf: [{ type: 'object', properties: { n: { type: 'integer' } } }, { type: 'object', properties: { n: { type: 'string' } } }] }, mapsTo: 'p struct<n:string>', glue: 'the property as `string` (JSON text); the other properties merged as usual', warning: 'allOf members declare different types: stored as JSON text (string)' },
  { id: 'unbounded-decimal', jsonSchema: '`number` with a decimal `multipleOf` step but without both bounds (or beyond 38 digits)', example: { type: 'number', multipleOf: 0.01, minimum: 0 }, mapsTo: 'p double', glue: '`double` (decimal steps are not exact in binary64)', warning: 'decimal multipleOf without both bounds: mapped to double (values may round)' },
];

/** Constructs that have no Glue mapping; each is a ContractError naming the URI and pointer. */
export const UNSUPPORTED_FEATURES: readonly string[] = [
  'an allOf member that is `false` (no value is valid)',
  'unresolvable $ref (local or iglu: in the same registry folder); $ref cycles',
  'an array root (an event is an object; wrap the array in a property)',
  'a root that is not an object',
  'two properties of one object whose names collide in a zone',
];

const MAX_DEPTH = 32;

/**
 * Glue column name of a JSON key in Glue style: camelCase → snake_case, lower case,
 * characters outside `[a-z0-9_]` → `_` (`deviceIDType` → `device_id_type`, `a-b` → `a_b`).
 */
export function glueColumnName(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

/** Raw-zone name of a JSON key: lower case (the JSON SerDe matches keys case-insensitively), other characters → `_`. */
export function rawColumnName(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** True when the SerDe needs a `mapping.<name>` to read `key` (the raw name is not the key lower-cased). */
const needsKeyMapping = (key: string): boolean => rawColumnName(key) !== key.toLowerCase();

interface Sink {
  readonly warnings: MappingWarning[];
  readonly errors: ContractError[];
  /** Every struct-field key met in the raw zone, with its nesting depth (for the SerDe key mappings). */
  readonly keys: { readonly key: string; readonly depth: number }[];
}

interface Ctx {
  readonly root: JsonObject;
  readonly refs: Readonly<Record<string, JsonObject>> | undefined;
  readonly where: string;
  readonly zone: LakeZone;
  readonly depth: number;
  readonly sink: Sink;
  /** Raw name of a key (the SerDe-mapped names decided by a first pass). */
  readonly rawName: (key: string) => string;
}

interface Field {
  readonly key: string;
  readonly pointer: string;
  readonly mapped: Mapped;
  readonly required: boolean;
  readonly comment?: string;
  /** True when the property's schema only constrains (no type, properties, items…): an allOf merge prefers another. */
  readonly shapeless?: boolean;
}

interface Mapped {
  readonly type: string;
  readonly nullable: boolean;
  /** The fields, when `type` is a struct built from properties (kept for merging branches). */
  readonly fields?: readonly Field[];
}

const STRING_NULLABLE: Mapped = { type: 'string', nullable: true };

function problem(ctx: Ctx, pointer: string, reason: string): Mapped {
  ctx.sink.errors.push(new ContractError(ctx.where, pointer, reason));
  return STRING_NULLABLE;
}

function warn(ctx: Ctx, rule: FallbackId, pointer: string, detail = ''): void {
  const text = FALLBACK_RULES.find((r) => r.id === rule)?.warning ?? rule;
  const message = detail === '' ? text : `${text} (${detail})`;
  if (!ctx.sink.warnings.some((w) => w.rule === rule && w.pointer === pointer)) ctx.sink.warnings.push({ rule, pointer, message });
}

const deeper = (ctx: Ctx): Ctx => ({ ...ctx, depth: ctx.depth + 1 });

function integerType(schema: JsonObject): string {
  // The tighter bound wins; for integers an exclusive bound x admits at most ceil(x) - 1 (or at least floor(x) + 1).
  const { lo, hi } = bounds(schema, true);
  return lo !== undefined && hi !== undefined && lo >= INT32_MIN && hi <= INT32_MAX ? 'int' : 'bigint';
}

/** The tightest lower and upper bounds a schema declares (exclusive ones included; for integers, moved inside). */
function bounds(schema: JsonObject, integer: boolean): { lo?: number; hi?: number } {
  const num = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
  const exLo = num(schema.exclusiveMinimum);
  const exHi = num(schema.exclusiveMaximum);
  const los = [num(schema.minimum), exLo === undefined ? undefined : integer ? Math.floor(exLo) + 1 : exLo].filter((v): v is number => v !== undefined);
  const his = [num(schema.maximum), exHi === undefined ? undefined : integer ? Math.ceil(exHi) - 1 : exHi].filter((v): v is number => v !== undefined);
  return { ...(los.length > 0 ? { lo: Math.max(...los) } : {}), ...(his.length > 0 ? { hi: Math.min(...his) } : {}) };
}

/** Decimal places of a number's shortest decimal text (`0.01` → 2, `1e-7` → 7, `5` → 0). */
function decimalPlaces(n: number): number {
  const [mantissa, exp] = Math.abs(n).toExponential().split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  return Math.max(0, fraction.length - Number(exp));
}

/** True when `n` is a dyadic rational with a small denominator (its multiples are exact in binary64: 0.5, 0.25…). */
function isBinaryFraction(n: number): boolean {
  for (let k = 0; k <= 10; k += 1) if (Number.isInteger(n * 2 ** k)) return true;
  return false;
}

/**
 * `number`: `double`, or `decimal(p,s)` when `multipleOf` is a decimal step that binary64 cannot represent
 * exactly (0.01, 0.05, 0.1…): scale `s` = the step's decimal places, precision `p` = `s` + the integer digits of
 * the larger absolute bound. Without both bounds (or beyond 38 digits): `double` with a warning.
 */
function numberType(schema: JsonObject, pointer: string, ctx: Ctx): string {
  const step = schema.multipleOf;
  if (typeof step !== 'number' || step <= 0 || isBinaryFraction(step)) return 'double';
  const scale = decimalPlaces(step);
  const { lo, hi } = bounds(schema, false);
  if (lo === undefined || hi === undefined) {
    warn(ctx, 'unbounded-decimal', joinPointer(pointer, 'multipleOf'), `multipleOf ${step}`);
    return 'double';
  }
  const largest = Math.max(Math.abs(lo), Math.abs(hi));
  const intDigits = Math.max(1, Math.floor(largest).toString().length);
  const precision = scale + intDigits;
  if (precision > DECIMAL_MAX_PRECISION || !Number.isSafeInteger(Math.floor(largest))) {
    warn(ctx, 'unbounded-decimal', joinPointer(pointer, 'multipleOf'), `decimal(${precision},${scale}) exceeds ${DECIMAL_MAX_PRECISION} digits`);
    return 'double';
  }
  return `decimal(${precision},${scale})`;
}

function enumType(values: readonly JsonValue[]): Mapped {
  const nonNull = values.filter((v) => v !== null);
  const nullable = nonNull.length < values.length;
  if (nonNull.length > 0 && nonNull.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    const nums = nonNull as number[];
    return { type: integerType({ minimum: Math.min(...nums), maximum: Math.max(...nums) }), nullable };
  }
  if (nonNull.length > 0 && nonNull.every((v) => typeof v === 'number')) return { type: 'double', nullable };
  if (nonNull.length > 0 && nonNull.every((v) => typeof v === 'boolean')) return { type: 'boolean', nullable };
  return { type: 'string', nullable };
}

function commentOf(sub: JsonValue): string | undefined {
  const description = isJsonObject(sub) && typeof sub.description === 'string' ? sub.description.trim() : '';
  if (description === '') return undefined;
  return description.length > GLUE_COMMENT_MAX ? `${description.slice(0, GLUE_COMMENT_MAX - 1)}…` : description;
}

function fieldsOf(schema: JsonObject, pointer: string, ctx: Ctx): Field[] {
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(props).map(([key, sub]) => {
    const at = joinPointer(pointer, 'properties', key);
    const comment = commentOf(sub);
    return { key, pointer: at, mapped: mapSchema(sub, at, deeper(ctx)), required: required.has(key), ...(comment === undefined ? {} : { comment }), ...(hasShape(sub) ? {} : { shapeless: true }) };
  });
}

/** Zone names of fields, with clash detection; records raw keys for the SerDe mappings. */
function nameFields(fields: readonly Field[], ctx: Ctx): { field: Field; name: string }[] {
  const seen = new Map<string, string>();
  return fields.map((field) => {
    if (ctx.zone === 'raw') ctx.sink.keys.push({ key: field.key, depth: field.pointer.split('/properties/').length });
    const name = ctx.zone === 'raw' ? ctx.rawName(field.key) : glueColumnName(field.key);
    if (name === '') problem(ctx, field.pointer, `property "${field.key}" has no usable Glue column name`);
    const clash = seen.get(name);
    if (clash !== undefined) problem(ctx, field.pointer, `column name "${name}" collides with the property at ${clash}`);
    seen.set(name, field.pointer);
    return { field, name };
  });
}

function structOf(fields: readonly Field[], ctx: Ctx): Mapped {
  return { type: `struct<${nameFields(fields, ctx).map(({ field, name }) => `${name}:${field.mapped.type}`).join(',')}>`, nullable: false, fields };
}

const NUMERIC_ORDER = ['int', 'bigint', 'double'];

/**
 * One type for several alternatives (anyOf/oneOf branches, pattern values, tuple elements): the common type;
 * for structs, the merged struct; for numbers, the widest; otherwise JSON text. Warns with `rule` when it had to
 * merge or widen.
 */
function combine(alternatives: readonly Mapped[], pointer: string, ctx: Ctx, rules: { readonly merged: FallbackId; readonly mixed: FallbackId }): Mapped {
  const nullable = alternatives.some((m) => m.nullable);
  const types = [...new Set(alternatives.map((m) => m.type))];
  if (types.length === 0) return STRING_NULLABLE;
  if (types.length === 1) return { ...alternatives[0], nullable };
  if (alternatives.every((m) => m.fields !== undefined)) {
    warn(ctx, rules.merged, pointer);
    const byKey = new Map<string, Field[]>();
    for (const m of alternatives) for (const f of m.fields ?? []) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
    const fields: Field[] = [...byKey.values()].map((same) => {
      const fieldTypes = new Set(same.map((f) => f.mapped.type));
      const mapped: Mapped = fieldTypes.size === 1 ? { ...same[0].mapped, nullable: true } : STRING_NULLABLE;
      return { ...same[0], mapped, required: false };
    });
    return { ...structOf(fields, ctx), nullable };
  }
  warn(ctx, rules.mixed, pointer, types.join(' | '));
  if (types.every((t) => NUMERIC_ORDER.includes(t))) return { type: NUMERIC_ORDER[Math.max(...types.map((t) => NUMERIC_ORDER.indexOf(t)))], nullable };
  return { type: 'string', nullable };
}

/** Keywords that give a schema its shape; a subschema without any of them only constrains (e.g. `{required: [...]}`). */
const SHAPE_KEYWORDS = ['type', 'properties', 'patternProperties', 'additionalProperties', 'items', 'enum', 'const', '$ref', 'anyOf', 'oneOf', 'allOf'];
const hasShape = (node: JsonValue): boolean =>
  typeof node === 'boolean' ? false : isJsonObject(node) && SHAPE_KEYWORDS.some((k) => k in node && !(k === 'additionalProperties' && typeof node[k] === 'boolean'));
const isNullSchema = (node: JsonValue): boolean => isJsonObject(node) && (node.type === 'null' || (Array.isArray(node.enum) && node.enum.length === 1 && node.enum[0] === null));

function objectType(schema: JsonObject, pointer: string, ctx: Ctx): Mapped {
  const hasProps = isJsonObject(schema.properties) && Object.keys(schema.properties).length > 0;
  if (hasProps) return structOf(fieldsOf(schema, pointer, ctx), ctx);
  const patterns = isJsonObject(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
  if (patterns.length > 0) {
    warn(ctx, 'pattern-properties', joinPointer(pointer, 'patternProperties'));
    const values = patterns.map(([p, sub]) => mapSchema(sub, joinPointer(pointer, 'patternProperties', p), deeper(ctx)));
    if (isJsonObject(schema.additionalProperties)) values.push(mapSchema(schema.additionalProperties, joinPointer(pointer, 'additionalProperties'), deeper(ctx)));
    return { type: `map<string,${combine(values, joinPointer(pointer, 'patternProperties'), ctx, { merged: 'merged-branches', mixed: 'branch-types' }).type}>`, nullable: false };
  }
  if (isJsonObject(schema.additionalProperties)) {
    return { type: `map<string,${mapSchema(schema.additionalProperties, joinPointer(pointer, 'additionalProperties'), deeper(ctx)).type}>`, nullable: false };
  }
  // An object that admits no key at all is always `{}`: its text is exact. Anything else is free-form.
  if (schema.additionalProperties !== false) warn(ctx, 'free-form', pointer);
  return { type: 'string', nullable: false };
}

function arrayType(schema: JsonObject, pointer: string, ctx: Ctx): string {
  const items = schema.items;
  if (Array.isArray(items)) {
    warn(ctx, 'tuple-items', joinPointer(pointer, 'items'));
    if (items.length === 0) return 'array<string>';
    const elements = items.map((it, i) => mapSchema(it, joinPointer(pointer, 'items', i), deeper(ctx)));
    const one = combine(elements, joinPointer(pointer, 'items'), ctx, { merged: 'merged-branches', mixed: 'branch-types' });
    return `array<${one.type}>`;
  }
  if (items === undefined || typeof items === 'boolean') return 'array<string>';
  return `array<${mapSchema(items, joinPointer(pointer, 'items'), deeper(ctx)).type}>`;
}

function scalarOrContainer(t: string, schema: JsonObject, pointer: string, ctx: Ctx): Mapped {
  switch (t) {
    case 'string':
      if (ctx.zone === 'curated' && schema.format === 'date-time') return { type: 'timestamp', nullable: false };
      if (ctx.zone === 'curated' && schema.format === 'date') return { type: 'date', nullable: false };
      return { type: 'string', nullable: false };
    case 'integer':
      return { type: integerType(schema), nullable: false };
    case 'number':
      return { type: numberType(schema, pointer, ctx), nullable: false };
    case 'boolean':
      return { type: 'boolean', nullable: false };
    case 'object':
      return objectType(schema, pointer, ctx);
    case 'array':
      return { type: arrayType(schema, pointer, ctx), nullable: false };
    default:
      return problem(ctx, joinPointer(pointer, 'type'), `unknown JSON Schema type ${JSON.stringify(t)}`);
  }
}

/** The node's own mapping, its anyOf/oneOf aside. */
function ownMapping(node: JsonObject, pointer: string, ctx: Ctx): Mapped {
  const declared = typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type.filter((t): t is string => typeof t === 'string') : undefined;
  const enumNullable = Array.isArray(node.enum) && node.enum.includes(null);
  if (declared === undefined) {
    if (Array.isArray(node.enum)) return enumType(node.enum);
    if ('const' in node) return enumType([node.const]);
    if (isJsonObject(node.properties) || isJsonObject(node.additionalProperties) || isJsonObject(node.patternProperties)) return objectType(node, pointer, ctx);
    warn(ctx, 'free-form', pointer);
    return STRING_NULLABLE;
  }
  const nonNull = declared.filter((t) => t !== 'null');
  const nullable = nonNull.length < declared.length || enumNullable;
  if (nonNull.length === 0) return STRING_NULLABLE;
  if (nonNull.length === 1) {
    const m = scalarOrContainer(nonNull[0], node, pointer, ctx);
    return { ...m, nullable: m.nullable || nullable };
  }
  if (nonNull.some((t) => t === 'object' || t === 'array')) {
    warn(ctx, 'mixed-union', joinPointer(pointer, 'type'), JSON.stringify(declared));
    return { type: 'string', nullable };
  }
  if (nonNull.every((t) => t === 'integer' || t === 'number')) return { type: 'double', nullable };
  return { type: 'string', nullable };
}

function resolveRef(ref: string, pointer: string, ctx: Ctx): Mapped {
  try {
    if (isIgluRef(ref)) {
      const target = resolveIgluRef(ctx.refs, ref, ctx.where, pointer);
      return mapSchema(target.schema, pointer, { ...deeper(ctx), root: target.root });
    }
    if (!ref.startsWith('#')) {
      return problem(ctx, pointer, `$ref "${ref}" is neither local ("#/…") nor an iglu: URI of the same registry folder`);
    }
    const target = resolveLocalRef(ctx.root, ref, ctx.where, pointer);
    return mapSchema(target.schema, target.pointer, deeper(ctx));
  } catch (e) {
    if (e instanceof ContractError) {
      ctx.sink.errors.push(e);
      return STRING_NULLABLE;
    }
    throw e;
  }
}

function mapSchema(node: JsonValue, pointer: string, ctx: Ctx): Mapped {
  if (ctx.depth > MAX_DEPTH) return problem(ctx, pointer, `nesting deeper than ${MAX_DEPTH} levels (recursive $ref?)`);
  if (typeof node === 'boolean') {
    if (node) warn(ctx, 'free-form', pointer);
    return STRING_NULLABLE;
  }
  if (!isJsonObject(node)) return problem(ctx, pointer, 'expected a schema object');
  if (typeof node.format === 'string' && !KNOWN_STRING_FORMATS.includes(node.format)) warn(ctx, 'unknown-format', joinPointer(pointer, 'format'), `"${node.format}"`);
  if (typeof node.$ref === 'string') return resolveRef(node.$ref, pointer, ctx);
  if (Array.isArray(node.allOf)) return mapAllOf(node, pointer, ctx);
  const kw = (['anyOf', 'oneOf'] as const).find((k) => Array.isArray(node[k]));
  const branches = kw === undefined ? [] : (node[kw] as JsonValue[]);
  const anyShaped = branches.some((b) => !isNullSchema(b) && hasShape(b));
  // `{"type": "object", "oneOf": [shapes…]}`: the type alone says nothing the branches do not; only they shape it.
  const declared = typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type : [];
  const typeOnlyObject =
    declared.length > 0 && declared.every((t) => t === 'object' || t === 'null') && !['properties', 'patternProperties', 'items', 'enum', 'const'].some((k) => k in node) && !isJsonObject(node.additionalProperties);
  const own = (['type', 'properties', 'patternProperties', 'additionalProperties', 'items', 'enum', 'const'] as const).some((k) => k in node && !(k === 'additionalProperties' && typeof node[k] === 'boolean')) && !(anyShaped && typeOnlyObject)
    ? ownMapping(node, pointer, ctx)
    : undefined;
  if (kw !== undefined) {
    const nullBranch = branches.some(isNullSchema) || (typeOnlyObject && declared.includes('null'));
    // Branches without shape (e.g. `{required: [...]}`: "at least one of") only constrain the node's own shape.
    const shaped = branches.map((b, i) => ({ b, i })).filter(({ b }) => !isNullSchema(b) && hasShape(b));
    if (shaped.length === 0) {
      const base = own ?? freeForm(ctx, pointer);
      return { ...base, nullable: base.nullable || nullBranch };
    }
    const mapped = shaped.map(({ b, i }) => mapSchema(b, joinPointer(pointer, kw, i), deeper(ctx)));
    // Branches that only restate properties the node declares (same key, same type) add nothing: the node's own struct.
    const ownFields = own?.fields;
    if (own !== undefined && ownFields !== undefined && mapped.every((m) => (m.fields ?? []).length > 0 && (m.fields ?? []).every((f) => ownFields.some((o) => o.key === f.key && o.mapped.type === f.mapped.type)))) {
      return { ...own, nullable: own.nullable || nullBranch };
    }
    const alternatives = own === undefined ? mapped : own.fields !== undefined && mapped.every((m) => m.fields !== undefined) ? [own, ...mapped] : mapped;
    const one = combine(alternatives, joinPointer(pointer, kw), ctx, { merged: 'merged-branches', mixed: 'branch-types' });
    const keepOwnRequired = own?.fields !== undefined && one.fields !== undefined ? mergeKeepingRequired(own, one, ctx) : one;
    return { ...keepOwnRequired, nullable: keepOwnRequired.nullable || nullBranch || (own?.nullable ?? false) };
  }
  return own ?? freeForm(ctx, pointer);
}

/** Keywords that give a member of an allOf a structure of its own (beyond a type and scalar constraints). */
const STRUCTURE_KEYWORDS = ['properties', 'patternProperties', 'items', 'anyOf', 'oneOf', 'allOf', '$ref'];
const isStructural = (node: JsonValue): boolean =>
  isJsonObject(node) && (STRUCTURE_KEYWORDS.some((k) => k in node) || isJsonObject(node.additionalProperties));
const declaredTypes = (node: JsonObject): string[] | undefined =>
  typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type.filter((t): t is string => typeof t === 'string') : undefined;

/**
 * `allOf` (an instance satisfies every member; ajv validates it as written). The node's own keywords beside
 * `allOf` count as one more member. Members with structure (properties, items, `$ref`…) are mapped and merged:
 * structs into one struct (union of the fields in first-seen order, a field required when any member requires it,
 * nullable only when every member's field is); a field typed differently by two members, or members that map to
 * different types, → `string` with the `all-of-conflict` warning. Members without structure (`{"type":
 * "string"}`, `{"maxLength": 5}`, `{"required": [...]}`) only constrain: without any structural member they are
 * merged into one scalar schema (types intersected, tightest bounds) and mapped.
 */
function mapAllOf(node: JsonObject, pointer: string, ctx: Ctx): Mapped {
  const at = joinPointer(pointer, 'allOf');
  const { allOf, ...ownKeywords } = node;
  const members: { schema: JsonValue; pointer: string }[] = [
    ...(Object.keys(ownKeywords).some((k) => !['description', 'title', '$comment', 'examples', 'default', 'definitions', '$defs', 'self', '$schema', 'id', '$id'].includes(k))
      ? [{ schema: ownKeywords as JsonValue, pointer }]
      : []),
    ...(allOf as JsonValue[]).map((schema, i) => ({ schema, pointer: joinPointer(at, i) })),
  ];
  if (members.some((m) => m.schema === false)) return problem(ctx, at, 'an allOf member is false: no value is valid');
  const objects = members.filter((m): m is { schema: JsonObject; pointer: string } => isJsonObject(m.schema));
  const structural = objects.filter((m) => isStructural(m.schema));
  const constraints = objects.filter((m) => !isStructural(m.schema));
  const admitsNull = constraints.every((m) => {
    const t = declaredTypes(m.schema);
    return t === undefined || t.includes('null');
  });
  const requiredKeys = new Set(objects.flatMap((m) => (Array.isArray(m.schema.required) ? m.schema.required.filter((r): r is string => typeof r === 'string') : [])));
  if (structural.length === 0) {
    return mapSchema(mergeScalarConstraints(constraints.map((m) => m.schema)), pointer, deeper(ctx));
  }
  const mapped = structural.map((m) => mapSchema(m.schema, m.pointer, deeper(ctx)));
  const nullable = mapped.every((m) => m.nullable) && admitsNull;
  if (mapped.every((m) => m.fields !== undefined)) {
    const byKey = new Map<string, Field[]>();
    for (const m of mapped) for (const f of m.fields ?? []) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
    const fields = [...byKey.entries()].map(([key, same]): Field => {
      const shaped = same.filter((f) => f.shapeless !== true);
      const candidates = shaped.length > 0 ? shaped : same;
      // A member that only constrains a property another member types (`{"maxLength": 3}`) is not free-form here.
      for (const dropped of shaped.length > 0 ? same.filter((f) => f.shapeless === true) : []) {
        const i = ctx.sink.warnings.findIndex((w) => w.rule === 'free-form' && w.pointer === dropped.pointer);
        if (i >= 0) ctx.sink.warnings.splice(i, 1);
      }
      const types = [...new Set(candidates.map((f) => f.mapped.type))];
      const required = requiredKeys.has(key) || same.some((f) => f.required);
      if (types.length > 1) {
        warn(ctx, 'all-of-conflict', candidates[1].pointer, `"${key}": ${types.join(' | ')}`);
        return { ...candidates[0], mapped: STRING_NULLABLE, required };
      }
      return { ...candidates[0], mapped: { ...candidates[0].mapped, nullable: candidates.every((f) => f.mapped.nullable) }, required };
    });
    return { ...structOf(fields, ctx), nullable };
  }
  const types = [...new Set(mapped.map((m) => m.type))];
  if (types.length === 1) return { ...mapped[0], nullable };
  warn(ctx, 'all-of-conflict', at, types.join(' | '));
  return { type: 'string', nullable };
}

/**
 * allOf members that only constrain a scalar, as one schema: `type` intersected (integer within number), the
 * tightest `minimum`/`maximum` (exclusive ones too), the first `format`, `multipleOf`, `enum`/`const`. Pure.
 */
function mergeScalarConstraints(schemas: readonly JsonObject[]): JsonObject {
  const merged: JsonObject = {};
  for (const s of schemas) {
    for (const [k, v] of Object.entries(s)) {
      if (k === 'type') continue;
      const prev = merged[k];
      if (prev === undefined) merged[k] = v;
      else if ((k === 'minimum' || k === 'exclusiveMinimum') && typeof v === 'number' && typeof prev === 'number') merged[k] = Math.max(prev, v);
      else if ((k === 'maximum' || k === 'exclusiveMaximum') && typeof v === 'number' && typeof prev === 'number') merged[k] = Math.min(prev, v);
    }
  }
  const typed = schemas.map(declaredTypes).filter((t): t is string[] => t !== undefined);
  if (typed.length > 0) {
    const inAll = (t: string): boolean => typed.every((ts) => ts.includes(t) || (t === 'integer' && ts.includes('number')));
    const candidates = [...new Set(typed.flat())].filter(inAll);
    // Nothing in common: no value is valid; keep the first member's types (ajv rejects every value anyway).
    merged.type = candidates.length === 0 ? typed[0] : candidates.length === 1 ? candidates[0] : candidates;
  }
  return merged;
}

function freeForm(ctx: Ctx, pointer: string): Mapped {
  warn(ctx, 'free-form', pointer);
  return STRING_NULLABLE;
}

/** A merged struct whose fields declared (and required) by the node's own `properties` keep their nullability. */
function mergeKeepingRequired(own: Mapped, merged: Mapped, ctx: Ctx): Mapped {
  const ownByKey = new Map((own.fields ?? []).map((f) => [f.key, f]));
  const fields = (merged.fields ?? []).map((f) => {
    const o = ownByKey.get(f.key);
    return o !== undefined && o.required && o.mapped.type === f.mapped.type ? { ...f, mapped: o.mapped, required: true } : f;
  });
  return { ...structOf(fields, ctx), nullable: merged.nullable };
}

/**
 * The top-level fields of a contract (zone-independent shape): root properties, merged root anyOf/oneOf
 * object branches, or none (empty or dynamic roots).
 */
function rootFields(ctx: Ctx): Field[] {
  const root = ctx.root;
  const types = typeof root.type === 'string' ? [root.type] : Array.isArray(root.type) ? root.type.filter((t): t is string => typeof t === 'string') : [];
  const nonNull = types.filter((t) => t !== 'null');
  if (nonNull.length > 0 && !(nonNull.length === 1 && nonNull[0] === 'object')) {
    problem(
      ctx,
      '/type',
      nonNull.includes('array') && !nonNull.includes('object')
        ? 'an array root is not an event: a contract describes one JSON object (wrap the array in a property)'
        : 'the root of a contract must be {"type": "object", "properties": {…}} to map to Glue columns',
    );
    return [];
  }
  if (types.includes('null')) warn(ctx, 'nullable-root', '/type');
  const hasProps = isJsonObject(root.properties) && Object.keys(root.properties).length > 0;
  const hasBranches = ['anyOf', 'oneOf'].some((kw) => Array.isArray(root[kw]) && (root[kw] as JsonValue[]).some((b) => !isNullSchema(b) && hasShape(b)));
  if (hasProps || hasBranches || typeof root.$ref === 'string' || Array.isArray(root.allOf)) {
    const { type: _type, ...objectRoot } = root;
    const mapped = mapSchema(objectRoot, '', ctx);
    if (mapped.fields !== undefined) return [...mapped.fields];
    if (ctx.sink.errors.length === 0) problem(ctx, '', 'the root of a contract must be {"type": "object", "properties": {…}} to map to Glue columns');
    return [];
  }
  const dynamic = (isJsonObject(root.patternProperties) && Object.keys(root.patternProperties).length > 0) || isJsonObject(root.additionalProperties);
  if (dynamic) warn(ctx, 'dynamic-root', '');
  else if (root.additionalProperties !== false) warn(ctx, 'free-form-root', '');
  return [];
}

function columnsOf(fields: readonly Field[], ctx: Ctx): GlueColumn[] {
  const named = nameFields(fields, ctx).map(({ field, name }) => {
    if (ctx.zone === 'curated' && RESERVED_CURATED_COLUMNS.includes(name)) {
      warn(ctx, 'platform-name', field.pointer, `"${name}" → "${PLATFORM_NAME_PREFIX}${name}"`);
      return { field, name: `${PLATFORM_NAME_PREFIX}${name}` };
    }
    return { field, name };
  });
  const seen = new Map<string, string>();
  for (const { field, name } of named) {
    const clash = seen.get(name);
    if (clash !== undefined && ctx.zone === 'curated') problem(ctx, field.pointer, `column name "${name}" collides with the property at ${clash}`);
    seen.set(name, field.pointer);
  }
  return named.map(({ field, name }) => ({
    name,
    type: field.mapped.type,
    ...(field.comment === undefined ? {} : { comment: field.comment }),
    sourcePointer: field.pointer,
    jsonKey: field.key,
    nullable: field.mapped.nullable || !field.required,
  }));
}

function newCtx(contract: Contract, zone: LakeZone, sink: Sink, rawName: (key: string) => string): Ctx {
  return { root: contract.schema, refs: contract.refs, where: contract.id, zone, depth: 0, sink, rawName };
}

/**
 * SerDe key mappings from every raw key met: a key needing one ({@link needsKeyMapping}) takes its raw name
 * unless a plain key, an envelope column or an earlier mapped key already holds it; then `_2`, `_3`…
 */
function assignRawNames(found: Sink['keys']): { names: Map<string, string>; mappings: Record<string, string>; renamed: string[] } {
  // Outer keys first (a stable sort keeps document order within a level): top-level columns keep plain names.
  const keys = [...found].sort((a, b) => a.depth - b.depth).map((k) => k.key);
  const taken = new Set<string>([...RAW_ENVELOPE_COLUMNS, ...keys.filter((k) => !needsKeyMapping(k)).map((k) => k.toLowerCase())]);
  const names = new Map<string, string>();
  const mappings: Record<string, string> = {};
  const renamed: string[] = [];
  for (const key of keys) {
    const id = key.toLowerCase();
    if (!needsKeyMapping(key) || names.has(id)) continue;
    const base = rawColumnName(key);
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
    if (name !== base) renamed.push(key);
    taken.add(name);
    names.set(id, name);
    mappings[name] = key;
  }
  return { names, mappings, renamed };
}

/**
 * Map a contract to Glue columns in both zones, collecting every problem and every fallback applied.
 * Pure; never throws for contract content (problems are in {@link ContractMapping.errors}).
 */
export function mapContract(contract: Contract): ContractMapping {
  // Pass 1 (raw): meet every key, so SerDe-mapped names avoid every plain name of the contract.
  const probe: Sink = { warnings: [], errors: [], keys: [] };
  rootFields(newCtx(contract, 'raw', probe, rawColumnName));
  const { names, mappings, renamed } = assignRawNames(probe.keys);
  const rawName = (key: string): string => names.get(key.toLowerCase()) ?? rawColumnName(key);

  const sink: Sink = { warnings: [], errors: [], keys: [] };
  const rawCtx = newCtx(contract, 'raw', sink, rawName);
  const rawColumns = columnsOf(rootFields(rawCtx), rawCtx);
  const curatedCtx = newCtx(contract, 'curated', sink, rawName);
  const columns = columnsOf(rootFields(curatedCtx), curatedCtx);
  for (const key of renamed) warn(rawCtx, 'renamed-raw-field', '', `"${key}" reads as "${rawName(key)}"`);
  const errors = dedupeErrors(sink.errors);
  // Only fields the raw table has (a branch merged into JSON text drops the fields it had).
  const fieldNames = new Set([...rawColumns.map((c) => c.name), ...rawColumns.flatMap((c) => [...c.type.matchAll(/[<,]([a-z0-9_]+):/g)].map((m) => m[1]))]);
  return {
    columns: errors.length === 0 ? columns : [],
    rawColumns: errors.length === 0 ? rawColumns : [],
    rawKeyMappings: Object.fromEntries(Object.entries(mappings).filter(([name]) => fieldNames.has(name))),
    warnings: sink.warnings,
    errors,
  };
}

function dedupeErrors(errors: readonly ContractError[]): ContractError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}

/** `<uri> at <pointer>: <message> [<rule>]`, one line per warning (the lint output). */
export function formatMappingWarning(uri: string, w: MappingWarning): string {
  return `${uri}${w.pointer === '' ? '' : ` at ${w.pointer}`}: ${w.message} [${w.rule}]`;
}

/**
 * Glue type of one (sub)schema of a contract.
 * @param contract - the contract (for `$ref` resolution and errors)
 * @param pointer - JSON pointer of the subschema, `''` for the root
 * @throws ContractError (contract URI + pointer) for the first unsupported construct, see {@link UNSUPPORTED_FEATURES}
 */
export function glueTypeAt(contract: Contract, pointer: string, opts: GlueMappingOptions): { type: string; nullable: boolean } {
  const sink: Sink = { warnings: [], errors: [], keys: [] };
  const ctx = newCtx(contract, opts.zone, sink, rawColumnName);
  const node = pointer === '' ? contract.schema : resolveLocalRef(contract.schema, `#${pointer}`, contract.id, pointer).schema;
  const mapped = mapSchema(node, pointer, ctx);
  if (sink.errors.length > 0) throw sink.errors[0];
  return { type: mapped.type, nullable: mapped.nullable };
}

/**
 * The Glue columns of a contract's top-level properties, in declaration order (see {@link mapContract}, which
 * also returns the fallbacks applied). In the curated zone they sit beside the platform columns
 * ({@link RESERVED_CURATED_COLUMNS}; a property of that name is renamed `payload_<name>`); in the raw zone they
 * are the fields of the `data` struct.
 * @throws ContractError (contract URI + pointer) for the first problem: two properties map to the same column
 *   name, or a construct is unsupported ({@link UNSUPPORTED_FEATURES})
 */
export function contractColumns(contract: Contract, opts: GlueMappingOptions): readonly GlueColumn[] {
  const mapping = mapContract(contract);
  if (mapping.errors.length > 0) throw mapping.errors[0];
  return opts.zone === 'raw' ? mapping.rawColumns : mapping.columns;
}

/**
 * `struct<…>` of a contract's columns: the type of the raw table's `data` column. A contract
 * without properties (events that carry no data, common in Iglu Central) gives `string`, because
 * Hive DDL has no empty `struct<>`.
 * @throws ContractError as {@link contractColumns}
 */
export function contractStructType(contract: Contract, opts: GlueMappingOptions): string {
  const cols = contractColumns(contract, opts);
  return cols.length === 0 ? 'string' : `struct<${cols.map((c) => `${c.name}:${c.type}`).join(',')}>`;
}

/**
 * Render {@link GLUE_TYPE_RULES} as a Markdown table (for the README).
 */
export function renderGlueTypeRulesMarkdown(): string {
  const rows = GLUE_TYPE_RULES.map((r) => `| ${r.jsonSchema} | \`${r.raw}\` | \`${r.curated}\` | ${r.note} |`);
  return ['| JSON Schema | raw zone | curated zone | note |', '|---|---|---|---|', ...rows].join('\n');
}

/** Render {@link FALLBACK_RULES} as a Markdown table (for the README): construct → Glue mapping → lint warning. */
export function renderFallbackRulesMarkdown(): string {
  const rows = FALLBACK_RULES.map((r) => `| ${r.jsonSchema} | ${r.glue} | \`${r.id}\`: ${r.warning} |`);
  return ['| JSON Schema construct | Glue mapping | lint warning |', '|---|---|---|', ...rows].join('\n');
}
