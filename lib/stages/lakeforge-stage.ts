import { Annotations, Duration, Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { AnalyticsStack } from '../stacks/analytics-stack';
import { CatalogStack } from '../stacks/catalog-stack';
import { IngestionStack } from '../stacks/ingestion-stack';
import { StorageStack } from '../stacks/storage-stack';
import { PipelineStack } from '../stacks/pipeline-stack';
import { FreshnessStack } from '../stacks/freshness-stack';
import { MonitoringStack } from '../stacks/monitoring-stack';
import { HandlesStack } from '../stacks/handles-stack';
import { FAILURE_TYPES } from '../../lambdas/shared/failure-types';
import { registerPolicyPacks } from '../governance/policy-packs';
import { IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA } from '../constructs/data-product/consumer-read-policies';
import type { BatchTable } from '../constructs/data-product/data-product';
import type { FreshnessObjective } from '../constructs/observability/freshness-alarms';
import type { ContractTable } from '../marts/contract-adapter';
import type { Mart } from '../marts/declaration';
import { curatedLookbackHours } from '../pipeline/plan';
import { ProductDeclarationError, type ProductDeclaration } from '../products/declaration';
import { planProductStacks } from '../products/stack-plan';
import { ProductsStack, resolveEventTables } from '../stacks/products-stack';

/** What every environment deploys, whatever its config: data products and the tables they reference. */
export interface PlatformDefinition {
  /** The data products (from `config/products`). */
  readonly products: readonly ProductDeclaration[];
  /** One table per contract MODEL (from `config/contracts`). */
  readonly contractTables: readonly ContractTable[];
  /** Vendor batch tables. */
  readonly batchTables: readonly BatchTable[];
  /** The mart declarations (from `config/marts`), each of a declared data product. */
  readonly marts: readonly Mart[];
}

/** Properties of {@link LakeforgeStage}. */
export interface LakeforgeStageProps extends Omit<StageProps, 'env'> {
  /** The environment's parsed configuration (from `loadConfig`). */
  readonly config: EnvironmentConfig;
  /** The data products and tables to deploy (from `loadPlatform()` in config/platform.ts). */
  readonly platform: PlatformDefinition;
}

/**
 * One Lakeforge environment (dev, acc or prod): the stacks of the platform, split by lifecycle, in the
 * environment's account and region, tagged and termination-protected where the config says so. The policy
 * packs are registered once on the App (`addLakeforgeStages`): cdk-nag 3 plugins walk the whole construct
 * tree, so one registration per stage would report every finding once per stage.
 *
 * Deploy one environment with `npx cdk deploy 'Dev/*'`.
 */
export class LakeforgeStage extends Stage {
  /** Stateful storage: key and buckets. */
  public readonly storage: StorageStack;
  /** Glue Data Catalog databases (and catalog encryption). */
  public readonly catalog: CatalogStack;
  /** Kinesis stream and ingest function. */
  public readonly ingestion: IngestionStack;
  /** Athena workgroups. */
  public readonly analytics: AnalyticsStack;
  /** Data products, one stack per domain. */
  public readonly products: readonly ProductsStack[];
  /** The raw → curated → marts pipeline: state machine, schedules, mart and watermark tables, saved analyst queries. */
  public readonly pipeline: PipelineStack;
  /** Dashboard, platform alarms and the alarm topic. */
  public readonly monitoring: MonitoringStack;
  /** Freshness alarms and saved freshness queries, one stack per domain with curated tables. */
  public readonly freshness: readonly FreshnessStack[];
  /** Platform handles: SSM parameters under `/lakeforge/<env>/` for product teams' own apps, and the producer policy. */
  public readonly handles: HandlesStack;

  constructor(scope: Construct, id: string, props: LakeforgeStageProps) {
    const { config } = props;
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });
    // This environment's policy packs (config governance.policyPacks, all by default) check this stage's stacks.
    registerPolicyPacks(this, { packs: config.governance?.policyPacks, logRetentionDays: config.observability.logRetentionDays });

    const common = { terminationProtection: config.terminationProtection };
    this.storage = new StorageStack(this, 'Storage', {
      ...common,
      description: `Lakeforge ${config.name}: lake key and buckets (stateful)`,
      environmentName: config.name,
      storage: config.storage,
    });
    const lake = this.storage.lake;
    this.catalog = new CatalogStack(this, 'Catalog', {
      ...common,
      description: `Lakeforge ${config.name}: Glue Data Catalog databases and encryption`,
      environmentName: config.name,
      catalog: config.catalog,
      allowDestroy: config.storage.allowDestroy,
      keyPendingWindowDays: config.storage.keyPendingWindowDays,
      rawBucket: lake.rawBucket,
      curatedBucket: lake.curatedBucket,
      martsBucket: lake.martsBucket,
      quarantineBucket: lake.quarantineBucket,
      projectionStartDate: config.pipeline.goLiveDate,
    });
    this.ingestion = new IngestionStack(this, 'Ingestion', {
      ...common,
      description: `Lakeforge ${config.name}: Kinesis ingestion and the contract-validating ingest function`,
      ingestion: config.ingestion,
      encryptionKey: lake.key,
      rawBucket: lake.rawBucket,
      quarantineBucket: lake.quarantineBucket,
      registryBucket: lake.registryBucket,
      logRetention: config.observability.logRetentionDays,
      allowDestroy: config.storage.allowDestroy,
    });
    this.analytics = new AnalyticsStack(this, 'Analytics', {
      ...common,
      description: `Lakeforge ${config.name}: Athena workgroups, the Iceberg table DDL function and the contract registry publisher`,
      environmentName: config.name,
      analytics: config.analytics,
      resultsBucket: lake.athenaResultsBucket,
      encryptionKey: lake.key,
      curatedBucket: lake.curatedBucket,
      martsBucket: lake.martsBucket,
      registryBucket: lake.registryBucket,
      catalogEncryptionKey: this.catalog.encryption?.key,
      logRetention: config.observability.logRetentionDays,
      allowDestroy: config.storage.allowDestroy,
    });

    const { platform } = props;
    const groups = planProductStacks(platform.products, (p) => resolveEventTables(p, platform.contractTables).length);
    this.products = groups.map(
      (g) =>
        new ProductsStack(this, g.stackId, {
          ...common,
          description: `Lakeforge ${config.name}: data products of the ${g.domain} domain`,
          products: g.products,
          contractTables: platform.contractTables,
          batchTables: platform.batchTables,
          rawDatabase: this.catalog.catalog.rawDatabase,
          curatedDatabase: this.catalog.catalog.curatedDatabase,
          rawBucket: lake.rawBucket,
          curatedBucket: lake.curatedBucket,
          marts: platform.marts,
          martsDatabase: this.catalog.catalog.martsDatabase,
          martsBucket: lake.martsBucket,
          consumers: this.analytics.consumers,
          encryptionKey: lake.key,
          catalogKey: this.catalog.encryption?.key,
          ingestStream: this.ingestion.ingestion.stream,
          readWorkgroup: this.analytics.analystsWorkgroup,
          ddl: this.analytics.tableDdl,
          registry: this.analytics.registryPublisher,
          projectionStartDate: config.pipeline.goLiveDate,
          allowDestroy: config.storage.allowDestroy,
        }),
    );

    // One workgroup policy plus one read policy per products stack (more when one is split) per consumer role.
    for (const [name, consumer] of Object.entries(this.analytics.consumers)) {
      const attached = 1 + this.products.reduce((n, s) => n + (s.consumerGrants[name]?.policies.length ?? 0), 0);
      if (attached > IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA) {
        Annotations.of(consumer).addWarningV2(
          'lakeforge:consumer-policy-quota',
          `Consumer "${name}" gets ${attached} managed policies (one per products stack), more than IAM's default quota of ${IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA} per role: raise "Managed policies per role" (up to 20) in Service Quotas before deploying`,
        );
      }
    }

    const objectives = groups.map((g) => freshnessObjectives(g.products, platform.contractTables));
    this.monitoring = new MonitoringStack(this, 'Monitoring', {
      ...common,
      description: `Lakeforge ${config.name}: dashboard, platform alarms and the alarm topic`,
      environmentName: config.name,
      observability: config.observability,
      encryptionKey: lake.key,
      ingestion: this.ingestion.ingestion,
      failureTypes: FAILURE_TYPES,
      freshnessSlas: objectives.flat().map((f) => f.sla),
    });
    const alarmTopic = this.monitoring.monitoring.alarmTopic;
    this.freshness = groups.flatMap((g, i) =>
      objectives[i].length === 0
        ? []
        : [
            new FreshnessStack(this, `Freshness${g.stackId.slice('Products'.length)}`, {
              ...common,
              description: `Lakeforge ${config.name}: freshness alarms and queries of the ${g.domain} domain's data products`,
              environmentName: config.name,
              domain: g.domain,
              objectives: objectives[i],
              contracts: curatedTablesOf(g.products, platform.contractTables),
              alarmTopic,
              analystsWorkgroup: this.analytics.analystsWorkgroup,
            }),
          ],
    );

    const productNames = new Set(platform.products.map((p) => p.name));
    for (const mart of platform.marts) {
      if (!productNames.has(mart.product)) {
        throw new ProductDeclarationError(`Mart "${mart.name}" (config/marts): product "${mart.product}" is not a declared data product (${[...productNames].join(', ')})`);
      }
    }
    // One value for the stage's pipeline and the handle products' own refreshes read.
    const lookbackHours = curatedLookbackHours(config.ingestion, config.pipeline.lateArrivalMarginHours);
    this.pipeline = new PipelineStack(this, 'Pipeline', {
      ...common,
      description: `Lakeforge ${config.name}: raw → curated → marts pipeline (Step Functions), mart tables, saved analyst queries`,
      environmentName: config.name,
      pipeline: config.pipeline,
      curatedLookbackHours: lookbackHours,
      marts: platform.marts,
      contracts: platform.contractTables,
      rawBucket: lake.rawBucket,
      curatedBucket: lake.curatedBucket,
      martsBucket: lake.martsBucket,
      resultsBucket: lake.athenaResultsBucket,
      encryptionKey: lake.key,
      catalogEncryptionKey: this.catalog.encryption?.key,
      martsDatabase: this.catalog.catalog.martsDatabase,
      tableDdl: this.analytics.tableDdl,
      platformWorkgroup: this.analytics.platformWorkgroup,
      analystsWorkgroup: this.analytics.analystsWorkgroup,
      alarmTopic,
      logRetention: config.observability.logRetentionDays,
      allowDestroy: config.storage.allowDestroy,
    });
    // The curated tables the pipeline MERGEs into are created with the data products.
    for (const products of this.products) this.pipeline.addStackDependency(products);

    this.handles = new HandlesStack(this, 'Handles', {
      ...common,
      description: `Lakeforge ${config.name}: platform handles (SSM parameters under /lakeforge/${config.name}/) and the producer policy`,
      environmentName: config.name,
      ingestStream: this.ingestion.ingestion.stream,
      encryptionKey: lake.key,
      rawBucket: lake.rawBucket,
      curatedBucket: lake.curatedBucket,
      martsBucket: lake.martsBucket,
      quarantineBucket: lake.quarantineBucket,
      registryBucket: lake.registryBucket,
      athenaResultsBucket: lake.athenaResultsBucket,
      rawDatabase: this.catalog.catalog.rawDatabase,
      curatedDatabase: this.catalog.catalog.curatedDatabase,
      martsDatabase: this.catalog.catalog.martsDatabase,
      catalogKey: this.catalog.encryption?.key,
      workgroups: this.analytics.workgroups,
      tableDdl: this.analytics.tableDdl,
      registryPublisher: this.analytics.registryPublisher,
      alarmTopic,
      goLiveDate: config.pipeline.goLiveDate,
      curatedLookbackHours: lookbackHours,
    });

    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
  }
}

/**
 * The freshness objectives of the platform: one per data product and curated table (one table per contract
 * MODEL the product declares), with the product's `freshnessSlaMinutes`. Batch-only products (no contracts)
 * have no curated table, so none: the pipeline measures freshness in its curated steps, which only exist for event tables.
 *
 * @throws Error naming the product and URI when a product declares a contract that is not in config/contracts.
 */
export function freshnessObjectives(products: readonly ProductDeclaration[], contractTables: readonly ContractTable[]): FreshnessObjective[] {
  return products.flatMap((p) => resolveEventTables(p, contractTables).map((t) => ({ product: p.name, table: t.tableName, sla: Duration.minutes(p.freshnessSlaMinutes) })));
}

/** The distinct curated tables of a group of data products (a table two products share counts once), in order. */
function curatedTablesOf(products: readonly ProductDeclaration[], contractTables: readonly ContractTable[]): ContractTable[] {
  const byName = new Map<string, ContractTable>();
  for (const p of products) for (const t of resolveEventTables(p, contractTables)) byName.set(t.tableName, t);
  return [...byName.values()];
}
