import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The ingest function's custom metrics (Powertools, EMF). Must equal `INGEST_METRICS` in
 * lambdas/ingest/process-batch.ts (a test checks it).
 */
export const INGEST_METRIC_NAMES = { eventsAccepted: 'EventsAccepted', badRows: 'BadRows' } as const;

/** Properties of {@link PlatformMonitoring}. */
export interface PlatformMonitoringProps {
  /** Key that encrypts the alarm topic (SSE). */
  readonly encryptionKey: kms.IKey;
  /** The ingest stream. */
  readonly stream: kinesis.IStream;
  /** The ingest function. */
  readonly ingestFunction: lambda.IFunction;
  /** Powertools metrics namespace of the ingest function. */
  readonly metricsNamespace: string;
  /** Powertools service name of the ingest function (the `service` metric dimension). */
  readonly ingestServiceName: string;
  /** The failure types bad rows are counted by (the `FailureType` dimension). */
  readonly failureTypes: readonly string[];
  /** The mart refresh function. */
  readonly martRefreshFunction: lambda.IFunction;
  /** The mart refresh dead-letter queue. */
  readonly martRefreshDeadLetterQueue: sqs.IQueue;
  /** Alarm when the ingest iterator age (how far behind the stream the function is) exceeds this. */
  readonly maxIteratorAge: Duration;
  /** Alarm when bad rows exceed this share of all events in 5 minutes (0–1). */
  readonly maxBadRowRatio: number;
  /** Dashboard name (people open it by name). */
  readonly dashboardName: string;
}

/**
 * Dashboard and alarms of one environment, all notifying one KMS-encrypted, TLS-only SNS topic:
 * ingest iterator age (the stream is falling behind), ingest errors and throttles, bad-row ratio,
 * mart refresh errors and messages in the mart refresh dead-letter queue. Subscribe your on-call
 * tooling to {@link alarmTopic}.
 *
 * @example
 * new PlatformMonitoring(this, 'Monitoring', { encryptionKey, stream, ingestFunction, ... });
 */
export class PlatformMonitoring extends Construct {
  /** Every alarm notifies this topic. */
  public readonly alarmTopic: sns.Topic;
  /** The alarms by short name. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** The environment's dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  /** @throws Error when `maxBadRowRatio` is outside 0–1. */
  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    if (props.maxBadRowRatio < 0 || props.maxBadRowRatio > 1) {
      throw new Error(`PlatformMonitoring: maxBadRowRatio must be within 0–1, got ${props.maxBadRowRatio}`);
    }
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.encryptionKey, enforceSSL: true });
    const period = Duration.minutes(5);

    const iteratorAge = props.ingestFunction.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period });
    const accepted = new cloudwatch.Metric({
      namespace: props.metricsNamespace,
      metricName: INGEST_METRIC_NAMES.eventsAccepted,
      dimensionsMap: { service: props.ingestServiceName },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
    const badRowsByType = Object.fromEntries(
      props.failureTypes.map((t, i) => [
        `b${i}`,
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: INGEST_METRIC_NAMES.badRows,
          dimensionsMap: { service: props.ingestServiceName, FailureType: t },
          statistic: cloudwatch.Stats.SUM,
          period,
        }),
      ]),
    );
    const badRows = Object.keys(badRowsByType).join(' + ');
    const badRowRatio = new cloudwatch.MathExpression({
      expression: `IF((accepted + ${badRows}) > 0, (${badRows}) / (accepted + ${badRows}), 0)`,
      usingMetrics: { accepted, ...badRowsByType },
      label: 'bad-row ratio',
      period,
    });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      a.addOkAction(new actions.SnsAction(this.alarmTopic));
      return a;
    };
    this.alarms = {
      iteratorAge: alarm('IngestIteratorAge', iteratorAge, props.maxIteratorAge.toMilliseconds(), 'Ingestion is falling behind the stream: records wait longer than the configured maximum.'),
      ingestErrors: alarm('IngestErrors', props.ingestFunction.metricErrors({ period }), 0, 'The ingest function failed; the mapping retries and bisects, then sends the batch to the S3 on-failure destination.'),
      ingestThrottles: alarm('IngestThrottles', props.ingestFunction.metricThrottles({ period }), 0, 'The ingest function was throttled: check reserved concurrency against shards × parallelization factor.'),
      badRowRatio: alarm('BadRowRatio', badRowRatio, props.maxBadRowRatio, 'Too many bad rows: a producer may send events that break its contract (see the bad_rows table).'),
      martRefreshErrors: alarm('MartRefreshErrors', props.martRefreshFunction.metricErrors({ period }), 0, 'A mart refresh failed: the mart is stale; Athena\'s error is in the function log.'),
      martRefreshDeadLetters: alarm(
        'MartRefreshDeadLetters',
        props.martRefreshDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
        0,
        'A scheduled mart refresh could not be delivered or kept failing: see the dead-letter queue.',
      ),
    };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Events accepted / bad rows', left: [accepted], right: Object.values(badRowsByType), width: 12 }),
          new cloudwatch.GraphWidget({ title: 'Bad-row ratio', left: [badRowRatio], leftAnnotations: [{ value: props.maxBadRowRatio, label: 'alarm' }], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Ingest iterator age (ms)', left: [iteratorAge], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Ingest errors and throttles', left: [props.ingestFunction.metricErrors(), props.ingestFunction.metricThrottles()], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Stream incoming records', left: [props.stream.metricIncomingRecords({ period })], width: 8 }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 })],
      ],
    });
  }
}
