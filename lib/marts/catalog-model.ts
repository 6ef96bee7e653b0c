/**
 * The catalog model the SQL checks resolve names against: tables by zone-qualified logical name
 * (`raw.rating_submitted_v1`, `curated.tag_added_v1`, `marts.daily_engagement`) → columns.
 *
 * Column types are Glue (Hive DDL) type strings: `string`, `int`, `bigint`, `double`, `boolean`,
 * `timestamp`, `date`, `array<string>`, `struct<user_id:int,rating:double>`.
 */

/** The lake zones SQL may reference. */
export type LakeZone = 'raw' | 'curated' | 'marts';

/** One column of a catalog table. */
export interface CatalogColumn {
  /** Column name, lower case (Glue rules). */
  readonly name: string;
  /** Glue type string, e.g. `bigint`, `struct<user_id:int>`. */
  readonly type: string;
  /** What the column means. @default - none */
  readonly description?: string;
}

/** One table of the catalog model. */
export interface CatalogTable {
  /** Zone-qualified logical name, e.g. `curated.rating_submitted_v1`. */
  readonly name: string;
  /** Data columns in table order, partition keys excluded. */
  readonly columns: readonly CatalogColumn[];
  /** Partition keys (also queryable as columns). @default [] */
  readonly partitionKeys?: readonly CatalogColumn[];
}

/** Tables by zone-qualified logical name. */
export interface CatalogModel {
  readonly tables: ReadonlyMap<string, CatalogTable>;
}

/**
 * Builds a catalog model from tables.
 *
 * @throws Error when a name is not zone-qualified (`<raw|curated|marts>.<table>`) or appears twice.
 */
export function catalogModel(tables: readonly CatalogTable[]): CatalogModel {
  const byName = new Map<string, CatalogTable>();
  for (const table of tables) {
    if (!/^(raw|curated|marts)\.[a-z][a-z0-9_]*$/.test(table.name)) {
      throw new Error(`Catalog table "${table.name}" must be named <raw|curated|marts>.<lower_snake_name>`);
    }
    if (byName.has(table.name)) {
      throw new Error(`Catalog table "${table.name}" is defined twice`);
    }
    byName.set(table.name, table);
  }
  return { tables: byName };
}

/** All queryable columns of a table: data columns then partition keys. */
export function allColumns(table: CatalogTable): readonly CatalogColumn[] {
  return [...table.columns, ...(table.partitionKeys ?? [])];
}

/**
 * The fields of a Glue `struct<…>` type, or `undefined` when the type is not a struct.
 *
 * @example structFields('struct<a:int,b:struct<c:string>>') // [{name:'a',type:'int'},{name:'b',type:'struct<c:string>'}]
 */
export function structFields(type: string): CatalogColumn[] | undefined {
  const t = type.trim();
  if (!/^struct<.*>$/is.test(t)) {
    return undefined;
  }
  const body = t.slice('struct<'.length, -1);
  const fields: CatalogColumn[] = [];
  let depth = 0;
  let start = 0;
  const push = (part: string): void => {
    const colon = part.indexOf(':');
    if (colon > 0) {
      fields.push({ name: part.slice(0, colon).trim().toLowerCase(), type: part.slice(colon + 1).trim() });
    }
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      push(body.slice(start, i));
      start = i + 1;
    }
  }
  push(body.slice(start));
  return fields;
}

/**
 * Splits a type or argument list at its top-level commas, ignoring commas nested in `<…>` or `(…)`:
 * `a:int,b:struct<c:int,d:decimal(10,2)>` → `['a:int', 'b:struct<c:int,d:decimal(10,2)>']`. Parts are
 * trimmed; empty parts are dropped.
 */
export function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '<' || ch === '(') depth++;
    else if (ch === '>' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(body.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}
