import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ObservabilityConfig } from '../../config/schema';
import { INGEST_SERVICE_NAME, type KinesisIngestion, LAKEFORGE_METRICS_NAMESPACE } from '../constructs/ingestion/kinesis-ingestion';
import { PlatformMonitoring } from '../constructs/observability/platform-monitoring';
import { pipelineScheduleDeadLettersAlarmName, pipelineStateMachineName } from './pipeline-stack';

/** Properties of {@link MonitoringStack}. */
export interface MonitoringStackProps extends StackProps {
  /** Environment name (dashboard name `lakeforge-<env>`; the pipeline's state machine and dead-letter alarm names). */
  readonly environmentName: string;
  /** The observability slice of the environment's config. */
  readonly observability: ObservabilityConfig;
  /** The lake key (encrypts the alarm topic). */
  readonly encryptionKey: kms.IKey;
  /** Stream and ingest function. */
  readonly ingestion: KinesisIngestion;
  /** Failure types of bad rows. */
  readonly failureTypes: readonly string[];
  /**
   * The distinct freshness SLAs of the data products (dashboard annotations; the alarms are in the
   * `Freshness<Domain>` stacks).
   * @default - no freshness widgets
   */
  readonly freshnessSlas?: readonly Duration[];
}

/**
 * Dashboard, platform alarms and the alarm topic of an environment (see {@link PlatformMonitoring}). Its size does
 * not depend on the number of data products.
 */
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
      // The Pipeline stack is deployed after this one (its failures publish to this stack's alarm topic): its state
      // machine and dead-letter alarm are found by their physical names, so no reference points back at it.
      pipelineStateMachine: sfn.StateMachine.fromStateMachineName(this, 'PipelineStateMachine', pipelineStateMachineName(props.environmentName)),
      otherAlarms: [cloudwatch.Alarm.fromAlarmName(this, 'PipelineScheduleDeadLettersAlarm', pipelineScheduleDeadLettersAlarmName(props.environmentName))],
      freshnessSlas: props.freshnessSlas,
      maxIteratorAge: Duration.seconds(props.observability.alarms.iteratorAgeSeconds),
      maxBadRowRatio: props.observability.alarms.badRowRatio,
      dashboardName: `lakeforge-${props.environmentName}`,
    });
  }
}
