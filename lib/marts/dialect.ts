/**
 * The ONE place where Athena (Trino) SQL and DuckDB differ for Lakeforge's statements.
 *
 * Mart and curated SQL is written in Trino and kept inside the subset both engines share
 * (`count(*) FILTER (WHERE …)` rather than `count_if`, which DuckDB types as HUGEINT;
 * `CAST(CAST(ts AS date) AS varchar)` rather than `format_datetime`; `try_cast`, `split`,
 * `UNNEST … AS t(c)`, `INTERVAL '1' HOUR` work in both). What remains:
 *
 * | Trino                              | DuckDB translation                                           |
 * |------------------------------------|--------------------------------------------------------------|
 * | `from_iso8601_timestamp(s)`        | macro: `CAST(s AS TIMESTAMPTZ)` (session time zone UTC)       |
 * | `tstz AT TIME ZONE 'UTC'`          | native: yields the UTC wall-clock `TIMESTAMP`; the enclosing `CAST(… AS timestamp)` is then a no-op, as in Trino |
 * | `CAST(s AS row(a x, b y))`: BY POSITION | {@link toDuckDb}: `CASE WHEN s IS NULL … THEN NULL ELSE struct_pack("a" := CAST(struct_extract_at(s, 1) AS x), "b" := …) END`, recursively; fails when the field counts differ |
 * | `CAST(l AS array(…row(…)…))`, `CAST(m AS map(k, …row(…)…))` | {@link toDuckDb}: `list_transform(l, lambda e: …)`, `map_from_entries(list_transform(map_entries(m), lambda e: {'key': …, 'value': …}))` |
 * | `CAST(l AS array(x))` (no row)     | {@link toDuckDb}: `CAST(l AS x[])` (DuckDB does not parse `array(x)`; both cast element-wise) |
 * | `TRY_CAST(v AS <type above>)`      | {@link toDuckDb}: as `CAST` with `TRY_CAST` leaves, and NULL as a whole when any leaf fails, as Trino's `try_cast` (one failure anywhere fails the whole cast) |
 * | Glue types (`string`, `array<x>`…) | {@link glueToDuckDbType}                                     |
 *
 * Row casts. Trino casts a ROW to a ROW field by field BY POSITION, whatever the names, and only between rows with
 * the same number of fields (`ROW` type: "By default, row fields are not named, but names can be assigned",
 * https://trino.io/docs/current/language/types.html#row; the cast itself, `RowToRowCast` in trinodb/trino
 * core/trino-main/src/main/java/io/trino/operator/scalar/RowToRowCast.java, casts source field i to target field i
 * and rejects types whose field counts differ, so the query fails at analysis with "Cannot cast row(…) to row(…)").
 * Lakeforge's curated step relies on it: `CAST(r.data.device AS row(os_type varchar, model_name varchar))` renames
 * the raw struct's lower-cased JSON keys (`ostype`, `modelname`) to snake_case by position (`lib/marts/curated.ts`).
 * DuckDB accepts the `row(…)` syntax but casts STRUCT → STRUCT BY NAME (and fails when no name matches), so
 * {@link toDuckDb} rewrites every `CAST`/`TRY_CAST` whose target type holds a `row(` (at any depth) into positional
 * DuckDB: field i of the result is `struct_extract_at(s, i)`, itself converted to the target field's type. The
 * field counts are checked when DuckDB binds the statement, before any row is read (as Trino checks at analysis):
 * `typeof(CAST(struct_values(s) AS STRUCT("a" VARCHAR, …)))` (constant-folded away, never evaluated) fails with
 * "Mismatch Type Error: Type STRUCT(<source field types>) does not match with STRUCT(<target field names> VARCHAR…).
 * Cannot cast STRUCTs of different size". Anonymous row fields (`row(varchar, bigint)`) are not translated (Lakeforge
 * never writes them): {@link toDuckDb} throws.
 *
 * The pipeline plan's statements run as they are too: DuckDB (≥ 1.4) has `MERGE INTO … USING … WHEN [NOT]
 * MATCHED`, `INSERT INTO … VALUES`, `greatest`, `lpad`, `hour`, `date_diff('day', …)`, `row_number() OVER`
 * and `INTERVAL 'n' HOUR` with Trino's meaning. (The local runner's `RETURNING merge_action, <partition
 * columns>` is how it counts partitions, not a translation: see `tools/local/pipeline-runner.ts`.)
 *
 * Identifiers need no translation either: Lakeforge double-quotes every column name that is reserved on Athena or
 * on DuckDB, or is not a plain name (`r.data."from" AS "from"`, `quoteSqlIdentifier` in
 * lambdas/shared/sql-identifiers.ts), and DuckDB reads double-quoted identifiers as Trino does (case-insensitively).
 *
 * Every other byte of a statement is left as it is: {@link toDuckDb} scans the SQL with a small tokenizer (string
 * literals, quoted identifiers and comments are never read as code) and replaces only the casts above.
 */
import { splitTopLevel } from './catalog-model';

/** Statements to run once per DuckDB connection before Lakeforge SQL. */
export const DUCKDB_PRELUDE: readonly string[] = [
  "SET TimeZone = 'UTC'",
  'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
];

/**
 * Translates one Trino statement to DuckDB (see the module table): `CAST`/`TRY_CAST` to a type holding `row(` or
 * `array(` are rewritten, everything else is returned byte for byte.
 *
 * @throws Error when a cast is not closed, has no top-level `AS`, or its target type cannot be parsed (unbalanced
 * parentheses, an anonymous row field); the message quotes the cast.
 */
export function toDuckDb(trinoSql: string): string {
  if (!/\b(row|array)\s*\(/i.test(trinoSql)) return trinoSql;
  const tokens = tokenize(trinoSql);
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < tokens.length) {
    const cast = castAt(trinoSql, tokens, i);
    if (cast === undefined) {
      i++;
      continue;
    }
    const typeText = cast.typeTokens.length === 0 ? '' : trinoSql.slice(cast.typeTokens[0].start, cast.typeTokens[cast.typeTokens.length - 1].end);
    const type = /\b(row|array)\s*\(/i.test(typeText) ? parseTrinoType(trinoSql, cast.typeTokens, cast.text) : undefined;
    if (type === undefined || !hasRowOrArray(type)) {
      i++;
      continue;
    }
    const expr = `(${toDuckDb(trinoSql.slice(cast.exprStart, cast.exprEnd).trim())})`;
    out += trinoSql.slice(copied, cast.start) + (cast.isTry ? tryConvert(expr, type) : convert(expr, type, false, 0));
    copied = cast.end;
    i = cast.nextToken;
  }
  return out + trinoSql.slice(copied);
}

/** A lexical token of Trino SQL: `[start, end)` in the statement. */
interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'space' | 'comment' | 'punct';
  readonly start: number;
  readonly end: number;
}

/**
 * Splits SQL into tokens: words (`[A-Za-z0-9_$]+`), double-quoted identifiers (`""` escapes), string literals (`''`
 * escapes; also `U&'…'`/`X'…'` as word + string), whitespace, `--` and `/* … *\/` comments, and one-character
 * punctuation. An unterminated literal, identifier or comment runs to the end of the statement.
 */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const closeQuoted = (from: number, quote: string): number => {
    let j = from + 1;
    while (j < sql.length) {
      if (sql[j] === quote) {
        if (sql[j + 1] === quote) j += 2;
        else return j + 1;
      } else j++;
    }
    return sql.length;
  };
  while (i < sql.length) {
    const ch = sql[i];
    let end: number;
    let kind: Token['kind'];
    if (ch === "'") [kind, end] = ['string', closeQuoted(i, "'")];
    else if (ch === '"') [kind, end] = ['quoted', closeQuoted(i, '"')];
    else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      [kind, end] = ['comment', nl < 0 ? sql.length : nl];
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      [kind, end] = ['comment', close < 0 ? sql.length : close + 2];
    } else if (/\s/.test(ch)) {
      end = i + 1;
      while (end < sql.length && /\s/.test(sql[end])) end++;
      kind = 'space';
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_$]/.test(sql[end])) end++;
      kind = 'word';
    } else [kind, end] = ['punct', i + 1];
    tokens.push({ kind, start: i, end });
    i = end;
  }
  return tokens;
}

const text = (sql: string, t: Token): string => sql.slice(t.start, t.end);
const isCode = (t: Token): boolean => t.kind !== 'space' && t.kind !== 'comment';

/** Index of the next code token at or after `i` (tokens.length when none). */
function nextCode(tokens: readonly Token[], i: number): number {
  let j = i;
  while (j < tokens.length && !isCode(tokens[j])) j++;
  return j;
}

/** One `CAST(expr AS type)` / `TRY_CAST(…)` of a statement. */
interface Cast {
  readonly isTry: boolean;
  /** Offsets of the whole cast `[start, end)`, of its expression, and the target type's code tokens. */
  readonly start: number;
  readonly end: number;
  readonly exprStart: number;
  readonly exprEnd: number;
  readonly typeTokens: readonly Token[];
  /** The token after the closing parenthesis. */
  readonly nextToken: number;
  /** The cast as written, for error messages. */
  readonly text: string;
}

/**
 * The cast starting at token `i`, when it is the word `CAST` or `TRY_CAST` (not a qualified name `x.cast`) followed
 * by `(`; its expression ends at the first `AS` at the parenthesis' own depth.
 *
 * @throws Error when the parenthesis is not closed or holds no top-level `AS`.
 */
function castAt(sql: string, tokens: readonly Token[], i: number): Cast | undefined {
  const word = tokens[i];
  if (word.kind !== 'word') return undefined;
  const name = text(sql, word).toLowerCase();
  if (name !== 'cast' && name !== 'try_cast') return undefined;
  const before = tokens[i - 1];
  if (before !== undefined && before.kind === 'punct' && text(sql, before) === '.') return undefined;
  const open = nextCode(tokens, i + 1);
  if (open >= tokens.length || text(sql, tokens[open]) !== '(') return undefined;
  let depth = 0;
  let as = -1;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind === 'punct' && text(sql, t) === '(') depth++;
    else if (t.kind === 'punct' && text(sql, t) === ')') {
      depth--;
      if (depth === 0) {
        const castText = sql.slice(word.start, t.end);
        if (as < 0) throw new Error(`toDuckDb: no top-level AS in "${castText}"`);
        return {
          isTry: name === 'try_cast',
          start: word.start,
          end: t.end,
          exprStart: tokens[open].end,
          exprEnd: tokens[as].start,
          typeTokens: tokens.slice(as + 1, j).filter(isCode),
          nextToken: j + 1,
          text: castText,
        };
      }
    } else if (depth === 1 && as < 0 && t.kind === 'word' && text(sql, t).toLowerCase() === 'as') as = j;
  }
  throw new Error(`toDuckDb: unclosed parenthesis in "${sql.slice(word.start, word.start + 200)}"`);
}

/** A Trino type: `row(name type, …)`, `array(type)`, `map(key, value)`, or any other type kept as written. */
type TrinoType =
  | { readonly kind: 'row'; readonly fields: readonly { readonly name: string; readonly type: TrinoType }[] }
  | { readonly kind: 'array'; readonly element: TrinoType }
  | { readonly kind: 'map'; readonly key: TrinoType; readonly value: TrinoType }
  | { readonly kind: 'leaf'; readonly text: string };

/**
 * Parses a cast's target type from its code tokens.
 * @throws Error naming the cast on unbalanced parentheses, an anonymous row field or trailing tokens.
 */
function parseTrinoType(sql: string, tokens: readonly Token[], castText: string): TrinoType {
  const fail = (why: string): never => {
    throw new Error(`toDuckDb: ${why} in the target type of "${castText}"`);
  };
  const word = (k: number): string => (k < tokens.length ? text(sql, tokens[k]).toLowerCase() : '');
  const isPunct = (k: number, p: string): boolean => k < tokens.length && tokens[k].kind === 'punct' && text(sql, tokens[k]) === p;
  const expect = (k: number, p: string): number => (isPunct(k, p) ? k + 1 : fail(`expected "${p}"`));
  // Parses the type at k; returns it and the index after it.
  const parse = (k: number): [TrinoType, number] => {
    const kw = tokens[k]?.kind === 'word' ? word(k) : '';
    if ((kw === 'row' || kw === 'array' || kw === 'map') && isPunct(k + 1, '(')) {
      let j = k + 2;
      if (kw === 'array') {
        const [element, after] = parse(j);
        return [{ kind: 'array', element }, expect(after, ')')];
      }
      if (kw === 'map') {
        const [key, afterKey] = parse(j);
        const [value, after] = parse(expect(afterKey, ','));
        return [{ kind: 'map', key, value }, expect(after, ')')];
      }
      const fields: { name: string; type: TrinoType }[] = [];
      for (;;) {
        const nameToken = tokens[j];
        if (nameToken === undefined || (nameToken.kind !== 'word' && nameToken.kind !== 'quoted')) fail('expected a row field name');
        if (isPunct(j + 1, ',') || isPunct(j + 1, ')')) fail('anonymous row field (not translated)');
        const raw = text(sql, nameToken);
        const name = nameToken.kind === 'quoted' ? raw.slice(1, -1).replace(/""/g, '"') : raw;
        const [type, after] = parse(j + 1);
        fields.push({ name, type });
        if (isPunct(after, ',')) j = after + 1;
        else return [{ kind: 'row', fields }, expect(after, ')')];
      }
    }
    // Any other type, as written up to the next top-level "," or ")": varchar, decimal(6,2), timestamp(3) with time zone.
    let depth = 0;
    let j = k;
    for (; j < tokens.length; j++) {
      if (isPunct(j, '(')) depth++;
      else if (isPunct(j, ')')) {
        if (depth === 0) break;
        depth--;
      } else if (isPunct(j, ',') && depth === 0) break;
    }
    if (j === k) fail('expected a type');
    return [{ kind: 'leaf', text: sql.slice(tokens[k].start, tokens[j - 1].end) }, j];
  };
  const [type, end] = parse(0);
  if (end !== tokens.length) fail('unexpected text after the type');
  return type;
}

const hasRow = (t: TrinoType): boolean =>
  t.kind === 'row' || (t.kind === 'array' && hasRow(t.element)) || (t.kind === 'map' && (hasRow(t.key) || hasRow(t.value)));
const hasRowOrArray = (t: TrinoType): boolean =>
  t.kind === 'row' || t.kind === 'array' || (t.kind === 'map' && (hasRowOrArray(t.key) || hasRowOrArray(t.value)));

/** A DuckDB identifier, double-quoted. */
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A Trino type as DuckDB type text (`array(x)` → `x[]`, `map(k, v)` → `MAP(k, v)`, `row(a x)` → `STRUCT("a" x)`). */
function duckType(t: TrinoType): string {
  switch (t.kind) {
    case 'leaf':
      return t.text;
    case 'array':
      return `${duckType(t.element)}[]`;
    case 'map':
      return `MAP(${duckType(t.key)}, ${duckType(t.value)})`;
    default:
      return `STRUCT(${t.fields.map((f) => `${ident(f.name)} ${duckType(f.type)}`).join(', ')})`;
  }
}

/**
 * A DuckDB expression that is never NULL and fails to bind when struct `x` has not as many fields as row `t`:
 * `typeof(CAST(struct_values(x) AS STRUCT("a" VARCHAR, …)))` (an unnamed struct casts by position, and only to a
 * struct of its size; DuckDB folds `typeof` to a constant, so the cast is never evaluated). Placed before any
 * `struct_extract_at(x, i)`, so that the mismatch is the error reported.
 */
function fieldCountGuard(x: string, t: TrinoType & { kind: 'row' }): string {
  return `typeof(CAST(struct_values(${x}) AS STRUCT(${t.fields.map((f) => `${ident(f.name)} VARCHAR`).join(', ')})))`;
}

/** The lambda parameter of nesting level `depth` (distinct per level, so inner lambdas never shadow outer ones). */
const lambdaVar = (depth: number): string => `__lf_e${depth}`;

/**
 * DuckDB for Trino's `CAST(x AS t)` (`TRY_CAST` leaves when `tryLeaves`): positional for rows, element-wise for
 * arrays and map entries, the plain cast for types holding no row (see the module doc).
 */
function convert(x: string, t: TrinoType, tryLeaves: boolean, depth: number): string {
  if (!hasRow(t)) return `${tryLeaves ? 'TRY_CAST' : 'CAST'}(${x} AS ${duckType(t)})`;
  const v = lambdaVar(depth);
  switch (t.kind) {
    case 'array':
      return `list_transform(${x}, lambda ${v}: ${convert(v, t.element, tryLeaves, depth + 1)})`;
    case 'map':
      return (
        `map_from_entries(list_transform(map_entries(${x}), lambda ${v}: ` +
        `{'key': ${convert(`${v}."key"`, t.key, tryLeaves, depth + 1)}, 'value': ${convert(`${v}."value"`, t.value, tryLeaves, depth + 1)}}))`
      );
    case 'row': {
      const fields = t.fields.map((f, i) => `${ident(f.name)} := ${convert(`struct_extract_at(${x}, ${i + 1})`, f.type, tryLeaves, depth)}`);
      return `CASE WHEN ${x} IS NULL OR ${fieldCountGuard(x, t)} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    default:
      return `${tryLeaves ? 'TRY_CAST' : 'CAST'}(${x} AS ${t.text})`;
  }
}

/** A DuckDB condition: some non-NULL leaf of `x` does not cast to its type in `t` (Trino's `try_cast` then yields NULL). */
function leafFails(x: string, t: TrinoType, depth: number): string {
  const v = lambdaVar(depth);
  switch (t.kind) {
    case 'leaf':
      return `(${x} IS NOT NULL AND TRY_CAST(${x} AS ${t.text}) IS NULL)`;
    case 'array':
      return `coalesce(list_bool_or(list_transform(${x}, lambda ${v}: ${leafFails(v, t.element, depth + 1)})), false)`;
    case 'map':
      return `coalesce(list_bool_or(list_transform(map_entries(${x}), lambda ${v}: ${leafFails(`${v}."key"`, t.key, depth + 1)} OR ${leafFails(`${v}."value"`, t.value, depth + 1)})), false)`;
    default:
      return `(${fieldCountGuard(x, t)} IS NULL OR (${x} IS NOT NULL AND (${t.fields.map((f, i) => leafFails(`struct_extract_at(${x}, ${i + 1})`, f.type, depth)).join(' OR ')})))`;
  }
}

/** DuckDB for Trino's `TRY_CAST(x AS t)`: NULL as a whole when any leaf fails, else the cast with `TRY_CAST` leaves. */
function tryConvert(x: string, t: TrinoType): string {
  return `CASE WHEN ${leafFails(x, t, 0)} THEN NULL ELSE ${convert(x, t, true, 0)} END`;
}

const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
};

/**
 * A Glue type string as a DuckDB type: `array<string>` → `VARCHAR[]`,
 * `struct<a:int>` → `STRUCT("a" INTEGER)`, `map<string,int>` → `MAP(VARCHAR, INTEGER)`.
 *
 * @throws Error on an unknown type.
 */
export function glueToDuckDbType(glue: string): string {
  const t = glue.trim();
  const lower = t.toLowerCase();
  if (PRIMITIVES[lower] !== undefined) return PRIMITIVES[lower];
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(lower);
  if (decimal !== null) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const generic = /^(array|struct|map)<(.*)>$/is.exec(t);
  if (generic !== null) {
    const kind = generic[1].toLowerCase();
    const body = generic[2];
    if (kind === 'array') return `${glueToDuckDbType(body)}[]`;
    const parts = splitTopLevel(body);
    if (kind === 'map') return `MAP(${parts.map(glueToDuckDbType).join(', ')})`;
    return `STRUCT(${parts
      .map((p) => {
        const colon = p.indexOf(':');
        return `"${p.slice(0, colon).trim().replace(/"/g, '""')}" ${glueToDuckDbType(p.slice(colon + 1))}`;
      })
      .join(', ')})`;
  }
  throw new Error(`Unknown Glue type "${glue}"`);
}
