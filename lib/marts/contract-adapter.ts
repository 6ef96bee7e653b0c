/**
 * A deliberately tiny adapter from `config/contracts` (Iglu layout) to the columns the marts need.
 *
 * Isolated so it can be swapped for `lib/contracts` (JSON Schema → Glue columns) later: the rest of
 * `lib/marts` only sees {@link ContractTable}. It reads the JSON files directly and maps only
 * top-level properties (documented mapping below); it does not validate the contracts.
 *
 * Type mapping (JSON Schema → Glue): integer → `int` when `minimum`/`maximum` fit in 32 bits,
 * else `bigint`; number → `double`; string → `string`; boolean → `boolean`;
 * array → `array<item>`; object → `struct<…>`; a `["x","null"]` type maps like `x`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatalogColumn } from './catalog-model';

/** One contract MODEL as a table: the latest version within that MODEL decides the columns. */
export interface ContractTable {
  /** Iglu vendor, e.g. `com.lakeforge.ott`. */
  readonly vendor: string;
  /** Iglu name, e.g. `rating_submitted`. */
  readonly contractName: string;
  /** SchemaVer MODEL. */
  readonly model: number;
  /** Glue table name `<name>_v<MODEL>` (same in raw and curated). */
  readonly tableName: string;
  /** The full Iglu URI of the version the columns come from. */
  readonly schemaUri: string;
  /** Raw zone key prefix: `events/<vendor>/<name>/v<MODEL>/`. */
  readonly rawPrefix: string;
  /** The contract's top-level properties as columns (snake_case names), in declaration order. */
  readonly columns: readonly CatalogColumn[];
}

interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly items?: JsonSchemaNode;
  readonly minimum?: number;
  readonly maximum?: number;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** camelCase → snake_case, lower case, non-[a-z0-9_] → `_` (Glue column rules). */
export function glueName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

/**
 * The Glue type of a JSON Schema node (mapping in the module doc).
 *
 * @throws Error when the node has no usable `type`.
 */
export function glueType(node: JsonSchemaNode): string {
  const types = (Array.isArray(node.type) ? node.type : [node.type]).filter((t): t is string => t !== undefined && t !== 'null');
  const type = types[0];
  switch (type) {
    case 'integer':
      return node.minimum !== undefined && node.maximum !== undefined && node.minimum >= INT32_MIN && node.maximum <= INT32_MAX
        ? 'int'
        : 'bigint';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `array<${node.items === undefined ? 'string' : glueType(node.items)}>`;
    case 'object': {
      const fields = Object.entries(node.properties ?? {}).map(([k, v]) => `${glueName(k)}:${glueType(v)}`);
      return fields.length === 0 ? 'string' : `struct<${fields.join(',')}>`;
    }
    default:
      throw new Error(`Unsupported JSON Schema type ${JSON.stringify(node.type)}`);
  }
}

function parseVersion(file: string): [number, number, number] | undefined {
  const m = /^(\d+)-(\d+)-(\d+)(\.json)?$/.exec(file);
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Reads every contract under `contractsDir` and returns one table per (vendor, name, MODEL),
 * sorted by table name.
 *
 * @param contractsDir - the `config/contracts` folder.
 * @throws Error when a contract file is not JSON or has an unsupported property type.
 */
export function readContractTables(contractsDir: string): ContractTable[] {
  const tables: ContractTable[] = [];
  for (const vendor of fs.readdirSync(contractsDir).sort()) {
    const vendorDir = path.join(contractsDir, vendor);
    if (!fs.statSync(vendorDir).isDirectory()) continue;
    for (const name of fs.readdirSync(vendorDir).sort()) {
      const dir = path.join(vendorDir, name, 'jsonschema');
      if (!fs.existsSync(dir)) continue;
      const latestByModel = new Map<number, { version: [number, number, number]; file: string }>();
      for (const file of fs.readdirSync(dir)) {
        const version = parseVersion(file);
        if (version === undefined) continue;
        const current = latestByModel.get(version[0]);
        if (current === undefined || version[1] * 1e6 + version[2] > current.version[1] * 1e6 + current.version[2]) {
          latestByModel.set(version[0], { version, file });
        }
      }
      for (const [model, { version, file }] of latestByModel) {
        const schema = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as JsonSchemaNode;
        const tableName = `${glueName(name)}_v${model}`;
        tables.push({
          vendor,
          contractName: name,
          model,
          tableName,
          schemaUri: `iglu:${vendor}/${name}/jsonschema/${version.join('-')}`,
          rawPrefix: `events/${vendor}/${name}/v${model}/`,
          columns: Object.entries(schema.properties ?? {}).map(([prop, node]) => ({ name: glueName(prop), type: glueType(node) })),
        });
      }
    }
  }
  return tables.sort((a, b) => a.tableName.localeCompare(b.tableName));
}
