import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { ContractTable } from '../marts/contract-adapter';
import type { Mart } from '../marts/declaration';
import { productsByConsumer } from '../products/consumers';
import type { ProductDeclaration } from '../products/declaration';
import type { QueryConsumer } from '../constructs/analytics/query-consumer';
import type { QueryWorkgroup } from '../constructs/analytics/query-workgroup';
import { ConsumerReadPolicies } from '../constructs/data-product/consumer-read-policies';
import type { IRegistryPublisher } from '../constructs/catalog/registry-publisher-function';
import type { ITableDdlProvider } from '../constructs/catalog/table-ddl-function';
import { type BatchTable, DataProduct } from '../constructs/data-product/data-product';

/** Properties of {@link ProductsStack}. */
export interface ProductsStackProps extends StackProps {
  /** The products of one domain. */
  readonly products: readonly ProductDeclaration[];
  /** Every contract MODEL table of the platform (looked up by the products' contract URIs). */
  readonly contractTables: readonly ContractTable[];
  /** Every known vendor batch table (looked up by name). */
  readonly batchTables: readonly BatchTable[];
  /** Raw zone database. */
  readonly rawDatabase: glue.IDatabase;
  /** Curated zone database. */
  readonly curatedDatabase: glue.IDatabase;
  /** Raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  readonly curatedBucket: s3.IBucket;
  /**
   * The platform's marts (`config/marts`): those of this stack's products are read by the products' consumers.
   * @default - none
   */
  readonly marts?: readonly Mart[];
  /** Marts zone database. Required when a product of this stack has marts. @default - none */
  readonly martsDatabase?: glue.IDatabase;
  /** Marts zone bucket. Required when a product of this stack has marts. @default - none */
  readonly martsBucket?: s3.IBucket;
  /**
   * The consumers the environment defines (the Analytics stack's `consumers`). Each that a product of this stack
   * names gets one read policy (`ConsumerReadPolicies`, split when IAM's size limit needs it) for those products.
   * @default - no consumer grants
   */
  readonly consumers?: Readonly<Record<string, QueryConsumer>>;
  /** The lake key. */
  readonly encryptionKey: kms.IKey;
  /** The catalog key, when this environment encrypts the catalog. */
  readonly catalogKey?: kms.IKey;
  /** The ingest stream. */
  readonly ingestStream: kinesis.IStream;
  /** The workgroup consumers query in. */
  readonly readWorkgroup: QueryWorkgroup;
  /** The provider of the curated Iceberg tables (the Analytics stack's `tableDdl`). */
  readonly ddl: ITableDdlProvider;
  /**
   * The registry publisher (the Analytics stack's `registryPublisher`): each product publishes every version of its
   * contracts and its catalog entry (consumers included) to the contract registry.
   */
  readonly registry: IRegistryPublisher;
  /** First arrival date of the raw tables' partition projection, `YYYY-MM-DD` (config `pipeline.goLiveDate`). */
  readonly projectionStartDate: string;
  /** Whether a stack operation may delete the products' tables (dev only). */
  readonly allowDestroy: boolean;
}

/**
 * The data products of one domain, their publication to the contract registry (every version of their contracts
 * and their catalog entries), and their consumers' read access. Products are grouped by domain (see
 * `planProductStacks`) so each stack stays far below CloudFormation's 500-resource limit as products are added.
 * Each consumer a product names (and the environment defines) gets one customer-managed policy per stack, attached
 * to the consumer's role, with the `readStatements()` of the products that name it: curated tables, batch tables,
 * marts.
 */
export class ProductsStack extends Stack {
  /** The products by name. */
  public readonly products: Readonly<Record<string, DataProduct>>;
  /** The consumers' read policies by consumer name (consumers that read a product of this stack). */
  public readonly consumerGrants: Readonly<Record<string, ConsumerReadPolicies>>;

  /** @throws Error naming the product and the URI or table when a declaration references something unknown. */
  constructor(scope: Construct, id: string, props: ProductsStackProps) {
    super(scope, id, props);
    const products: Record<string, DataProduct> = {};
    for (const p of props.products) {
      products[p.name] = new DataProduct(this, pascal(p.name), {
        productName: p.name,
        owner: p.owner,
        description: p.description,
        domain: p.domain,
        classification: p.classification.level,
        piiColumns: [...p.classification.piiColumns],
        freshnessSla: Duration.minutes(p.freshnessSlaMinutes),
        eventTables: resolveEventTables(p, props.contractTables),
        batchTables: p.batchTables.map((name) => {
          const found = props.batchTables.find((b) => b.name === `raw.${name}`);
          if (!found) throw new Error(`Data product "${p.name}": unknown batch table "${name}" (known: ${props.batchTables.map((b) => b.name.slice(4)).join(', ')})`);
          return found;
        }),
        rawDatabase: props.rawDatabase,
        curatedDatabase: props.curatedDatabase,
        rawBucket: props.rawBucket,
        curatedBucket: props.curatedBucket,
        martNames: (props.marts ?? []).filter((m) => m.product === p.name).map((m) => m.name),
        martsDatabase: props.martsDatabase,
        martsBucket: props.martsBucket,
        encryptionKey: props.encryptionKey,
        catalogKey: props.catalogKey,
        ingestStream: props.ingestStream,
        readWorkgroup: props.readWorkgroup,
        ddl: props.ddl,
        registry: props.registry,
        consumers: [...p.consumers],
        projectionStartDate: props.projectionStartDate,
        allowDestroy: props.allowDestroy,
      });
    }
    this.products = products;

    const consumers = props.consumers ?? {};
    const grants: Record<string, ConsumerReadPolicies> = {};
    for (const [name, readers] of productsByConsumer(props.products, Object.keys(consumers))) {
      grants[name] = new ConsumerReadPolicies(this, `${pascal(name)}ConsumerRead`, {
        consumerName: name,
        role: consumers[name].role,
        products: readers.map((p) => products[p.name]),
      });
    }
    this.consumerGrants = grants;
  }
}

/**
 * The contract MODEL tables a product declares, one per MODEL.
 *
 * @throws Error naming the product and the URI when a contract is not in config/contracts.
 */
export function resolveEventTables(p: ProductDeclaration, tables: readonly ContractTable[]): ContractTable[] {
  const out = new Map<string, ContractTable>();
  for (const uri of p.contracts) {
    const m = /^iglu:([^/]+)\/([^/]+)\/jsonschema\/(\d+)-\d+-\d+$/.exec(uri);
    const table = m && tables.find((t) => t.vendor === m[1] && t.contractName === m[2] && t.model === Number(m[3]));
    if (!table) throw new Error(`Data product "${p.name}": contract ${uri} is not in config/contracts`);
    out.set(table.tableName, table);
  }
  return [...out.values()];
}

function pascal(kebab: string): string {
  return kebab
    .split('-')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
}
