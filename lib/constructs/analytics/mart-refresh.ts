import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, Stack, Stage, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MART_REFRESH_SERVICE_NAME, ENV as REFRESH_ENV } from '../../../lambdas/mart-refresh/core';
import { acknowledgeAll, acknowledgeWildcardResources } from '../../governance/acknowledge';
import type { PhysicalTable, RefreshPlan, RefreshStep } from '../../marts/render';
import { bundlingRoots, lakeforgeBundling, lambdaEntry } from '../../shared/lambda-entry';
import { statefulRemovalPolicy } from '../../shared/removal';
import { LAKEFORGE_LAMBDA_RUNTIME, LAKEFORGE_METRICS_NAMESPACE } from '../ingestion/kinesis-ingestion';
import type { QueryWorkgroup } from './query-workgroup';

/** File name of the rendered plan inside the function bundle (read by `lambdas/mart-refresh/handler.ts`). */
export const REFRESH_PLAN_FILE = 'refresh-plan.json';

/** Where the data of one Glue table the refresh reads or writes lives. */
export interface MartTableLocation {
  /** Glue database name, e.g. `lakeforge_dev_curated`. */
  readonly database: string;
  /** Glue table name, e.g. `rating_submitted_v1`. */
  readonly table: string;
  /** The bucket of the table's zone. */
  readonly bucket: s3.IBucket;
  /** Key prefix of the table's data, ending in `/`, e.g. `rating_submitted_v1/`. */
  readonly prefix: string;
}

/** Properties of {@link MartRefresh}. */
export interface MartRefreshProps {
  /** The stage's rendered refresh plan (`renderRefreshPlan`): bundled with the function, one schedule per step. */
  readonly plan: RefreshPlan;
  /** The S3 location of every table the plan reads or writes (IAM is scoped to exactly these prefixes). */
  readonly tableLocations: readonly MartTableLocation[];
  /** The platform workgroup the statements run in. */
  readonly workgroup: QueryWorkgroup;
  /** The Athena results bucket of that workgroup (its results prefix is `workgroup.resultsPrefix`). */
  readonly resultsBucket: s3.IBucket;
  /** The lake key: lake objects, query results, the function's logs and the dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog encryption key, when the catalog is encrypted (`CatalogStack.encryption?.key`).
   * @default - the catalog is not encrypted with a customer-managed key; no catalog key permissions
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Scheduler retries of an invocation that could not be delivered (0–185).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * How long the scheduler keeps retrying an undelivered invocation, and how long Lambda keeps a throttled
   * or failed asynchronous invocation before it goes to the dead-letter queue (1 minute – 6 hours).
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
  /**
   * Memory of the refresh function, in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Whether a stack operation may delete the log group and the dead-letter queue (dev only).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * Scheduled mart refresh: a function that runs each step of the stage's refresh plan in Athena (the
 * curated MERGE of a contract MODEL, or a mart's MERGE after its upstream steps), and one EventBridge
 * Scheduler schedule per step with the step's declared expression and `{"mart": "<name>"}` or
 * `{"curated": "<table>"}` as payload. After each curated step the function reads the table's newest
 * arrival and event time and publishes `CuratedFreshnessSeconds` / `CuratedEventLagSeconds` (namespace
 * `Lakeforge`, dimensions `service` = `lakeforge-mart-refresh` and `Table`), which the monitoring stack alarms on.
 *
 * - The plan is rendered at synth and written into the bundle as `refresh-plan.json` (an `afterBundling`
 *   copy of a file whose content depends only on the plan, so the asset hash is deterministic).
 * - Failures are kept, never dropped: undeliverable invocations (scheduler retries exhausted) and failed
 *   asynchronous invocations (Lambda retries exhausted) land in one SQS dead-letter queue, encrypted with
 *   the lake key, TLS only, 14 days' retention.
 * - Concurrency is reserved at 1: refreshes run one at a time, so two MERGEs never race on the same Iceberg
 *   table; a throttled invocation is retried by Lambda up to `maxEventAge`.
 * - Least privilege, in one customer-managed policy per role: Athena on the platform workgroup only; Glue
 *   read on exactly the tables the plan reads and `glue:UpdateTable` (Iceberg commit) on exactly the tables
 *   it writes; S3 read on the source prefixes and read/write on the written prefixes and the workgroup's
 *   results prefix; the lake key (and the catalog key when the catalog is encrypted). The scheduler's role
 *   may only invoke this function and write to the dead-letter queue.
 *
 * @example
 * const refresh = new MartRefresh(this, 'MartRefresh', {
 *   plan: renderRefreshPlan('dev', MARTS, contracts), tableLocations, workgroup: analytics.platformWorkgroup,
 *   resultsBucket: lake.athenaResultsBucket, encryptionKey: lake.key, logRetention: logs.RetentionDays.ONE_MONTH,
 * });
 */
export class MartRefresh extends Construct {
  /** The refresh function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Dead-letter queue of undeliverable and failed invocations. */
  public readonly deadLetterQueue: sqs.Queue;
  /** One schedule per plan step, by step id (`marts.<name>`, `curated.<table>`). */
  public readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** The role EventBridge Scheduler assumes to invoke the function. */
  public readonly schedulerRole: iam.Role;

  /**
   * @throws Error when a table the plan reads or writes has no location, when `retryAttempts` is outside
   *   0–185 or `maxEventAge` outside 1 minute – 6 hours.
   */
  constructor(scope: Construct, id: string, props: MartRefreshProps) {
    super(scope, id);
    validateProps(props);
    const allowDestroy = props.allowDestroy ?? false;
    const removalPolicy = statefulRemovalPolicy(this, allowDestroy);
    const retryAttempts = props.retryAttempts ?? 3;
    const maxEventAge = props.maxEventAge ?? Duration.hours(2);
    const planFile = writePlanFile(this, props.plan);

    this.logGroup = new logs.LogGroup(this, 'MartRefreshLogGroup', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'MartRefreshDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });

    // Same pattern as the ingest function: one customer-managed policy, and the function gets the role
    // without policy updates, so no grant can widen it silently.
    const role = new iam.Role(this, 'MartRefreshRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Lakeforge mart refresh function: run the refresh plan in Athena',
    });
    const statements = renderRefreshStatements({
      plan: props.plan,
      locations: props.tableLocations,
      workgroupArn: props.workgroup.workgroupArn,
      resultsBucket: props.resultsBucket,
      resultsPrefix: props.workgroup.resultsPrefix,
      key: props.encryptionKey,
      catalogKey: props.catalogEncryptionKey,
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetterQueue,
      stack: Stack.of(this),
    });
    const policy = new iam.ManagedPolicy(this, 'MartRefreshPolicy', {
      description: 'Lakeforge mart refresh function (least privilege)',
      roles: [role],
      statements,
    });

    this.function = new nodejs.NodejsFunction(this, 'MartRefreshFunction', {
      description: `Lakeforge mart refresh (${props.plan.env}): run curated and mart MERGE statements in Athena`,
      entry: lambdaEntry('mart-refresh'),
      handler: 'handler',
      ...bundlingRoots(),
      runtime: LAKEFORGE_LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      // The handler polls Athena for up to 14 minutes (DEFAULT_POLL_POLICY.timeoutMs) before giving up.
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: 1,
      role: role.withoutPolicyUpdates({ addGrantsToResources: false }),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      deadLetterQueueEnabled: true,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge,
      environment: {
        [REFRESH_ENV.WORKGROUP]: props.workgroup.workgroupName,
        POWERTOOLS_SERVICE_NAME: MART_REFRESH_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: LAKEFORGE_METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: lakeforgeBundling({
        beforeBundling: () => [],
        beforeInstall: () => [],
        // Node rather than `cp`: the hook runs in the local shell, which may be cmd.exe.
        afterBundling: (_inputDir: string, outputDir: string) => [
          `node -e "require('fs').copyFileSync(process.argv[1], process.argv[2])" "${planFile}" "${path.join(outputDir, REFRESH_PLAN_FILE)}"`,
        ],
      }),
    });
    this.function.node.addDependency(policy);

    this.schedulerRole = new iam.Role(this, 'MartRefreshSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lakeforge mart refresh schedules: invoke the refresh function',
    });
    const schedulerPolicy = new iam.ManagedPolicy(this, 'MartRefreshSchedulerPolicy', {
      description: 'Lakeforge mart refresh schedules (least privilege)',
      roles: [this.schedulerRole],
      statements: renderSchedulerStatements({ fn: this.function, deadLetterQueue: this.deadLetterQueue, key: props.encryptionKey }),
    });
    const schedulerRole = this.schedulerRole.withoutPolicyUpdates({ addGrantsToResources: false });

    const schedules: Record<string, scheduler.Schedule> = {};
    for (const step of Object.values(props.plan.steps)) {
      const schedule = new scheduler.Schedule(this, scheduleId(step), {
        description: `Lakeforge ${props.plan.env}: refresh ${step.id}`,
        schedule: scheduler.ScheduleExpression.expression(step.schedule),
        target: new LambdaInvoke(this.function, {
          input: scheduler.ScheduleTargetInput.fromObject(schedulePayload(step)),
          role: schedulerRole,
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts,
          maxEventAge,
        }),
      });
      schedule.node.addDependency(schedulerPolicy);
      schedules[step.id] = schedule;
    }
    this.schedules = schedules;

    acknowledgeWildcardResources(
      policy.node.defaultChild as iam.CfnManagedPolicy,
      objectResources(props.plan, props.tableLocations, props.resultsBucket, props.workgroup.resultsPrefix),
      'Prefix-scoped object ARNs of exactly the tables the refresh plan reads or writes and of the platform workgroup\'s results prefix: naming an S3 key prefix needs a trailing wildcard.',
    );
    acknowledgeAll(
      this.function.node.defaultChild!,
      ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC'],
      'Reaches only regional AWS endpoints (Athena, CloudWatch, SQS) over TLS with IAM auth and no private resource; Athena, not the function, reads the lake.',
    );
    acknowledgeAll(
      this.deadLetterQueue.node.defaultChild!,
      ['AwsSolutions-SQS3'],
      'This queue is the dead-letter queue (of the refresh schedules and the refresh function); a dead-letter queue of a dead-letter queue would only move the same messages.',
    );
  }
}

/** The construct id of a step's schedule: `marts.daily_engagement` → `MartDailyEngagementSchedule`. */
export function scheduleId(step: Pick<RefreshStep, 'id' | 'kind'>): string {
  const name = step.id.slice(step.id.indexOf('.') + 1);
  return `${pascal(step.kind)}${name.split('_').map(pascal).join('')}Schedule`;
}

/** The event a step's schedule sends: `{"mart": "<name>"}` or `{"curated": "<table>"}` (see `lambdas/mart-refresh`). */
export function schedulePayload(step: Pick<RefreshStep, 'id' | 'kind'>): Record<string, string> {
  return { [step.kind]: step.id.slice(step.id.indexOf('.') + 1) };
}

interface RefreshStatementInputs {
  readonly plan: RefreshPlan;
  readonly locations: readonly MartTableLocation[];
  readonly workgroupArn: string;
  readonly resultsBucket: s3.IBucket;
  readonly resultsPrefix: string;
  readonly key: kms.IKey;
  readonly catalogKey?: kms.IKey;
  readonly logGroup: logs.ILogGroup;
  readonly deadLetterQueue: sqs.IQueue;
  readonly stack: Stack;
}

/**
 * Every permission of the refresh function, spelled out. Athena runs the statements with the caller's
 * permissions, so the function needs what the queries need: Glue metadata of the tables read
 * (`GetTable`, partitions for the Hive-style raw tables) and `glue:UpdateTable` on the Iceberg tables it
 * commits to (AWS Athena User Guide, "Querying Apache Iceberg tables": IAM), S3 on the tables' prefixes and
 * the workgroup's results prefix, and the keys.
 *
 * @throws Error when a table the plan reads or writes has no entry in `locations`.
 */
export function renderRefreshStatements(i: RefreshStatementInputs): iam.PolicyStatement[] {
  const { stack } = i;
  const steps = Object.values(i.plan.steps);
  const written = uniqueTables(steps.flatMap((s) => s.writes));
  const read = uniqueTables(steps.flatMap((s) => s.reads));
  const all = uniqueTables([...read, ...written]);
  const location = (t: PhysicalTable): MartTableLocation => {
    const found = i.locations.find((l) => l.database === t.database && l.table === t.table);
    if (found === undefined) throw new Error(`MartRefresh: no S3 location for table ${t.database}.${t.table} (read or written by the refresh plan)`);
    return found;
  };
  const isWritten = (t: PhysicalTable) => written.some((w) => w.database === t.database && w.table === t.table);
  const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
  const databaseArn = (db: string) => stack.formatArn({ service: 'glue', resource: 'database', resourceName: db });
  const tableArn = (t: PhysicalTable) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${t.database}/${t.table}` });
  const databases = (ts: readonly PhysicalTable[]) => [...new Set(ts.map((t) => t.database))].sort().map(databaseArn);
  const objects = (ts: readonly PhysicalTable[]) => ts.map(location).map((l) => l.bucket.arnForObjects(`${l.prefix}*`));

  // ListBucket is scoped with s3:prefix per bucket, so each bucket gets its own statement.
  const buckets = new Map<s3.IBucket, string[]>();
  for (const t of all) {
    const l = location(t);
    buckets.set(l.bucket, [...(buckets.get(l.bucket) ?? []), l.prefix]);
  }
  buckets.set(i.resultsBucket, [...(buckets.get(i.resultsBucket) ?? []), i.resultsPrefix]);
  const listStatements = [...buckets.entries()].map(
    ([bucket, prefixes], n) =>
      new iam.PolicyStatement({
        sid: `ListTablePrefixes${n}`,
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [...new Set(prefixes)].sort().flatMap((p) => [p, `${p}*`]) } },
      }),
  );

  const statements = [
    new iam.PolicyStatement({
      sid: 'RunQueriesInPlatformWorkgroup',
      // GetQueryResults: the freshness read after each curated step (Athena serves the rows from the
      // results prefix with the caller's permissions: s3:GetObject there is in WriteQueryResults).
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
      resources: [i.workgroupArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTableMetadata',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resources: [catalogArn, ...databases(all), ...all.map(tableArn)],
    }),
    new iam.PolicyStatement({
      sid: 'CommitWrittenTables',
      actions: ['glue:UpdateTable'],
      resources: [catalogArn, ...databases(written), ...written.map(tableArn)],
    }),
    ...(read.some((t) => !isWritten(t))
      ? [new iam.PolicyStatement({ sid: 'ReadSourceData', actions: ['s3:GetObject'], resources: objects(read.filter((t) => !isWritten(t))) })]
      : []),
    new iam.PolicyStatement({
      sid: 'ReadWriteTableData',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: objects(written),
    }),
    new iam.PolicyStatement({
      sid: 'WriteQueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [i.resultsBucket.arnForObjects(`${i.resultsPrefix}*`)],
    }),
    ...listStatements,
    new iam.PolicyStatement({
      sid: 'LocateBuckets',
      actions: ['s3:GetBucketLocation'],
      resources: [...buckets.keys()].map((b) => b.bucketArn),
    }),
    new iam.PolicyStatement({
      sid: 'UseLakeKey',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [i.key.keyArn],
    }),
    ...(i.catalogKey === undefined
      ? []
      : [new iam.PolicyStatement({ sid: 'UseCatalogKey', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: [i.catalogKey.keyArn] })]),
    new iam.PolicyStatement({ sid: 'DeadLetter', actions: ['sqs:SendMessage'], resources: [i.deadLetterQueue.queueArn] }),
    new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [i.logGroup.logGroupArn] }),
  ];
  return statements;
}

/**
 * Every permission of the scheduler's role: invoke the one function, and send undeliverable invocations to
 * the dead-letter queue (encrypted with the lake key, so `kms:GenerateDataKey`/`kms:Decrypt` too).
 */
export function renderSchedulerStatements(i: { fn: lambda.IFunction; deadLetterQueue: sqs.IQueue; key: kms.IKey }): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'InvokeRefresh', actions: ['lambda:InvokeFunction'], resources: [i.fn.functionArn] }),
    new iam.PolicyStatement({ sid: 'DeadLetter', actions: ['sqs:SendMessage'], resources: [i.deadLetterQueue.queueArn] }),
    new iam.PolicyStatement({ sid: 'EncryptDeadLetters', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [i.key.keyArn] }),
  ];
}

function objectResources(plan: RefreshPlan, locations: readonly MartTableLocation[], resultsBucket: s3.IBucket, resultsPrefix: string): string[] {
  const used = new Set(Object.values(plan.steps).flatMap((s) => [...s.reads, ...s.writes]).map((t) => `${t.database}.${t.table}`));
  return [...locations.filter((l) => used.has(`${l.database}.${l.table}`)).map((l) => l.bucket.arnForObjects(`${l.prefix}*`)), resultsBucket.arnForObjects(`${resultsPrefix}*`)];
}

function uniqueTables(tables: readonly PhysicalTable[]): PhysicalTable[] {
  const byKey = new Map(tables.map((t) => [`${t.database}.${t.table}`, t]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/**
 * Writes the plan as JSON into the app's output directory (`<outdir>/.lakeforge/`), named after its content,
 * for the `afterBundling` hook to copy into the bundle.
 */
function writePlanFile(scope: Construct, plan: RefreshPlan): string {
  const json = `${JSON.stringify(plan, null, 2)}\n`;
  const dir = path.join(Stage.of(scope)?.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-')), '.lakeforge');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `refresh-plan-${contentHash(json)}.json`);
  fs.writeFileSync(file, json);
  return file;
}

function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function validateProps(p: MartRefreshProps): void {
  const retries = p.retryAttempts;
  if (retries !== undefined && !Token.isUnresolved(retries) && (!Number.isInteger(retries) || retries < 0 || retries > 185)) {
    throw new Error(`MartRefresh: retryAttempts must be a whole number from 0 to 185, got ${retries}`);
  }
  const age = p.maxEventAge?.toSeconds();
  if (age !== undefined && !Token.isUnresolved(age) && (age < 60 || age > 21_600)) {
    throw new Error(`MartRefresh: maxEventAge must be from 1 minute to 6 hours, got ${age} s`);
  }
  for (const step of Object.values(p.plan.steps)) {
    for (const t of [...step.reads, ...step.writes]) {
      if (!p.tableLocations.some((l) => l.database === t.database && l.table === t.table)) {
        throw new Error(`MartRefresh: step ${step.id} uses table ${t.database}.${t.table}, which has no S3 location in tableLocations`);
      }
    }
  }
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
