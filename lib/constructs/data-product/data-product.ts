import { Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CatalogColumn, CatalogTable } from '../../marts/catalog-model';
import type { ContractTable } from '../../marts/contract-adapter';
import { curatedTable, rawTable } from '../../marts/curated';
import { renderCsvTableInput, renderMetadataParameters, renderRawEventTableInput, type TableMetadata, validateProjectionStartDate } from '../../products/glue-tables';
import { statefulRemovalPolicy } from '../../shared/removal';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Mart } from '../../marts/declaration';
import type { QueryWorkgroup, QueryWorkgroupReference } from '../analytics/query-workgroup';
import { IcebergTables, martTablePrefix, renderCuratedIcebergTableSpec } from '../catalog/iceberg-tables';
import type { IRegistryPublisher } from '../catalog/registry-publisher-function';
import { type CatalogEntryColumn, type CatalogEntryTable, type ProductCatalogEntry, SchemaPublication } from '../catalog/schema-publication';
import type { ITableDdlProvider } from '../catalog/table-ddl-function';
import { ProductRefresh } from './product-refresh';

/** A vendor batch table (CSV files under a raw-zone prefix). */
export interface BatchTable extends CatalogTable {
  /** Key prefix in the raw bucket, ending in `/`, e.g. `batch/content-catalog/movies/`. */
  readonly prefix: string;
}

/**
 * What a data product needs to refresh its own tables on a schedule: the platform's values, from the handles
 * (`LakeforgePlatform.productRefresh()` fills them), and the product's own settings.
 */
export interface DataProductRefreshOptions {
  /** The Lakeforge environment, a literal (`LakeforgePlatform.environment`): the statements name its databases. */
  readonly environment: string;
  /** The Athena results bucket of the workgroup (`LakeforgePlatform.athenaResultsBucket`). */
  readonly resultsBucket: s3.IBucket;
  /** The platform workgroup every statement runs in (`queryWorkgroupReference(scope, platform.workgroupName('platform'))`). */
  readonly workgroup: QueryWorkgroupReference;
  /** The environment's alarm topic: freshness alarms, failed and skipped runs. */
  readonly alarmTopic: sns.ITopic;
  /** The platform's curated lookback in whole hours (`LakeforgePlatform.curatedLookbackHours`, a token). */
  readonly curatedLookbackHours: number;
  /**
   * The product's marts (validated declarations; they may read only the product's own tables, checked at synth).
   * Their names join `martNames`, so {@link DataProduct.readStatements} covers them.
   * @default - none
   */
  readonly marts?: Mart[];
  /**
   * EventBridge Scheduler expression that starts a refresh (UTC).
   * @default DEFAULT_PRODUCT_REFRESH_SCHEDULE (`cron(5 * * * ? *)`, the platform's)
   */
  readonly scheduleExpression?: string;
  /**
   * EventBridge Scheduler expression that starts table maintenance (UTC).
   * @default DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE (`cron(40 3 * * ? *)`)
   */
  readonly maintenanceScheduleExpression?: string;
  /**
   * Retention of the refresh state machine's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Properties of {@link DataProduct}. */
export interface DataProductProps {
  /** Product name, kebab-case, e.g. `viewer-engagement`. */
  readonly productName: string;
  /** Owning team, e.g. `growth-analytics`. */
  readonly owner: string;
  /** What the product is and who should use it. */
  readonly description: string;
  /** Business domain, e.g. `engagement`. */
  readonly domain: string;
  /** Classification level: `public`, `internal`, `confidential` or `restricted`. */
  readonly classification: string;
  /**
   * Columns holding personal data (curated column names).
   * @default - none
   */
  readonly piiColumns?: string[];
  /** Freshness SLA: the newest curated event is never older than this. */
  readonly freshnessSla: Duration;
  /**
   * Event contracts, one entry per contract MODEL (from `readContractTables`). Each gets a raw table
   * (JSON, partition projection on arrival `dt`/`hour`) and a curated Iceberg table (partitioned by event `dt`).
   * With a `registry`, every version of each (`ContractTable.schemas`) is published to the contract registry.
   * @default - no event tables
   */
  readonly eventTables?: ContractTable[];
  /**
   * The provider of the curated Iceberg tables (`TableDdlFunction` of the environment, or its service token
   * and workgroup name): they are created and evolved by Athena DDL at deploy time, never as
   * `AWS::Glue::Table` resources. Required when the product has event tables.
   * @default - none; the product may then only have batch tables
   */
  readonly ddl?: ITableDdlProvider;
  /**
   * The environment's registry publisher (`RegistryPublisherFunction` of the platform, or the handle
   * `LakeforgePlatform.registryPublisher` in a team's app). When set, the product publishes on every deploy, through
   * one `SchemaPublication`: every version of its contracts (the publishing gate refuses a changed published version
   * or a dishonest SchemaVer step, which fails the deployment before any of the product's event tables changes) and
   * its catalog entry (`catalog/products/<product>.json`). The ingest function resolves a published schema at run
   * time; until it is published, events of it are quarantined as `schema_unknown`.
   * @default - nothing is published: only contracts compiled into the ingest function (the platform's own) are
   *   validated, events of any other are quarantined as `schema_unknown`
   */
  readonly registry?: IRegistryPublisher;
  /**
   * Who may read the product, by name (the platform config's consumers, e.g. `analysts`, or a team's own readers,
   * e.g. `finance-analysts`): recorded in its catalog entry only. The grants themselves are made with
   * `readStatements`/`grantRead` by whoever owns the readers' roles.
   * @default - not recorded
   */
  readonly consumers?: string[];
  /**
   * Refresh the product's curated tables (and its marts) on its own schedule, with a freshness alarm per curated
   * table from `freshnessSla`: for a product in a team's own app (`refresh: platform.productRefresh()`). Uses
   * `projectionStartDate` as the go-live date; needs event tables and `ddl`.
   * @default - no refresh of its own: the platform's pipeline refreshes the product (the platform's own products)
   */
  readonly refresh?: DataProductRefreshOptions;
  /**
   * First arrival date the raw tables' partition projection enumerates, `YYYY-MM-DD`: the go-live date
   * (config `pipeline.goLiveDate`). Nothing arrives before it, and a query whose date bound Athena cannot fold
   * scans every projected partition from here.
   */
  readonly projectionStartDate: string;
  /**
   * Vendor batch tables (CSV) in the raw zone.
   * @default - no batch tables
   */
  readonly batchTables?: BatchTable[];
  /** Raw zone database. */
  readonly rawDatabase: glue.IDatabase;
  /** Curated zone database. */
  readonly curatedDatabase: glue.IDatabase;
  /** Raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  readonly curatedBucket: s3.IBucket;
  /**
   * The product's marts, by name: Iceberg tables of the marts database at `<mart>/` in the marts bucket, which the
   * pipeline creates and refreshes. The product creates nothing for them; {@link DataProduct.readStatements}
   * includes them, so a consumer of the product reads its marts too.
   * @default - no marts
   */
  readonly martNames?: string[];
  /**
   * Marts zone database. Required when `martNames` is not empty.
   * @default - none
   */
  readonly martsDatabase?: glue.IDatabase;
  /**
   * Marts zone bucket. Required when `martNames` is not empty.
   * @default - none
   */
  readonly martsBucket?: s3.IBucket;
  /** The lake key (encrypts both buckets). */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog key, when the catalog is encrypted with a customer-managed key.
   * @default - catalog metadata is not encrypted with a customer-managed key
   */
  readonly catalogKey?: kms.IKey;
  /**
   * The ingest stream producers put events on (for {@link DataProduct.grantProduce}).
   * @default - the product cannot grant produce
   */
  readonly ingestStream?: kinesis.IStream;
  /**
   * The workgroup readers query in (for {@link DataProduct.grantRead}).
   * @default - grantRead grants no workgroup
   */
  readonly readWorkgroup?: QueryWorkgroup;
  /**
   * Whether a stack operation may delete the product's raw tables (dev only). Curated Iceberg tables are
   * never deleted by a stack operation, whatever this says (dropping one loses its snapshot history).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * A data product: its tables in the Glue Data Catalog, derived from its data contracts, and the grants
 * consumers and producers need. Per contract MODEL it creates a raw table (gzip JSON Lines, partition
 * projection on arrival date and hour from the go-live date — no crawler, no `MSCK REPAIR`) and a curated
 * Iceberg table (Parquet, partitioned by event date); per vendor batch table a CSV table. Owner,
 * classification, PII columns, contract URI and freshness SLA go into every table's Glue parameters
 * (`lakeforge.*`) and into tags where the resource is taggable.
 *
 * The curated Iceberg tables are declared in one `IcebergTables` custom resource (Athena DDL at deploy time),
 * not as `AWS::Glue::Table` resources, whose CloudFormation updates strip an Iceberg table's `table_type` and
 * `metadata_location` (cloudformation-coverage-roadmap#1919): a contract ADDITION becomes `ALTER TABLE … ADD
 * COLUMNS`, and a stack operation never drops a curated table.
 *
 * With a `registry`, the product publishes every version of its contracts and its catalog entry to the
 * environment's contract registry on every deploy (one `SchemaPublication`, served by the platform's registry
 * publisher, the publishing gate). The event tables (raw and curated) depend on the publication: a version the gate
 * refuses fails the deployment before a table is created or evolved for it, and a table never describes an
 * unpublished contract. (Events do not wait for tables: until its schema is published, an event of a team's
 * contract is quarantined as `schema_unknown`, and nothing lands for a table to read.)
 *
 * @example
 * const product = new DataProduct(this, 'ViewerEngagement', {
 *   productName: 'viewer-engagement', owner: 'growth-analytics', domain: 'engagement',
 *   description: 'Ratings and tags viewers submit', classification: 'confidential', piiColumns: ['user_id'],
 *   freshnessSla: Duration.hours(2), eventTables, rawDatabase, curatedDatabase, rawBucket, curatedBucket,
 *   encryptionKey: lake.key, ingestStream, readWorkgroup: analysts, ddl: analytics.tableDdl,
 *   registry: analytics.registryPublisher, projectionStartDate: '2024-01-01',
 * });
 * product.grantRead(analystRole);
 */
export class DataProduct extends Construct {
  /** Product name. */
  public readonly productName: string;
  /** Raw tables by table name. */
  public readonly rawTables: Readonly<Record<string, glue.CfnTable>>;
  /** Curated Iceberg tables: Glue table ARN by table name. */
  public readonly curatedTables: Readonly<Record<string, string>>;
  /** The custom resource that creates and evolves the curated tables, when the product has event tables. */
  public readonly icebergTables?: IcebergTables;
  /** The product's publication to the contract registry (contracts and catalog entry), when it has a `registry`. */
  public readonly publication?: SchemaPublication;
  /** The product's own scheduled refresh and its alarms, when it has `refresh`. */
  public readonly refresh?: ProductRefresh;
  /** Names of the product's marts: `martNames` and the marts of `refresh`. */
  private readonly martNames: string[];
  /** Key prefixes of the tables consumers read, per bucket: batch tables (raw bucket), curated tables, marts. */
  private readonly batchPrefixes: string[] = [];
  private readonly curatedPrefixes: string[] = [];
  private readonly martPrefixes: string[] = [];
  private readonly batchTableNames: string[] = [];
  private readonly props: DataProductProps;

  /**
   * @throws Error when the product has no tables, has event tables but no `ddl`, has marts but no `martsDatabase`
   *   or `martsBucket`, a PII column is not a column of
   *   its tables, the freshness SLA is under one minute, or `projectionStartDate` is not a `YYYY-MM-DD` date; with a
   *   `registry`, when an event table carries no schema texts (not built by `readContractTables`), or the publication
   *   is invalid (see `SchemaPublication`).
   */
  constructor(scope: Construct, id: string, props: DataProductProps) {
    super(scope, id);
    validateProps(props);
    this.props = props;
    this.productName = props.productName;
    const piiColumns = props.piiColumns ?? [];
    const metadata = (contract?: string): TableMetadata => ({
      product: props.productName,
      owner: props.owner,
      classification: props.classification,
      piiColumns,
      freshnessSlaMinutes: props.freshnessSla.toMinutes(),
      contract,
    });

    const stack = Stack.of(this);
    const events = props.eventTables ?? [];
    if (props.registry !== undefined) {
      this.publication = new SchemaPublication(this, 'Publication', {
        registry: props.registry,
        product: props.productName,
        schemas: events.flatMap((t) => t.schemas ?? []),
        catalogEntry: renderProductCatalogEntry(props),
      });
    }
    const raw: Record<string, glue.CfnTable> = {};
    for (const t of events) {
      raw[t.tableName] = new glue.CfnTable(this, `${pascal(t.tableName)}RawTable`, {
        catalogId: stack.account,
        databaseName: props.rawDatabase.databaseName,
        tableInput: renderRawEventTableInput(
          rawTable(t),
          props.rawBucket.bucketName,
          t.rawPrefix,
          metadata(t.schemaUri),
          `${props.description} Raw events of ${t.schemaUri}, by arrival time.`,
          props.projectionStartDate,
          t.rawKeyMappings,
        ),
      });
      // A contract's tables change only after its versions passed the publishing gate (see the class doc).
      if (this.publication !== undefined) raw[t.tableName].node.addDependency(this.publication);
      this.curatedPrefixes.push(t.rawPrefix);
    }
    for (const b of props.batchTables ?? []) {
      const name = b.name.slice(b.name.indexOf('.') + 1);
      raw[name] = new glue.CfnTable(this, `${pascal(name)}BatchTable`, {
        catalogId: stack.account,
        databaseName: props.rawDatabase.databaseName,
        tableInput: renderCsvTableInput(b, props.rawBucket.bucketName, b.prefix, metadata(), `${props.description} Vendor batch files (CSV).`),
      });
      this.batchPrefixes.push(b.prefix);
      this.batchTableNames.push(name);
    }
    this.rawTables = raw;
    const removalPolicy = statefulRemovalPolicy(this, props.allowDestroy ?? false);
    for (const t of Object.values(raw)) t.applyRemovalPolicy(removalPolicy);

    if (events.length > 0) {
      this.icebergTables = new IcebergTables(this, 'CuratedTables', {
        ddl: props.ddl!,
        tables: events.map((t) =>
          renderCuratedIcebergTableSpec(t, {
            database: props.curatedDatabase.databaseName,
            bucketName: props.curatedBucket.bucketName,
            description: `${props.description} Curated, deduplicated events of ${t.schemaUri}, by event date.`,
            parameters: renderMetadataParameters(metadata(t.schemaUri)),
          }),
        ),
      });
      // The gate runs first: a refused version fails the deployment before any ALTER TABLE … ADD COLUMNS, which a
      // rollback would not undo (the DDL function keeps added columns).
      if (this.publication !== undefined) this.icebergTables.node.addDependency(this.publication);
    }
    if (props.refresh !== undefined) {
      const r = props.refresh;
      this.refresh = new ProductRefresh(this, 'Refresh', {
        environment: r.environment,
        productName: props.productName,
        contractTables: events,
        marts: r.marts,
        martsBucket: props.martsBucket,
        ddl: props.ddl,
        freshnessSla: props.freshnessSla,
        rawBucket: props.rawBucket,
        curatedBucket: props.curatedBucket,
        resultsBucket: r.resultsBucket,
        encryptionKey: props.encryptionKey,
        catalogEncryptionKey: props.catalogKey,
        workgroup: r.workgroup,
        alarmTopic: r.alarmTopic,
        goLiveDate: props.projectionStartDate,
        curatedLookbackHours: r.curatedLookbackHours,
        scheduleExpression: r.scheduleExpression,
        maintenanceScheduleExpression: r.maintenanceScheduleExpression,
        logRetention: r.logRetention,
        allowDestroy: props.allowDestroy,
      });
      // The first scheduled run must find the curated tables it MERGEs into.
      if (this.icebergTables !== undefined) this.refresh.orchestration.node.addDependency(this.icebergTables);
    }
    this.martNames = productMartNames(props);
    this.martPrefixes.push(...this.martNames.map((name) => martTablePrefix({ name })));
    this.curatedTables = Object.fromEntries(events.map((t) => [t.tableName, tableArn(stack, props.curatedDatabase.databaseName, t.tableName)]));

    Tags.of(this).add('lakeforge:product', props.productName);
    Tags.of(this).add('lakeforge:owner', props.owner);
    Tags.of(this).add('lakeforge:classification', props.classification);
  }

  /**
   * The policy statements a consumer needs to query the product's published tables: its curated tables (one
   * per contract MODEL), its vendor batch tables (CSV in the raw zone: the only form they have) and its marts.
   * Not the raw event tables: they hold every arrival, duplicates and replays included, and are the platform's
   * and the producers' debugging view; curated is the same data, deduplicated.
   *
   * Glue read on those tables (and their databases and the catalog), `s3:GetObject` on their key prefixes,
   * `s3:ListBucket` limited to those prefixes, and `kms:Decrypt` on the lake key (and the catalog key). No
   * wildcard actions; the only wildcard resources are the prefixes of {@link readableObjectArns}. Use them in a
   * customer-managed policy, or call {@link grantRead}.
   */
  public readStatements(): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const p = this.props;
    const marts = this.martNames;
    const statements = [
      new iam.PolicyStatement({
        sid: 'ReadCatalog',
        actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          ...(this.batchTableNames.length > 0 ? [p.rawDatabase.databaseArn] : []),
          ...(this.curatedPrefixes.length > 0 ? [p.curatedDatabase.databaseArn] : []),
          ...(marts.length > 0 ? [p.martsDatabase!.databaseArn] : []),
          ...this.batchTableNames.map((t) => tableArn(stack, p.rawDatabase.databaseName, t)),
          ...Object.keys(this.curatedTables).map((t) => tableArn(stack, p.curatedDatabase.databaseName, t)),
          ...marts.map((t) => tableArn(stack, p.martsDatabase!.databaseName, t)),
        ],
      }),
      new iam.PolicyStatement({ sid: 'ReadObjects', actions: ['s3:GetObject'], resources: this.readableObjectArns() }),
    ];
    for (const [bucket, prefixes] of this.prefixesByBucket()) {
      if (prefixes.length === 0) continue;
      statements.push(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': prefixes.map((x) => `${x}*`) } },
        }),
      );
    }
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptLake',
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [p.encryptionKey.keyArn, ...(p.catalogKey ? [p.catalogKey.keyArn] : [])],
      }),
    );
    return statements;
  }

  /** The object ARNs (prefix wildcards) {@link readStatements} grants `s3:GetObject` on. */
  public readableObjectArns(): string[] {
    return this.prefixesByBucket().flatMap(([bucket, prefixes]) => prefixes.map((x) => bucket.arnForObjects(`${x}*`)));
  }

  /**
   * Grants everything a consumer needs to query the product in Athena, in one call: the
   * {@link readStatements} and use of the read workgroup. The grants land in the grantee's default (inline)
   * policy; for a customer-managed policy, use {@link readStatements} (as the platform's consumer grants do).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    let grant: iam.Grant | undefined;
    for (const statement of this.readStatements()) {
      const g = iam.Grant.addToPrincipal({ grantee, actions: statement.actions, resourceArns: statement.resources, conditions: statement.conditions });
      grant = grant ? grant.combine(g) : g;
    }
    this.props.readWorkgroup?.grantUse(grantee);
    return grant!;
  }

  /** The key prefixes consumers read, per bucket (marts only when the product has marts). */
  private prefixesByBucket(): Array<[s3.IBucket, string[]]> {
    const p = this.props;
    return [
      [p.rawBucket, this.batchPrefixes],
      [p.curatedBucket, this.curatedPrefixes],
      ...(this.martPrefixes.length > 0 ? [[p.martsBucket!, this.martPrefixes] as [s3.IBucket, string[]]] : []),
    ];
  }

  /**
   * The statements a producer needs: `kinesis:PutRecord(s)`, `kinesis:ListShards` and
   * `kinesis:DescribeStreamSummary` on the ingest stream, `kms:GenerateDataKey` on the lake key.
   * IAM cannot restrict which contract a producer sends: the ingest function validates every event and
   * quarantines what does not match.
   *
   * @throws Error when the product was created without an ingest stream.
   */
  public produceStatements(): iam.PolicyStatement[] {
    if (!this.props.ingestStream) throw new Error(`DataProduct ${this.productName}: producing needs the ingestStream prop`);
    return renderProduceStatements(this.props.ingestStream, this.props.encryptionKey);
  }

  /**
   * Grants a producer the {@link produceStatements}.
   *
   * @throws Error when the product was created without an ingest stream.
   */
  public grantProduce(grantee: iam.IGrantable): iam.Grant {
    let grant: iam.Grant | undefined;
    for (const statement of this.produceStatements()) {
      const g = iam.Grant.addToPrincipal({ grantee, actions: statement.actions, resourceArns: statement.resources });
      grant = grant ? grant.combine(g) : g;
    }
    return grant!;
  }
}

/**
 * The statements a producer needs to put events on the ingest stream (see {@link DataProduct.produceStatements}):
 * `kinesis:PutRecord(s)`, `kinesis:ListShards` and `kinesis:DescribeStreamSummary` on the stream, and
 * `kms:GenerateDataKey` on the key that encrypts it (Kinesis Data Streams Developer Guide, "Permissions to use
 * user-generated KMS keys", https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html). The platform's producer policy (SSM handle
 * `ingestion/producer-policy-arn`) holds the same statements.
 */
export function renderProduceStatements(stream: kinesis.IStream, encryptionKey: kms.IKey): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'PutRecords',
      actions: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards', 'kinesis:DescribeStreamSummary'],
      resources: [stream.streamArn],
    }),
    new iam.PolicyStatement({ sid: 'EncryptRecords', actions: ['kms:GenerateDataKey'], resources: [encryptionKey.keyArn] }),
  ];
}

/**
 * A data product's catalog entry (published with its contracts, see {@link DataProductProps.registry}): its
 * metadata, its tables — raw and curated per contract MODEL (with their columns, partition columns last), vendor
 * batch tables, marts (names only: their columns are declared with the marts) — every contract version it
 * publishes, and its consumers when known.
 */
export function renderProductCatalogEntry(p: DataProductProps): ProductCatalogEntry {
  const columns = (t: CatalogTable): CatalogEntryColumn[] =>
    [...t.columns, ...(t.partitionKeys ?? [])].map((c: CatalogColumn) => ({ name: c.name, type: c.type, ...(c.description === undefined ? {} : { description: c.description }) }));
  const events = p.eventTables ?? [];
  const tables: CatalogEntryTable[] = [
    ...events.flatMap((t): CatalogEntryTable[] => [
      { zone: 'raw', table: t.tableName, contract: t.schemaUri, columns: columns(rawTable(t)) },
      { zone: 'curated', table: t.tableName, contract: t.schemaUri, columns: columns(curatedTable(t)) },
    ]),
    ...(p.batchTables ?? []).map((b): CatalogEntryTable => ({ zone: 'raw', table: b.name.slice(b.name.indexOf('.') + 1), columns: columns(b) })),
    ...productMartNames(p).map((name): CatalogEntryTable => ({ zone: 'marts', table: name, columns: [] })),
  ];
  return {
    product: p.productName,
    owner: p.owner,
    domain: p.domain,
    description: p.description,
    classification: p.classification,
    piiColumns: [...(p.piiColumns ?? [])],
    freshnessSlaMinutes: p.freshnessSla.toMinutes(),
    tables,
    contracts: events.flatMap((t) => [...t.versions]),
    ...(p.consumers === undefined ? {} : { consumers: [...p.consumers] }),
  };
}

function tableArn(stack: Stack, database: string, table: string): string {
  return stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${table}` });
}

function pascal(snake: string): string {
  return snake
    .split(/[_-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function validateProps(p: DataProductProps): void {
  const events = p.eventTables ?? [];
  if (events.length + (p.batchTables ?? []).length === 0) {
    throw new Error(`DataProduct ${p.productName}: needs at least one event contract or batch table`);
  }
  if (events.length > 0 && p.ddl === undefined) {
    throw new Error(
      `DataProduct ${p.productName}: has event tables (${events.map((t) => t.tableName).join(', ')}), so it needs the ddl prop (the environment's TableDdlFunction, or its serviceToken and workgroupName) to create its curated Iceberg tables`,
    );
  }
  if (p.registry !== undefined) {
    const unpublishable = events.filter((t) => t.schemas === undefined || t.schemas.length === 0).map((t) => t.tableName);
    if (unpublishable.length > 0) {
      throw new Error(
        `DataProduct ${p.productName}: has a registry, but the event tables ${unpublishable.join(', ')} carry no schema texts to publish (ContractTable.schemas); build them with readContractTables(<contracts folder>)`,
      );
    }
  }
  try {
    validateProjectionStartDate(p.projectionStartDate);
  } catch (e) {
    throw new Error(`DataProduct ${p.productName}: ${(e as Error).message}`);
  }
  const marts = productMartNames(p);
  if (marts.length > 0 && (p.martsDatabase === undefined || p.martsBucket === undefined)) {
    throw new Error(`DataProduct ${p.productName}: has marts (${marts.join(', ')}), so it needs the martsDatabase and martsBucket props`);
  }
  const minutes = p.freshnessSla.toMinutes({ integral: false });
  if (!Token.isUnresolved(minutes) && minutes < 1) {
    throw new Error(`DataProduct ${p.productName}: freshnessSla must be at least 1 minute, got ${p.freshnessSla.toHumanString()}`);
  }
  const known = new Set([
    ...events.flatMap((t) => curatedTable(t).columns.map((c) => c.name)),
    ...(p.batchTables ?? []).flatMap((b) => b.columns.map((c) => c.name)),
  ]);
  for (const c of p.piiColumns ?? []) {
    if (!known.has(c)) {
      throw new Error(`DataProduct ${p.productName}: piiColumns names "${c}", which is not a column of its tables (${[...known].join(', ')})`);
    }
  }
}

/** The names of a product's marts: `martNames` and the marts of its own `refresh`. */
function productMartNames(p: DataProductProps): string[] {
  return [...(p.martNames ?? []), ...(p.refresh?.marts ?? []).map((m) => m.name)];
}
