/**
 * JSON Schema (draft-04/07 as used by Iglu) → AWS Glue Data Catalog column types.
 *
 * Glue/Athena types and names follow the AWS docs:
 * - Athena "Data types in Amazon Athena" (https://docs.aws.amazon.com/athena/latest/ug/data-types.html):
 *   `boolean`, `int` (32-bit signed), `bigint` (64-bit signed), `double`, `string`, `date`,
 *   `timestamp`, `array<T>`, `map<K,V>`, `struct<name:T,…>`;
 * - Athena "Names for tables, databases, and columns"
 *   (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html): lower case,
 *   letters, digits and underscore only;
 * - Glue API `Column` (https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html): `Comment`
 *   at most 255 characters.
 *
 * The rules, one row each, are {@link GLUE_TYPE_RULES}; the README and the tests read that table.
 *
 * Naming per zone. Curated columns are written by SQL, so they take Glue-style names
 * (camelCase → snake_case). Raw tables read the JSON lines with the OpenX JSON SerDe, which matches
 * JSON keys to column and struct-field names case-insensitively but cannot rename nested fields:
 * raw names are therefore the JSON key lower-cased (`osType` → `ostype`), so the data is actually
 * readable; the curated SQL maps `data.ostype AS os_type`. Both come with `sourcePointer`.
 */
import { ContractError, joinPointer } from './contract-error';
import { Contract, JsonObject, JsonValue, isJsonObject, resolveLocalRef } from './contract';

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

/** Signed 32-bit range of Glue `int`. */
export const INT32_MIN = -(2 ** 31);
/** @see INT32_MIN */
export const INT32_MAX = 2 ** 31 - 1;
/** Glue's maximum column comment length, in characters. */
export const GLUE_COMMENT_MAX = 255;
/** Curated columns the platform adds around the contract's columns (cross-team conventions). */
export const RESERVED_CURATED_COLUMNS: readonly string[] = ['event_id', 'event_time', 'schema_uri', 'arrival_time', 'dt'];

/** The mapping, one rule per row; documentation and test oracle. */
export const GLUE_TYPE_RULES: readonly GlueTypeRule[] = [
  { jsonSchema: 'string', example: { type: 'string' }, raw: 'string', curated: 'string', note: 'maxLength etc. are not enforced by Glue' },
  { jsonSchema: 'string, format date-time', example: { type: 'string', format: 'date-time' }, raw: 'string', curated: 'timestamp', note: 'raw keeps the producer text; curated parses it (RFC 3339)' },
  { jsonSchema: 'string, format date', example: { type: 'string', format: 'date' }, raw: 'string', curated: 'date', note: 'raw keeps the text' },
  { jsonSchema: 'string, other formats (uuid, uri, email…)', example: { type: 'string', format: 'uuid' }, raw: 'string', curated: 'string', note: '' },
  { jsonSchema: 'integer with minimum ≥ -2^31 and maximum ≤ 2^31-1', example: { type: 'integer', minimum: 0, maximum: 65535 }, raw: 'int', curated: 'int', note: 'both bounds needed (exclusive bounds count too)' },
  { jsonSchema: 'integer, unbounded or beyond int32', example: { type: 'integer', minimum: 0 }, raw: 'bigint', curated: 'bigint', note: 'values beyond 64 bits cannot be stored' },
  { jsonSchema: 'number', example: { type: 'number', minimum: 0.5, maximum: 5 }, raw: 'double', curated: 'double', note: 'IEEE 754 binary64, as JSON parsers read it' },
  { jsonSchema: 'boolean', example: { type: 'boolean' }, raw: 'boolean', curated: 'boolean', note: '' },
  { jsonSchema: 'enum of strings', example: { enum: ['wifi', 'mobile'] }, raw: 'string', curated: 'string', note: 'type inferred from the values when `type` is absent' },
  { jsonSchema: 'enum of mixed values', example: { enum: ['a', 1, true] }, raw: 'string', curated: 'string', note: 'the JSON SerDe reads scalars as text' },
  { jsonSchema: 'enum of integers', example: { enum: [1, 2, 3] }, raw: 'int', curated: 'int', note: 'bounded by the values' },
  { jsonSchema: 'nullable union ["T","null"] (or null in enum)', example: { type: ['integer', 'null'], minimum: 0, maximum: 100 }, raw: 'int', curated: 'int', note: 'nullable = true' },
  { jsonSchema: 'union of several scalar types', example: { type: ['string', 'number'] }, raw: 'string', curated: 'string', note: 'text of the JSON value; objects/arrays in a union are an error' },
  { jsonSchema: 'object with properties', example: { type: 'object', properties: { camelCase: { type: 'string' } } }, raw: 'struct<camelcase:string>', curated: 'struct<camel_case:string>', note: 'undeclared extra properties are not catalogued' },
  { jsonSchema: 'object with only additionalProperties: <schema>', example: { type: 'object', additionalProperties: { type: 'integer' } }, raw: 'map<string,bigint>', curated: 'map<string,bigint>', note: '' },
  { jsonSchema: 'object without properties (free-form)', example: { type: 'object' }, raw: 'string', curated: 'string', note: 'JSON text of the object' },
  { jsonSchema: 'array with items', example: { type: 'array', items: { type: 'string', format: 'date' } }, raw: 'array<string>', curated: 'array<date>', note: '' },
  { jsonSchema: 'array without items', example: { type: 'array' }, raw: 'array<string>', curated: 'array<string>', note: 'elements as JSON text' },
  { jsonSchema: 'no type, no enum, no properties', example: { description: 'anything' }, raw: 'string', curated: 'string', note: 'JSON text' },
  { jsonSchema: 'anyOf/oneOf whose branches map to one type', example: { oneOf: [{ type: 'integer', minimum: 0, maximum: 9 }, { type: 'null' }] }, raw: 'int', curated: 'int', note: 'different object shapes or mixed object/scalar branches are an error' },
  { jsonSchema: 'local $ref (to an int32-bounded integer)', example: { $ref: '#/definitions/id' }, raw: 'int', curated: 'int', note: 'resolved in the same document (the example assumes `definitions.id`); remote refs are an error' },
];

/** Constructs that have no Glue mapping; each is a ContractError naming the URI and pointer. */
export const UNSUPPORTED_FEATURES: readonly string[] = [
  'allOf (merging is not supported)',
  'anyOf/oneOf whose branches map to different types',
  'objects with only patternProperties',
  'tuple-form items (array of schemas)',
  'type unions mixing object or array with other types',
  'remote or unresolvable $ref; $ref cycles',
  'a root that is not an object with properties',
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

interface Ctx {
  readonly root: JsonObject;
  readonly where: string;
  readonly zone: LakeZone;
  readonly depth: number;
}

interface Mapped {
  readonly type: string;
  readonly nullable: boolean;
}

const fail = (ctx: Ctx, pointer: string, reason: string): never => {
  throw new ContractError(ctx.where, pointer, reason);
};

function integerType(schema: JsonObject): string {
  // The tighter bound wins; for integers an exclusive bound x admits at most ceil(x) - 1 (or at least floor(x) + 1).
  const num = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
  const los = [num(schema.minimum), num(schema.exclusiveMinimum) === undefined ? undefined : Math.floor(num(schema.exclusiveMinimum) as number) + 1];
  const his = [num(schema.maximum), num(schema.exclusiveMaximum) === undefined ? undefined : Math.ceil(num(schema.exclusiveMaximum) as number) - 1];
  const lo = los.filter((v): v is number => v !== undefined);
  const hi = his.filter((v): v is number => v !== undefined);
  return lo.length > 0 && hi.length > 0 && Math.max(...lo) >= INT32_MIN && Math.min(...hi) <= INT32_MAX ? 'int' : 'bigint';
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

function fieldsOf(schema: JsonObject, pointer: string, ctx: Ctx): GlueColumn[] {
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const seen = new Map<string, string>();
  const columns: GlueColumn[] = [];
  for (const [key, sub] of Object.entries(props)) {
    const at = joinPointer(pointer, 'properties', key);
    const name = ctx.zone === 'raw' ? rawColumnName(key) : glueColumnName(key);
    if (name === '') fail(ctx, at, `property "${key}" has no usable Glue column name`);
    const clash = seen.get(name);
    if (clash !== undefined) fail(ctx, at, `column name "${name}" collides with the property at ${clash}`);
    seen.set(name, at);
    const mapped = mapSchema(sub, at, { ...ctx, depth: ctx.depth + 1 });
    const description = isJsonObject(sub) && typeof sub.description === 'string' ? sub.description.trim() : '';
    columns.push({
      name,
      type: mapped.type,
      ...(description === '' ? {} : { comment: description.length > GLUE_COMMENT_MAX ? `${description.slice(0, GLUE_COMMENT_MAX - 1)}…` : description }),
      sourcePointer: at,
      nullable: mapped.nullable || !required.has(key),
    });
  }
  return columns;
}

function objectType(schema: JsonObject, pointer: string, ctx: Ctx): string {
  const hasProps = isJsonObject(schema.properties) && Object.keys(schema.properties).length > 0;
  if (hasProps) return `struct<${fieldsOf(schema, pointer, ctx).map((c) => `${c.name}:${c.type}`).join(',')}>`;
  if (isJsonObject(schema.patternProperties) && Object.keys(schema.patternProperties).length > 0 && !isJsonObject(schema.additionalProperties)) {
    return fail(ctx, joinPointer(pointer, 'patternProperties'), 'objects with only patternProperties have no Glue type (declare properties or a schema-valued additionalProperties)');
  }
  if (isJsonObject(schema.additionalProperties)) {
    return `map<string,${mapSchema(schema.additionalProperties, joinPointer(pointer, 'additionalProperties'), { ...ctx, depth: ctx.depth + 1 }).type}>`;
  }
  return 'string';
}

function scalarOrContainer(t: string, schema: JsonObject, pointer: string, ctx: Ctx): string {
  switch (t) {
    case 'string':
      if (ctx.zone === 'curated' && schema.format === 'date-time') return 'timestamp';
      if (ctx.zone === 'curated' && schema.format === 'date') return 'date';
      return 'string';
    case 'integer':
      return integerType(schema);
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'object':
      return objectType(schema, pointer, ctx);
    case 'array': {
      if (Array.isArray(schema.items)) return fail(ctx, joinPointer(pointer, 'items'), 'tuple-form items (an array of schemas) have no Glue type');
      if (schema.items === undefined || typeof schema.items === 'boolean') return 'array<string>';
      return `array<${mapSchema(schema.items, joinPointer(pointer, 'items'), { ...ctx, depth: ctx.depth + 1 }).type}>`;
    }
    default:
      return fail(ctx, joinPointer(pointer, 'type'), `unknown JSON Schema type ${JSON.stringify(t)}`);
  }
}

function mapSchema(node: JsonValue, pointer: string, ctx: Ctx): Mapped {
  if (ctx.depth > MAX_DEPTH) fail(ctx, pointer, `nesting deeper than ${MAX_DEPTH} levels (recursive $ref?)`);
  if (typeof node === 'boolean') return { type: 'string', nullable: true };
  if (!isJsonObject(node)) return fail(ctx, pointer, 'expected a schema object');
  if (typeof node.$ref === 'string') {
    const target = resolveLocalRef(ctx.root, node.$ref, ctx.where, pointer);
    return mapSchema(target.schema, `${target.pointer}`, { ...ctx, depth: ctx.depth + 1 });
  }
  if (Array.isArray(node.allOf)) return fail(ctx, joinPointer(pointer, 'allOf'), 'allOf is not supported (merge the subschemas into one)');
  for (const kw of ['anyOf', 'oneOf'] as const) {
    const branches = node[kw];
    if (Array.isArray(branches)) {
      const mapped = branches.map((b, i) => {
        const bp = joinPointer(pointer, kw, i);
        return isJsonObject(b) && b.type === 'null' ? undefined : mapSchema(b, bp, { ...ctx, depth: ctx.depth + 1 });
      });
      const types = [...new Set(mapped.filter((m): m is Mapped => m !== undefined).map((m) => m.type))];
      if (types.length !== 1) {
        return fail(ctx, joinPointer(pointer, kw), `${kw} branches map to different Glue types (${types.join(' | ') || 'none'}); use one shape`);
      }
      return { type: types[0], nullable: mapped.some((m) => m === undefined || m.nullable) };
    }
  }
  const declared = typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type.filter((t): t is string => typeof t === 'string') : undefined;
  const enumNullable = Array.isArray(node.enum) && node.enum.includes(null);
  if (declared === undefined) {
    if (Array.isArray(node.enum)) return enumType(node.enum);
    if ('const' in node) return enumType([node.const]);
    if (isJsonObject(node.properties) || isJsonObject(node.additionalProperties) || isJsonObject(node.patternProperties)) {
      return { type: objectType(node, pointer, ctx), nullable: false };
    }
    return { type: 'string', nullable: true };
  }
  const nonNull = declared.filter((t) => t !== 'null');
  const nullable = nonNull.length < declared.length || enumNullable;
  if (nonNull.length === 0) return { type: 'string', nullable: true };
  if (nonNull.length === 1) return { type: scalarOrContainer(nonNull[0], node, pointer, ctx), nullable };
  if (nonNull.some((t) => t === 'object' || t === 'array')) {
    return fail(ctx, joinPointer(pointer, 'type'), `type union ${JSON.stringify(declared)} mixes objects or arrays with other types; no single Glue type fits`);
  }
  if (nonNull.every((t) => t === 'integer' || t === 'number')) return { type: 'double', nullable };
  return { type: 'string', nullable };
}

/**
 * Glue type of one (sub)schema of a contract.
 * @param contract - the contract (for `$ref` resolution and errors)
 * @param pointer - JSON pointer of the subschema, `''` for the root
 * @throws ContractError (contract URI + pointer) for unsupported constructs, see {@link UNSUPPORTED_FEATURES}
 */
export function glueTypeAt(contract: Contract, pointer: string, opts: GlueMappingOptions): { type: string; nullable: boolean } {
  const ctx: Ctx = { root: contract.schema, where: contract.id, zone: opts.zone, depth: 0 };
  const node = pointer === '' ? contract.schema : resolveLocalRef(contract.schema, `#${pointer}`, contract.id, pointer).schema;
  return mapSchema(node, pointer, ctx);
}

/**
 * The Glue columns of a contract's top-level properties, in declaration order.
 * In the curated zone they sit beside the platform columns ({@link RESERVED_CURATED_COLUMNS});
 * in the raw zone they are the fields of the `data` struct.
 * @throws ContractError (contract URI + pointer) when the root is not an object with properties,
 *   two properties map to the same column name, a curated column name is reserved, or a
 *   construct is unsupported ({@link UNSUPPORTED_FEATURES})
 */
export function contractColumns(contract: Contract, opts: GlueMappingOptions): readonly GlueColumn[] {
  const ctx: Ctx = { root: contract.schema, where: contract.id, zone: opts.zone, depth: 0 };
  const root = contract.schema;
  const rootTypes = typeof root.type === 'string' ? [root.type] : Array.isArray(root.type) ? root.type : [];
  if ((rootTypes.length > 0 && !(rootTypes.length === 1 && rootTypes[0] === 'object')) || !isJsonObject(root.properties)) {
    fail(ctx, '', 'the root of a contract must be {"type": "object", "properties": {…}} to map to Glue columns');
  }
  const columns = fieldsOf(root, '', ctx);
  if (opts.zone === 'curated') {
    for (const c of columns) {
      if (RESERVED_CURATED_COLUMNS.includes(c.name)) {
        fail(ctx, c.sourcePointer, `column name "${c.name}" is reserved in curated tables (${RESERVED_CURATED_COLUMNS.join(', ')})`);
      }
    }
  }
  return columns;
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
