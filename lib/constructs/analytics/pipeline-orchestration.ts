import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Stage, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeAll, acknowledgeWildcardResources } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import { curatedFreshnessMetric } from '../observability/freshness-alarms';
import { FRESHNESS_DIMENSION, FRESHNESS_METRICS, PIPELINE_METRICS_NAMESPACE, PIPELINE_SERVICE_NAME, SERVICE_DIMENSION } from '../../pipeline/metrics';
import { validateWindowSettings, type PipelinePlanTemplate } from '../../pipeline/plan';
import { PLACEHOLDER_PATTERNS, PLACEHOLDERS, type PlaceholderName } from '../../pipeline/template';
import { databaseName } from '../../shared/naming';
import { statefulRemovalPolicy } from '../../shared/removal';
import type { PhysicalTable } from '../../marts/render';
import type { QueryWorkgroupReference } from './query-workgroup';

/** Properties of {@link PipelineOrchestration}. */
export interface PipelineOrchestrationProps {
  /**
   * The pipeline's statements (`renderPipelinePlan` or `renderPipelinePlanTemplate`): published as JSON files in an
   * S3 asset, read by the state machine at run time. The curated window's settings are not taken from it: see
   * {@link goLiveDate} and {@link curatedLookbackHours}.
   */
  readonly plan: PipelinePlanTemplate;
  /**
   * First arrival date the curated steps ever read, `YYYY-MM-DD` (config `pipeline.goLiveDate`): the value of
   * `{{go_live_date}}`. A token is allowed (e.g. a platform handle, a CloudFormation dynamic reference): it reaches the
   * state machine through its definition substitutions, which CloudFormation resolves, and is checked against its
   * pattern at run time (a bad value fails the window query's state).
   */
  readonly goLiveDate: string;
  /**
   * Hours the curated window re-reads before the last successful run's start, a whole number from 1 to 99999
   * (`curatedLookbackHours` in lib/pipeline/plan.ts): the value of `{{lookback_hours}}`. A token is allowed, as for
   * {@link goLiveDate} (e.g. `Token.asNumber(platform.curatedLookbackHours)`).
   */
  readonly curatedLookbackHours: number;
  /**
   * Physical name of the state machine, e.g. `lakeforge-dev-pipeline` (operators type it to start or redrive
   * executions). 1–80 characters: letters, digits, `-` and `_`.
   */
  readonly stateMachineName: string;
  /**
   * The platform workgroup every statement runs in (its results prefix is `workgroup.resultsPrefix`): a
   * `QueryWorkgroup`, or `queryWorkgroupReference(scope, name)` for a workgroup known by name (a platform handle).
   */
  readonly workgroup: QueryWorkgroupReference;
  /** The Athena results bucket of that workgroup. */
  readonly resultsBucket: s3.IBucket;
  /** Raw zone bucket: read under `events/` (contract tables) and `batch/` (vendor batch tables), or {@link dataScope}'s prefixes. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket (curated Iceberg tables and the watermark table): read, write and delete. */
  readonly curatedBucket: s3.IBucket;
  /**
   * Marts zone bucket (mart Iceberg tables): read, write and delete.
   * @default - none: allowed only with a {@link dataScope} without mart prefixes and a plan without marts
   */
  readonly martsBucket?: s3.IBucket;
  /**
   * Limits the role to the tables of the plan: Glue on the tables its steps write and read (by name, no wildcard) and
   * S3 on these key prefixes only. For a data product's own refresh, which must not reach other products' tables.
   * @default - every table of the environment's raw, curated and marts databases, raw `events/` and `batch/`, the whole
   *   curated and marts buckets: the platform's pipeline, which curates products added later without a policy change
   */
  readonly dataScope?: PipelineDataScope;
  /**
   * The lake key: lake objects, query results, the state machine's log group and the schedules' dead-letter
   * queue. Its key policy must let `logs.<region>.amazonaws.com` use it (as `LakeStorage` does).
   */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog encryption key, when the catalog is encrypted (`CatalogStack.encryption?.key`).
   * @default - the catalog is not encrypted with a customer-managed key; no catalog key permissions
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /** The KMS-encrypted alarm topic of the monitoring stack: failed executions are published to it. */
  readonly alarmTopic: sns.ITopic;
  /** EventBridge Scheduler expression that starts a pipeline run, e.g. `cron(5 * * * ? *)` (UTC). */
  readonly scheduleExpression: string;
  /** EventBridge Scheduler expression that starts table maintenance, e.g. `cron(40 3 * * ? *)` (UTC). */
  readonly maintenanceScheduleExpression: string;
  /**
   * Tables (child executions) the Distributed Maps process at the same time: curated steps, the marts of one
   * level and maintenance. Bounds the Athena queries the pipeline runs at once (1–40).
   * @default 5
   */
  readonly maxConcurrentCuratedSteps?: number;
  /** Retention of the state machine's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Whether a stack operation may delete the log group and the dead-letter queue (dev only).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/** The S3 key prefixes a scoped pipeline may use ({@link PipelineOrchestrationProps.dataScope}), each ending in `/`. */
export interface PipelineDataScope {
  /** Prefixes of the raw tables the plan reads (`ContractTable.rawPrefix`, e.g. `events/com.acme/order_placed/v1/`): read. */
  readonly rawPrefixes: string[];
  /** Prefixes of the curated tables it writes and of the watermark table (`_lakeforge/watermarks/`): read, write, delete. */
  readonly curatedPrefixes: string[];
  /**
   * Prefixes of the mart tables it writes (`<mart>/`): read, write, delete.
   * @default - none
   */
  readonly martPrefixes?: string[];
}

/**
 * Keys of the state machine's definition substitutions (AWS::StepFunctions::StateMachine `DefinitionSubstitutions`,
 * `${key}` in the definition): the curated window's settings. CloudFormation substitutes them when it creates or updates
 * the state machine, after it has resolved their values, dynamic references included (AWS CloudFormation Template
 * Reference, AWS::StepFunctions::StateMachine, DefinitionSubstitutions: "mappings for placeholder variables in the state
 * machine definition … values obtained at runtime, for example from intrinsic functions";
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html;
 * CDK `StateMachineProps.definitionSubstitutions`, passed through as is whatever the query language). They sit in plain
 * JSON string values of the `Read input` state's `Assign`, not in a JSONata expression, so the substitution is the same
 * with JSONata as with JSONPath.
 */
export const DEFINITION_SUBSTITUTIONS = {
  /** `{{go_live_date}}`. */
  goLiveDate: 'goLiveDate',
  /** `{{lookback_hours}}`. */
  lookbackHours: 'curatedLookbackHours',
} as const;

/** The schedules of a {@link PipelineOrchestration}. */
export interface PipelineSchedules {
  /** Starts a pipeline run (input `{}`). */
  readonly pipeline: scheduler.Schedule;
  /** Starts table maintenance (input `{"mode":"maintenance"}`). */
  readonly maintenance: scheduler.Schedule;
}

/** File names of the plan asset: `curated.json`, `marts-<level>.json`, `maintenance.json`. */
export const PLAN_FILES = {
  curated: 'curated.json',
  martLevel: (level: number): string => `marts-${level}.json`,
  maintenance: 'maintenance.json',
} as const;

/** Error name of the Fail state reached when an execution input is invalid. */
export const INVALID_INPUT_ERROR = 'Lakeforge.InvalidInput';
/** Error name of the Fail state reached when a chunks query returns more than one page of rows. */
export const TOO_MANY_CHUNKS_ERROR = 'Lakeforge.TooManyChunks';

/**
 * Athena API errors that mean "try again later" as Step Functions names them (`<Service>.<Exception>`):
 * throttling (`TooManyRequestsException`, also returned when the account's active-query quota is reached)
 * and transient server errors. Source: Amazon Athena API Reference, StartQueryExecution / GetQueryResults
 * "Errors"; AWS Step Functions Developer Guide, "Handling errors in Step Functions workflows" (error names of
 * service integrations). `Athena.AmazonAthenaException` is the generic name Step Functions reports for Athena
 * errors it does not map to a modelled exception (seen for "Rate exceeded").
 */
export const ATHENA_TRANSIENT_ERRORS = ['Athena.TooManyRequestsException', 'Athena.InternalServerException', 'Athena.AmazonAthenaException'] as const;

/**
 * The Step Functions pipeline of a stage: one Standard state machine (query language JSONata) that runs the
 * stage's {@link PipelinePlan} in Athena, and two EventBridge Scheduler schedules (pipeline and maintenance).
 *
 * - **The plan is data, not definition.** The plan's steps are written as JSON files (`curated.json`,
 *   `marts-<level>.json`, `maintenance.json`) and published as S3 assets; Distributed Map states read them
 *   with an S3 JSON item reader. The definition does not grow with the number of tables (only with the number
 *   of mart dependency levels), so hundreds of data products stay far below the 1 MB definition limit.
 * - **Order.** Curated steps (a Distributed Map, `maxConcurrentCuratedSteps` child executions at a time), then
 *   the mart levels in level order (one Distributed Map per level, a level's marts in parallel). Input
 *   `{"mode":"maintenance"}` runs maintenance instead: per table, OPTIMIZE then VACUUM, one after the other.
 * - **One table-step processor** for curated steps and marts (child executions are Standard: Express children
 *   cannot wait for a query with `.sync`): window query → chunks query → one write per chunk (inline Map,
 *   one at a time) → watermark insert → freshness read → `PutMetricData` (`CuratedFreshnessSeconds`,
 *   `CuratedEventLagSeconds`; namespace `Lakeforge`, dimensions `service` = `lakeforge-pipeline` and `Table`),
 *   skipped when the table holds no recent event; a failing freshness read never fails the run. Every Athena
 *   task is `athena:startQueryExecution.sync` (the state machine waits for the query; nothing polls). Run-time
 *   values are substituted with JSONata `$replace`, each checked against `PLACEHOLDER_PATTERNS` first, exactly as
 *   `fillTemplate` does for the local runtime (see {@link renderFillExpression}).
 * - **Deploy-time settings.** The curated window's go-live date and lookback are placeholders in the plan
 *   (`{{go_live_date}}`, `{{lookback_hours}}`) like every run-time value: the `Read input` state takes them from the
 *   state machine's definition substitutions ({@link DEFINITION_SUBSTITUTIONS}), which CloudFormation resolves — so
 *   `goLiveDate` and `curatedLookbackHours` may be dynamic references (a product team's handles) although the plan is
 *   an asset — and every table step fills them checked against their patterns, as `fillTemplate` does locally.
 * - **Scope.** Without `dataScope` the role reaches every table of the environment's databases (the platform's
 *   pipeline); with it, only the plan's tables by name and the given key prefixes (a data product's own refresh,
 *   `ProductRefresh`).
 * - **Retries.** Athena throttling and transient errors: exponential backoff with full jitter. A failed
 *   statement (`States.TaskFailed`, e.g. an Iceberg commit conflict, whose cause text cannot be matched) is
 *   retried 3 times: every statement of the plan is idempotent (MERGEs match on keys, the watermark insert only
 *   adds a row whose maximum is the same run start, OPTIMIZE and VACUUM converge), so a retry is safe.
 * - **Guard: two executions never write the same table at the same time.** The first state lists the RUNNING
 *   executions of this state machine (`states:ListExecutions`). If another one started earlier (same start
 *   time: the smaller execution ARN wins, so two executions agree on who goes first), this execution succeeds at
 *   once with `{"skipped": "skipped: <arn> is running"}`. Distributed Map child executions are not listed
 *   (they are listed per Map Run). The check is as consistent as `ListExecutions`; a redrive does not pass
 *   through the guard again, so redrive an execution only while no other one is running
 *   (`aws stepfunctions list-executions --state-machine-arn … --status-filter RUNNING`).
 * - **Failures.** Any failure of the guard, the pipeline or maintenance fails the execution at the state that
 *   failed; an EventBridge rule on the execution's status change (FAILED, TIMED_OUT, ABORTED) publishes it to
 *   `alarmTopic` (execution ARN, status, error, cause, the redrive command). Not a Catch → SNS → Fail chain:
 *   a redrive "continues the failed execution from the unsuccessful step" (Step Functions API Reference,
 *   RedriveExecution), and after a Catch the unsuccessful step would be the final Fail state, so a redrive would
 *   only fail again. Invalid input (a `backfillFrom` that is not `YYYY-MM-DD`, an unknown `mode`) fails the
 *   execution with `Lakeforge.InvalidInput`.
 * - **Redrive.** `aws stepfunctions redrive-execution --execution-arn <arn>` (within 14 days) continues from the
 *   state that failed: a redriven parent redrives a Distributed Map whose Map Run failed, which reruns only its
 *   unsuccessful children (AWS Step Functions Developer Guide, "Redriving Map Runs"). The design keeps that
 *   possible: no Catch on the pipeline's states, Standard executions and Standard child executions, labelled Map
 *   Runs whose children the role may redrive (`states:RedriveExecution`), idempotent statements. Starting a new
 *   execution is always a safe recovery too: `aws stepfunctions start-execution --state-machine-arn <arn>
 *   --input '{}'` (curated steps resume from their watermark, mart MERGEs are diffs), or
 *   `{"backfillFrom":"YYYY-MM-DD"}` to re-read raw arrivals from that date on.
 * - **Observability and least privilege.** Logs at level ALL without execution data (query results may hold
 *   data) in a log group encrypted with the lake key; X-Ray tracing on. One customer-managed policy per role:
 *   Athena on the platform workgroup; Glue read on the stage's databases and their tables and `UpdateTable`
 *   (Iceberg commits) on curated and marts; S3 read on raw `events/` and `batch/`, read/write/delete on the
 *   curated and marts buckets (VACUUM deletes expired files), the results prefix and the plan assets; the lake
 *   (and catalog) key; its own executions; `PutMetricData` in the `Lakeforge` namespace only; the alarm topic.
 *   The schedules' role may only start this state machine and write to their encrypted dead-letter queue.
 *
 * @example
 * const pipeline = new PipelineOrchestration(this, 'Pipeline', {
 *   plan: renderPipelinePlan('dev', MARTS, contractTables, { goLiveDate: '2026-11-01', lookbackHours: 3 }),
 *   goLiveDate: '2026-11-01', curatedLookbackHours: 3,
 *   stateMachineName: 'lakeforge-dev-pipeline', workgroup: analytics.platformWorkgroup,
 *   resultsBucket: lake.athenaResultsBucket, rawBucket: lake.rawBucket, curatedBucket: lake.curatedBucket,
 *   martsBucket: lake.martsBucket, encryptionKey: lake.key, alarmTopic: monitoring.alarmTopic,
 *   scheduleExpression: 'cron(5 * * * ? *)', maintenanceScheduleExpression: 'cron(40 3 * * ? *)',
 *   logRetention: logs.RetentionDays.THREE_MONTHS,
 * });
 */
export class PipelineOrchestration extends Construct {
  /** The pipeline state machine (Standard, JSONata). */
  public readonly stateMachine: sfn.StateMachine;
  /** The state machine's log group (`/aws/vendedlogs/states/<stateMachineName>`). */
  public readonly logGroup: logs.LogGroup;
  /** The pipeline and maintenance schedules. */
  public readonly schedules: PipelineSchedules;
  /** The role EventBridge Scheduler assumes to start executions. */
  public readonly schedulerRole: iam.Role;
  /** The role of the state machine (one customer-managed policy, no inline policy). */
  public readonly role: iam.Role;
  /** Dead-letter queue of schedule invocations that could not start an execution. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The EventBridge rule that publishes failed, timed-out and aborted executions to the alarm topic. */
  public readonly failureNotification: events.Rule;

  /**
   * @throws Error when `stateMachineName` is not a valid state machine name, `maxConcurrentCuratedSteps` is not a
   *   whole number from 1 to 40, a literal `goLiveDate` is not `YYYY-MM-DD`, a literal `curatedLookbackHours` is not a
   *   whole number from 1 to 99999, `martsBucket` is missing where marts may be written, or a `dataScope` prefix is
   *   not a key prefix ending in `/`.
   */
  constructor(scope: Construct, id: string, props: PipelineOrchestrationProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    const removalPolicy = statefulRemovalPolicy(this, props.allowDestroy ?? false);
    const maxConcurrency = props.maxConcurrentCuratedSteps ?? 5;
    const stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: props.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    const assets = this.publishPlan(props.plan);

    // CloudWatch Logs names of vended logs start with /aws/vendedlogs/, so the account's log resource policy
    // does not grow with each state machine (AWS Step Functions Developer Guide, "Logging using CloudWatch Logs").
    this.logGroup = new logs.LogGroup(this, 'PipelineLogGroup', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'PipelineScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });

    this.role = new iam.Role(this, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Lakeforge pipeline state machine ${props.stateMachineName}: run the pipeline plan in Athena`,
    });
    const statements = renderPipelineStatements({
      stack,
      env: props.plan.env,
      stateMachineName: props.stateMachineName,
      stateMachineArn,
      workgroupArn: props.workgroup.workgroupArn,
      resultsBucket: props.resultsBucket,
      resultsPrefix: props.workgroup.resultsPrefix,
      rawBucket: props.rawBucket,
      curatedBucket: props.curatedBucket,
      martsBucket: props.martsBucket,
      key: props.encryptionKey,
      catalogKey: props.catalogEncryptionKey,
      scope: props.dataScope === undefined ? undefined : { ...props.dataScope, ...planTables(props.plan) },
      planObjectArns: assets.all.map((a) => a.bucket.arnForObjects(a.s3ObjectKey)),
      mapRunLabels: mapRunLabels(props.plan),
    });
    const policy = new iam.ManagedPolicy(this, 'PipelinePolicy', {
      description: 'Lakeforge pipeline state machine (least privilege)',
      roles: [this.role],
      statements,
    });

    const definition = buildDefinition(this, {
      stateMachineArn,
      workgroupName: props.workgroup.workgroupName,
      stateMachineName: props.stateMachineName,
      maxConcurrency,
      curated: props.plan.curated.length > 0 ? assets.curated : undefined,
      martLevels: assets.martLevels,
      maintenance: props.plan.maintenance.length > 0 ? assets.maintenance : undefined,
    });
    this.stateMachine = new sfn.StateMachine(this, 'PipelineStateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      definitionSubstitutions: {
        [DEFINITION_SUBSTITUTIONS.goLiveDate]: props.goLiveDate,
        [DEFINITION_SUBSTITUTIONS.lookbackHours]: Token.isUnresolved(props.curatedLookbackHours) ? Token.asString(props.curatedLookbackHours) : String(props.curatedLookbackHours),
      },
      comment: `Lakeforge ${props.plan.env} pipeline: curated steps, then marts by level; {"mode":"maintenance"} runs OPTIMIZE/VACUUM`,
      // A run that hangs must not block every later run (the guard skips while it is RUNNING). A redrive
      // resets this timeout.
      timeout: Duration.hours(24),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      // Every permission is in the managed policy above; CDK's generated grants (wider) are not added.
      role: this.role.withoutPolicyUpdates({ addGrantsToResources: false }),
    });
    // CDK adds an inline policy for Distributed Map children even to an immutable role; its statements are in
    // the managed policy (narrower: per Map Run label), so the inline one goes.
    this.stateMachine.node.tryRemoveChild('DistributedMapPolicy');
    // Step Functions checks the log delivery permissions when the state machine is created.
    this.stateMachine.node.addDependency(policy);

    this.failureNotification = this.createFailureNotification(props);

    const { role: schedulerRole, schedules } = this.createSchedules(props, stateMachineArn);
    this.schedulerRole = schedulerRole;
    this.schedules = schedules;

    this.acknowledge(policy, props);
  }

  /** Executions that failed (Step Functions `ExecutionsFailed`, sum over `period`, default 5 minutes). */
  public metricFailedExecutions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ statistic: 'Sum', ...props });
  }

  /**
   * Schedule invocations that could not start an execution and wait in the dead-letter queue (SQS
   * `ApproximateNumberOfMessagesVisible`, maximum over `period`, default 5 minutes): above 0, scheduled runs were skipped.
   */
  public metricUndeliveredStarts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** Executions that timed out (Step Functions `ExecutionsTimedOut`, sum). */
  public metricTimedOutExecutions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut({ statistic: 'Sum', ...props });
  }

  /**
   * The freshness of one curated table as the pipeline publishes it: `CuratedFreshnessSeconds`
   * (`metric` = `'freshness'`) or `CuratedEventLagSeconds` (`'eventLag'`), maximum over `period`.
   *
   * @param table - the curated table name, e.g. `rating_submitted_v1`.
   */
  public metricCuratedFreshness(table: string, metric: keyof typeof FRESHNESS_METRICS = 'freshness', props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // The one definition of the metric is the one the freshness alarms watch; only the default period differs.
    return curatedFreshnessMetric(table, FRESHNESS_METRICS[metric]).with({ period: Duration.minutes(5), ...props });
  }

  /**
   * Publishes every execution that ends FAILED, TIMED_OUT or ABORTED to the alarm topic, with what an operator
   * needs to act (EventBridge "Step Functions Execution Status Change" events). The topic's key must let
   * `events.amazonaws.com` encrypt (the lake key does: `LakeStorage`).
   */
  private createFailureNotification(props: PipelineOrchestrationProps): events.Rule {
    return new events.Rule(this, 'PipelineFailureRule', {
      description: `Lakeforge: notify the alarm topic when ${props.stateMachineName} fails, times out or is aborted`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [
        new eventsTargets.SnsTopic(props.alarmTopic, {
          message: events.RuleTargetInput.fromObject({
            pipeline: props.stateMachineName,
            executionArn: events.EventField.fromPath('$.detail.executionArn'),
            status: events.EventField.fromPath('$.detail.status'),
            error: events.EventField.fromPath('$.detail.error'),
            cause: events.EventField.fromPath('$.detail.cause'),
            redrive: 'aws stepfunctions redrive-execution --execution-arn <executionArn>',
          }),
        }),
      ],
    });
  }

  /**
   * The scheduler's role (one managed policy) and the two schedules: pipeline (`{}`) and maintenance
   * (`{"mode":"maintenance"}`), each retried by the scheduler and dead-lettered to the encrypted queue.
   */
  private createSchedules(props: PipelineOrchestrationProps, stateMachineArn: string): { role: iam.Role; schedules: PipelineSchedules } {
    const role = new iam.Role(this, 'PipelineSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `Lakeforge pipeline schedules: start ${props.stateMachineName}`,
    });
    const policy = new iam.ManagedPolicy(this, 'PipelineSchedulerPolicy', {
      description: 'Lakeforge pipeline schedules (least privilege)',
      roles: [role],
      statements: renderPipelineSchedulerStatements({ stateMachineArn, deadLetterQueue: this.deadLetterQueue, key: props.encryptionKey }),
    });
    const schedule = (scheduleId: string, expression: string, input: Record<string, string>, description: string): scheduler.Schedule => {
      const s = new scheduler.Schedule(this, scheduleId, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression),
        target: new StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject(input),
          role: role.withoutPolicyUpdates({ addGrantsToResources: false }),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 3,
          // A start that could not be delivered within the hour is superseded by the next scheduled run.
          maxEventAge: Duration.hours(1),
        }),
      });
      s.node.addDependency(policy);
      return s;
    };
    return {
      role,
      schedules: {
        pipeline: schedule('PipelineSchedule', props.scheduleExpression, {}, `Lakeforge ${props.plan.env}: run the pipeline`),
        maintenance: schedule('MaintenanceSchedule', props.maintenanceScheduleExpression, { mode: 'maintenance' }, `Lakeforge ${props.plan.env}: table maintenance`),
      },
    };
  }

  /** Writes the plan files and publishes each as an S3 asset (a file asset is uploaded as is, not zipped). */
  private publishPlan(plan: PipelinePlanTemplate): { curated: Asset; martLevels: Asset[]; maintenance: Asset; all: Asset[] } {
    const files = renderPlanFiles(plan);
    const asset = (assetId: string, name: string) => new Asset(this, assetId, { path: writePlanFile(this, name, files[name]) });
    const curated = asset('CuratedPlan', PLAN_FILES.curated);
    const martLevels = plan.martLevels.map((_, level) => asset(`MartsLevel${level}Plan`, PLAN_FILES.martLevel(level)));
    const maintenance = asset('MaintenancePlan', PLAN_FILES.maintenance);
    return { curated, martLevels, maintenance, all: [curated, ...martLevels, maintenance] };
  }

  private acknowledge(policy: iam.ManagedPolicy, props: PipelineOrchestrationProps): void {
    const cfnPolicy = policy.node.defaultChild as iam.CfnManagedPolicy;
    const stack = Stack.of(this);
    const env = props.plan.env;
    const results = props.resultsBucket.arnForObjects(`${props.workgroup.resultsPrefix}*`);
    const scope = props.dataScope;
    if (scope === undefined) {
      const glueTables = (['raw', 'curated', 'marts'] as const).map((zone) =>
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName(env, zone)}/*` }),
      );
      acknowledgeWildcardResources(
        cfnPolicy,
        glueTables,
        "Every table of the stage's own Glue databases (raw, curated, marts): data products added later by product teams get curated steps and marts without a policy change, and no other database is reachable.",
        SIGN_OFFS.platformSecurity,
      );
      acknowledgeWildcardResources(
        cfnPolicy,
        [props.rawBucket.arnForObjects('events/*'), props.rawBucket.arnForObjects('batch/*'), results],
        "Prefix-scoped object ARNs: raw contract and batch tables the curated steps and marts read, and the platform workgroup's results prefix; naming an S3 key prefix needs a trailing wildcard.",
        SIGN_OFFS.platformSecurity,
      );
      acknowledgeWildcardResources(
        cfnPolicy,
        [props.curatedBucket.arnForObjects('*'), props.martsBucket!.arnForObjects('*')],
        'The curated and marts buckets hold only the Iceberg tables this pipeline writes (MERGE, OPTIMIZE) and expires (VACUUM deletes unreferenced files), including tables of products added later.',
        SIGN_OFFS.platformSecurity,
      );
    } else {
      acknowledgeWildcardResources(
        cfnPolicy,
        [
          ...scope.rawPrefixes.map((p) => props.rawBucket.arnForObjects(`${p}*`)),
          ...scope.curatedPrefixes.map((p) => props.curatedBucket.arnForObjects(`${p}*`)),
          ...(scope.martPrefixes ?? []).map((p) => props.martsBucket!.arnForObjects(`${p}*`)),
          results,
        ],
        "Prefix-scoped object ARNs, one per table of this pipeline's plan (its raw tables read; its curated and mart tables and the watermark table written and expired) and the workgroup's results prefix; naming an S3 key prefix needs a trailing wildcard.",
        SIGN_OFFS.platformSecurity,
      );
    }
    acknowledgeWildcardResources(
      cfnPolicy,
      mapRunLabels(props.plan).map((label) => childExecutionsArn(stack, props.stateMachineName, label)),
      "Child executions of this state machine's own Distributed Map runs (one ARN pattern per Map Run label): their ids are generated at run time.",
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeWildcardResources(
      cfnPolicy,
      ['*'],
      'Actions without resource-level permissions: CloudWatch Logs log delivery (Step Functions logging), X-Ray tracing, and cloudwatch:PutMetricData (limited to the Lakeforge namespace by a condition).',
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeAll(
      this.deadLetterQueue.node.defaultChild!,
      ['AwsSolutions-SQS3', 'CT.SQS.PR.1'],
      'This queue is the dead-letter queue of the pipeline schedules; a dead-letter queue of a dead-letter queue would only move the same messages.',
      SIGN_OFFS.platformSecurity,
    );
  }
}

/**
 * The plan files of the asset, by file name: `curated.json` (array of curated steps), `marts-<level>.json`
 * (array of the marts of one dependency level) and `maintenance.json` (array of maintenance steps).
 * Deterministic: the content depends only on the plan.
 */
export function renderPlanFiles(plan: PipelinePlanTemplate): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    [PLAN_FILES.curated]: json(plan.curated),
    ...Object.fromEntries(plan.martLevels.map((level, n) => [PLAN_FILES.martLevel(n), json(level)])),
    [PLAN_FILES.maintenance]: json(plan.maintenance),
  };
}

/** JSONata expressions of run-time values, by placeholder name (each must evaluate to a string). */
export type FillValues = Partial<Readonly<Record<PlaceholderName, string>>>;

/**
 * The JSONata expression (without `{% %}`) that fills a statement template the way `fillTemplate`
 * (lib/pipeline/template.ts) does: for each value given, in the given order, every occurrence of the
 * placeholder is replaced with `$replace` after the value was checked against `PLACEHOLDER_PATTERNS` (a value
 * that does not match fails the state with `States.QueryEvaluationError` and a message like `fillTemplate`'s). A value that evaluates to nothing (an absent field) leaves the placeholder, as an undefined
 * value does in `fillTemplate`; unlike `fillTemplate`, the expression then fails when a placeholder is left in
 * the statement, so a missing query result can never reach Athena as literal `{{…}}` text.
 *
 * @param template - JSONata expression of the template, e.g. `$step.writeStatement`.
 * @param values - JSONata expression of each value, e.g. `{ lo: '$states.input.lo' }`.
 */
export function renderFillExpression(template: string, values: FillValues): string {
  const check = [
    '$lakeforgeValue := function($name, $value, $pattern, $shown) {',
    '$exists($value) ? ($type($value) = "string" and $contains($value, $pattern) ? $value',
    ': $error("Pipeline template value " & $name & " = \\"" & $string($value) & "\\" does not match " & $shown)) : $value',
    '}',
  ].join(' ');
  const put = '$lakeforgePut := function($sql, $name, $value) { $exists($value) ? $replace($sql, $name, $value) : $sql }';
  let expr = `$lakeforgeSql := ${template}`;
  const steps: string[] = [];
  for (const [name, value] of Object.entries(values) as [PlaceholderName, string][]) {
    const placeholder = JSON.stringify(PLACEHOLDERS[name]);
    const pattern = PLACEHOLDER_PATTERNS[name];
    // The message names the placeholder without braces: `{{x}}` in an error message is itself a template to
    // some JSONata implementations (jsonata-js fills it from the error's fields).
    const shownName = JSON.stringify(PLACEHOLDERS[name].slice(2, -2));
    steps.push(
      `$lakeforgeSql := $lakeforgePut($lakeforgeSql, ${placeholder}, $lakeforgeValue(${shownName}, ${value}, ${jsonataRegex(pattern)}, ${JSON.stringify(String(pattern))}))`,
    );
  }
  const left = '$contains($lakeforgeSql, "{{") ? $error("Pipeline statement still holds a placeholder (a query result is missing)") : $lakeforgeSql';
  expr = [check, put, expr, ...steps, left].join('; ');
  return `(${expr})`;
}

/** A JavaScript RegExp as a JSONata regex literal (`/` escaped, so a `/` inside a class cannot end it). */
export function jsonataRegex(pattern: RegExp): string {
  return `/${pattern.source.replace(/(?<!\\)\//g, '\\/')}/${pattern.flags}`;
}

/** What {@link buildDefinition} needs. */
interface DefinitionInputs {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly workgroupName: string;
  readonly maxConcurrency: number;
  readonly curated?: Asset;
  readonly martLevels: readonly Asset[];
  readonly maintenance?: Asset;
}

/** The JSONata expression that finds an earlier RUNNING execution in a `ListExecutions` result (`''` when none). */
export const GUARD_EXPRESSION = [
  '(',
  // SDK integrations return timestamps as ISO-8601 strings; epoch numbers (seconds or milliseconds) are accepted too.
  '$ms := function($t) { $type($t) = "number" ? ($t < 100000000000 ? $t * 1000 : $t) : $toMillis($t) };',
  '$me := $states.context.Execution.Id;',
  '$myStart := $toMillis($states.context.Execution.StartTime);',
  '$earlier := [$states.result.Executions[ExecutionArn != $me and ($ms(StartDate) < $myStart or ($ms(StartDate) = $myStart and ExecutionArn < $me))]];',
  '$count($earlier) = 0 ? "" : $sort($earlier, function($a, $b) { $ms($a.StartDate) > $ms($b.StartDate) or ($ms($a.StartDate) = $ms($b.StartDate) and $a.ExecutionArn > $b.ExecutionArn) })[0].ExecutionArn',
  ')',
].join(' ');

/** The JSONata check of the execution input (true when valid): optional `backfillFrom` `YYYY-MM-DD`, optional `mode`. */
export const INPUT_VALID_EXPRESSION = [
  '(',
  '$b := $states.input.backfillFrom;',
  '$m := $states.input.mode;',
  `($not($exists($b)) or ($type($b) = "string" and $contains($b, ${jsonataRegex(/^\d{4}-\d{2}-\d{2}$/)})))`,
  'and ($not($exists($m)) or $m = "pipeline" or $m = "maintenance")',
  ')',
].join(' ');

/**
 * The state machine: guard → read input → (maintenance | curated → marts levels), with the failure handler.
 * The definition depends on the plan only through the number of mart levels.
 */
function buildDefinition(scope: Construct, i: DefinitionInputs): sfn.IChainable {
  const guard = tasks.CallAwsService.jsonata(scope, 'Guard', {
    stateName: 'Guard: another run in progress?',
    comment: 'Lists RUNNING executions of this state machine; an execution that started earlier (same start: smaller ARN) goes first.',
    service: 'sfn',
    action: 'listExecutions',
    iamAction: 'states:ListExecutions',
    iamResources: [i.stateMachineArn],
    parameters: { StateMachineArn: i.stateMachineArn, StatusFilter: 'RUNNING', MaxResults: 1000 },
    assign: { blocker: `{% ${GUARD_EXPRESSION} %}` },
    outputs: '{% $states.input %}',
  });
  guard.addRetry({ errors: ['Sfn.ThrottlingException', 'Sfn.SfnException'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL });
  const skipped = sfn.Succeed.jsonata(scope, 'Skipped', {
    stateName: 'Skipped: another run in progress',
    outputs: { skipped: '{% "skipped: " & $blocker & " is running" %}' },
  });
  const invalid = sfn.Fail.jsonata(scope, 'InvalidInput', {
    stateName: 'Invalid input',
    error: INVALID_INPUT_ERROR,
    cause: '{% "expected {} or {\\"backfillFrom\\": \\"YYYY-MM-DD\\"} or {\\"mode\\": \\"maintenance\\"}, got " & $string($states.input) %}',
  });
  const readInput = sfn.Pass.jsonata(scope, 'ReadInput', {
    stateName: 'Read input',
    assign: {
      backfillFrom: '{% $exists($states.input.backfillFrom) ? $states.input.backfillFrom : "" %}',
      runStartedAt: '{% $states.context.Execution.StartTime %}',
      executionId: '{% $states.context.Execution.Id %}',
      // Plain strings, not JSONata: CloudFormation puts the deploy-time values here (DEFINITION_SUBSTITUTIONS).
      goLiveDate: `\${${DEFINITION_SUBSTITUTIONS.goLiveDate}}`,
      lookbackHours: `\${${DEFINITION_SUBSTITUTIONS.lookbackHours}}`,
    },
  });

  const itemSelector =
    '{% {"step": $states.context.Map.Item.Value, "run": {"backfillFrom": $backfillFrom, "runStartedAt": $runStartedAt, "executionId": $executionId, ' +
    '"goLiveDate": $goLiveDate, "lookbackHours": $lookbackHours}} %}';
  const tableMap = (mapId: string, name: string, asset: Asset, processor: sfn.IChainable): sfn.DistributedMap =>
    sfn.DistributedMap.jsonata(scope, mapId, {
      stateName: name,
      itemReader: new sfn.S3JsonItemReader({ bucket: asset.bucket, key: asset.s3ObjectKey }),
      jsonataItemSelector: itemSelector,
      maxConcurrency: i.maxConcurrency,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: mapId,
      // Children end with an empty output, so the Map's result stays far below the 256 KiB payload limit.
      outputs: {},
    }).itemProcessor(processor);

  let pipeline: sfn.IChainable | undefined;
  let tail: sfn.INextable | undefined;
  const append = (state: sfn.DistributedMap) => {
    if (tail === undefined) pipeline = state;
    else tail.next(state);
    tail = state;
  };
  if (i.curated !== undefined) append(tableMap('Curated', 'Curated steps', i.curated, buildTableStepProcessor(new Construct(scope, 'CuratedStep'), 'Curated', i.workgroupName)));
  i.martLevels.forEach((asset, level) =>
    append(tableMap(`MartsLevel${level}`, `Marts level ${level}`, asset, buildTableStepProcessor(new Construct(scope, `MartsLevel${level}Step`), `Marts ${level}`, i.workgroupName))),
  );
  const done = sfn.Succeed.jsonata(scope, 'PipelineDone', { stateName: 'Pipeline done', outputs: { mode: 'pipeline' } });
  if (tail === undefined) pipeline = done;
  else tail.next(done);

  const maintenanceDone = sfn.Succeed.jsonata(scope, 'MaintenanceDone', { stateName: 'Maintenance done', outputs: { mode: 'maintenance' } });
  const maintenance =
    i.maintenance === undefined
      ? maintenanceDone
      : tableMap('Maintenance', 'Maintenance', i.maintenance, buildMaintenanceProcessor(new Construct(scope, 'MaintenanceStep'), i.workgroupName)).next(maintenanceDone);

  const route = sfn.Choice.jsonata(scope, 'Route', { stateName: 'Route by mode' })
    .when(sfn.Condition.jsonata('{% $states.input.mode = "maintenance" %}'), maintenance)
    .otherwise(pipeline!);
  const validate = sfn.Choice.jsonata(scope, 'ValidateInput', { stateName: 'Validate input' })
    .when(sfn.Condition.jsonata(`{% $not(${INPUT_VALID_EXPRESSION}) %}`), invalid)
    .otherwise(readInput.next(route));
  const gate = sfn.Choice.jsonata(scope, 'GuardChoice', { stateName: 'Another run in progress?' })
    .when(sfn.Condition.jsonata('{% $blocker != "" %}'), skipped)
    .otherwise(validate);
  return guard.next(gate);
}

/** Retries of every Athena task: throttling with backoff and jitter, then failed (idempotent) statements. */
function addAthenaRetries(task: sfn.TaskStateBase, statement: boolean): void {
  // Throttling: exponential backoff with full jitter, so parallel children do not retry in lockstep.
  task.addRetry({ errors: [...ATHENA_TRANSIENT_ERRORS], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 8, maxDelay: Duration.minutes(5), jitterStrategy: sfn.JitterType.FULL });
  if (statement) {
    // A .sync task whose query FAILED reports States.TaskFailed; Iceberg commit conflicts (ICEBERG_COMMIT_ERROR)
    // are among them and the cause text cannot be matched reliably. Every statement is idempotent, so a few
    // retries are safe; a statement that keeps failing still fails the run after them.
    task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(30), backoffRate: 2, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
  }
}

/** One Athena statement (`.sync`: the state waits for the query) in the platform workgroup. */
function athenaQuery(scope: Construct, id: string, stateName: string, queryString: string, database: string, workgroupName: string): tasks.AthenaStartQueryExecution {
  const task = tasks.AthenaStartQueryExecution.jsonata(scope, id, {
    stateName,
    queryString: `{% ${queryString} %}`,
    queryExecutionContext: { databaseName: `{% ${database} %}` },
    workGroup: workgroupName,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    taskTimeout: sfn.Timeout.duration(Duration.hours(2)),
    outputs: { queryExecutionId: '{% $states.result.QueryExecution.QueryExecutionId %}' },
  });
  addAthenaRetries(task, true);
  return task;
}

/** The rows of a query (first page, at most 1000): `GetQueryResults` of the previous state's query. */
function queryResults(scope: Construct, id: string, stateName: string, assign: Record<string, string>): tasks.AthenaGetQueryResults {
  const task = tasks.AthenaGetQueryResults.jsonata(scope, id, {
    stateName,
    queryExecutionId: '{% $states.input.queryExecutionId %}',
    maxResults: 1000,
    assign,
    outputs: '{% $states.input %}',
  });
  addAthenaRetries(task, false);
  return task;
}

/** Data rows of a GetQueryResults result (the first row of a SELECT's result set is the header), always an array. */
const DATA_ROWS = '[$filter($states.result.ResultSet.Rows, function($v, $i) { $i > 0 })]';

/**
 * The generic table step (child execution of a Distributed Map; input `{step, run}`): window → chunks → writes →
 * watermark → freshness, each part only when the step has its statement.
 */
function buildTableStepProcessor(scope: Construct, prefix: string, workgroupName: string): sfn.IChainable {
  const name = (s: string) => `${prefix}: ${s}`;
  const load = sfn.Pass.jsonata(scope, 'Load', {
    stateName: name('Load step'),
    assign: { step: '{% $states.input.step %}', run: '{% $states.input.run %}', window: {}, chunks: [] },
    outputs: {},
  });
  const done = sfn.Succeed.jsonata(scope, 'Done', { stateName: name('Done'), outputs: {} });
  const windowValues: FillValues = { sinceDt: '$window.sinceDt', sinceHour: '$window.sinceHour' };

  // Window: the first arrival partition to read (curated steps only).
  const windowQuery = athenaQuery(scope, 'WindowQuery', name('Window query'), renderFillExpression('$step.windowQuery', { backfillFrom: '$run.backfillFrom', goLiveDate: '$run.goLiveDate', lookbackHours: '$run.lookbackHours' }), '$step.database', workgroupName);
  const windowResult = queryResults(scope, 'WindowResult', name('Window result'), {
    window: `{% ($row := ${DATA_ROWS}[0]; {"sinceDt": $row.Data[0].VarCharValue, "sinceHour": $row.Data[1].VarCharValue}) %}`,
  });

  // Chunks: one write per row, in order, one at a time (each write stays within the 100-partition limit).
  const chunksQuery = athenaQuery(scope, 'ChunksQuery', name('Chunks query'), renderFillExpression('$step.chunksQuery', windowValues), '$step.database', workgroupName);
  const chunksResult = queryResults(scope, 'ChunksResult', name('Chunks result'), {
    // The outer brackets keep a one-chunk result an array (JSONata collapses a one-item sequence).
    chunks: `{% [${DATA_ROWS}.{"chunk": Data[0].VarCharValue, "lo": Data[1].VarCharValue, "hi": Data[2].VarCharValue}] %}`,
    chunksTruncated: '{% $exists($states.result.NextToken) %}',
  });
  const tooManyChunks = sfn.Fail.jsonata(scope, 'TooManyChunks', {
    stateName: name('Too many chunks'),
    error: TOO_MANY_CHUNKS_ERROR,
    cause: '{% "the chunks query of " & $step.id & " returned more than 1000 rows (GetQueryResults paginates); no write was made" %}',
  });
  const writeChunk = athenaQuery(
    scope,
    'WriteChunk',
    name('Write chunk'),
    renderFillExpression('$step.writeStatement', { ...windowValues, lo: '$states.input.lo', hi: '$states.input.hi', chunk: '$states.input.chunk' }),
    '$step.database',
    workgroupName,
  );
  const writeChunks = sfn.Map.jsonata(scope, 'WriteChunks', {
    stateName: name('Write chunks'),
    items: sfn.ProvideItems.jsonata('{% $chunks %}'),
    maxConcurrency: 1,
    outputs: {},
  }).itemProcessor(writeChunk);
  const write = athenaQuery(scope, 'Write', name('Write'), renderFillExpression('$step.writeStatement', windowValues), '$step.database', workgroupName);

  // Watermark and freshness (curated steps only).
  const watermark = athenaQuery(
    scope,
    'Watermark',
    name('Watermark'),
    renderFillExpression('$step.watermarkStatement', { runStartedAt: '$run.runStartedAt', executionId: '$run.executionId' }),
    '$step.database',
    workgroupName,
  );
  const freshnessQuery = athenaQuery(scope, 'FreshnessQuery', name('Freshness query'), renderFillExpression('$step.freshnessQuery', {}), '$step.database', workgroupName);
  const freshnessResult = queryResults(scope, 'FreshnessResult', name('Freshness result'), {
    freshness: `{% ($row := ${DATA_ROWS}[0]; {"freshness": $number($row.Data[0].VarCharValue), "eventLag": $number($row.Data[1].VarCharValue)}) %}`,
  });
  const dimensions = [
    { Name: SERVICE_DIMENSION, Value: PIPELINE_SERVICE_NAME },
    { Name: FRESHNESS_DIMENSION, Value: '{% $step.table.table %}' },
  ];
  const publish = tasks.CallAwsService.jsonata(scope, 'PublishFreshness', {
    stateName: name('Publish freshness'),
    service: 'cloudwatch',
    action: 'putMetricData',
    iamAction: 'cloudwatch:PutMetricData',
    iamResources: ['*'],
    parameters: {
      Namespace: PIPELINE_METRICS_NAMESPACE,
      MetricData: [
        { MetricName: FRESHNESS_METRICS.freshness, Dimensions: dimensions, Value: '{% $freshness.freshness %}', Unit: 'Seconds' },
        { MetricName: FRESHNESS_METRICS.eventLag, Dimensions: dimensions, Value: '{% $freshness.eventLag %}', Unit: 'Seconds' },
      ],
    },
    outputs: {},
  });
  publish.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
  const freshnessKnown = sfn.Choice.jsonata(scope, 'FreshnessKnown', { stateName: name('Freshness known?') })
    .when(sfn.Condition.jsonata('{% $exists($freshness.freshness) and $exists($freshness.eventLag) %}'), publish.next(done))
    .otherwise(done);
  // The freshness read is observability: its failure never fails the run (the alarm treats missing data as breaching).
  const freshnessFailed = sfn.Pass.jsonata(scope, 'FreshnessFailed', { stateName: name('Freshness read failed'), outputs: {} }).next(done);
  for (const s of [freshnessQuery, freshnessResult, publish]) s.addCatch(freshnessFailed, { errors: ['States.ALL'] });

  const hasFreshness = sfn.Choice.jsonata(scope, 'HasFreshness', { stateName: name('Has freshness query?') })
    .when(sfn.Condition.jsonata('{% $exists($step.freshnessQuery) %}'), freshnessQuery.next(freshnessResult).next(freshnessKnown))
    .otherwise(done);
  const hasWatermark = sfn.Choice.jsonata(scope, 'HasWatermark', { stateName: name('Has watermark?') })
    .when(sfn.Condition.jsonata('{% $exists($step.watermarkStatement) %}'), watermark.next(hasFreshness))
    .otherwise(hasFreshness);
  const checkChunks = sfn.Choice.jsonata(scope, 'ChunksFit', { stateName: name('Chunks fit one page?') })
    .when(sfn.Condition.jsonata('{% $chunksTruncated %}'), tooManyChunks)
    .otherwise(writeChunks.next(hasWatermark));
  const hasChunks = sfn.Choice.jsonata(scope, 'HasChunks', { stateName: name('Has chunks query?') })
    .when(sfn.Condition.jsonata('{% $exists($step.chunksQuery) %}'), chunksQuery.next(chunksResult).next(checkChunks))
    .otherwise(write.next(hasWatermark));
  const hasWindow = sfn.Choice.jsonata(scope, 'HasWindow', { stateName: name('Has window query?') })
    .when(sfn.Condition.jsonata('{% $exists($step.windowQuery) %}'), windowQuery.next(windowResult).next(hasChunks))
    .otherwise(hasChunks);
  return load.next(hasWindow);
}

/** Maintenance of one table (child execution; input `{step}`): its statements (OPTIMIZE, VACUUM) in order. */
function buildMaintenanceProcessor(scope: Construct, workgroupName: string): sfn.IChainable {
  const load = sfn.Pass.jsonata(scope, 'Load', { stateName: 'Maintenance: Load step', assign: { step: '{% $states.input.step %}' }, outputs: {} });
  const statement = athenaQuery(scope, 'Statement', 'Maintenance: Statement', '$states.input', '$step.database', workgroupName);
  const statements = sfn.Map.jsonata(scope, 'Statements', {
    stateName: 'Maintenance: Statements',
    items: sfn.ProvideItems.jsonata('{% $step.statements %}'),
    maxConcurrency: 1,
    outputs: {},
  }).itemProcessor(statement);
  return load.next(statements).next(sfn.Succeed.jsonata(scope, 'Done', { stateName: 'Maintenance: Done', outputs: {} }));
}

/** What {@link renderPipelineStatements} needs. */
export interface PipelineStatementInputs {
  /** The stack of the state machine (ARNs are built with its `formatArn`). */
  readonly stack: Stack;
  /** Environment name: the Glue databases are `lakeforge_<env>_<zone>`. */
  readonly env: string;
  /** Physical name of the state machine. */
  readonly stateMachineName: string;
  /** ARN of the state machine (built from its name, so the role's policy does not depend on the state machine). */
  readonly stateMachineArn: string;
  /** ARN of the platform workgroup. */
  readonly workgroupArn: string;
  /** Athena results bucket. */
  readonly resultsBucket: s3.IBucket;
  /** The platform workgroup's results prefix, ending in `/`. */
  readonly resultsPrefix: string;
  /** Raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket. @default - none (a scoped plan without marts) */
  readonly martsBucket?: s3.IBucket;
  /** The lake key. */
  readonly key: kms.IKey;
  /** The Glue Data Catalog key. @default - none */
  readonly catalogKey?: kms.IKey;
  /**
   * The tables and key prefixes the role is limited to ({@link PipelineOrchestrationProps.dataScope} and
   * {@link planTables}).
   * @default - every table of the environment's databases and the whole lake prefixes (the platform's pipeline)
   */
  readonly scope?: PipelineDataScope & PlanTables;
  /** Object ARNs of the plan files. */
  readonly planObjectArns: readonly string[];
  /** Labels of the Distributed Map states ({@link mapRunLabels}). */
  readonly mapRunLabels: readonly string[];
}

/**
 * Every permission of the pipeline state machine, spelled out. Athena runs statements with the caller's
 * permissions, so the role needs what the queries need: Glue metadata and `glue:UpdateTable` for Iceberg
 * commits (Athena User Guide, "Querying Apache Iceberg tables"), S3 on the tables' data, the results prefix and
 * the keys. VACUUM removes expired snapshots' files and needs `s3:DeleteObject` on the table location: without
 * it the statement succeeds and deletes nothing (Athena User Guide, "VACUUM":
 * https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html). Distributed Map child executions
 * need `states:StartExecution` on the state machine and `DescribeExecution`/`StopExecution` (and
 * `RedriveExecution`, to redrive a Map Run) on its executions (AWS Step Functions Developer Guide, "IAM
 * policies for using Distributed Map states"). Log delivery and X-Ray actions have no resource-level
 * permissions (Step Functions Developer Guide, "IAM policies for logging to CloudWatch Logs", "X-Ray").
 */
export function renderPipelineStatements(i: PipelineStatementInputs): iam.PolicyStatement[] {
  const { stack } = i;
  const zones = ['raw', 'curated', 'marts'] as const;
  const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
  const databaseArn = (zone: (typeof zones)[number]) => stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName(i.env, zone) });
  const keys = [i.key.keyArn, ...(i.catalogKey === undefined ? [] : [i.catalogKey.keyArn])];
  const data = renderDataAccess(i);
  return [
    new iam.PolicyStatement({
      sid: 'RunQueriesInPlatformWorkgroup',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      resources: [i.workgroupArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTableMetadata',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resources: [catalogArn, ...zones.map(databaseArn), ...data.readTableArns],
    }),
    new iam.PolicyStatement({
      sid: 'CommitIcebergTables',
      actions: ['glue:UpdateTable'],
      resources: [catalogArn, databaseArn('curated'), databaseArn('marts'), ...data.writtenTableArns],
    }),
    new iam.PolicyStatement({ sid: 'ReadRawData', actions: ['s3:GetObject'], resources: data.rawObjectArns }),
    new iam.PolicyStatement({
      sid: 'ListRawData',
      actions: ['s3:ListBucket'],
      resources: [i.rawBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': data.rawPrefixes.flatMap((p) => [p, `${p}*`]) } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadWriteExpireIcebergData',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: data.icebergObjectArns,
    }),
    new iam.PolicyStatement({
      sid: 'ListIcebergData',
      actions: ['s3:ListBucket'],
      resources: data.icebergBuckets.map((b) => b.bucketArn),
      ...(i.scope === undefined ? {} : { conditions: { StringLike: { 's3:prefix': data.icebergPrefixes.flatMap((p) => [p, `${p}*`]) } } }),
    }),
    new iam.PolicyStatement({
      sid: 'WriteQueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [i.resultsBucket.arnForObjects(`${i.resultsPrefix}*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ListQueryResults',
      actions: ['s3:ListBucket'],
      resources: [i.resultsBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [i.resultsPrefix, `${i.resultsPrefix}*`] } },
    }),
    new iam.PolicyStatement({
      sid: 'LocateBuckets',
      actions: ['s3:GetBucketLocation'],
      resources: [...new Set([i.rawBucket, i.curatedBucket, ...(i.martsBucket === undefined ? [] : [i.martsBucket]), i.resultsBucket])].map((b) => b.bucketArn),
    }),
    new iam.PolicyStatement({ sid: 'ReadPlan', actions: ['s3:GetObject'], resources: [...i.planObjectArns] }),
    new iam.PolicyStatement({ sid: 'UseKeys', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: keys }),
    new iam.PolicyStatement({ sid: 'StartMapRunChildren', actions: ['states:StartExecution'], resources: [i.stateMachineArn] }),
    new iam.PolicyStatement({
      sid: 'ManageMapRunChildren',
      actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'],
      resources: i.mapRunLabels.map((label) => childExecutionsArn(stack, i.stateMachineName, label)),
    }),
    new iam.PolicyStatement({ sid: 'GuardListExecutions', actions: ['states:ListExecutions'], resources: [i.stateMachineArn] }),
    new iam.PolicyStatement({
      sid: 'PublishFreshness',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': PIPELINE_METRICS_NAMESPACE } },
    }),
    new iam.PolicyStatement({
      sid: 'DeliverLogs',
      actions: [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'Trace',
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      resources: ['*'],
    }),
  ];
}

/** The tables a plan's steps write and read, physical, each once. */
export interface PlanTables {
  /** Tables the steps read or write (Glue read). */
  readonly readTables: readonly PhysicalTable[];
  /** Tables the steps write: curated and mart tables, and the watermark table when a curated step records one (Iceberg commits). */
  readonly writtenTables: readonly PhysicalTable[];
}

/** The tables of a plan ({@link PlanTables}), sorted by database and name. */
export function planTables(plan: PipelinePlanTemplate): PlanTables {
  const steps = [...plan.curated, ...plan.martLevels.flat()];
  const unique = (tables: readonly PhysicalTable[]) =>
    [...new Map(tables.map((t) => [`${t.database}.${t.table}`, t])).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
  const written = unique([...steps.map((s) => s.table), ...(plan.curated.some((s) => s.watermarkStatement !== undefined) ? [plan.watermarkTable] : [])]);
  return { readTables: unique([...steps.flatMap((s) => s.reads), ...written]), writtenTables: written };
}

/** The data resources of the pipeline role: the whole environment, or the scope's tables and prefixes. */
function renderDataAccess(i: PipelineStatementInputs): {
  readTableArns: string[];
  writtenTableArns: string[];
  rawPrefixes: string[];
  rawObjectArns: string[];
  icebergObjectArns: string[];
  icebergBuckets: s3.IBucket[];
  icebergPrefixes: string[];
} {
  const { stack } = i;
  const tableArn = (database: string, table: string) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${table}` });
  if (i.scope === undefined) {
    const all = (zone: 'raw' | 'curated' | 'marts') => tableArn(databaseName(i.env, zone), '*');
    const rawPrefixes = ['events/', 'batch/'];
    return {
      readTableArns: [all('raw'), all('curated'), all('marts')],
      writtenTableArns: [all('curated'), all('marts')],
      rawPrefixes,
      rawObjectArns: rawPrefixes.map((p) => i.rawBucket.arnForObjects(`${p}*`)),
      icebergObjectArns: [i.curatedBucket.arnForObjects('*'), i.martsBucket!.arnForObjects('*')],
      icebergBuckets: [i.curatedBucket, i.martsBucket!],
      icebergPrefixes: [],
    };
  }
  const s = i.scope;
  const martPrefixes = s.martPrefixes ?? [];
  return {
    readTableArns: s.readTables.map((t) => tableArn(t.database, t.table)),
    writtenTableArns: s.writtenTables.map((t) => tableArn(t.database, t.table)),
    rawPrefixes: [...s.rawPrefixes],
    rawObjectArns: s.rawPrefixes.map((p) => i.rawBucket.arnForObjects(`${p}*`)),
    icebergObjectArns: [...s.curatedPrefixes.map((p) => i.curatedBucket.arnForObjects(`${p}*`)), ...martPrefixes.map((p) => i.martsBucket!.arnForObjects(`${p}*`))],
    icebergBuckets: [i.curatedBucket, ...(martPrefixes.length > 0 ? [i.martsBucket!] : [])],
    icebergPrefixes: [...s.curatedPrefixes, ...martPrefixes],
  };
}

/**
 * Every permission of the schedules' role: start this state machine, and send undeliverable starts to the
 * dead-letter queue (encrypted with the lake key).
 */
export function renderPipelineSchedulerStatements(i: { stateMachineArn: string; deadLetterQueue: sqs.IQueue; key: kms.IKey }): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'StartPipeline', actions: ['states:StartExecution'], resources: [i.stateMachineArn] }),
    new iam.PolicyStatement({ sid: 'DeadLetter', actions: ['sqs:SendMessage'], resources: [i.deadLetterQueue.queueArn] }),
    new iam.PolicyStatement({ sid: 'EncryptDeadLetters', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [i.key.keyArn] }),
  ];
}

/**
 * Labels of the Distributed Map states of a plan's state machine, in definition order: `Curated`,
 * `MartsLevel<n>`, `Maintenance`. A Map Run's child executions are named `<stateMachineName>/<label>:<id>`.
 */
export function mapRunLabels(plan: PipelinePlanTemplate): string[] {
  return [...(plan.curated.length > 0 ? ['Curated'] : []), ...plan.martLevels.map((_, n) => `MartsLevel${n}`), ...(plan.maintenance.length > 0 ? ['Maintenance'] : [])];
}

/** ARN pattern of the child executions of one Map Run label (AWS Step Functions Developer Guide, "IAM policies for using Distributed Map states"). */
function childExecutionsArn(stack: Stack, stateMachineName: string, label: string): string {
  return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}/${label}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Writes one plan file into the app's output directory (`<outdir>/.lakeforge/`), named after its content, for
 * the asset to publish.
 */
function writePlanFile(scope: Construct, name: string, content: string): string {
  const dir = path.join(Stage.of(scope)?.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-')), '.lakeforge');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pipeline-${name.replace(/\.json$/, '')}-${createHash('sha256').update(content).digest('hex').slice(0, 16)}.json`);
  fs.writeFileSync(file, content);
  return file;
}

function validateProps(p: PipelineOrchestrationProps): void {
  if (!Token.isUnresolved(p.goLiveDate) || !Token.isUnresolved(p.curatedLookbackHours)) {
    // A literal half of a pair is checked; a token is checked at run time by the state that uses it.
    try {
      validateWindowSettings(Token.isUnresolved(p.goLiveDate) ? '2000-01-01' : p.goLiveDate, Token.isUnresolved(p.curatedLookbackHours) ? 1 : p.curatedLookbackHours);
    } catch (e) {
      throw new Error(`PipelineOrchestration: ${(e as Error).message.replace('lookbackHours', 'curatedLookbackHours')}`);
    }
  }
  const d = p.dataScope;
  if (p.martsBucket === undefined && (d === undefined || (d.martPrefixes ?? []).length > 0 || p.plan.martLevels.length > 0)) {
    throw new Error('PipelineOrchestration: martsBucket is required unless a dataScope without mart prefixes runs a plan without marts');
  }
  if (d !== undefined) {
    if (d.rawPrefixes.length === 0 || d.curatedPrefixes.length === 0) throw new Error('PipelineOrchestration: dataScope needs at least one raw prefix and one curated prefix');
    for (const prefix of [...d.rawPrefixes, ...d.curatedPrefixes, ...(d.martPrefixes ?? [])]) {
      if (!Token.isUnresolved(prefix) && !/^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*\/$/.test(prefix)) {
        throw new Error(`PipelineOrchestration: dataScope prefix "${prefix}" must be a key prefix ending in '/' (letters, digits, '_', '.', '=', '-')`);
      }
    }
  }
  if (!Token.isUnresolved(p.stateMachineName) && !/^[A-Za-z0-9_-]{1,80}$/.test(p.stateMachineName)) {
    throw new Error(`PipelineOrchestration: stateMachineName must be 1–80 letters, digits, '-' or '_', got "${p.stateMachineName}"`);
  }
  const c = p.maxConcurrentCuratedSteps;
  if (c !== undefined && !Token.isUnresolved(c) && (!Number.isInteger(c) || c < 1 || c > 40)) {
    throw new Error(`PipelineOrchestration: maxConcurrentCuratedSteps must be a whole number from 1 to 40, got ${c}`);
  }
}
