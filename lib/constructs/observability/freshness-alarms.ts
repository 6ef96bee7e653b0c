import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FRESHNESS_DIMENSION, FRESHNESS_METRICS, PIPELINE_METRICS_NAMESPACE, PIPELINE_SERVICE_NAME, SERVICE_DIMENSION } from '../../pipeline/metrics';

/**
 * Period of the freshness alarms: one hour, the interval of the pipeline schedule (`pipeline.scheduleExpression`,
 * hourly at :05), whose curated steps publish one freshness datapoint per table per run. A shorter period would
 * have empty periods between runs, which the alarm treats as breaching; a longer one would delay the alarm.
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

/** Properties of {@link FreshnessAlarms}. */
export interface FreshnessAlarmsProps {
  /** One alarm per entry (per data product and curated table). */
  readonly objectives: readonly FreshnessObjective[];
  /** The environment's alarm topic: every alarm notifies it on ALARM and OK. */
  readonly alarmTopic: sns.ITopic;
}

/**
 * One freshness alarm per data product and curated table: maximum of `CuratedFreshnessSeconds` (published by
 * the pipeline state machine after each curated step, see `lib/pipeline/metrics.ts`) over
 * {@link FRESHNESS_ALARM_PERIOD} greater than the product's SLA in seconds, for one period.
 *
 * Missing data is breaching: no measurement means the pipeline stopped, its freshness read failed, or the table
 * has no event within the read window, so the data is not known to be fresh. The hourly measurement also bounds
 * what is checked: an SLA under an hour is checked at each run, not in between.
 *
 * Alarms are separate from {@link PlatformMonitoring} so they can be grouped in stacks that grow with the data
 * products (one per domain, as the products' tables are) while the platform's own monitoring stays constant.
 *
 * @example
 * new FreshnessAlarms(this, 'Freshness', { objectives: [{ product: 'viewer-engagement', table: 'rating_submitted_v1', sla: Duration.hours(2) }], alarmTopic });
 */
export class FreshnessAlarms extends Construct {
  /** The alarms, by {@link freshnessAlarmKey}. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  /** @throws Error when an SLA is under 1 minute or a product lists the same table twice. */
  constructor(scope: Construct, id: string, props: FreshnessAlarmsProps) {
    super(scope, id);
    validateFreshness(props.objectives);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    for (const f of props.objectives) {
      const a = new cloudwatch.Alarm(this, `Freshness${pascal(f.product)}${pascal(f.table)}Alarm`, {
        metric: curatedFreshnessMetric(f.table),
        threshold: f.sla.toSeconds(),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription:
          `Data product ${f.product}: the newest event of curated table ${f.table} is older than the freshness SLA (${f.sla.toHumanString()}), ` +
          'or no freshness was measured in the last hour (the pipeline stopped or its freshness read failed: see the state machine\'s executions).',
      });
      a.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      a.addOkAction(new actions.SnsAction(props.alarmTopic));
      alarms[freshnessAlarmKey(f)] = a;
    }
    this.alarms = alarms;
  }
}

/**
 * A freshness metric of one curated table as the pipeline publishes it (namespace `Lakeforge`, dimensions
 * `service` = `lakeforge-pipeline` and `Table`), maximum over {@link FRESHNESS_ALARM_PERIOD}.
 *
 * @param table - curated table name, e.g. `rating_submitted_v1`.
 * @param metricName - {@link FRESHNESS_METRICS}`.freshness` (default) or `.eventLag`.
 */
export function curatedFreshnessMetric(table: string, metricName: string = FRESHNESS_METRICS.freshness): cloudwatch.Metric {
  // No label: a labelled metric renders as a metric-math alarm (`Metrics`), not a plain one.
  return new cloudwatch.Metric({
    namespace: PIPELINE_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: PIPELINE_SERVICE_NAME, [FRESHNESS_DIMENSION]: table },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: FRESHNESS_ALARM_PERIOD,
  });
}

/** The key of a freshness alarm in {@link FreshnessAlarms.alarms}: `freshness:<product>:<table>`. */
export function freshnessAlarmKey(f: Pick<FreshnessObjective, 'product' | 'table'>): string {
  return `freshness:${f.product}:${f.table}`;
}

/**
 * Checks freshness objectives: every SLA at least 1 minute, no product/table pair twice.
 *
 * @throws Error naming the product and table.
 */
export function validateFreshness(objectives: readonly FreshnessObjective[]): void {
  const seen = new Set<string>();
  for (const f of objectives) {
    const seconds = f.sla.toSeconds({ integral: false });
    if (!Token.isUnresolved(seconds) && seconds < 60) {
      throw new Error(`FreshnessAlarms: freshness SLA of ${f.product}/${f.table} must be at least 1 minute, got ${f.sla.toHumanString()}`);
    }
    const key = freshnessAlarmKey(f);
    if (seen.has(key)) throw new Error(`FreshnessAlarms: freshness of ${f.product}/${f.table} is listed twice`);
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
