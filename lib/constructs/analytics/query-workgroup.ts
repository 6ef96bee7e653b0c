import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The minimum bytes-scanned cutoff Athena accepts: 10 MB (Athena API reference, `WorkGroupConfiguration`). */
export const ATHENA_MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/** Athena engine version 3 (Trino based), the only one Lakeforge's SQL is written for. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/**
 * What a construct that runs statements in an Athena workgroup needs to know of it: its name, ARN and results
 * prefix. {@link QueryWorkgroup} is one; {@link queryWorkgroupReference} builds one from a workgroup's name alone (e.g.
 * a platform handle, a deploy-time value, in a product team's app).
 */
export interface QueryWorkgroupReference {
  /** The workgroup name (token allowed). */
  readonly workgroupName: string;
  /** The workgroup ARN. */
  readonly workgroupArn: string;
  /** Key prefix of the workgroup's query results in the results bucket, ending in `/` (token allowed). */
  readonly resultsPrefix: string;
}

/**
 * A reference to an existing workgroup of this account and region, by name: ARN built with `Stack.formatArn` (no
 * `Fn::Split`, so the name may be a CloudFormation dynamic reference), results prefix `<workgroupName>/` unless given
 * (the default of {@link QueryWorkgroup}, which every Lakeforge workgroup keeps).
 *
 * @param scope - any construct of the stack that uses the reference.
 * @param workgroupName - the workgroup name, e.g. `LakeforgePlatform.workgroupName('platform')`.
 * @param resultsPrefix - the workgroup's results prefix. @default '<workgroupName>/'
 */
export function queryWorkgroupReference(scope: Construct, workgroupName: string, resultsPrefix?: string): QueryWorkgroupReference {
  return {
    workgroupName,
    workgroupArn: Stack.of(scope).formatArn({ service: 'athena', resource: 'workgroup', resourceName: workgroupName }),
    resultsPrefix: resultsPrefix ?? `${workgroupName}/`,
  };
}

/** Properties of {@link QueryWorkgroup}. */
export interface QueryWorkgroupProps {
  /** The workgroup name, as people type it in query tools (see `workgroupName()` in lib/shared/naming). */
  readonly workgroupName: string;
  /** What the workgroup is for. */
  readonly description: string;
  /** Bucket for query results. */
  readonly resultsBucket: s3.IBucket;
  /**
   * Key prefix of this workgroup's results in `resultsBucket`.
   * @default '<workgroupName>/'
   */
  readonly resultsPrefix?: string;
  /** Customer-managed key that encrypts query results (SSE-KMS). */
  readonly encryptionKey: kms.IKey;
  /**
   * Per-query scan limit in bytes; a query that scans more is cancelled. Athena minimum: 10 MB.
   * Source: Athena User Guide, "Using workgroups to control query access and costs".
   */
  readonly bytesScannedCutoffPerQuery: number;
  /**
   * Whether `cdk destroy` may delete the workgroup together with its saved queries and history.
   * @default false
   */
  readonly allowDestroy?: boolean;
}

/**
 * An Athena workgroup with its configuration enforced: engine version 3, results in the lake's results
 * bucket encrypted with the lake key (SSE-KMS), CloudWatch metrics on, requester-pays off and a
 * bytes-scanned cutoff per query, so clients cannot override any of it.
 *
 * @example
 * const wg = new QueryWorkgroup(this, 'Analysts', {
 *   workgroupName: 'lakeforge-dev-analysts', description: 'Ad-hoc analysis',
 *   resultsBucket, encryptionKey: key, bytesScannedCutoffPerQuery: 1024 ** 3,
 * });
 * wg.grantUse(analystRole);
 */
export class QueryWorkgroup extends Construct implements QueryWorkgroupReference {
  /** The workgroup name. */
  public readonly workgroupName: string;
  /** The workgroup ARN (built with `Stack.formatArn`). */
  public readonly workgroupArn: string;
  /** The S3 prefix of this workgroup's query results. */
  public readonly resultsPrefix: string;
  private readonly resultsBucket: s3.IBucket;
  private readonly encryptionKey: kms.IKey;

  /** @throws Error when `bytesScannedCutoffPerQuery` is below 10 MB or not a whole number. */
  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    validateCutoff(props.bytesScannedCutoffPerQuery);
    this.workgroupName = props.workgroupName;
    this.resultsPrefix = props.resultsPrefix ?? `${props.workgroupName}/`;
    this.resultsBucket = props.resultsBucket;
    this.encryptionKey = props.encryptionKey;

    const wg = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workgroupName,
      description: props.description,
      state: 'ENABLED',
      recursiveDeleteOption: props.allowDestroy ?? false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        resultConfiguration: {
          outputLocation: props.resultsBucket.s3UrlForObject(this.resultsPrefix),
          expectedBucketOwner: Stack.of(this).account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });
    wg.applyRemovalPolicy(props.allowDestroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
    this.workgroupArn = Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workgroupName });
  }

  /**
   * Grants what a principal needs to run queries in this workgroup: the Athena query actions on the
   * workgroup, read/write of its results prefix and encrypt/decrypt with the results key. Catalog and
   * data access are granted separately (e.g. `DataProduct.grantRead`).
   */
  public grantUse(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions: [...WORKGROUP_QUERY_ACTIONS], resourceArns: [this.workgroupArn] });
    this.resultsBucket.grantReadWrite(grantee, `${this.resultsPrefix}*`);
    this.encryptionKey.grantEncryptDecrypt(grantee);
    return grant;
  }

  /**
   * The policy statements of {@link grantUse} with explicit actions only (no `s3:GetObject*`-style wildcards),
   * for a customer-managed policy: the Athena query actions on the workgroup, `s3:GetObject`/`s3:PutObject`/
   * `s3:AbortMultipartUpload` on the results prefix, `s3:ListBucket` and `s3:GetBucketLocation` on the results
   * bucket (listing limited to the prefix), and `kms:GenerateDataKey`/`kms:Decrypt` on the results key. The one
   * wildcard resource is {@link resultsObjectArn} (a key prefix).
   */
  public useStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ sid: 'QueryInWorkgroup', actions: [...WORKGROUP_QUERY_ACTIONS], resources: [this.workgroupArn] }),
      new iam.PolicyStatement({ sid: 'QueryResults', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: [this.resultsObjectArn()] }),
      new iam.PolicyStatement({
        sid: 'ListQueryResults',
        actions: ['s3:ListBucket'],
        resources: [this.resultsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.resultsPrefix}*`] } },
      }),
      new iam.PolicyStatement({ sid: 'LocateQueryResults', actions: ['s3:GetBucketLocation'], resources: [this.resultsBucket.bucketArn] }),
      new iam.PolicyStatement({ sid: 'EncryptQueryResults', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.encryptionKey.keyArn] }),
    ];
  }

  /** The object ARN of this workgroup's results prefix (`<results bucket>/<resultsPrefix>*`), the one wildcard of {@link useStatements}. */
  public resultsObjectArn(): string {
    return this.resultsBucket.arnForObjects(`${this.resultsPrefix}*`);
  }
}

/** The Athena actions a principal needs to run, follow and read queries (and saved queries) in one workgroup. */
const WORKGROUP_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetQueryResultsStream',
  'athena:GetQueryRuntimeStatistics',
  'athena:BatchGetQueryExecution',
  'athena:ListQueryExecutions',
  'athena:GetWorkGroup',
  'athena:GetNamedQuery',
  'athena:ListNamedQueries',
  'athena:BatchGetNamedQuery',
] as const;

function validateCutoff(bytes: number): void {
  if (Token.isUnresolved(bytes)) return;
  if (!Number.isInteger(bytes) || bytes < ATHENA_MIN_BYTES_SCANNED_CUTOFF) {
    throw new Error(
      `QueryWorkgroup: bytesScannedCutoffPerQuery must be a whole number ≥ ${ATHENA_MIN_BYTES_SCANNED_CUTOFF} bytes (10 MB), got ${bytes}`,
    );
  }
}
