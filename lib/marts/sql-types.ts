/**
 * The type algebra the mart checker uses to infer what type each SELECT output of a mart produces on
 * Athena engine 3 (Trino), in Glue type strings (`int`, `bigint`, `double`, `string`, `array<string>`, …),
 * so a declared output type can be compared with it (`checkMarts`).
 *
 * Pure and deliberately partial: every function returns `undefined` when the type cannot be known for
 * sure (an unlisted function, decimal arithmetic, a mix of types Trino would coerce in ways not modelled
 * here), and an unknown type is never an error. Sources, Trino being Athena engine 3's engine
 * (https://docs.aws.amazon.com/athena/latest/ug/engine-versions-reference-0003.html):
 * - aggregates: https://trino.io/docs/current/functions/aggregate.html (`count(*)`, `count(x)`,
 *   `count_if(x)` → bigint; `avg(x)` → double; `min`/`max`/`arbitrary` → same as input; `array_agg(x)` →
 *   array of the input); `sum` of an integer type is Trino's `LongSumAggregation`, bigint in and bigint out
 *   (trinodb/trino `core/trino-main/src/main/java/io/trino/operator/aggregation/LongSumAggregation.java`;
 *   tinyint/smallint/integer arguments are coerced to bigint), `sum(double)` → double;
 * - `split(string, delimiter)` → `array(varchar)`: https://trino.io/docs/current/functions/string.html;
 * - literals (integer literals are `integer` up to 2^31-1, else `bigint`; `1.5` is a decimal; `1e0` a
 *   double), `CAST`/`TRY_CAST`, `coalesce`, `CASE`, arithmetic of the same numeric family:
 *   https://trino.io/docs/current/language/types.html and https://trino.io/docs/current/functions/conditional.html.
 */

/** The type of the `NULL` literal: compatible with every type, and never reported. */
export const NULL_TYPE = 'null';

const INTEGER_RANK: Readonly<Record<string, number>> = { tinyint: 1, smallint: 2, int: 3, bigint: 4 };
const FLOAT_RANK: Readonly<Record<string, number>> = { float: 1, double: 2 };

/**
 * A Glue type string in canonical form: lower case, no spaces, `integer` → `int`.
 *
 * @example normalizeGlueType('ARRAY<Integer>') // 'array<int>'
 */
export function normalizeGlueType(type: string): string {
  return type
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/\binteger\b/g, 'int');
}

/**
 * The Glue type of a Trino type as written in `CAST(x AS <type>)`, or `undefined` when it has no exact
 * Glue counterpart here (e.g. `timestamp with time zone`, `json`, `uuid`).
 *
 * @example trinoToGlueType('array(varchar)') // 'array<string>'
 * @example trinoToGlueType('row(a integer, b double)') // 'struct<a:int,b:double>'
 */
export function trinoToGlueType(trino: string): string | undefined {
  const t = trino.trim().toLowerCase().replace(/\s+/g, ' ');
  const simple: Readonly<Record<string, string>> = {
    tinyint: 'tinyint', smallint: 'smallint', integer: 'int', int: 'int', bigint: 'bigint', real: 'float', float: 'float',
    double: 'double', 'double precision': 'double', boolean: 'boolean', date: 'date', varbinary: 'binary',
    varchar: 'string', string: 'string', char: 'string', timestamp: 'timestamp',
  };
  if (simple[t] !== undefined) return simple[t];
  if (/^(varchar|char)\s?\(\s?\d+\s?\)$/.test(t)) return 'string';
  if (/^timestamp\s?\(\s?\d+\s?\)$/.test(t)) return 'timestamp';
  const decimal = /^decimal(?:\s?\(\s?(\d+)\s?(?:,\s?(\d+)\s?)?\))?$/.exec(t);
  if (decimal !== null) return `decimal(${decimal[1] ?? '38'},${decimal[2] ?? '0'})`;
  const generic = /^(array|map|row)\s?\((.*)\)$/.exec(t);
  if (generic === null) return undefined;
  const args = splitArguments(generic[2]);
  if (generic[1] === 'array') {
    const element = args.length === 1 ? trinoToGlueType(args[0]) : undefined;
    return element === undefined ? undefined : `array<${element}>`;
  }
  if (generic[1] === 'map') {
    const [k, v] = args.map(trinoToGlueType);
    return args.length === 2 && k !== undefined && v !== undefined ? `map<${k},${v}>` : undefined;
  }
  const fields: string[] = [];
  for (const arg of args) {
    const m = /^("?)([a-z_][a-z0-9_]*)\1 (.+)$/.exec(arg);
    const type = m === null ? undefined : trinoToGlueType(m[3]);
    if (m === null || type === undefined) return undefined;
    fields.push(`${m[2]}:${type}`);
  }
  return fields.length === 0 ? undefined : `struct<${fields.join(',')}>`;
}

function splitArguments(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(body.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** The element type of a Glue `array<T>`, or `undefined`. */
export function arrayElementType(type: string | undefined): string | undefined {
  const m = type === undefined ? null : /^array<(.+)>$/.exec(normalizeGlueType(type));
  return m === null ? undefined : m[1];
}

/** The key and value types of a Glue `map<K,V>`, or `undefined`. */
export function mapTypes(type: string | undefined): [string, string] | undefined {
  const m = type === undefined ? null : /^map<(.+)>$/.exec(normalizeGlueType(type));
  if (m === null) return undefined;
  let depth = 0;
  for (let i = 0; i < m[1].length; i++) {
    const ch = m[1][i];
    if (ch === '<' || ch === '(') depth++;
    else if (ch === '>' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) return [m[1].slice(0, i), m[1].slice(i + 1)];
  }
  return undefined;
}

/**
 * The common type Trino coerces two types to (e.g. for `coalesce`, `CASE`, `+`), when it is known here:
 * equal types; `NULL` with anything; integer types widen to the wider one; `float`/`double` with any
 * integer or float type to the wider float; arrays element-wise. Anything else (decimals mixed with other
 * numbers, strings with numbers, …) → `undefined`.
 */
export function commonSuperType(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return undefined;
  const x = normalizeGlueType(a);
  const y = normalizeGlueType(b);
  if (x === y) return x;
  if (x === NULL_TYPE) return y;
  if (y === NULL_TYPE) return x;
  if (INTEGER_RANK[x] !== undefined && INTEGER_RANK[y] !== undefined) return INTEGER_RANK[x] >= INTEGER_RANK[y] ? x : y;
  const xNumeric = INTEGER_RANK[x] !== undefined || FLOAT_RANK[x] !== undefined;
  const yNumeric = INTEGER_RANK[y] !== undefined || FLOAT_RANK[y] !== undefined;
  if (xNumeric && yNumeric) return x === 'double' || y === 'double' ? 'double' : 'float';
  const ex = arrayElementType(x);
  const ey = arrayElementType(y);
  if (ex !== undefined && ey !== undefined) {
    const e = commonSuperType(ex, ey);
    return e === undefined ? undefined : `array<${e}>`;
  }
  return undefined;
}

/** The common type of a list (see {@link commonSuperType}); `undefined` for an empty list. */
export function commonSuperTypeOf(types: readonly (string | undefined)[]): string | undefined {
  if (types.length === 0) return undefined;
  return types.slice(1).reduce<string | undefined>((acc, t) => commonSuperType(acc, t), types[0]);
}

/** True for the Glue integer types (`tinyint`, `smallint`, `int`, `bigint`). */
export function isIntegerType(type: string | undefined): boolean {
  return type !== undefined && INTEGER_RANK[normalizeGlueType(type)] !== undefined;
}

/** Functions whose result type does not depend on their arguments (Trino docs, functions and operators). */
const FIXED_RESULT: Readonly<Record<string, string>> = {
  count: 'bigint', count_if: 'bigint', approx_distinct: 'bigint', row_number: 'bigint', rank: 'bigint', dense_rank: 'bigint',
  ntile: 'bigint', percent_rank: 'double', cume_dist: 'double', length: 'bigint', cardinality: 'bigint', strpos: 'bigint',
  year: 'bigint', quarter: 'bigint', month: 'bigint', week: 'bigint', day: 'bigint', day_of_month: 'bigint', day_of_week: 'bigint',
  dow: 'bigint', day_of_year: 'bigint', doy: 'bigint', hour: 'bigint', minute: 'bigint', second: 'bigint', date_diff: 'bigint',
  stddev: 'double', stddev_samp: 'double', stddev_pop: 'double', variance: 'double', var_samp: 'double', var_pop: 'double',
  geometric_mean: 'double', corr: 'double', to_unixtime: 'double', bool_and: 'boolean', bool_or: 'boolean', every: 'boolean',
  contains: 'boolean', starts_with: 'boolean', regexp_like: 'boolean', is_nan: 'boolean', lower: 'string', upper: 'string',
  trim: 'string', ltrim: 'string', rtrim: 'string', concat_ws: 'string', replace: 'string', reverse: 'string', lpad: 'string',
  rpad: 'string', format: 'string', format_datetime: 'string', date_format: 'string', to_iso8601: 'string', to_hex: 'string',
  json_format: 'string', regexp_replace: 'string', url_extract_host: 'string', url_extract_path: 'string', date: 'date',
  current_date: 'date', split: 'array<string>', regexp_extract_all: 'array<string>',
};

/** Functions whose result has the type of their first argument. */
const SAME_AS_FIRST = new Set(['min', 'max', 'arbitrary', 'any_value', 'lag', 'lead', 'first_value', 'last_value', 'nth_value', 'abs', 'round', 'floor', 'ceil', 'ceiling', 'truncate', 'max_by', 'min_by']);

/**
 * The result type of a Trino function call from its name and its arguments' types (`undefined` entries for
 * arguments whose type is unknown), or `undefined` when it is not modelled here.
 *
 * @param name - function name, any case (the last part of a qualified name).
 * @param args - the argument types; `count(*)` passes none.
 */
export function functionResultType(name: string, args: readonly (string | undefined)[]): string | undefined {
  const fn = name.toLowerCase();
  const first = args[0] === undefined ? undefined : normalizeGlueType(args[0]);
  switch (fn) {
    case 'sum':
      if (isIntegerType(first)) return 'bigint';
      return first === 'double' ? 'double' : undefined;
    case 'avg':
      return isIntegerType(first) || first === 'double' ? 'double' : undefined;
    case 'array_agg':
      return first === undefined || first === NULL_TYPE ? undefined : `array<${first}>`;
    case 'coalesce':
    case 'greatest':
    case 'least':
      return commonSuperTypeOf(args);
    case 'if':
      return commonSuperTypeOf(args.length === 3 ? args.slice(1) : args.slice(1, 2));
    case 'nullif':
      return first;
    case 'date_trunc':
      return args.length === 2 && args[1] !== undefined ? normalizeGlueType(args[1]) : undefined;
    case 'concat':
      return args.length > 0 && args.every((a) => a !== undefined && normalizeGlueType(a) === 'string') ? 'string' : undefined;
    case 'substr':
    case 'substring':
      return first === 'string' ? 'string' : undefined;
    case 'element_at': {
      const element = arrayElementType(first);
      return element ?? mapTypes(first)?.[1];
    }
    default:
      break;
  }
  if (FIXED_RESULT[fn] !== undefined) return FIXED_RESULT[fn];
  if (SAME_AS_FIRST.has(fn)) {
    // min(x, n) / max(x, n) return array(x); max_by(x, y, n) likewise.
    if ((fn === 'min' || fn === 'max') && args.length === 2) return first === undefined ? undefined : `array<${first}>`;
    if ((fn === 'max_by' || fn === 'min_by') && args.length === 3) return first === undefined ? undefined : `array<${first}>`;
    return first === NULL_TYPE ? undefined : first;
  }
  return undefined;
}

/**
 * The type of a Trino numeric literal as written: `integer` (Glue `int`) up to 2^31-1, else `bigint`;
 * a literal with a decimal point is `decimal(p,s)`; one with an exponent is `double`.
 */
export function numericLiteralType(text: string): string | undefined {
  const t = text.replace(/^[-+]/, '').replace(/_/g, '').toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = BigInt(t);
    if (n <= 2147483647n) return 'int';
    return n <= 9223372036854775807n ? 'bigint' : undefined;
  }
  if (/e/.test(t)) return 'double';
  const m = /^(\d*)\.(\d*)$/.exec(t);
  if (m === null) return undefined;
  const integer = m[1].replace(/^0+/, '');
  const precision = Math.max(integer.length + m[2].length, 1);
  return `decimal(${precision},${m[2].length})`;
}
