import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { ObservabilityConfig } from '../../config/schema';
import { MART_REFRESH_SERVICE_NAME } from '../../lambdas/mart-refresh/core';
import { type FreshnessObjective, PlatformMonitoring } from '../constructs/observability/platform-monitoring';
import { INGEST_SERVICE_NAME, type KinesisIngestion, LAKEFORGE_METRICS_NAMESPACE } from '../constructs/ingestion/kinesis-ingestion';
import type { MartRefresh } from '../constructs/analytics/mart-refresh';

/** Properties of {@link MonitoringStack}. */
export interface MonitoringStackProps extends StackProps {
  /** Environment name (dashboard name `lakeforge-<env>`). */
  readonly environmentName: string;
  /** The observability slice of the environment's config. */
  readonly observability: ObservabilityConfig;
  /** The lake key (encrypts the alarm topic). */
  readonly encryptionKey: kms.IKey;
  /** Stream and ingest function. */
  readonly ingestion: KinesisIngestion;
  /** The mart refresh function and its dead-letter queue. */
  readonly martRefresh: MartRefresh;
  /** Failure types of bad rows. */
  readonly failureTypes: readonly string[];
  /** One freshness objective per data product and curated table (`freshnessObjectives` in lib/stages/lakeforge-stage.ts). */
  readonly freshness: readonly FreshnessObjective[];
}

/** Dashboard and alarms of an environment (see {@link PlatformMonitoring}). */
export class MonitoringStack extends Stack {
  /** Dashboard, alarms and alarm topic. */
  public readonly monitoring: PlatformMonitoring;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    this.monitoring = new PlatformMonitoring(this, 'Monitoring', {
      encryptionKey: props.encryptionKey,
      stream: props.ingestion.stream,
      ingestFunction: props.ingestion.function,
      metricsNamespace: LAKEFORGE_METRICS_NAMESPACE,
      ingestServiceName: INGEST_SERVICE_NAME,
      failureTypes: props.failureTypes,
      martRefreshFunction: props.martRefresh.function,
      martRefreshDeadLetterQueue: props.martRefresh.deadLetterQueue,
      martRefreshServiceName: MART_REFRESH_SERVICE_NAME,
      freshness: props.freshness,
      maxIteratorAge: Duration.seconds(props.observability.alarms.iteratorAgeSeconds),
      maxBadRowRatio: props.observability.alarms.badRowRatio,
      dashboardName: `lakeforge-${props.environmentName}`,
    });
  }
}
