/**
 * Column evolution of a curated Iceberg table, without the contract mapping: the Glue/Hive type parser
 * ({@link parseGlueType}), Iceberg's in-place promotions ({@link isIcebergPromotion}) and the classification of a
 * change of columns by {@link TABLE_EVOLUTION_RULES} ({@link compareColumns}). The contract gate's table step
 * (`table-step.ts`, which maps contracts to columns first) and the deploy-time table DDL function
 * (`lambdas/table-ddl/core.ts`) both use it; it imports neither the mapping nor ajv, so the DDL function's bundle
 * carries neither. See `table-step.ts` for the rules' sources (Apache Iceberg spec, Athena User Guide).
 *
 * Pure; no I/O.
 */
import { type SchemaVerStep } from './schemaver';

/** Identifier of a table-evolution rule. */
export type TableRuleId =
  | 'column-added'
  | 'column-moved'
  | 'column-type-promoted'
  | 'column-type-changed'
  | 'column-removed'
  | 'struct-field-added'
  | 'struct-field-removed'
  | 'struct-fields-reordered';

/** One table-evolution rule. */
export interface TableEvolutionRule {
  /** Rule id, used in reasons. */
  readonly id: TableRuleId;
  /** The SchemaVer step the change needs at least. */
  readonly step: SchemaVerStep;
  /** What the rule covers and why it needs that step. */
  readonly description: string;
}

/** Every table-evolution rule, documented; table reasons name one of these. */
export const TABLE_EVOLUTION_RULES: readonly TableEvolutionRule[] = [
  { id: 'column-added', step: 'ADDITION', description: 'a curated column added: appended with ALTER TABLE ADD COLUMNS; historical rows read NULL' },
  { id: 'column-moved', step: 'ADDITION', description: 'top-level columns in another order: the table keeps its order; columns are matched by name' },
  { id: 'column-type-promoted', step: 'ADDITION', description: 'a column, struct field, array element or map key/value promoted as Iceberg allows in place: int → bigint, float → double, decimal(P,S) → decimal(P′,S) with P′ > P; applied with ALTER TABLE CHANGE COLUMN (the column\'s whole new type)' },
  { id: 'column-type-changed', step: 'MODEL', description: 'any other type change of a column, struct field, array element or map key/value (e.g. int → double, timestamp → string, struct → string): Iceberg cannot change it in place' },
  { id: 'column-removed', step: 'MODEL', description: 'a column of the table missing from the declaration (a table that does not hold the MODEL\'s history, e.g. made by hand): the table would lose the column\'s history. A property removed from a contract keeps its column (NULL for newer events), so a contract change never needs this' },
  { id: 'struct-field-added', step: 'ADDITION', description: 'a field added to a struct (appended after its existing fields, wherever the contract declares it): Iceberg adds nested fields in place; applied with ALTER TABLE CHANGE COLUMN (the column\'s whole new type; ADD COLUMNS takes top-level columns only)' },
  { id: 'struct-field-removed', step: 'MODEL', description: 'a struct field of the table missing from the declaration (as column-removed: a nested property removed from a contract keeps its field)' },
  { id: 'struct-fields-reordered', step: 'MODEL', description: 'the existing fields of a struct in the table are in another order than declared, or a new field lands between them: struct values are positional (the curated SQL casts ROW values, and Trino casts rows field by position). A contract change never needs this: the table keeps fields in the order they first appeared and appends new ones' },
];

const RULE_STEP = new Map(TABLE_EVOLUTION_RULES.map((r) => [r.id, r.step]));

/** One change of the curated table. */
export interface TableReason {
  /**
   * JSON pointer of the top-level property the column comes from (in the new contract; the old one for removals);
   * `/properties` for a change of column order.
   */
  readonly pointer: string;
  /** The column, with the path inside it: `device`, `context.os`, `tags[]`, `attrs{value}`. */
  readonly column: string;
  /** The rule that classified the change. */
  readonly rule: TableRuleId;
  /** The step the change needs. */
  readonly step: SchemaVerStep;
  /** Human-readable detail. */
  readonly message: string;
}

/** A parsed Glue/Hive column type. */
export type GlueTypeNode =
  | { readonly kind: 'primitive'; readonly name: string; readonly params: readonly number[] }
  | { readonly kind: 'array'; readonly element: GlueTypeNode }
  | { readonly kind: 'map'; readonly key: GlueTypeNode; readonly value: GlueTypeNode }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly type: GlueTypeNode }[] };

/**
 * Parse a Glue/Hive type string: primitives (with parameters, `decimal(10,2)`), `array<T>`, `map<K,V>`,
 * `struct<name:T,…>` (field names may be backticked). Case and whitespace are ignored.
 * @throws Error naming the type and the position when the text is not a type
 */
export function parseGlueType(text: string): GlueTypeNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot parse Glue type "${text}" at ${i}: ${what}`);
  };
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i])) i += 1;
  };
  const expect = (c: string): void => {
    skip();
    if (text[i] !== c) fail(`expected "${c}"`);
    i += 1;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z0-9_]+/.exec(text.slice(i));
    if (m === null) return fail('expected a name');
    i += m[0].length;
    return m[0].toLowerCase();
  };
  const fieldName = (): string => {
    skip();
    if (text[i] !== '`') return word();
    const end = text.indexOf('`', i + 1);
    if (end < 0) fail('unterminated `name`');
    const name = text.slice(i + 1, end);
    i = end + 1;
    return name.toLowerCase();
  };
  const type = (): GlueTypeNode => {
    const name = word();
    skip();
    if (name === 'array') {
      expect('<');
      const element = type();
      expect('>');
      return { kind: 'array', element };
    }
    if (name === 'map') {
      expect('<');
      const key = type();
      expect(',');
      const value = type();
      expect('>');
      return { kind: 'map', key, value };
    }
    if (name === 'struct') {
      expect('<');
      const fields: { name: string; type: GlueTypeNode }[] = [];
      skip();
      while (text[i] !== '>') {
        if (fields.length > 0) expect(',');
        const n = fieldName();
        expect(':');
        fields.push({ name: n, type: type() });
        skip();
        if (i >= text.length) fail('unterminated struct');
      }
      i += 1;
      return { kind: 'struct', fields };
    }
    const params: number[] = [];
    if (text[i] === '(') {
      i += 1;
      for (;;) {
        skip();
        const m = /^\d+/.exec(text.slice(i));
        if (m === null) return fail('expected a number');
        params.push(Number(m[0]));
        i += m[0].length;
        skip();
        if (text[i] === ')') break;
        expect(',');
      }
      i += 1;
    }
    return { kind: 'primitive', name, params };
  };
  const node = type();
  skip();
  if (i !== text.length) fail('unexpected text after the type');
  return node;
}

/** Render a parsed type back to Glue's text (lower case, no spaces). */
export function renderGlueType(t: GlueTypeNode): string {
  switch (t.kind) {
    case 'primitive':
      return t.params.length === 0 ? t.name : `${t.name}(${t.params.join(',')})`;
    case 'array':
      return `array<${renderGlueType(t.element)}>`;
    case 'map':
      return `map<${renderGlueType(t.key)},${renderGlueType(t.value)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${renderGlueType(f.type)}`).join(',')}>`;
  }
}

/**
 * True when Iceberg promotes primitive `from` to `to` in place (see the module doc): `int` → `bigint`,
 * `float` → `double`, `decimal(P,S)` → `decimal(P′,S)` with `P′ > P`.
 */
export function isIcebergPromotion(from: GlueTypeNode, to: GlueTypeNode): boolean {
  if (from.kind !== 'primitive' || to.kind !== 'primitive') return false;
  if (from.name === 'int' && to.name === 'bigint') return true;
  if (from.name === 'float' && to.name === 'double') return true;
  if (from.name === 'decimal' && to.name === 'decimal' && from.params.length === 2 && to.params.length === 2) {
    return to.params[1] === from.params[1] && to.params[0] > from.params[0];
  }
  return false;
}

interface Change {
  readonly path: string;
  readonly rule: TableRuleId;
  readonly message: string;
}

function compareTypes(o: GlueTypeNode, n: GlueTypeNode, path: string, out: Change[]): void {
  const oText = renderGlueType(o);
  const nText = renderGlueType(n);
  if (oText === nText) return;
  if (o.kind === 'primitive' || n.kind === 'primitive' || o.kind !== n.kind) {
    if (isIcebergPromotion(o, n)) out.push({ path, rule: 'column-type-promoted', message: `${oText} → ${nText} (an Iceberg type promotion)` });
    else out.push({ path, rule: 'column-type-changed', message: `${oText} → ${nText}: Iceberg cannot change this type in place` });
    return;
  }
  if (o.kind === 'array' && n.kind === 'array') {
    compareTypes(o.element, n.element, `${path}[]`, out);
  } else if (o.kind === 'map' && n.kind === 'map') {
    compareTypes(o.key, n.key, `${path}{key}`, out);
    compareTypes(o.value, n.value, `${path}{value}`, out);
  } else if (o.kind === 'struct' && n.kind === 'struct') {
    const newIndex = new Map(n.fields.map((f, i) => [f.name, i]));
    const kept = o.fields.filter((f) => newIndex.has(f.name));
    for (const f of o.fields) {
      if (!newIndex.has(f.name)) out.push({ path: `${path}.${f.name}`, rule: 'struct-field-removed', message: `field ${f.name} (${renderGlueType(f.type)}) removed from the struct` });
    }
    // The kept fields must stay first and in their order; new fields may only follow them.
    const positional = kept.every((f, i) => newIndex.get(f.name) === i);
    if (!positional) {
      out.push({ path, rule: 'struct-fields-reordered', message: `struct fields change position: ${o.fields.map((f) => f.name).join(',')} → ${n.fields.map((f) => f.name).join(',')}` });
    }
    const oldByName = new Map(o.fields.map((f) => [f.name, f.type]));
    for (const f of n.fields) {
      const before = oldByName.get(f.name);
      if (before === undefined) {
        if (positional) out.push({ path: `${path}.${f.name}`, rule: 'struct-field-added', message: `field ${f.name} (${renderGlueType(f.type)}) appended to the struct` });
      } else {
        compareTypes(before, f.type, `${path}.${f.name}`, out);
      }
    }
  }
}

/**
 * The changes between two lists of curated columns (name and Glue type), under Iceberg's in-place schema evolution
 * (see the module doc). Column names are compared case-insensitively, as Glue stores them in lower case.
 * @param before - the old version's columns, in order
 * @param after - the new version's columns, in order
 * @returns one reason per change, with the pointer of the column's property
 * @throws Error when a type does not parse as a Glue type
 */
export function compareColumns(
  before: readonly { readonly name: string; readonly type: string; readonly sourcePointer: string }[],
  after: readonly { readonly name: string; readonly type: string; readonly sourcePointer: string }[],
): TableReason[] {
  const reasons: TableReason[] = [];
  const push = (pointer: string, c: Change): void => {
    reasons.push({ pointer, column: c.path, rule: c.rule, step: RULE_STEP.get(c.rule) ?? 'MODEL', message: c.message });
  };
  const oldByName = new Map(before.map((c) => [c.name.toLowerCase(), c]));
  const newNames = new Set(after.map((c) => c.name.toLowerCase()));
  for (const c of before) {
    if (!newNames.has(c.name.toLowerCase())) push(c.sourcePointer, { path: c.name, rule: 'column-removed', message: `column ${c.name} (${c.type}) is no longer in the contract` });
  }
  const keptOld = before.filter((c) => newNames.has(c.name.toLowerCase())).map((c) => c.name.toLowerCase());
  const keptNew = after.filter((c) => oldByName.has(c.name.toLowerCase())).map((c) => c.name.toLowerCase());
  if (keptOld.join(',') !== keptNew.join(',')) {
    push('/properties', { path: keptNew.join(','), rule: 'column-moved', message: `columns in another order (${keptOld.join(',')} → ${keptNew.join(',')}); the table keeps its order, columns are matched by name` });
  }
  for (const c of after) {
    const old = oldByName.get(c.name.toLowerCase());
    if (old === undefined) {
      push(c.sourcePointer, { path: c.name, rule: 'column-added', message: `column ${c.name} (${c.type}) added at the end of the table` });
      continue;
    }
    const changes: Change[] = [];
    compareTypes(parseGlueType(old.type), parseGlueType(c.type), c.name, changes);
    for (const ch of changes) push(c.sourcePointer, ch);
  }
  return reasons;
}

/**
 * The type a table column has after a newer version declares `newer` for it: the table's history kept.
 * - struct and struct: the older fields first, in their order (each merged with the newer field of the same name,
 *   or kept as it was when the newer version no longer has it: historical rows still hold it and events of the
 *   older versions still carry it), then the newer version's new fields, appended in its order;
 * - array and array, map and map: element, key and value merged the same way;
 * - a newer primitive that the older one holds by an Iceberg promotion (`bigint` then `int`, `double` then
 *   `float`, `decimal(12,2)` then `decimal(10,2)`): the older, wider type (the table keeps it; the new version's
 *   values fit, and narrowing a column is not an Iceberg change);
 * - anything else: the newer type (a change the table step classifies: a promotion, or a MODEL type change).
 * Field names compare as Glue stores them (lower case).
 */
export function mergeGlueTypes(older: GlueTypeNode, newer: GlueTypeNode): GlueTypeNode {
  if (older.kind === 'struct' && newer.kind === 'struct') {
    const newerByName = new Map(newer.fields.map((f) => [f.name, f.type]));
    const kept = older.fields.map((f) => {
      const n = newerByName.get(f.name);
      return { name: f.name, type: n === undefined ? f.type : mergeGlueTypes(f.type, n) };
    });
    const olderNames = new Set(older.fields.map((f) => f.name));
    return { kind: 'struct', fields: [...kept, ...newer.fields.filter((f) => !olderNames.has(f.name))] };
  }
  if (older.kind === 'array' && newer.kind === 'array') return { kind: 'array', element: mergeGlueTypes(older.element, newer.element) };
  if (older.kind === 'map' && newer.kind === 'map') return { kind: 'map', key: mergeGlueTypes(older.key, newer.key), value: mergeGlueTypes(older.value, newer.value) };
  if (isIcebergPromotion(newer, older)) return older;
  return newer;
}

/** A column as {@link mergeColumnHistory} reads it: a name, a Glue type and whether it can be NULL. */
export interface HistoryColumn {
  /** Column name; compared case-insensitively (Glue stores lower case). */
  readonly name: string;
  /** Glue/Hive type text. */
  readonly type: string;
  /** True when the value can be NULL. */
  readonly nullable: boolean;
}

/**
 * The columns of a curated (or raw) `_v<MODEL>` table after every version of the MODEL, oldest first: the
 * table's history, which is what the deployed table holds, not just the latest version's columns.
 * - Columns in order of first appearance (a new column is appended, as `ALTER TABLE ADD COLUMNS` does; a reorder
 *   in a later version changes nothing: columns are matched by name).
 * - A column keeps the latest version's declaration that has it (name, comment, pointer, …) with its type merged
 *   over the versions by {@link mergeGlueTypes}: a struct keeps its fields in the order they first appeared, a
 *   field a later version inserts between existing ones is appended, a field a later version drops stays.
 * - A column the latest version no longer declares stays (type as last declared, `nullable: true`): the table
 *   keeps the column's history and reads NULL in it for newer events (removing a column from an Iceberg table
 *   would hide its history from every query).
 * So a version change never removes or reorders anything in the table: what remains for the table step
 * ({@link compareColumns} of the histories before and after) is new columns and fields, and type changes.
 * With one version, the result is that version's columns (types as {@link renderGlueType} writes them).
 * @param versions - each version's columns, oldest first; at least one
 * @returns the table's columns, each an object of the latest version that declares the column, with `type` and
 *   `nullable` replaced
 * @throws Error when a type does not parse as a Glue type, or `versions` is empty
 */
export function mergeColumnHistory<C extends HistoryColumn>(versions: readonly (readonly C[])[]): C[] {
  if (versions.length === 0) throw new Error('mergeColumnHistory needs at least one version');
  const order: string[] = [];
  const merged = new Map<string, { column: C; type: GlueTypeNode; seenIn: number }>();
  versions.forEach((columns, v) => {
    for (const c of columns) {
      const id = c.name.toLowerCase();
      const before = merged.get(id);
      const type = parseGlueType(c.type);
      if (before === undefined) order.push(id);
      merged.set(id, { column: c, type: before === undefined ? type : mergeGlueTypes(before.type, type), seenIn: v });
    }
  });
  const latest = versions.length - 1;
  return order.map((id) => {
    const { column, type, seenIn } = merged.get(id)!;
    return { ...column, type: renderGlueType(type), nullable: column.nullable || seenIn !== latest };
  });
}

/** Render {@link TABLE_EVOLUTION_RULES} as a Markdown table (for the README). */
export function renderTableEvolutionRulesMarkdown(): string {
  return ['| rule | step | meaning |', '|---|---|---|', ...TABLE_EVOLUTION_RULES.map((r) => `| \`${r.id}\` | ${r.step} | ${r.description} |`)].join('\n');
}
