/**
 * Adapter from the data-contract model (`lib/contracts`) to the tables the marts need: one
 * {@link ContractTable} per contract MODEL. The rest of `lib/marts` only sees {@link ContractTable}.
 *
 * There is ONE JSON Schema → Glue mapping in the repository: `mapContract` in
 * `lib/contracts/glue-types.ts` (rules table `GLUE_TYPE_RULES`). This adapter only groups the
 * loaded contracts by MODEL and asks that mapping for the columns of both zones of every version, merged into the
 * table's history (`mergeColumnHistory` of lambdas/shared/contracts/column-evolution.ts: every column and struct
 * field any version of the MODEL declared, in the order it first appeared, with the latest declaration's type;
 * a property a later version drops keeps its column, NULL for newer events). The table of a MODEL therefore
 * reads the events of every version, and a version change only ever appends columns and fields:
 * - raw zone (`data` struct fields): JSON keys lower-cased, because the OpenX JSON SerDe matches
 *   keys case-insensitively and cannot rename fields (`osType` → `ostype`);
 * - curated zone (typed columns): Glue style, camelCase → snake_case (`osType` → `os_type`).
 * The two are paired by `sourcePointer` (the property's JSON pointer in the contract), which is how
 * the curated SQL maps `data.<raw_name> AS <curated_name>`.
 */
import * as fs from 'node:fs';
import { loadContracts, type LoadedContract } from '../contracts/loader';
import { type Contract } from '../contracts/contract';
import { GLUE_COMMENT_MAX, mapContract, type GlueColumn } from '../contracts/glue-types';
import { type GlueTypeNode, mergeColumnHistory, parseGlueType } from '../contracts/table-step';
import type { CatalogColumn } from './catalog-model';

/** A contract property as a column in one zone, with where it comes from in the contract. */
export interface ContractColumn extends CatalogColumn {
  /** JSON pointer of the property's schema in the contract, e.g. `/properties/user_id`; pairs raw and curated columns. */
  readonly sourcePointer: string;
  /** True when the value can be NULL (optional property, or a type that admits `null`). */
  readonly nullable: boolean;
  /**
   * The property's key in the JSON event as producers write it (e.g. `osType`, `a-b`).
   * @default - the last token of {@link sourcePointer}
   */
  readonly jsonKey?: string;
}

/** One version of a contract as it is published: its Iglu URI and the text of its file. */
export interface ContractSchemaText {
  /** Full Iglu URI, e.g. `iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0` (equals the schema's `self`). */
  readonly uri: string;
  /** The schema file's text, unchanged (UTF-8): the registry object's content, byte for byte. */
  readonly text: string;
}

/** One contract MODEL as a table: the columns are the history of every version within that MODEL. */
export interface ContractTable {
  /** Iglu vendor, e.g. `com.lakeforge.ott`. */
  readonly vendor: string;
  /** Iglu name, e.g. `rating_submitted`. */
  readonly contractName: string;
  /** SchemaVer MODEL. */
  readonly model: number;
  /** Glue table name `<name>_v<MODEL>` (same in raw and curated); see {@link contractTableName}. */
  readonly tableName: string;
  /** The full Iglu URI of the latest version within the MODEL (its description and declarations win in the history). */
  readonly schemaUri: string;
  /** Every version of this MODEL found in the contracts folder, as full Iglu URIs, oldest first. */
  readonly versions: readonly string[];
  /**
   * Every version of {@link versions} as it is published to the contract registry (same order: oldest first),
   * set by {@link readContractTables}. A `DataProduct` with a `registry` publishes them.
   * @default - unknown (a table built by hand): a `DataProduct` with a `registry` refuses it
   */
  readonly schemas?: readonly ContractSchemaText[];
  /** The latest version's top-level `description`. @default - none */
  readonly description?: string;
  /** Raw zone key prefix: `events/<vendor>/<name>/v<MODEL>/`. */
  readonly rawPrefix: string;
  /**
   * Curated-zone columns: the top-level properties of every version with snake_case names, in the order they first
   * appeared; a property the latest version no longer declares stays, `nullable`.
   */
  readonly columns: readonly ContractColumn[];
  /** Raw-zone fields of the `data` struct: lower-cased JSON keys, the same history and order as {@link columns}. */
  readonly rawColumns: readonly ContractColumn[];
  /**
   * OpenX JSON SerDe key mappings of the raw table, raw field name → JSON key, for keys whose raw name is not
   * the key lower-cased (`a-b` → field `a_b`), at any nesting level: the raw table declares each as the SerDe
   * parameter `mapping.<name>` (see `renderRawEventTableInput`), and the local runtime reads keys the same way.
   * @default - none (every key is its raw name, up to case)
   */
  readonly rawKeyMappings?: Readonly<Record<string, string>>;
}

/**
 * The Glue table name of a contract MODEL (cross-team conventions): the Iglu name lower-cased,
 * characters outside `[a-z0-9]` → `_`, then `_v<MODEL>` (`rating-submitted`, MODEL 2 → `rating_submitted_v2`).
 */
export function contractTableName(name: string, model: number): string {
  return `${name.toLowerCase().replace(/[^a-z0-9]/g, '_')}_v${model}`;
}

function toContractColumn(c: GlueColumn): ContractColumn {
  return {
    name: c.name,
    type: c.type,
    ...(c.comment === undefined ? {} : { description: c.comment }),
    sourcePointer: c.sourcePointer,
    nullable: c.nullable,
    jsonKey: c.jsonKey,
  };
}

/**
 * Reads every contract under `contractsDir` (Iglu layout, via `loadContracts`) and returns one
 * table per (vendor, name, MODEL), sorted by table name.
 *
 * @param contractsDir - the `config/contracts` folder.
 * @throws ContractError when a contract file cannot be loaded, or a version cannot be mapped to Glue columns
 *   (unsupported construct, name clash, reserved curated name).
 * @throws Error when two contracts map to the same table name, or two versions of a MODEL read one raw field
 *   from different JSON keys.
 */
export function readContractTables(contractsDir: string): ContractTable[] {
  // loadContracts sorts by vendor, name, version: versions arrive oldest first, the last one per MODEL is the latest.
  const byModel = new Map<string, LoadedContract[]>();
  for (const entry of loadContracts(contractsDir)) {
    const { vendor, name, version } = entry.contract.uri;
    const key = `${vendor}/${name}/${version.model}`;
    byModel.set(key, [...(byModel.get(key) ?? []), entry]);
  }
  const tables: ContractTable[] = [];
  const owners = new Map<string, string>();
  for (const entries of byModel.values()) {
    // The file as it is (loadContracts parsed this very file): the lock's sha256 and the registry object agree.
    const schemas = entries.map((e) => ({ uri: e.contract.id, text: fs.readFileSync(e.contract.file, 'utf8') }));
    const table = contractTableOf(entries.map((e) => e.contract), schemas);
    const other = owners.get(table.tableName);
    if (other !== undefined) {
      throw new Error(`Contracts ${other} and ${table.schemaUri} both map to the Glue table "${table.tableName}"; rename one`);
    }
    owners.set(table.tableName, table.schemaUri);
    tables.push(table);
  }
  return tables.sort((a, b) => a.tableName.localeCompare(b.tableName));
}

/**
 * The table of one contract MODEL from its versions (what {@link readContractTables} builds for each MODEL of a
 * folder): columns of both zones merged over the versions ({@link ContractTable.columns}), the latest version's
 * URI and description.
 * @param versions - the versions of one vendor/name/MODEL, oldest first; at least one
 * @param schemas - the versions' registry texts, same order. @default - none (the table cannot be published)
 * @throws ContractError when a version cannot be mapped to Glue columns (its first problem)
 * @throws Error when `versions` is empty or mixes contracts or MODELs, or the versions read one raw field from
 *   different JSON keys
 */
export function contractTableOf(versions: readonly Contract[], schemas?: readonly ContractSchemaText[]): ContractTable {
  const latest = versions[versions.length - 1];
  if (latest === undefined) throw new Error('contractTableOf needs at least one version');
  const { vendor, name, version } = latest.uri;
  const stranger = versions.find((c) => c.uri.vendor !== vendor || c.uri.name !== name || c.uri.version.model !== version.model);
  if (stranger !== undefined) throw new Error(`contractTableOf: ${stranger.id} is not a version of ${latest.id}'s MODEL`);
  const description = typeof latest.schema.description === 'string' ? latest.schema.description : undefined;
  const { columns, rawColumns, rawKeyMappings } = tableHistory(versions);
  return {
    vendor,
    contractName: name,
    model: version.model,
    tableName: contractTableName(name, version.model),
    schemaUri: latest.id,
    versions: versions.map((c) => c.id),
    ...(schemas === undefined ? {} : { schemas }),
    ...(description === undefined ? {} : { description }),
    rawPrefix: `events/${vendor}/${name}/v${version.model}/`,
    columns: columns.map(toContractColumn),
    rawColumns: rawColumns.map(toContractColumn),
    ...(Object.keys(rawKeyMappings).length === 0 ? {} : { rawKeyMappings }),
  };
}

/**
 * The columns of one MODEL's tables over its versions (oldest first): each zone's columns merged by
 * `mergeColumnHistory` (every column and struct field any version declared, in the order it first appeared; a
 * column the latest version dropped stays, nullable), and the SerDe key mappings of every version.
 * @throws ContractError when a version cannot be mapped (its first problem)
 * @throws Error when two versions map the same raw field name to different JSON keys (the raw table reads one key
 *   per field): a change that needs a new MODEL
 */
function tableHistory(contracts: readonly Contract[]): { columns: GlueColumn[]; rawColumns: GlueColumn[]; rawKeyMappings: Record<string, string> } {
  const mappings = contracts.map((c) => {
    const mapping = mapContract(c);
    if (mapping.errors.length > 0) throw mapping.errors[0];
    return { id: c.id, mapping };
  });
  const rawKeyMappings: Record<string, string> = {};
  const mappedBy: Record<string, string> = {};
  for (const { id, mapping } of mappings) {
    for (const [field, key] of Object.entries(mapping.rawKeyMappings)) {
      const before = rawKeyMappings[field];
      if (before !== undefined && before !== key) {
        throw new Error(`${id}: raw field "${field}" reads the JSON key "${key}", but ${mappedBy[field]} maps it to "${before}"; a table reads one key per field: publish this change as a new MODEL`);
      }
      rawKeyMappings[field] = key;
      mappedBy[field] ??= id;
    }
  }
  const columns = retiredNoted(mergeColumnHistory(mappings.map((m) => m.mapping.columns)), mappings);
  const rawColumns = mergeColumnHistory(mappings.map((m) => m.mapping.rawColumns));
  // The curated SQL casts a raw struct to its curated struct, which Trino does field by position: both zones'
  // histories must have the same fields in the same places (they do unless two versions spell a key differently
  // in a way one zone merges and the other does not, e.g. `osType` then `os_type`).
  const rawByPointer = new Map(rawColumns.map((c) => [c.sourcePointer, c]));
  // Top level: the zones pair columns by the property's pointer. Two versions whose keys differ but meet in one
  // zone (`osType` then `os_type`: one curated column, two raw fields) would leave one side unpaired, and the
  // events of one version would never reach their curated column.
  const curatedPointers = new Set(columns.map((c) => c.sourcePointer));
  const unpaired = [...rawColumns.filter((c) => !curatedPointers.has(c.sourcePointer)), ...columns.filter((c) => !rawByPointer.has(c.sourcePointer))];
  if (unpaired.length > 0) {
    const keys = unpaired.map((c) => `"${c.jsonKey}"`).join(', ');
    throw new Error(`${contracts[contracts.length - 1].id}: the versions of this MODEL spell a property two ways that meet in one column (${keys} at ${unpaired.map((c) => c.sourcePointer).join(', ')}); the events of one version would not reach the curated column: publish this change as a new MODEL`);
  }
  for (const c of columns) {
    const raw = rawByPointer.get(c.sourcePointer);
    const mismatch = raw === undefined ? undefined : shapeMismatch(parseGlueType(raw.type), parseGlueType(c.type), c.name);
    if (mismatch !== undefined) {
      throw new Error(`${contracts[contracts.length - 1].id}: the versions of this MODEL name the fields of ${mismatch} differently (raw ${raw!.type}, curated ${c.type}); a table reads one key per field: publish this change as a new MODEL`);
    }
  }
  return { columns, rawColumns, rawKeyMappings };
}

/**
 * The curated columns with a note on each column the latest version no longer declares, for the catalog docs and
 * the Glue comment: ` [not declared since <version>: NULL for its events]`, the comment cut to fit Glue's
 * {@link GLUE_COMMENT_MAX} characters.
 */
function retiredNoted(columns: GlueColumn[], versions: readonly { id: string; mapping: { columns: readonly GlueColumn[] } }[]): GlueColumn[] {
  const declares = (v: { mapping: { columns: readonly GlueColumn[] } }, name: string): boolean => v.mapping.columns.some((c) => c.name === name);
  return columns.map((c) => {
    if (declares(versions[versions.length - 1], c.name)) return c;
    // The version after the last one that declares the column.
    const last = versions.map((v) => declares(v, c.name)).lastIndexOf(true);
    const since = versions[last + 1].id.slice(versions[last + 1].id.lastIndexOf('/') + 1);
    const note = ` [not declared since ${since}: NULL for its events]`;
    const base = c.comment ?? '';
    const comment = base.length + note.length > GLUE_COMMENT_MAX ? `${base.slice(0, GLUE_COMMENT_MAX - note.length - 1)}…${note}` : `${base}${note}`;
    return { ...c, comment: comment.trim() };
  });
}

/** Where a raw type and its curated type stop pairing field by field (struct field counts differ), or `undefined`. */
function shapeMismatch(raw: GlueTypeNode, curated: GlueTypeNode, at: string): string | undefined {
  if (raw.kind === 'struct' && curated.kind === 'struct') {
    if (raw.fields.length !== curated.fields.length) return at;
    for (let i = 0; i < raw.fields.length; i += 1) {
      const inner = shapeMismatch(raw.fields[i].type, curated.fields[i].type, `${at}.${curated.fields[i].name}`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (raw.kind === 'array' && curated.kind === 'array') return shapeMismatch(raw.element, curated.element, `${at}[]`);
  if (raw.kind === 'map' && curated.kind === 'map') return shapeMismatch(raw.value, curated.value, `${at}{value}`);
  return undefined;
}
