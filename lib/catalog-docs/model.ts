/**
 * The catalog docs model: every data product with its contracts (all versions), tables (columns,
 * types, descriptions, PII flags, physical names per environment), batch tables and the marts that
 * read them. Pure: built from already-loaded declarations; the renderers (`markdown.ts`,
 * `html.ts`) turn it into text, and `lakeforge catalog` does the I/O.
 */
import type { CatalogColumn, CatalogTable } from '../marts/catalog-model';
import type { ContractTable } from '../marts/contract-adapter';
import { curatedTable, rawTable } from '../marts/curated';
import type { ProductDeclaration } from '../products/declaration';
import type { ConsumersConfig } from '../../config/schema';
import { consumerRoleName, databaseName, workgroupName, type CatalogZone } from '../shared/naming';

/** One column of a documented table. */
export interface ColumnDoc {
  /** Column name; raw `data` struct fields appear as `data.<field>`. */
  readonly name: string;
  /** Glue type string. */
  readonly type: string;
  /** What the column means; `''` when the source says nothing. */
  readonly description: string;
  /** True when the column holds personal data (the product's `classification.piiColumns`), or, for `data`, contains a field that does. */
  readonly pii: boolean;
  /** True for partition keys. */
  readonly partitionKey: boolean;
}

/** The physical name of a table in one environment. */
export interface PhysicalName {
  /** Environment, e.g. `dev`. */
  readonly env: string;
  /** `lakeforge_<env>_<zone>.<table>`. */
  readonly name: string;
}

/** One documented table. */
export interface TableDoc {
  /** Zone-qualified logical name, e.g. `curated.rating_submitted_v1`. */
  readonly logicalName: string;
  /** Lake zone. */
  readonly zone: CatalogZone;
  /** Columns, then partition keys. */
  readonly columns: readonly ColumnDoc[];
  /** One physical name per environment, in the order given to {@link buildCatalogDocs}. */
  readonly physicalNames: readonly PhysicalName[];
}

/** One contract MODEL a product declares, with its tables. */
export interface ContractDoc {
  /** The Iglu URI as declared by the product. */
  readonly declaredUri: string;
  /** Iglu `vendor/name`. */
  readonly schemaKey: string;
  /** SchemaVer MODEL. */
  readonly model: number;
  /** The latest version within the MODEL (its columns are documented). */
  readonly latestUri: string;
  /** Every version of this schema in the contracts folder, all MODELs, oldest first. */
  readonly versions: readonly string[];
  /** The contract's description; `''` when it has none. */
  readonly description: string;
  /** Raw then curated table. */
  readonly tables: readonly [TableDoc, TableDoc];
}

/** A mart that reads at least one of a product's tables. */
export interface MartDoc {
  /** Mart name. */
  readonly name: string;
  /** Output table, `marts.<name>`. */
  readonly table: string;
  /** Owning team. */
  readonly owner: string;
  /** What one row means. */
  readonly description: string;
  /** EventBridge Scheduler expression. */
  readonly schedule: string;
  /** The product's tables it reads (logical names, sorted). */
  readonly reads: readonly string[];
}

/** Who a consumer is in one environment: the IAM role its grants go to and the workgroup it queries in. */
export interface ConsumerAccess {
  /** The role: `lakeforge-<env>-<consumer>` (created by the platform) or the ARN of an existing role. */
  readonly role: string;
  /** The Athena workgroup name, e.g. `lakeforge-prod-bi`. */
  readonly workgroup: string;
}

/** One consumer that can read a product in one environment. */
export interface ReaderDoc extends ConsumerAccess {
  /** The consumer's short name, e.g. `analysts`. */
  readonly consumer: string;
  /** Environment, e.g. `prod`. */
  readonly env: string;
}

/** One documented data product. */
export interface ProductDoc {
  readonly name: string;
  readonly owner: string;
  readonly description: string;
  readonly domain: string;
  /** Classification level: public, internal, confidential or restricted. */
  readonly classification: string;
  /** Curated column names that hold personal data. */
  readonly piiColumns: readonly string[];
  /** Freshness SLA in minutes. */
  readonly freshnessSlaMinutes: number;
  /** Consumers (short names) the product declares. */
  readonly consumers: readonly string[];
  /**
   * Who can read the product: per declared consumer and environment that defines it, its role and workgroup
   * (consumer order, then environment order). A consumer an environment does not define has no row there.
   */
  readonly readers: readonly ReaderDoc[];
  /** Declared contracts, in declaration order. */
  readonly contracts: readonly ContractDoc[];
  /** Vendor batch tables (raw zone). */
  readonly batchTables: readonly TableDoc[];
  /** Marts reading any of the product's tables, by name. */
  readonly marts: readonly MartDoc[];
}

/** The whole catalog. */
export interface CatalogDocs {
  /** Products sorted by name. */
  readonly products: readonly ProductDoc[];
  /** Environments the physical names are given for. */
  readonly environments: readonly string[];
}

/** A mart as the catalog needs it: declaration facts plus the tables its SQL reads. */
export interface MartReads {
  readonly name: string;
  readonly table: string;
  readonly owner: string;
  readonly description: string;
  readonly schedule: string;
  /** Zone-qualified logical names of every table the mart's SQL reads (e.g. from `analyzeStatement`). */
  readonly tablesRead: readonly string[];
}

/** Inputs of {@link buildCatalogDocs}. */
export interface CatalogDocsInput {
  /** Validated product declarations. */
  readonly products: readonly ProductDeclaration[];
  /** Contract tables (`readContractTables`), one per contract MODEL. */
  readonly contracts: readonly ContractTable[];
  /** Batch table definitions (`BATCH_TABLES`), named `raw.<table>`. */
  readonly batchTables: readonly CatalogTable[];
  /** Marts with the tables they read. */
  readonly marts: readonly MartReads[];
  /** Environments, e.g. `['dev', 'acc', 'prod']`. */
  readonly environments: readonly string[];
  /**
   * The consumers each environment defines, by environment then consumer name ({@link consumerAccess} of each
   * environment's `analytics.consumers`).
   * @default - none: products list their consumer names only, with no readers
   */
  readonly consumers?: Readonly<Record<string, Readonly<Record<string, ConsumerAccess>>>>;
}

/**
 * The role and workgroup of each consumer of one environment, as the Analytics stack creates them: a role the
 * platform creates is `lakeforge-<env>-<consumer>`, an existing one is its `roleArn`.
 *
 * @param env - environment name, e.g. `prod`.
 * @param consumers - the environment's `analytics.consumers` (parsed).
 */
export function consumerAccess(env: string, consumers: ConsumersConfig): Record<string, ConsumerAccess> {
  return Object.fromEntries(
    Object.entries(consumers).map(([name, c]) => [name, { role: c.roleArn ?? consumerRoleName(env, name), workgroup: workgroupName(env, c.workgroup) }]),
  );
}

/** Thrown when a product refers to a contract or batch table that does not exist. */
export class CatalogDocsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogDocsError';
  }
}

const IGLU_RE = /^iglu:([^/]+)\/([^/]+)\/jsonschema\/(\d+)-(\d+)-(\d+)$/;

function physicalNames(logicalName: string, environments: readonly string[]): PhysicalName[] {
  const dot = logicalName.indexOf('.');
  const zone = logicalName.slice(0, dot) as CatalogZone;
  return environments.map((env) => ({ env, name: `${databaseName(env, zone)}.${logicalName.slice(dot + 1)}` }));
}

function tableDoc(table: CatalogTable, environments: readonly string[], isPii: (c: CatalogColumn) => boolean, extraRows: (c: CatalogColumn) => ColumnDoc[] = () => []): TableDoc {
  const row = (c: CatalogColumn, partitionKey: boolean): ColumnDoc => ({ name: c.name, type: c.type, description: c.description ?? '', pii: isPii(c), partitionKey });
  return {
    logicalName: table.name,
    zone: table.name.slice(0, table.name.indexOf('.')) as CatalogZone,
    columns: [...table.columns.flatMap((c) => [row(c, false), ...extraRows(c)]), ...(table.partitionKeys ?? []).map((c) => row(c, true))],
    physicalNames: physicalNames(table.name, environments),
  };
}

function contractDoc(uri: string, product: ProductDeclaration, input: CatalogDocsInput): ContractDoc {
  const m = IGLU_RE.exec(uri);
  const model = m === null ? NaN : Number(m[3]);
  const table = m === null ? undefined : input.contracts.find((t) => t.vendor === m[1] && t.contractName === m[2] && t.model === model);
  if (m === null || table === undefined || !input.contracts.some((t) => t.versions.includes(uri))) {
    throw new CatalogDocsError(`Data product "${product.name}" declares contract ${uri}, which is not in the contracts folder`);
  }
  const pii = new Set(product.classification.piiColumns);
  const curatedPii = new Set(table.columns.filter((c) => pii.has(c.name)).map((c) => c.sourcePointer));
  const rawFields = (c: CatalogColumn): ColumnDoc[] =>
    c.name !== 'data'
      ? []
      : table.rawColumns.map((f) => ({ name: `data.${f.name}`, type: f.type, description: f.description ?? '', pii: curatedPii.has(f.sourcePointer), partitionKey: false }));
  const raw = tableDoc(rawTable(table), input.environments, (c) => c.name === 'data' && curatedPii.size > 0, rawFields);
  const curated = tableDoc(curatedTable(table), input.environments, (c) => pii.has(c.name));
  const versions = input.contracts
    .filter((t) => t.vendor === table.vendor && t.contractName === table.contractName)
    .sort((a, b) => a.model - b.model)
    .flatMap((t) => t.versions);
  return {
    declaredUri: uri,
    schemaKey: `${table.vendor}/${table.contractName}`,
    model,
    latestUri: table.schemaUri,
    versions,
    description: table.description ?? '',
    tables: [raw, curated],
  };
}

/**
 * Builds the catalog docs model.
 *
 * @throws CatalogDocsError when a product declares a contract version that is not in
 *   `input.contracts`, or a batch table that is not in `input.batchTables`.
 * @throws Error from `databaseName` when an environment name is invalid.
 */
export function buildCatalogDocs(input: CatalogDocsInput): CatalogDocs {
  const products = [...input.products]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p): ProductDoc => {
      const pii = new Set(p.classification.piiColumns);
      const contracts = p.contracts.map((uri) => contractDoc(uri, p, input));
      const batchTables = p.batchTables.map((name) => {
        const table = input.batchTables.find((t) => t.name === `raw.${name}`);
        if (table === undefined) throw new CatalogDocsError(`Data product "${p.name}" declares batch table ${name}, which is not defined`);
        return tableDoc(table, input.environments, (c) => pii.has(c.name));
      });
      const own = new Set([...contracts.flatMap((c) => c.tables.map((t) => t.logicalName)), ...batchTables.map((t) => t.logicalName)]);
      const marts = input.marts
        .map((mart) => ({ mart, reads: [...new Set(mart.tablesRead.filter((t) => own.has(t)))].sort() }))
        .filter(({ reads }) => reads.length > 0)
        .sort((a, b) => a.mart.name.localeCompare(b.mart.name))
        .map(({ mart, reads }): MartDoc => ({ name: mart.name, table: mart.table, owner: mart.owner, description: mart.description, schedule: mart.schedule, reads }));
      return {
        name: p.name,
        owner: p.owner,
        description: p.description,
        domain: p.domain,
        classification: p.classification.level,
        piiColumns: [...p.classification.piiColumns],
        freshnessSlaMinutes: p.freshnessSlaMinutes,
        consumers: [...p.consumers],
        readers: p.consumers.flatMap((consumer) =>
          input.environments.flatMap((env) => {
            const access = input.consumers?.[env]?.[consumer];
            return access === undefined ? [] : [{ consumer, env, role: access.role, workgroup: access.workgroup }];
          }),
        ),
        contracts,
        batchTables,
        marts,
      };
    });
  return { products, environments: [...input.environments] };
}

/**
 * A duration in minutes as people read it: `120` → `2 h`, `1440` → `1 d`, `90` → `90 min`.
 */
export function formatMinutes(minutes: number): string {
  if (minutes % (24 * 60) === 0) return `${minutes / (24 * 60)} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}
