import { createHash } from 'node:crypto';
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { checkMarts, formatMartCheckError } from '../../marts/check';
import type { ContractTable } from '../../marts/contract-adapter';
import type { Mart } from '../../marts/declaration';
import { databaseName } from '../../shared/naming';
import { renderPipelinePlanTemplate, type PipelinePlanTemplate } from '../../pipeline/plan';
import { PipelineOrchestration } from '../analytics/pipeline-orchestration';
import type { QueryWorkgroupReference } from '../analytics/query-workgroup';
import { IcebergTables, martTablePrefix, renderMartIcebergTableSpec, WATERMARK_TABLE_PREFIX } from '../catalog/iceberg-tables';
import type { ITableDdlProvider } from '../catalog/table-ddl-function';
import { FreshnessAlarms } from '../observability/freshness-alarms';

/**
 * The platform's pipeline schedule (config `pipeline.scheduleExpression`, the same in dev, acc and prod): hourly at
 * minute 5, UTC. Hourly matches the freshness alarms' period (`FRESHNESS_ALARM_PERIOD`, one hour): each run publishes one
 * freshness datapoint per table, and an hour without one is breaching.
 */
export const DEFAULT_PRODUCT_REFRESH_SCHEDULE = 'cron(5 * * * ? *)';

/** The platform's maintenance schedule (config `pipeline.maintenanceScheduleExpression`, every environment): daily at 03:40 UTC. */
export const DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE = 'cron(40 3 * * ? *)';

/** Step Functions state machine names: 1–80 characters (AWS Step Functions API Reference, CreateStateMachine `name`). */
const MAX_STATE_MACHINE_NAME = 80;

/** Properties of {@link ProductRefresh}. */
export interface ProductRefreshProps {
  /**
   * The Lakeforge environment (`dev`, `acc`, `prod`), a literal (`LakeforgePlatform.environment`): the statements name
   * the environment's Glue databases, `lakeforge_<environment>_<zone>`.
   */
  readonly environment: string;
  /** The data product's name, kebab-case, e.g. `checkout-orders`: the state machine and alarm names. */
  readonly productName: string;
  /** The product's contract tables (one per contract MODEL, from `readContractTables`): one curated step each. At least one. */
  readonly contractTables: ContractTable[];
  /**
   * The product's marts (validated declarations, e.g. from `defineMart`), refreshed after its curated steps, level by
   * level. They may read only the product's own curated tables (checked at synth with `checkMarts`): the role reaches
   * no other table. Their Iceberg tables are created here, by Athena DDL (`ddl`), at `<mart>/` in `martsBucket`.
   * @default - no marts: the refresh curates the contract tables only
   */
  readonly marts?: Mart[];
  /**
   * Marts zone bucket. Required when `marts` is not empty.
   * @default - none
   */
  readonly martsBucket?: s3.IBucket;
  /**
   * The table DDL provider that creates the marts' Iceberg tables (`LakeforgePlatform.tableDdl`). Required when `marts`
   * is not empty.
   * @default - none
   */
  readonly ddl?: ITableDdlProvider;
  /** The product's freshness SLA: one alarm per curated table, threshold in seconds. At least 1 minute. */
  readonly freshnessSla: Duration;
  /** Raw zone bucket: the product's raw prefixes are read. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket: the product's curated tables and the platform's watermark table are written. */
  readonly curatedBucket: s3.IBucket;
  /** The Athena results bucket of {@link workgroup}. */
  readonly resultsBucket: s3.IBucket;
  /** The lake key (lake objects, query results, the log group and the schedules' dead-letter queue). */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog key, where the environment encrypts the catalog with a customer-managed key.
   * @default - no catalog key permissions
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /**
   * The workgroup the statements run in: the platform workgroup, e.g. `queryWorkgroupReference(this,
   * platform.workgroupName('platform'))` in a product team's app.
   */
  readonly workgroup: QueryWorkgroupReference;
  /** The environment's alarm topic: the freshness alarms and failed executions notify it. */
  readonly alarmTopic: sns.ITopic;
  /** The platform's go-live date, `YYYY-MM-DD` (token allowed: `LakeforgePlatform.goLiveDate`). */
  readonly goLiveDate: string;
  /**
   * The platform's curated lookback, whole hours ≥ 1 (token allowed: `Token.asNumber(platform.curatedLookbackHours)`).
   * It must be the platform's: the watermark rows are shared, and a shorter lookback loses late records.
   */
  readonly curatedLookbackHours: number;
  /**
   * When the refresh runs (EventBridge Scheduler expression, UTC).
   * @default {@link DEFAULT_PRODUCT_REFRESH_SCHEDULE} (`cron(5 * * * ? *)`, the platform's default): keep it at least
   *   hourly, the freshness alarms' period
   */
  readonly scheduleExpression?: string;
  /**
   * When table maintenance (OPTIMIZE, VACUUM of the product's curated tables) runs (EventBridge Scheduler expression, UTC).
   * @default {@link DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE} (`cron(40 3 * * ? *)`, the platform's default)
   */
  readonly maintenanceScheduleExpression?: string;
  /**
   * Days of recent event-date partitions OPTIMIZE rewrites (1–99).
   * @default 30 (the platform's default, config `pipeline.optimizeRecentDays`)
   */
  readonly optimizeRecentDays?: number;
  /**
   * Retention of the state machine's log group.
   * @default logs.RetentionDays.THREE_MONTHS (the platform's `observability.logRetentionDays`, 90)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Whether a stack operation may delete the log group and the dead-letter queue (dev only).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * The scheduled curated refresh of one data product, from outside the platform repository (a product team's own CDK
 * app, with the platform's handles): the product's own pipeline, the same one the platform runs for its products, over
 * the product's contract tables only.
 *
 * - **Plan.** `renderPipelinePlanTemplate(environment, marts, contractTables, { maintainWatermarkTable: false })`: one
 *   curated step per contract table (window → chunks → MERGE per chunk → watermark → freshness), then the product's
 *   marts if it has any (their Iceberg tables created here by Athena DDL), maintenance of the product's tables. The curated window's go-live date and lookback are run-time placeholders, so the plan asset holds no
 *   deploy-time value; the state machine gets them through its definition substitutions (CloudFormation resolves
 *   dynamic references there).
 * - **Orchestration.** A {@link PipelineOrchestration} named {@link productRefreshStateMachineName} (`lakeforge-<env>-product-<product>`),
 *   with its schedules, dead-letter queue and failure notification to the alarm topic. Its role is scoped to the
 *   product: Glue on the product's raw and curated tables and the platform's watermark table (by name), S3 on the
 *   product's raw prefixes and curated prefixes and on the watermark table's prefix (`_lakeforge/watermarks/`). The
 *   watermark table is the platform's (created and maintained by its Pipeline stack, which must be deployed first):
 *   the product only adds its steps' rows (`curated.<table>`).
 * - **Skipped runs.** An alarm on the schedules' dead-letter queue (a schedule could not start the state machine), to
 *   the alarm topic, as the platform's Pipeline stack has for its own schedules.
 * - **Freshness.** {@link FreshnessAlarms}: one alarm per curated table, `CuratedFreshnessSeconds` (the metric the state
 *   machine publishes, dimensions `service` = `lakeforge-pipeline` and `Table` = the table name) above the SLA, to the
 *   alarm topic.
 *
 * The curated tables themselves are created by `DataProduct` (Athena DDL); deploy them in the same stack.
 *
 * @example
 * const platform = LakeforgePlatform.fromParameters(this, 'Platform', { environment: 'dev' });
 * new ProductRefresh(this, 'Refresh', {
 *   environment: platform.environment, productName: 'checkout-orders', contractTables, freshnessSla: Duration.hours(1),
 *   rawBucket: platform.rawBucket, curatedBucket: platform.curatedBucket, resultsBucket: platform.athenaResultsBucket,
 *   encryptionKey: platform.lakeKey, workgroup: queryWorkgroupReference(this, platform.workgroupName('platform')),
 *   alarmTopic: platform.alarmTopic, goLiveDate: platform.goLiveDate,
 *   curatedLookbackHours: Token.asNumber(platform.curatedLookbackHours),
 * });
 */
export class ProductRefresh extends Construct {
  /** The product's plan (its curated steps and their maintenance), published as the orchestration's asset. */
  public readonly plan: PipelinePlanTemplate;
  /** The product's state machine, schedules, dead-letter queue and failure notification. */
  public readonly orchestration: PipelineOrchestration;
  /** One freshness alarm per curated table. */
  public readonly freshness: FreshnessAlarms;
  /** Alarm on schedule invocations that could not start an execution (the refresh was skipped), to the alarm topic. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The marts' Iceberg tables, when the product has marts. */
  public readonly martTables?: IcebergTables;

  /**
   * @throws Error when the product has no contract table, lists a table twice, its name is not kebab-case, the
   *   environment is not a literal environment name, it has marts without `martsBucket`/`ddl` or marts that do not
   *   check against its tables, or from `PipelineOrchestration` and `FreshnessAlarms` (window
   *   settings, SLA).
   */
  constructor(scope: Construct, id: string, props: ProductRefreshProps) {
    super(scope, id);
    validateProps(props);
    const marts = props.marts ?? [];
    this.plan = renderPipelinePlanTemplate(props.environment, marts, props.contractTables, {
      optimizeRecentDays: props.optimizeRecentDays,
      maintainWatermarkTable: false,
    });
    this.orchestration = new PipelineOrchestration(this, 'Pipeline', {
      plan: this.plan,
      goLiveDate: props.goLiveDate,
      curatedLookbackHours: props.curatedLookbackHours,
      stateMachineName: productRefreshStateMachineName(props.environment, props.productName),
      workgroup: props.workgroup,
      resultsBucket: props.resultsBucket,
      rawBucket: props.rawBucket,
      curatedBucket: props.curatedBucket,
      martsBucket: props.martsBucket,
      dataScope: { ...renderProductDataScope(props.contractTables), martPrefixes: marts.map(martTablePrefix) },
      encryptionKey: props.encryptionKey,
      catalogEncryptionKey: props.catalogEncryptionKey,
      alarmTopic: props.alarmTopic,
      scheduleExpression: props.scheduleExpression ?? DEFAULT_PRODUCT_REFRESH_SCHEDULE,
      maintenanceScheduleExpression: props.maintenanceScheduleExpression ?? DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      allowDestroy: props.allowDestroy,
    });
    if (marts.length > 0) {
      this.martTables = new IcebergTables(this, 'MartTables', {
        ddl: props.ddl!,
        tables: marts.map((m) => renderMartIcebergTableSpec(m, { database: databaseName(props.environment, 'marts'), bucketName: props.martsBucket!.bucketName })),
      });
      // The first scheduled run must find the tables it MERGEs into.
      this.orchestration.node.addDependency(this.martTables);
    }
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'ScheduleDeadLettersAlarm', {
      metric: this.orchestration.metricUndeliveredStarts(),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Data product ${props.productName}: a refresh or maintenance schedule could not start ${this.orchestration.stateMachine.stateMachineName} (see its dead-letter queue): runs were skipped.`,
    });
    this.deadLetterAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    this.deadLetterAlarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    this.freshness = new FreshnessAlarms(this, 'Freshness', {
      objectives: props.contractTables.map((t) => ({ product: props.productName, table: t.tableName, sla: props.freshnessSla })),
      alarmTopic: props.alarmTopic,
    });
  }
}

/**
 * The key prefixes of a product's refresh: its raw tables (read), its curated tables and the platform's watermark table
 * (written). Curated tables live at their contract's prefix in the curated bucket (`renderCuratedIcebergTableSpec`).
 */
export function renderProductDataScope(contractTables: readonly ContractTable[]): { rawPrefixes: string[]; curatedPrefixes: string[] } {
  return {
    rawPrefixes: contractTables.map((t) => t.rawPrefix),
    curatedPrefixes: [...contractTables.map((t) => t.rawPrefix), WATERMARK_TABLE_PREFIX],
  };
}

/**
 * The physical name of a product's refresh state machine: `lakeforge-<env>-product-<product>`, or, when that is longer
 * than the 80 characters Step Functions allows, the product name cut and followed by `-` and the first 8 hex digits of
 * the SHA-256 of the full name (deterministic: the same product always gets the same name).
 *
 * @throws Error when `env` or `productName` is not a literal kebab-case name.
 */
export function productRefreshStateMachineName(env: string, productName: string): string {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(env)) throw new Error(`ProductRefresh: environment must be a literal environment name (lower-case letters and digits), got "${env}"`);
  if (!/^[a-z][a-z0-9-]*$/.test(productName)) throw new Error(`ProductRefresh: productName must be kebab-case (lower-case letters, digits and '-'), got "${productName}"`);
  const full = `lakeforge-${env}-product-${productName}`;
  if (full.length <= MAX_STATE_MACHINE_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_STATE_MACHINE_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

function validateProps(p: ProductRefreshProps): void {
  if (Token.isUnresolved(p.environment)) throw new Error('ProductRefresh: environment must be a literal (LakeforgePlatform.environment), not a token');
  productRefreshStateMachineName(p.environment, p.productName);
  if (p.contractTables.length === 0) throw new Error(`ProductRefresh: product ${p.productName} has no contract table to refresh`);
  const seen = new Set<string>();
  for (const t of p.contractTables) {
    if (seen.has(t.tableName)) throw new Error(`ProductRefresh: contract table ${t.tableName} of product ${p.productName} is listed twice`);
    seen.add(t.tableName);
  }
  const marts = p.marts ?? [];
  if (marts.length > 0) {
    if (p.martsBucket === undefined || p.ddl === undefined) throw new Error(`ProductRefresh: product ${p.productName} has marts, so martsBucket and ddl are required`);
    const errors = checkMarts(marts, p.contractTables);
    if (errors.length > 0) {
      throw new Error([`ProductRefresh: invalid marts of product ${p.productName} (they may read only its own tables):`, ...errors.map((e) => `  - ${formatMartCheckError(e).replace(/\s*\n\s*/g, ' ')}`)].join('\n'));
    }
  }
}
