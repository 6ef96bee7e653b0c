import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE_DDL_SERVICE_NAME } from '../../../lambdas/shared/table-ddl-properties';
import { acknowledgeWildcardResources } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import { databaseName } from '../../shared/naming';
import type { QueryWorkgroup } from '../analytics/query-workgroup';
import { RAW_EVENTS_PREFIX } from '../ingestion/kinesis-ingestion';
import { createProviderFunction } from './provider-function';

/** Key prefix of the platform's own tables in the curated bucket (e.g. the watermark table under `_lakeforge/watermarks/`). */
export const LAKEFORGE_CONTROL_PREFIX = '_lakeforge/';

/**
 * What an `IcebergTables` resource needs from its provider: the function CloudFormation invokes and the Athena
 * workgroup the DDL runs in. {@link TableDdlFunction} is one; a product team's own CDK app can pass the values
 * it reads from the platform's SSM parameters.
 */
export interface ITableDdlProvider {
  /** The ARN of the table DDL function (the custom resource's `ServiceToken`). */
  readonly serviceToken: string;
  /** The Athena workgroup the DDL runs in. */
  readonly workgroupName: string;
}

/** Properties of {@link TableDdlFunction}. */
export interface TableDdlFunctionProps {
  /** Environment name: the function may create and evolve tables in `lakeforge_<env>_curated` and `lakeforge_<env>_marts`. */
  readonly environmentName: string;
  /** The platform workgroup the DDL runs in. */
  readonly workgroup: QueryWorkgroup;
  /** The Athena results bucket of that workgroup (its results prefix is `workgroup.resultsPrefix`). */
  readonly resultsBucket: s3.IBucket;
  /** The curated zone bucket (curated tables under `events/`, platform tables under `_lakeforge/`). */
  readonly curatedBucket: s3.IBucket;
  /** The marts zone bucket (one mart table per top-level prefix). */
  readonly martsBucket: s3.IBucket;
  /** The lake key: lake objects, query results and the function's logs. */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog encryption key, when the catalog is encrypted (`CatalogStack.encryption?.key`).
   * @default - the catalog is not encrypted with a customer-managed key; no catalog key permissions
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Whether a stack operation may delete the function's log group (dev only). Tables are never deleted by a
   * stack operation, whatever this says.
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * The provider of `Custom::LakeforgeIcebergTables` resources (see `IcebergTables`): a function CloudFormation
 * invokes directly (`ServiceToken` = its ARN, no Provider framework) that creates Iceberg tables with Athena
 * `CREATE TABLE`, evolves them with `ALTER TABLE … ADD COLUMNS`, and sets their description and `lakeforge.*`
 * parameters with Glue `UpdateTable` — never through an `AWS::Glue::Table`, whose updates strip an Iceberg
 * table's `table_type` and `metadata_location` (cloudformation-coverage-roadmap#1919, #2495). It never drops a
 * table, also not when a stack is deleted.
 *
 * Secure defaults: pinned Node.js runtime on ARM64, bundled with the local esbuild; its own log group encrypted
 * with the lake key; one customer-managed policy: Athena on the platform workgroup only; Glue
 * `GetDatabase`/`GetTable`/`CreateTable`/`UpdateTable` on the curated and marts databases and their tables;
 * S3 on the curated bucket's `events/` and `_lakeforge/` prefixes, the marts bucket and the workgroup's results
 * prefix; `cloudformation:DescribeStacks` (to tell a rollback from a forward update); the lake key (and the
 * catalog key when the catalog is encrypted).
 *
 * @example
 * const ddl = new TableDdlFunction(this, 'TableDdl', {
 *   environmentName: 'dev', workgroup: platformWorkgroup, resultsBucket: lake.athenaResultsBucket,
 *   curatedBucket: lake.curatedBucket, martsBucket: lake.martsBucket, encryptionKey: lake.key,
 *   logRetention: logs.RetentionDays.ONE_MONTH,
 * });
 * new IcebergTables(this, 'MartTables', { ddl, tables: marts.map((m) => renderMartIcebergTableSpec(m, ...)) });
 */
export class TableDdlFunction extends Construct implements ITableDdlProvider {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's single customer-managed policy. */
  public readonly policy: iam.ManagedPolicy;
  /** The function ARN: the `ServiceToken` of `Custom::LakeforgeIcebergTables` resources. */
  public readonly serviceToken: string;
  /** The Athena workgroup the DDL runs in. */
  public readonly workgroupName: string;

  /** @throws Error when `environmentName` is not a valid environment name. */
  constructor(scope: Construct, id: string, props: TableDdlFunctionProps) {
    super(scope, id);
    const databases = [databaseName(props.environmentName, 'curated'), databaseName(props.environmentName, 'marts')];

    const targets: TableDdlTargets = {
      stack: Stack.of(this),
      databases,
      workgroupArn: props.workgroup.workgroupArn,
      resultsBucket: props.resultsBucket,
      resultsPrefix: props.workgroup.resultsPrefix,
      curatedBucket: props.curatedBucket,
      martsBucket: props.martsBucket,
      key: props.encryptionKey,
      catalogKey: props.catalogEncryptionKey,
    };
    const scaffold = createProviderFunction(this, {
      idPrefix: 'TableDdl',
      lambdaName: 'table-ddl',
      description: `Lakeforge table DDL (${props.environmentName}): create and evolve Iceberg tables (custom resource provider)`,
      roleDescription: 'Lakeforge table DDL function: create and evolve Iceberg tables with Athena DDL',
      policyDescription: 'Lakeforge table DDL function (least privilege)',
      statements: (logGroup) => renderTableDdlStatements({ ...targets, logGroup }),
      serviceName: TABLE_DDL_SERVICE_NAME,
      // DDL takes seconds per statement; the handler stops a query and answers FAILED 20 s before this.
      timeout: Duration.minutes(15),
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      allowDestroy: props.allowDestroy,
      networkReason:
        'Reaches only regional AWS endpoints (Athena, Glue, CloudWatch) and the CloudFormation response URL over TLS; it touches no private resource, and Athena, not the function, reads and writes the lake.',
      concurrencyReason:
        'Invoked only by CloudFormation, once per table list per deployment, so concurrency is bounded by the stacks being deployed; reserved concurrency would fail deployments in new accounts (default quota 10).',
    });
    this.function = scaffold.function;
    this.logGroup = scaffold.logGroup;
    this.policy = scaffold.policy;

    const cfnPolicy = this.policy.node.defaultChild as iam.CfnManagedPolicy;
    acknowledgeWildcardResources(
      cfnPolicy,
      tableArns(targets),
      'Tables of exactly the curated and marts databases: product teams add contract MODELs and marts over time, and each new table must be creatable without a platform policy change; databases and actions are not wildcarded.',
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeWildcardResources(
      cfnPolicy,
      objectArns(targets),
      "Prefix-scoped object ARNs: the curated bucket's table prefixes (events/, _lakeforge/), the marts bucket (every top-level prefix is a mart table) and the platform workgroup's results prefix; Athena writes Iceberg metadata files under each table's location.",
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeWildcardResources(
      cfnPolicy,
      [stackArns(targets)],
      'cloudformation:DescribeStacks only (read-only) on the stacks of this account and region: any stack may hold Iceberg tables served by this function (platform stacks and product teams\' own stacks), and it must tell a rollback from a forward update.',
      SIGN_OFFS.platformSecurity,
    );

    this.serviceToken = this.function.functionArn;
    this.workgroupName = props.workgroup.workgroupName;
  }
}

/** What {@link renderTableDdlStatements} needs. */
export interface TableDdlStatementInputs {
  readonly stack: Stack;
  /** Glue database names the function may create tables in. */
  readonly databases: readonly string[];
  readonly workgroupArn: string;
  readonly resultsBucket: s3.IBucket;
  readonly resultsPrefix: string;
  readonly curatedBucket: s3.IBucket;
  readonly martsBucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly catalogKey?: kms.IKey;
  readonly logGroup: logs.ILogGroup;
}

/** The resources of {@link TableDdlStatementInputs}, without the function's log group. */
type TableDdlTargets = Omit<TableDdlStatementInputs, 'logGroup'>;

const tableArns = (i: TableDdlTargets): string[] =>
  i.databases.map((db) => i.stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${db}/*` }));

const stackArns = (i: TableDdlTargets): string => i.stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: '*' });

const objectArns = (i: TableDdlTargets): string[] => [
  i.curatedBucket.arnForObjects(`${RAW_EVENTS_PREFIX}*`),
  i.curatedBucket.arnForObjects(`${LAKEFORGE_CONTROL_PREFIX}*`),
  i.martsBucket.arnForObjects('*'),
  i.resultsBucket.arnForObjects(`${i.resultsPrefix}*`),
];

/**
 * Every permission of the table DDL function, spelled out. Athena runs DDL with the caller's permissions, so
 * the function needs what the statements need (Athena User Guide, "Querying Apache Iceberg tables" and "Access
 * to the AWS Glue Data Catalog"): Glue `GetDatabase`/`GetTable`/`CreateTable` for `CREATE TABLE`, `UpdateTable`
 * for `ALTER TABLE … ADD COLUMNS` (an Iceberg commit) and for the metadata update; S3 on the table locations
 * (Iceberg metadata files) and the results prefix; the keys. No `glue:DeleteTable`: it never drops a table.
 */
export function renderTableDdlStatements(i: TableDdlStatementInputs): iam.PolicyStatement[] {
  const catalogArn = i.stack.formatArn({ service: 'glue', resource: 'catalog' });
  const databaseArns = i.databases.map((db) => i.stack.formatArn({ service: 'glue', resource: 'database', resourceName: db }));
  const keys = [i.key.keyArn, ...(i.catalogKey ? [i.catalogKey.keyArn] : [])];
  return [
    new iam.PolicyStatement({
      sid: 'RunDdlInPlatformWorkgroup',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
      resources: [i.workgroupArn],
    }),
    new iam.PolicyStatement({
      sid: 'CreateAndEvolveTables',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'],
      resources: [catalogArn, ...databaseArns, ...tableArns(i)],
    }),
    new iam.PolicyStatement({
      sid: 'WriteTableMetadataAndResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: objectArns(i),
    }),
    new iam.PolicyStatement({
      sid: 'ListTableLocations',
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: [i.curatedBucket.bucketArn, i.martsBucket.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'ListQueryResults',
      actions: ['s3:ListBucket'],
      resources: [i.resultsBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [i.resultsPrefix, `${i.resultsPrefix}*`] } },
    }),
    new iam.PolicyStatement({ sid: 'LocateResultsBucket', actions: ['s3:GetBucketLocation'], resources: [i.resultsBucket.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'TellRollbacks',
      // Read-only: whether the requesting stack is rolling back (see lambdas/table-ddl/handler.ts).
      actions: ['cloudformation:DescribeStacks'],
      resources: [stackArns(i)],
    }),
    new iam.PolicyStatement({ sid: 'UseKeys', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: keys }),
    new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [i.logGroup.logGroupArn] }),
  ];
}
