import { Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { AnalyticsStack } from '../stacks/analytics-stack';
import { CatalogStack } from '../stacks/catalog-stack';
import { IngestionStack } from '../stacks/ingestion-stack';
import { StorageStack } from '../stacks/storage-stack';

/** Properties of {@link LakeforgeStage}. */
export interface LakeforgeStageProps extends Omit<StageProps, 'env'> {
  /** The environment's parsed configuration (from `loadConfig`). */
  readonly config: EnvironmentConfig;
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

  constructor(scope: Construct, id: string, props: LakeforgeStageProps) {
    const { config } = props;
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });

    const common = { terminationProtection: config.terminationProtection };
    this.storage = new StorageStack(this, 'Storage', {
      ...common,
      description: `Lakeforge ${config.name}: lake key and buckets (stateful)`,
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
    });
    this.ingestion = new IngestionStack(this, 'Ingestion', {
      ...common,
      description: `Lakeforge ${config.name}: Kinesis ingestion and the contract-validating ingest function`,
      ingestion: config.ingestion,
      encryptionKey: lake.key,
      rawBucket: lake.rawBucket,
      quarantineBucket: lake.quarantineBucket,
      logRetention: config.observability.logRetentionDays,
      allowDestroy: config.storage.allowDestroy,
    });
    this.analytics = new AnalyticsStack(this, 'Analytics', {
      ...common,
      description: `Lakeforge ${config.name}: Athena workgroups`,
      environmentName: config.name,
      analytics: config.analytics,
      resultsBucket: lake.athenaResultsBucket,
      encryptionKey: lake.key,
      allowDestroy: config.storage.allowDestroy,
    });

    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
  }
}
