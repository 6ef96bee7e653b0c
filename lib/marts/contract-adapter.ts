/**
 * Adapter from the data-contract model (`lib/contracts`) to the tables the marts need: one
 * {@link ContractTable} per contract MODEL. The rest of `lib/marts` only sees {@link ContractTable}.
 *
 * There is ONE JSON Schema → Glue mapping in the repository: `mapContract` in
 * `lib/contracts/glue-types.ts` (rules table `GLUE_TYPE_RULES`). This adapter only groups the
 * loaded contracts by MODEL, picks the latest version within each MODEL, and asks that mapping for
 * the columns of both zones:
 * - raw zone (`data` struct fields): JSON keys lower-cased, because the OpenX JSON SerDe matches
 *   keys case-insensitively and cannot rename fields (`osType` → `ostype`);
 * - curated zone (typed columns): Glue style, camelCase → snake_case (`osType` → `os_type`).
 * The two are paired by `sourcePointer` (the property's JSON pointer in the contract), which is how
 * the curated SQL maps `data.<raw_name> AS <curated_name>`.
 */
import * as fs from 'node:fs';
import { loadContracts, type LoadedContract } from '../contracts/loader';
import { mapContract, type GlueColumn } from '../contracts/glue-types';
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

/** One contract MODEL as a table: the latest version within that MODEL decides the columns. */
export interface ContractTable {
  /** Iglu vendor, e.g. `com.lakeforge.ott`. */
  readonly vendor: string;
  /** Iglu name, e.g. `rating_submitted`. */
  readonly contractName: string;
  /** SchemaVer MODEL. */
  readonly model: number;
  /** Glue table name `<name>_v<MODEL>` (same in raw and curated); see {@link contractTableName}. */
  readonly tableName: string;
  /** The full Iglu URI of the version the columns come from (the latest within the MODEL). */
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
  /** Curated-zone columns: the contract's top-level properties with snake_case names, in declaration order. */
  readonly columns: readonly ContractColumn[];
  /** Raw-zone fields of the `data` struct: lower-cased JSON keys, same order as {@link columns}. */
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
 * @throws ContractError when a contract file cannot be loaded, or its latest version within a
 *   MODEL cannot be mapped to Glue columns (unsupported construct, name clash, reserved curated name).
 * @throws Error when two contracts map to the same table name.
 */
export function readContractTables(contractsDir: string): ContractTable[] {
  // loadContracts sorts by vendor, name, version: the last version seen per MODEL is the latest.
  const byModel = new Map<string, { versions: string[]; schemas: ContractSchemaText[]; latest: LoadedContract }>();
  for (const entry of loadContracts(contractsDir)) {
    const { vendor, name, version } = entry.contract.uri;
    const key = `${vendor}/${name}/${version.model}`;
    const group = byModel.get(key);
    // The file as it is (loadContracts parsed this very file): the lock's sha256 and the registry object agree.
    const schema = { uri: entry.contract.id, text: fs.readFileSync(entry.contract.file, 'utf8') };
    if (group === undefined) byModel.set(key, { versions: [entry.contract.id], schemas: [schema], latest: entry });
    else byModel.set(key, { versions: [...group.versions, entry.contract.id], schemas: [...group.schemas, schema], latest: entry });
  }
  const tables: ContractTable[] = [];
  const owners = new Map<string, string>();
  for (const { versions, schemas, latest } of byModel.values()) {
    const contract = latest.contract;
    const { vendor, name, version } = contract.uri;
    const tableName = contractTableName(name, version.model);
    const other = owners.get(tableName);
    if (other !== undefined) {
      throw new Error(`Contracts ${other} and ${contract.id} both map to the Glue table "${tableName}"; rename one`);
    }
    owners.set(tableName, contract.id);
    const description = typeof contract.schema.description === 'string' ? contract.schema.description : undefined;
    const mapping = mapContract(contract);
    if (mapping.errors.length > 0) throw mapping.errors[0];
    tables.push({
      vendor,
      contractName: name,
      model: version.model,
      tableName,
      schemaUri: contract.id,
      versions,
      schemas,
      ...(description === undefined ? {} : { description }),
      rawPrefix: `events/${vendor}/${name}/v${version.model}/`,
      columns: mapping.columns.map(toContractColumn),
      rawColumns: mapping.rawColumns.map(toContractColumn),
      ...(Object.keys(mapping.rawKeyMappings).length === 0 ? {} : { rawKeyMappings: mapping.rawKeyMappings }),
    });
  }
  return tables.sort((a, b) => a.tableName.localeCompare(b.tableName));
}
