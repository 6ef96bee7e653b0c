import { Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../../config/schema';
import { AnalystQueries, renderAnalystQueries } from '../constructs/analytics/analyst-queries';
import { PipelineOrchestration } from '../constructs/analytics/pipeline-orchestration';
import type { QueryWorkgroup } from '../constructs/analytics/query-workgroup';
import { IcebergTables, renderMartIcebergTableSpec, renderWatermarkIcebergTableSpec } from '../constructs/catalog/iceberg-tables';
import type { ITableDdlProvider } from '../constructs/catalog/table-ddl-function';
import { checkMarts, formatMartCheckError, type MartCheckError } from '../marts/check';
import type { ContractTable } from '../marts/contract-adapter';
import type { Mart } from '../marts/declaration';
import { renderPipelinePlan, type PipelinePlan } from '../pipeline/plan';
import { ConfigError } from '../shared/config-error';
import { databaseName } from '../shared/naming';

/**
 * Thrown while the pipeline stack is built when `checkMarts` finds problems: one line naming every failing
 * mart with its file position and problem. A {@link ConfigError}, so `lakeforge synth` prints it as one
 * clean line and exits 1.
 */
export class MartsCheckError extends ConfigError {
  /** The problems, as returned by `checkMarts`. */
  public readonly errors: readonly MartCheckError[];

  constructor(errors: readonly MartCheckError[]) {
    const lines = errors.map((e) => formatMartCheckError(e).replace(/\s*\n\s*/g, ' '));
    super(lines);
    this.name = 'MartsCheckError';
    this.message = [`Invalid marts (config/marts, ${errors.length} problem${errors.length === 1 ? '' : 's'}):`, ...lines.map((l) => `  - ${l}`)].join('\n');
    this.errors = errors;
  }
}

/** Properties of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  /** Environment name (`dev`, `acc`, `prod`): physical database names in the plan, the state machine name. */
  readonly environmentName: string;
  /** The pipeline slice of the environment's config (go-live date, schedules, concurrency, OPTIMIZE window). */
  readonly pipeline: PipelineConfig;
  /**
   * Hours the curated window re-reads before the last successful run's start: `curatedLookbackHours(ingestion,
   * pipeline.lateArrivalMarginHours)`, computed by the stage (it depends on the ingestion slice).
   */
  readonly curatedLookbackHours: number;
  /** The mart declarations (`PlatformDefinition.marts`). */
  readonly marts: readonly Mart[];
  /** The contract tables: one curated step each. */
  readonly contracts: readonly ContractTable[];
  /** Raw zone bucket (source prefixes). */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket (curated Iceberg tables and the watermark control table). */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket (mart Iceberg tables under `<mart>/`). */
  readonly martsBucket: s3.IBucket;
  /** Athena query results bucket. */
  readonly resultsBucket: s3.IBucket;
  /** The lake key. */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog key, when this environment encrypts the catalog (`CatalogStack.encryption?.key`).
   * @default - no catalog key permissions
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /** The marts database (`lakeforge_<env>_marts`): the mart tables are created in it, so its stack deploys first. */
  readonly martsDatabase: glue.IDatabase;
  /** The provider that creates and evolves Iceberg tables with Athena DDL (`TableDdlFunction`, Analytics stack). */
  readonly tableDdl: ITableDdlProvider;
  /** The platform workgroup: every pipeline statement runs there. */
  readonly platformWorkgroup: QueryWorkgroup;
  /** The analysts' workgroup: the saved queries go there. */
  readonly analystsWorkgroup: QueryWorkgroup;
  /** The environment's alarm topic (Monitoring stack): failed runs and undeliverable schedules notify it. */
  readonly alarmTopic: sns.ITopic;
  /** Log retention of the state machine's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Whether the state machine's log group and the schedules' dead-letter queue may be deleted (dev only). */
  readonly allowDestroy: boolean;
  /**
   * Base of the SQL file paths in check errors.
   * @default process.cwd()
   */
  readonly checkBaseDir?: string;
}

/**
 * The raw → curated → marts pipeline of an environment: the Iceberg tables of the marts and the curated watermark
 * control table (created and evolved by Athena DDL through {@link IcebergTables}, never as `AWS::Glue::Table`), the
 * Step Functions state machine that runs the stage's {@link PipelinePlan} with its two schedules
 * ({@link PipelineOrchestration}), an alarm on the schedules' dead-letter queue, and a saved preview query per mart.
 *
 * Building the stack checks every mart first (`checkMarts`: SQL parses, tables and columns exist, output
 * columns and dependencies match the declaration) and fails synth with a {@link MartsCheckError} otherwise.
 * The number of resources does not grow with the data products or marts: the plan is an S3 asset the state
 * machine reads, and the tables are rows of one custom resource. (Per-curated-table saved queries and freshness
 * alarms are in the `Freshness<Domain>` stacks.)
 */
export class PipelineStack extends Stack {
  /** The rendered plan of this stage (published as an asset the state machine reads). */
  public readonly plan: PipelinePlan;
  /** The mart Iceberg tables and the watermark control table. */
  public readonly tables: IcebergTables;
  /** State machine, schedules, dead-letter queue. */
  public readonly orchestration: PipelineOrchestration;
  /** Alarm on schedule invocations that could not start an execution. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The saved mart previews. */
  public readonly queries: AnalystQueries;

  /**
   * @throws MartsCheckError when `checkMarts` reports problems.
   * @throws Error when the marts database is not `lakeforge_<env>_marts`, or from `renderPipelinePlan`.
   */
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const errors = checkMarts(props.marts, props.contracts, props.checkBaseDir);
    if (errors.length > 0) throw new MartsCheckError(errors);
    const env = props.environmentName;
    const martsDb = props.martsDatabase.databaseName;
    if (!Token.isUnresolved(martsDb) && martsDb !== databaseName(env, 'marts')) {
      throw new Error(`PipelineStack: martsDatabase is "${martsDb}", expected "${databaseName(env, 'marts')}"`);
    }

    this.plan = renderPipelinePlan(env, props.marts, props.contracts, {
      goLiveDate: props.pipeline.goLiveDate,
      lookbackHours: props.curatedLookbackHours,
      optimizeRecentDays: props.pipeline.optimizeRecentDays,
    });

    // Databases by name (as people type them; the Catalog stack deploys first), buckets by reference.
    this.tables = new IcebergTables(this, 'Tables', {
      ddl: props.tableDdl,
      tables: [
        renderWatermarkIcebergTableSpec({ database: databaseName(env, 'curated'), bucketName: props.curatedBucket.bucketName }),
        ...props.marts.map((m) => renderMartIcebergTableSpec(m, { database: databaseName(env, 'marts'), bucketName: props.martsBucket.bucketName })),
      ],
    });

    this.orchestration = new PipelineOrchestration(this, 'Pipeline', {
      plan: this.plan,
      goLiveDate: this.plan.goLiveDate,
      curatedLookbackHours: this.plan.lookbackHours,
      stateMachineName: pipelineStateMachineName(env),
      workgroup: props.platformWorkgroup,
      resultsBucket: props.resultsBucket,
      rawBucket: props.rawBucket,
      curatedBucket: props.curatedBucket,
      martsBucket: props.martsBucket,
      encryptionKey: props.encryptionKey,
      catalogEncryptionKey: props.catalogEncryptionKey,
      alarmTopic: props.alarmTopic,
      scheduleExpression: props.pipeline.scheduleExpression,
      maintenanceScheduleExpression: props.pipeline.maintenanceScheduleExpression,
      maxConcurrentCuratedSteps: props.pipeline.maxConcurrentCuratedSteps,
      logRetention: props.logRetention,
      allowDestroy: props.allowDestroy,
    });
    // The first scheduled run must find the tables it MERGEs into.
    this.orchestration.node.addDependency(this.tables);
    this.deadLetterAlarm = this.createDeadLetterAlarm(pipelineScheduleDeadLettersAlarmName(env), props.alarmTopic);

    this.queries = new AnalystQueries(this, 'AnalystQueries', {
      // Mart previews only: the curated tables' freshness queries grow with the data products, so they live in
      // the Freshness<Domain> stacks.
      queries: renderAnalystQueries(env, props.marts, []),
      workgroup: props.analystsWorkgroup,
    });

    // Workgroups and the marts database are referenced by name (as people type them), which creates no
    // cross-stack reference: deploy their stacks first explicitly.
    for (const owner of new Set([Stack.of(props.platformWorkgroup), Stack.of(props.analystsWorkgroup), Stack.of(props.martsDatabase)])) {
      if (owner !== this) this.addStackDependency(owner, 'pipeline statements, table DDL and saved queries need the workgroups and the marts database');
    }
  }

  /**
   * An alarm on messages in the schedules' dead-letter queue, in this stack: the queue is created here, after the
   * Monitoring stack (whose topic the state machine publishes to), so Monitoring cannot reference it; it shows the
   * alarm on its dashboard by name.
   */
  private createDeadLetterAlarm(alarmName: string, topic: sns.ITopic): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'ScheduleDeadLettersAlarm', {
      alarmName,
      metric: this.orchestration.metricUndeliveredStarts(),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'A pipeline or maintenance schedule could not start an execution (see the dead-letter queue): runs were skipped.',
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
    return alarm;
  }
}

/**
 * Physical name of the alarm on the pipeline schedules' dead-letter queue, `lakeforge-<env>-pipeline-schedule-dead-letters`:
 * the Monitoring stack (deployed first) shows it on the dashboard by this name.
 */
export function pipelineScheduleDeadLettersAlarmName(env: string): string {
  return `${pipelineStateMachineName(env)}-schedule-dead-letters`;
}

/** Physical name of an environment's pipeline state machine: `lakeforge-<env>-pipeline` (people open it by name). */
export function pipelineStateMachineName(env: string): string {
  return `lakeforge-${env}-pipeline`;
}
