import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FRESHNESS_DIMENSION, FRESHNESS_METRICS, PIPELINE_METRICS_NAMESPACE, PIPELINE_SERVICE_NAME, SERVICE_DIMENSION } from '../../pipeline/metrics';
import { FRESHNESS_ALARM_PERIOD } from './freshness-alarms';

import { INGEST_METRICS } from '../../../lambdas/shared/ingest-metrics';

/**
 * Consecutive 5-minute periods with failed registry reads before {@link PlatformMonitoring}'s registry alarm fires:
 * one throttled read is retried and harmless; fifteen minutes of failures mean third-party events are held back
 * (retried, never lost) until the registry can be read.
 */
export const REGISTRY_ERROR_PERIODS = 3;

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
  /**
   * The pipeline state machine: its execution metrics (`ExecutionsFailed`, `ExecutionsTimedOut`,
   * `ExecutionsAborted`, dimension `StateMachineArn`). The state machine is deployed after this construct (its
   * failures publish to {@link PlatformMonitoring.alarmTopic}), so pass a reference by its physical name:
   * `sfn.StateMachine.fromStateMachineName(this, 'Pipeline', 'lakeforge-dev-pipeline')`.
   */
  readonly pipelineStateMachine: sfn.IStateMachine;
  /**
   * The distinct freshness SLAs of the data products: annotations on the freshness graph. The freshness alarms
   * themselves are {@link FreshnessAlarms}, in stacks that grow with the products.
   * @default - no freshness widgets (no data product has a curated table)
   */
  readonly freshnessSlas?: readonly Duration[];
  /**
   * Alarms created in other stacks (e.g. the pipeline schedules' dead-letter alarm, referenced with
   * `cloudwatch.Alarm.fromAlarmName`), shown in the dashboard's alarm status widget next to this construct's.
   * @default - none
   */
  readonly otherAlarms?: readonly cloudwatch.IAlarm[];
  /** Alarm when the ingest iterator age (how far behind the stream the function is) exceeds this. */
  readonly maxIteratorAge: Duration;
  /** Alarm when bad rows exceed this share of all events in 5 minutes (0–1). */
  readonly maxBadRowRatio: number;
  /** Dashboard name (people open it by name). */
  readonly dashboardName: string;
}

/**
 * Dashboard and alarms of one environment, all notifying one KMS-encrypted, TLS-only SNS topic:
 * ingest iterator age (the stream is falling behind), ingest errors and throttles, contract registry reads failing
 * for {@link REGISTRY_ERROR_PERIODS} periods of 5 minutes (metric `RegistryErrors`), bad-row ratio, and
 * pipeline executions that failed, timed out or were aborted. Subscribe your on-call tooling to
 * {@link alarmTopic}; the pipeline's own failure notifications and the freshness alarms
 * ({@link FreshnessAlarms}) go to the same topic.
 *
 * The construct's size does not depend on the number of data products: the freshness graphs are CloudWatch
 * `SEARCH` expressions over the pipeline's metrics (every curated table, present and future), and the alarm
 * status widget lists the platform's alarms only (a widget holds at most 100 alarms).
 *
 * @example
 * new PlatformMonitoring(this, 'Monitoring', {
 *   encryptionKey, stream, ingestFunction, metricsNamespace: 'Lakeforge', ingestServiceName: 'lakeforge-ingest',
 *   failureTypes: ['not_json'], pipelineStateMachine: sfn.StateMachine.fromStateMachineName(this, 'Pipeline', 'lakeforge-dev-pipeline'),
 *   maxIteratorAge: Duration.minutes(10), maxBadRowRatio: 0.05, dashboardName: 'lakeforge-dev',
 * });
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
      metricName: INGEST_METRICS.eventsAccepted,
      dimensionsMap: { service: props.ingestServiceName },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
    const badRowsByType = Object.fromEntries(
      props.failureTypes.map((t, i) => [
        `b${i}`,
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: INGEST_METRICS.badRows,
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
    const pipeline = props.pipelineStateMachine;

    const registryErrors = new cloudwatch.Metric({
      namespace: props.metricsNamespace,
      metricName: INGEST_METRICS.registryErrors,
      dimensionsMap: { service: props.ingestServiceName },
      statistic: cloudwatch.Stats.SUM,
      period,
    });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const a = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No traffic, or no pipeline run in a period, is not an incident; freshness alarms catch a stopped pipeline.
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
      registryErrors: alarm(
        'IngestRegistryErrors',
        registryErrors,
        0,
        `The ingest function could not read the contract registry for ${REGISTRY_ERROR_PERIODS * 5} minutes: events of schemas outside the compiled contracts are retried (never quarantined, never lost) and hold back their shards until it can.`,
        REGISTRY_ERROR_PERIODS,
      ),
      badRowRatio: alarm('BadRowRatio', badRowRatio, props.maxBadRowRatio, 'Too many bad rows: a producer may send events that break its contract (see the bad_rows table).'),
      pipelineFailed: alarm(
        'PipelineExecutionsFailed',
        pipeline.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
        0,
        'A pipeline run failed: the curated tables or marts it did not finish are stale until the next run. The failed state and Athena\'s error are in the execution history and the state machine log.',
      ),
      pipelineTimedOut: alarm(
        'PipelineExecutionsTimedOut',
        pipeline.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
        0,
        'A pipeline run timed out: a statement ran longer than the state machine allows (see the execution history for the step).',
      ),
      pipelineAborted: alarm(
        'PipelineExecutionsAborted',
        pipeline.metricAborted({ period, statistic: cloudwatch.Stats.SUM }),
        0,
        'A pipeline run was stopped before it finished: its tables are stale until the next run.',
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
        [
          new cloudwatch.GraphWidget({
            title: 'Pipeline executions',
            left: [
              pipeline.metricStarted({ period, statistic: cloudwatch.Stats.SUM, label: 'started' }),
              pipeline.metricSucceeded({ period, statistic: cloudwatch.Stats.SUM, label: 'succeeded' }),
              pipeline.metricFailed({ period, statistic: cloudwatch.Stats.SUM, label: 'failed' }),
              pipeline.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM, label: 'timed out' }),
              pipeline.metricAborted({ period, statistic: cloudwatch.Stats.SUM, label: 'aborted' }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({ title: 'Pipeline execution time (ms)', left: [pipeline.metricTime({ period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM })], width: 12 }),
        ],
        ...freshnessWidgets(props.freshnessSlas ?? []),
        [new cloudwatch.AlarmStatusWidget({ title: 'Platform alarms', alarms: [...Object.values(this.alarms), ...(props.otherAlarms ?? [])], width: 24 })],
      ],
    });
  }
}

/**
 * A CloudWatch `SEARCH` expression over one freshness metric of every curated table the pipeline publishes
 * (namespace `Lakeforge`, `service` = `lakeforge-pipeline`), maximum per {@link FRESHNESS_ALARM_PERIOD}: one
 * line per table, without listing the tables.
 *
 * @param metricName - {@link FRESHNESS_METRICS}`.freshness` or `.eventLag`.
 */
export function curatedFreshnessSearch(metricName: string): cloudwatch.SearchExpression {
  const schema = `{${PIPELINE_METRICS_NAMESPACE},${SERVICE_DIMENSION},${FRESHNESS_DIMENSION}}`;
  return new cloudwatch.SearchExpression({
    expression: `SEARCH('${schema} ${SERVICE_DIMENSION}="${PIPELINE_SERVICE_NAME}" MetricName="${metricName}"', 'Maximum', ${FRESHNESS_ALARM_PERIOD.toSeconds()})`,
    // A dynamic label: one line per table, named by the table.
    label: `\${PROP('Dim.${FRESHNESS_DIMENSION}')}`,
    period: FRESHNESS_ALARM_PERIOD,
  });
}

function freshnessWidgets(slas: readonly Duration[]): cloudwatch.IWidget[][] {
  if (slas.length === 0) return [];
  const seconds = [...new Set(slas.map((s) => s.toSeconds()))].sort((a, b) => a - b);
  return [
    [
      new cloudwatch.GraphWidget({
        title: 'Curated freshness (s since newest arrival)',
        left: [curatedFreshnessSearch(FRESHNESS_METRICS.freshness)],
        leftAnnotations: seconds.map((value) => ({ value, label: `SLA ${value / 60} min` })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Curated event lag (s since newest event time)', left: [curatedFreshnessSearch(FRESHNESS_METRICS.eventLag)], width: 12 }),
    ],
  ];
}
