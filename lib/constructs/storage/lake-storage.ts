import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeAll } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import { restrictGrantsToAwsServices } from '../../governance/key-policy';
import { statefulRemovalPolicy } from '../../shared/removal';
import { type BucketLifecycle, SecureBucket } from './secure-bucket';
import { REGISTRY_SCHEMAS_PREFIX } from '../../../lambdas/shared/env';

/** The buckets of the lake. */
export enum LakeZone {
  /** Append-only log of valid events as they arrived (JSON Lines, gzip), partitioned by arrival time. */
  RAW = 'raw',
  /** Typed, deduplicated data (Parquet), partitioned by event date. */
  CURATED = 'curated',
  /** Marts: the tables analysts, dashboards and ML read. */
  MARTS = 'marts',
  /** Bad rows: events that failed decoding or their contract, with the original bytes and the reason. */
  QUARANTINE = 'quarantine',
}

/** Lifecycle per bucket of the lake. */
export interface LakeLifecycles {
  /** Raw zone. */
  readonly raw: BucketLifecycle;
  /** Curated zone. */
  readonly curated: BucketLifecycle;
  /** Marts zone. */
  readonly marts: BucketLifecycle;
  /** Quarantine (bad rows). */
  readonly quarantine: BucketLifecycle;
  /** Athena query results. */
  readonly athenaResults: BucketLifecycle;
  /** S3 server access logs. */
  readonly accessLogs: BucketLifecycle;
  /**
   * Contract registry. Current schema objects must never expire (a published version is referenced by
   * every event of it forever): only noncurrent versions (left by an operator's repair) expire.
   * @default { noncurrentVersionExpireAfterDays: 365 } ({@link REGISTRY_DEFAULT_LIFECYCLE})
   */
  readonly registry?: BucketLifecycle;
}

/** Key prefix of the schemas in the registry bucket (Iglu static registry layout); defined with the ingest function's names. */
export { REGISTRY_SCHEMAS_PREFIX };

/** Lifecycle of the registry bucket when none is configured: current objects never expire. */
export const REGISTRY_DEFAULT_LIFECYCLE: BucketLifecycle = { noncurrentVersionExpireAfterDays: 365 };

/** Properties of {@link LakeStorage}. */
export interface LakeStorageProps {
  /** Lifecycle of each bucket. */
  readonly lifecycle: LakeLifecycles;
  /**
   * Whether a stack operation may delete the buckets and the key (dev only).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
  /**
   * Waiting period before a deleted lake key is destroyed, 7–30 days (AWS KMS `PendingWindowInDays`).
   * @default Duration.days(30)
   */
  readonly keyPendingWindow?: Duration;
  /**
   * Name of the IAM role of the environment's registry publisher function (`registryPublisherRoleName(env)`,
   * `lakeforge-<env>-registry-publisher`): the publishing gate, and the registry's writer. A fixed name, so the
   * bucket policy names the role before the function (in a later stack) exists.
   * @default - no publisher; then `registryWriterArnPatterns` must name at least one writer
   */
  readonly registryPublisherRoleName?: string;
  /**
   * IAM ARN patterns (`ArnLike`, `*` and `?` wildcards) of further principals that may write or delete objects in
   * the registry bucket, besides the publisher role ({@link registryPublisherRoleName}), e.g. a break-glass role
   * for an operator's repair. Everyone else is denied by the bucket policy, whatever their IAM policies say.
   * @default - only the publisher role
   */
  readonly registryWriterArnPatterns?: readonly string[];
}

/**
 * The stateful core of the lake: one customer-managed KMS key with yearly rotation, a bucket per
 * zone (raw, curated, marts, quarantine), an Athena results bucket and the S3 server-access-logs bucket
 * they all log to. Every bucket is a {@link SecureBucket} (no public access, TLS only, versioned,
 * SSE-KMS with a bucket key; the logs bucket uses SSE-S3 as S3 requires).
 *
 * It also holds the environment's contract registry: an Iglu static registry bucket (schemas under
 * `schemas/<vendor>/<name>/jsonschema/<M-R-A>`, Snowplow docs "Static Iglu repository",
 * https://docs.snowplow.io/docs/api-reference/iglu/iglu-repositories/static-repo/, and "Manage schemas using
 * Iglu Server", https://docs.snowplow.io/docs/event-studio/data-structures/manage/iglu/) that the ingest
 * function resolves unknown schema URIs against. Write model: the bucket policy denies `s3:PutObject`,
 * `s3:DeleteObject` and `s3:DeleteObjectVersion` on every object to any principal whose ARN
 * (`aws:PrincipalArn`, the role ARN for an assumed-role session) is neither the registry publisher's role
 * (`registryPublisherRoleName`) nor matches `registryWriterArnPatterns`; readers get read through
 * {@link LakeStorage.grantRegistryRead} and nothing else. The policy does not make a published version
 * immutable by itself: that is the job of the publisher (the publishing gate), which refuses to overwrite a
 * version with different content and never deletes; versioning keeps every overwritten or deleted object
 * recoverable.
 *
 * @example
 * const storage = new LakeStorage(this, 'Lake', { lifecycle, allowDestroy: false, registryPublisherRoleName: registryPublisherRoleName('dev') });
 * storage.grantRead(analystRole, LakeZone.MARTS);
 */
export class LakeStorage extends Construct {
  /** The customer-managed key that encrypts every lake bucket (and the stream, results, logs of the platform). */
  public readonly key: kms.Key;
  /** Raw zone bucket. */
  public readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  public readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket. */
  public readonly martsBucket: s3.IBucket;
  /** Quarantine (bad rows) bucket. */
  public readonly quarantineBucket: s3.IBucket;
  /** Athena query results bucket. */
  public readonly athenaResultsBucket: s3.IBucket;
  /** S3 server access logs bucket (SSE-S3). */
  public readonly accessLogsBucket: s3.IBucket;
  /**
   * Contract registry bucket: an Iglu static registry under {@link REGISTRY_SCHEMAS_PREFIX}, encrypted with
   * {@link LakeStorage.key}. Write access only for the deployment roles (see the class doc).
   */
  public readonly registryBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: LakeStorageProps) {
    super(scope, id);
    const allowDestroy = props.allowDestroy ?? false;

    this.key = new kms.Key(this, 'LakeKey', {
      description: 'Lakeforge lake key: S3 zones, Athena results, stream, logs',
      enableKeyRotation: true,
      pendingWindow: props.keyPendingWindow ?? Duration.days(30),
      removalPolicy: statefulRemovalPolicy(this, allowDestroy),
    });

    // Only AWS services (on a caller's behalf) create grants on the key (AWS Control Tower CT.KMS.PR.3).
    restrictGrantsToAwsServices(this.key);

    // CloudWatch Logs encrypts the platform's log groups with this key (AWS CloudWatch Logs User Guide,
    // "Encrypt log data in CloudWatch Logs using AWS KMS"): only for log groups of this account and region.
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );

    // CloudWatch alarms and EventBridge rules (pipeline failures) publish to the platform's encrypted SNS topic
    // (Amazon SNS Developer Guide, "Enable compatibility between event sources from AWS services and encrypted topics").
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsAndEventRulesOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    const logs = new SecureBucket(this, 'AccessLogs', { lifecycle: props.lifecycle.accessLogs, allowDestroy });
    acknowledgeAll(
      logs.bucket.node.defaultChild!,
      ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled', 'CT.S3.PR.2'],
      'This is the server access logs bucket; logging it into itself would create a log loop.',
      SIGN_OFFS.platformOperations,
    );
    acknowledgeAll(
      logs.bucket.node.defaultChild!,
      ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS', 'CT.S3.PR.10'],
      'S3 server access logging can only deliver to SSE-S3 buckets; SSE-KMS target buckets are not supported.',
      SIGN_OFFS.platformSecurity,
    );
    this.accessLogsBucket = logs.bucket;

    const zoneBucket = (id: string, lifecycle: BucketLifecycle): s3.IBucket =>
      new SecureBucket(this, id, {
        encryptionKey: this.key,
        serverAccessLogsBucket: logs.bucket,
        serverAccessLogsPrefix: `${id.toLowerCase()}/`,
        lifecycle,
        allowDestroy,
      }).bucket;

    this.rawBucket = zoneBucket('Raw', props.lifecycle.raw);
    this.curatedBucket = zoneBucket('Curated', props.lifecycle.curated);
    this.martsBucket = zoneBucket('Marts', props.lifecycle.marts);
    this.quarantineBucket = zoneBucket('Quarantine', props.lifecycle.quarantine);
    this.athenaResultsBucket = zoneBucket('AthenaResults', props.lifecycle.athenaResults);

    this.registryBucket = zoneBucket('Registry', props.lifecycle.registry ?? REGISTRY_DEFAULT_LIFECYCLE);
    // Only the publisher (and explicitly configured break-glass roles) write. Not the CDK bootstrap's CloudFormation
    // execution role any more: no stack deploys objects into the registry (CloudFormation has no S3 object resource,
    // and every product publishes through the publisher's custom resource), and keeping it would let any stack
    // deployed with that role's bootstrap — a product team's too, in a shared account — bypass the publishing gate.
    const writers = [
      ...(props.registryPublisherRoleName === undefined
        ? []
        : [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: props.registryPublisherRoleName })]),
      ...(props.registryWriterArnPatterns ?? []),
    ];
    this.registryBucket.addToResourcePolicy(renderRegistryWriteGuard(this.registryBucket, writers));

    for (const b of [logs.bucket, this.rawBucket, this.curatedBucket, this.martsBucket, this.quarantineBucket, this.athenaResultsBucket, this.registryBucket]) {
      acknowledgeAll(
        b.node.defaultChild!,
        ['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled'],
        'Single-region lake: durability comes from S3 (11 nines) plus versioning and RETAIN; cross-region replication is a disaster-recovery decision per account, not a blueprint default.',
        SIGN_OFFS.platformOperations,
      );
      acknowledgeAll(
        b.node.defaultChild!,
        ['CT.S3.PR.9'],
        'No S3 Object Lock: lake objects must stay deletable (lifecycle expiration per zone, Iceberg VACUUM of unreferenced files, erasure requests); versioning and RETAIN protect against accidental deletion.',
        SIGN_OFFS.platformSecurity,
      );
      acknowledgeAll(
        b.node.defaultChild!,
        ['CT.S3.PR.4'],
        'No S3 event notifications: nothing consumes object events (ingestion is Kinesis-driven, the pipeline runs on a schedule); access is recorded by server access logs and CloudTrail.',
        SIGN_OFFS.platformOperations,
      );
    }
  }

  /** The bucket of a zone. */
  public bucket(zone: LakeZone): s3.IBucket {
    switch (zone) {
      case LakeZone.RAW:
        return this.rawBucket;
      case LakeZone.CURATED:
        return this.curatedBucket;
      case LakeZone.MARTS:
        return this.martsBucket;
      case LakeZone.QUARANTINE:
        return this.quarantineBucket;
    }
  }

  /**
   * Grants read access to a zone (or a key prefix of it): `s3:GetObject*`, `s3:GetBucket*`, `s3:List*`
   * and `kms:Decrypt` on the lake key.
   *
   * @param grantee - the principal.
   * @param zone - the zone to read.
   * @param prefix - key prefix, e.g. `events/com.acme/click/v1/`. @default - the whole zone
   */
  public grantRead(grantee: iam.IGrantable, zone: LakeZone, prefix?: string): iam.Grant {
    return this.bucket(zone).grantRead(grantee, prefix === undefined ? undefined : `${prefix}*`);
  }

  /**
   * Grants what a registry reader (the ingest function) needs and nothing more: `s3:GetObject` on
   * `schemas/*`, `s3:ListBucket` on the registry bucket (without it S3 answers a missing key with 403
   * AccessDenied instead of 404 NoSuchKey, Amazon S3 API Reference, GetObject, "Permissions",
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html; a condition on `s3:prefix` would not
   * apply to that check) and `kms:Decrypt` on the lake key.
   */
  public grantRegistryRead(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.registryBucket.arnForObjects(`${REGISTRY_SCHEMAS_PREFIX}*`)],
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.registryBucket.bucketArn] });
    this.key.grantDecrypt(grantee);
    return objects;
  }

  /**
   * Grants write access to a zone (or a key prefix of it): `s3:PutObject`, `s3:Abort*`, `s3:DeleteObject*`
   * and `kms:Encrypt`/`GenerateDataKey*` on the lake key.
   *
   * @param grantee - the principal.
   * @param zone - the zone to write.
   * @param prefix - key prefix. @default - the whole zone
   */
  public grantWrite(grantee: iam.IGrantable, zone: LakeZone, prefix?: string): iam.Grant {
    return this.bucket(zone).grantWrite(grantee, prefix === undefined ? undefined : `${prefix}*`);
  }
}

/**
 * The registry bucket's write guard: deny `s3:PutObject`, `s3:DeleteObject`, `s3:DeleteObjectVersion` on every
 * object to every principal whose `aws:PrincipalArn` matches none of `writerArnPatterns` (`ArnNotLike`; IAM User
 * Guide, "AWS global condition context keys", aws:PrincipalArn: for a role session it is the role's ARN,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html). An explicit deny
 * wins over any allow, so no IAM policy elsewhere in the account can open writes (pure; exported for tests).
 * @throws Error when `writerArnPatterns` is empty (the bucket would be unwritable by everyone) or a pattern is
 *   not an ARN.
 */
export function renderRegistryWriteGuard(bucket: s3.IBucket, writerArnPatterns: readonly string[]): iam.PolicyStatement {
  if (writerArnPatterns.length === 0) {
    throw new Error('LakeStorage: the registry needs at least one writer (registryPublisherRoleName or registryWriterArnPatterns)');
  }
  for (const pattern of writerArnPatterns) {
    if (!Token.isUnresolved(pattern) && !pattern.startsWith('arn:')) {
      throw new Error(`LakeStorage: registryWriterArnPatterns must hold IAM ARN patterns (arn:<partition>:iam::<account>:role/<name>), got ${JSON.stringify(pattern)}`);
    }
  }
  return new iam.PolicyStatement({
    sid: 'RegistryWritesOnlyByPublisher',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
    resources: [bucket.arnForObjects('*')],
    conditions: { ArnNotLike: { 'aws:PrincipalArn': [...writerArnPatterns] } },
  });
}
