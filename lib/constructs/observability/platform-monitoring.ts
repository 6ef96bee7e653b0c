import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FRESHNESS_DIMENSION, FRESHNESS_METRICS } from '../../../lambdas/mart-refresh/core';

/**
 * The ingest function's custom metrics (Powertools, EMF). Must equal `INGEST_METRICS` in
 * lambdas/ingest/process-batch.ts (a test checks it).
 */
export const INGEST_METRIC_NAMES = { eventsAccepted: 'EventsAccepted', badRows: 'BadRows' } as const;

/**
 * Period of the freshness alarms: one hour, the interval of the curated refresh (`CURATED_SCHEDULE`, hourly at
 * :05), which publishes one freshness datapoint per table per run. A shorter period would have empty periods
 * between runs, which the alarm treats as breaching; a longer one would delay the alarm.
 */
export const FRESHNESS_ALARM_PERIOD = Duration.hours(1);

/** The freshness objective of one curated table of a data product. */
export interface FreshnessObjective {
  /** Data product name, e.g. `viewer-engagement`. */
  readonly product: string;
  /** Curated table name (the `Table` dimension), e.g. `rating_submitted_v1`. */
  readonly table: string;
  /** The product's freshness SLA: the newest curated event must never be older than this. At least 1 minute. */
  readonly sla: Duration;
}

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
  /** Powertools service name of the mart refresh function (the `service` dimension of the freshness metrics). */
  readonly martRefreshServiceName: string;
  /**
   * One freshness alarm per entry (per data product and curated table): `CuratedFreshnessSeconds` above the SLA.
   * Products without event contracts (batch-only) have no curated table and so no entry.
   */
  readonly freshness: readonly FreshnessObjective[];
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
 * mart refresh errors, messages in the mart refresh dead-letter queue, and one freshness alarm per data
 * product and curated table. Subscribe your on-call tooling to {@link alarmTopic}.
 *
 * Freshness alarm: maximum of `CuratedFreshnessSeconds` (published by the mart refresh function after each
 * curated run) over {@link FRESHNESS_ALARM_PERIOD} greater than the product's SLA in seconds, for one period.
 * Missing data is breaching: no measurement means the curated refresh stopped, its freshness read failed, or
 * the table has no event within the read window (8 days), so the data is not known to be fresh. The hourly
 * measurement also bounds what is checked: an SLA under an hour is checked at each run, not in between.
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

  /**
   * @throws Error when `maxBadRowRatio` is outside 0–1, a freshness SLA is under 1 minute, or a product lists
   *   the same table twice.
   */
  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    if (props.maxBadRowRatio < 0 || props.maxBadRowRatio > 1) {
      throw new Error(`PlatformMonitoring: maxBadRowRatio must be within 0–1, got ${props.maxBadRowRatio}`);
    }
    validateFreshness(props.freshness);
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

    // No label on the alarm's metric: a labelled metric renders as a metric-math alarm (`Metrics`), not a plain one.
    const freshnessMetric = (table: string, metricName: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.martRefreshServiceName, [FRESHNESS_DIMENSION]: table },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: FRESHNESS_ALARM_PERIOD,
        label,
      });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING) => {
      const a = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData,
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
      ...Object.fromEntries(
        props.freshness.map((f) => [
          freshnessAlarmKey(f),
          alarm(
            `Freshness${pascal(f.product)}${pascal(f.table)}`,
            freshnessMetric(f.table, FRESHNESS_METRICS.freshness),
            f.sla.toSeconds(),
            `Data product ${f.product}: the newest event of curated table ${f.table} is older than the freshness SLA (${f.sla.toHumanString()}), ` +
              'or no freshness was measured in the last hour (the curated refresh stopped or its freshness read failed: see the mart refresh log).',
            cloudwatch.TreatMissingData.BREACHING,
          ),
        ]),
      ),
    };
    const freshnessTables = [...new Set(props.freshness.map((f) => f.table))].sort();
    const slas = [...new Set(props.freshness.map((f) => f.sla.toSeconds()))].sort((a, b) => a - b);

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
        ...(freshnessTables.length === 0
          ? []
          : [
              [
                new cloudwatch.GraphWidget({
                  title: 'Curated freshness (s since newest arrival)',
                  left: freshnessTables.map((t) => freshnessMetric(t, FRESHNESS_METRICS.freshness, t)),
                  leftAnnotations: slas.map((value) => ({ value, label: `SLA ${value / 60} min` })),
                  width: 12,
                }),
                new cloudwatch.GraphWidget({
                  title: 'Curated event lag (s since newest event time)',
                  left: freshnessTables.map((t) => freshnessMetric(t, FRESHNESS_METRICS.eventLag, t)),
                  width: 12,
                }),
              ],
            ]),
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 })],
      ],
    });
  }
}

/** The key of a freshness alarm in {@link PlatformMonitoring.alarms}: `freshness:<product>:<table>`. */
export function freshnessAlarmKey(f: Pick<FreshnessObjective, 'product' | 'table'>): string {
  return `freshness:${f.product}:${f.table}`;
}

function validateFreshness(objectives: readonly FreshnessObjective[]): void {
  const seen = new Set<string>();
  for (const f of objectives) {
    const seconds = f.sla.toSeconds({ integral: false });
    if (!Token.isUnresolved(seconds) && seconds < 60) {
      throw new Error(`PlatformMonitoring: freshness SLA of ${f.product}/${f.table} must be at least 1 minute, got ${f.sla.toHumanString()}`);
    }
    const key = freshnessAlarmKey(f);
    if (seen.has(key)) throw new Error(`PlatformMonitoring: freshness of ${f.product}/${f.table} is listed twice`);
    seen.add(key);
  }
}

/** `viewer-engagement` → `ViewerEngagement`, `rating_submitted_v1` → `RatingSubmittedV1`. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
